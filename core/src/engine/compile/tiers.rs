//! The admin tiers (S15) compiled into the same rows as NetworkPolicies.
//!
//! After the v1 rows are built, every (identity, direction) that some cluster policy applies to
//! gets, per port class, the row of its final answer over every column: the admin tier's
//! accepted columns, then (for columns the admin tier did not accept or deny) the v1 row when
//! NetworkPolicies isolate the identity, else whatever the baseline tier does not deny. A
//! decision stays the same reads and one bit test: the tiers cost compile time, not decide time.
//!
//! A tier is walked as the rules say (S15.2, S15.3): priority groups in order; in a group, each
//! policy's rules in order, each taking the columns it matches that earlier rules of the same
//! policy did not take; the group's accept, deny and pass columns reconciled by the tie option;
//! columns a group decides are closed to later groups. Port classes where the same rules match
//! the same way (and the v1 row is the same) share one computation.

use alloc::vec;
use alloc::vec::Vec;

use hashbrown::HashMap;
use smallvec::SmallVec;

use super::port_class::{protocol_index, PortClasses};
use super::rows::RowSet;
use super::{bits, Identity, NamedPort};
use crate::spec::{AdminPort, AdminRule, Cluster, Direction, PortMatch, Tie, Tier};

/// One rule of a cluster policy, ready to apply: where it sits and the columns its peers match.
pub(super) struct TierRule<'c> {
    pub tier: Tier,
    pub priority: u32,
    /// The policy's index in [`Cluster::cluster_policies`].
    pub policy: usize,
    pub rule: &'c AdminRule,
    /// The row of the columns its peers match (all columns when it fails closed and does not
    /// accept, none when it fails closed and accepts).
    pub peers: u32,
}

/// How a rule's ports meet one port class.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Hit {
    /// Every destination column.
    All,
    /// Only destinations defining one of these named ports (egress: the named port resolves at
    /// the peer).
    Named(SmallVec<[NamedPort; 2]>),
}

/// What decides a row: the rules that can match at a port class and how, in order; the v1 row;
/// whether NetworkPolicies isolate.
type Resolution = (SmallVec<[(u32, Hit); 4]>, u32, bool);

/// The rules of each (identity, direction) and what the tiers need of the rest of the compile.
pub(super) struct TierPlan<'c> {
    pub rules: Vec<TierRule<'c>>,
    /// Per direction (egress 0, ingress 1), per identity: its rules, in tier, priority, policy
    /// and rule order; empty when no cluster policy applies.
    pub by_identity: [Vec<Vec<u32>>; 2],
}

impl<'c> TierPlan<'c> {
    /// The rules applying to each identity. `subject_of(policy, identity)` answers S15.5. Peer
    /// rows are filled in later ([`TierPlan::set_peers`]), once the budget allows them.
    pub(super) fn new(
        cluster: &'c Cluster,
        identities: usize,
        mut subject_of: impl FnMut(usize, usize) -> bool,
    ) -> TierPlan<'c> {
        let mut rules = Vec::new();
        let mut by_identity = [vec![Vec::new(); identities], vec![Vec::new(); identities]];
        for (k, policy) in cluster.cluster_policies().iter().enumerate() {
            let mut ids: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
            for (side, direction) in [Direction::Egress, Direction::Ingress].into_iter().enumerate() {
                for rule in policy.rules(direction) {
                    ids[side].push(rules.len() as u32);
                    rules.push(TierRule { tier: policy.tier, priority: policy.priority, policy: k, rule, peers: 0 });
                }
            }
            if ids.iter().all(Vec::is_empty) {
                continue;
            }
            for i in (0..identities).filter(|&i| subject_of(k, i)) {
                for side in 0..2 {
                    by_identity[side][i].extend_from_slice(&ids[side]);
                }
            }
        }
        TierPlan { rules, by_identity }
    }

    /// Sets each rule's peer row.
    pub(super) fn set_peers(&mut self, mut peers_of: impl FnMut(&'c AdminRule) -> u32) {
        for rule in &mut self.rules {
            rule.peers = peers_of(rule.rule);
        }
    }

    /// The (identity, side) pairs whose rows the tiers rewrite.
    pub(super) fn jobs(&self) -> usize {
        self.by_identity.iter().map(|ids| ids.iter().filter(|r| !r.is_empty()).count()).sum()
    }
}

/// What applying the tiers reads of the compile.
pub(super) struct TierContext<'a> {
    pub ports: &'a PortClasses,
    pub identities: &'a [Identity],
    pub named_ids: &'a HashMap<(&'a str, u8), u32>,
    /// Per referenced named port number: the columns of identities defining it.
    pub named_cols: &'a HashMap<NamedPort, Vec<u64>>,
    pub tie: Tie,
    pub all_row: u32,
}

impl TierContext<'_> {
    /// How `rule`'s ports meet port class `pc` in `direction` at identity `local`; `None` when
    /// they do not.
    fn hit(&self, rule: &AdminRule, direction: Direction, local: usize, pc: usize) -> Option<Hit> {
        if rule.fails_closed() || rule.ports.is_empty() {
            return Some(Hit::All); // S15.7, S15.8 (the peer row says the rest)
        }
        let (protocol, first, last) = self.ports.range(pc);
        let mut named: SmallVec<[NamedPort; 2]> = SmallVec::new();
        for port in &rule.ports {
            match port {
                AdminPort::Port(p) if p.protocol == protocol => {
                    let covers = match p.port {
                        PortMatch::Any => true,
                        PortMatch::Range { first: a, last: b } => a <= first && last <= b,
                        PortMatch::Named(_) => false,
                    };
                    if covers {
                        return Some(Hit::All);
                    }
                }
                AdminPort::Named(name) if first == last => {
                    let p = protocol_index(protocol) as u8;
                    let Some(&id) = self.named_ids.get(&(name.as_str(), p)) else { continue };
                    let key = (id, p, first);
                    match direction {
                        // S15.7: resolved on the destination, this identity.
                        Direction::Ingress => {
                            if self.identities[local].named.binary_search(&key).is_ok() {
                                return Some(Hit::All);
                            }
                        }
                        Direction::Egress => {
                            if self.named_cols.contains_key(&key) {
                                named.push(key);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        (!named.is_empty()).then_some(Hit::Named(named))
    }

    /// Rewrites `index` (identity major, `classes` entries per identity) for every identity the
    /// plan names in `direction`. `isolated[i]` says whether NetworkPolicies isolate identity `i`.
    pub(super) fn apply(
        &self,
        plan: &TierPlan<'_>,
        direction: Direction,
        isolated: &[bool],
        rows: &mut RowSet,
        index: &mut [u32],
    ) {
        let side = if direction == Direction::Egress { 0 } else { 1 };
        let classes = self.ports.len();
        let mut done: HashMap<Resolution, u32> = HashMap::new();
        let mut work = Work::new(rows.scratch().len());
        for (i, rule_ids) in plan.by_identity[side].iter().enumerate() {
            if rule_ids.is_empty() {
                continue;
            }
            for pc in 0..classes {
                let v1 = index[i * classes + pc];
                let signature: SmallVec<[(u32, Hit); 4]> = rule_ids
                    .iter()
                    .filter_map(|&r| self.hit(plan.rules[r as usize].rule, direction, i, pc).map(|h| (r, h)))
                    .collect();
                if signature.is_empty() {
                    continue; // No cluster policy rule can match here: the v1 answer stands.
                }
                let key = (signature, v1, isolated[i]);
                if let Some(&row) = done.get(&key) {
                    index[i * classes + pc] = row;
                    continue;
                }
                let row = work.resolve(self, plan, &key.0, v1, isolated[i], rows);
                index[i * classes + pc] = row;
                done.insert(key, row);
            }
        }
    }
}

/// Scratch rows for one resolution.
struct Work {
    mask: Vec<u64>,
    taken: Vec<u64>,
    /// Per action (accept, deny, pass): the columns a group's policies matched with it.
    group: [Vec<u64>; 3],
    /// Columns a tier decided (accept, deny or pass) in earlier groups.
    closed: Vec<u64>,
    /// Final columns: accepted or denied by the admin tier.
    fin: Vec<u64>,
    accepted: Vec<u64>,
    denied: Vec<u64>,
}

impl Work {
    fn new(words: usize) -> Work {
        let z = || vec![0u64; words];
        Work { mask: z(), taken: z(), group: [z(), z(), z()], closed: z(), fin: z(), accepted: z(), denied: z() }
    }

    /// The final row for the rules of `signature` (in order) over the v1 row `v1`.
    fn resolve(
        &mut self,
        cx: &TierContext<'_>,
        plan: &TierPlan<'_>,
        signature: &[(u32, Hit)],
        v1: u32,
        isolated: bool,
        rows: &mut RowSet,
    ) -> u32 {
        let words = self.mask.len();
        // The admin tier.
        let admin: Vec<&(u32, Hit)> =
            signature.iter().filter(|(r, _)| plan.rules[*r as usize].tier == Tier::Admin).collect();
        let baseline: Vec<&(u32, Hit)> =
            signature.iter().filter(|(r, _)| plan.rules[*r as usize].tier == Tier::Baseline).collect();
        self.fin.fill(0);
        self.accepted.fill(0);
        self.tier(cx, plan, &admin, rows);
        // accepted/denied now hold the admin tier's final columns.
        let admin_accepted = self.accepted.clone();
        self.fin.iter_mut().zip(self.accepted.iter().zip(&self.denied)).for_each(|(f, (a, d))| *f = a | d);
        let mut out = admin_accepted;
        if isolated {
            // S15.4: NetworkPolicies decide the rest.
            let v1 = rows.row(v1);
            for (w, o) in out.iter_mut().enumerate() {
                *o |= v1.word(w) & !self.fin[w];
            }
        } else {
            // S15.1: the baseline tier over what is left; what it does not deny is allowed.
            let fin = self.fin.clone();
            self.accepted.fill(0);
            self.closed.copy_from_slice(&fin);
            self.tier_from_closed(cx, plan, &baseline, rows);
            for w in 0..words {
                out[w] |= !fin[w] & !self.denied[w];
            }
            // Columns past the last are never set.
            let all = rows.row(cx.all_row);
            for (w, o) in out.iter_mut().enumerate() {
                *o &= all.word(w);
            }
        }
        rows.intern(&out)
    }

    /// One tier from nothing closed; leaves its accepted and denied columns in `accepted` and
    /// `denied`.
    fn tier(&mut self, cx: &TierContext<'_>, plan: &TierPlan<'_>, rules: &[&(u32, Hit)], rows: &mut RowSet) {
        self.closed.fill(0);
        self.tier_from_closed(cx, plan, rules, rows);
    }

    /// One tier over the columns not in `closed`.
    fn tier_from_closed(&mut self, cx: &TierContext<'_>, plan: &TierPlan<'_>, rules: &[&(u32, Hit)], rows: &RowSet) {
        self.denied.fill(0);
        let words = self.mask.len();
        let mut at = 0;
        while at < rules.len() {
            let priority = plan.rules[rules[at].0 as usize].priority;
            let end = at + rules[at..].iter().take_while(|(r, _)| plan.rules[*r as usize].priority == priority).count();
            self.group.iter_mut().for_each(|g| g.fill(0));
            let mut policy = usize::MAX;
            for (r, hit) in &rules[at..end] {
                let rule = &plan.rules[*r as usize];
                if rule.policy != policy {
                    policy = rule.policy;
                    self.taken.copy_from_slice(&self.closed);
                }
                // The columns this rule matches that the policy's earlier rules did not take.
                rows.row(rule.peers).copy_into(&mut self.mask);
                if let Hit::Named(named) = hit {
                    let mut allowed = vec![0u64; words];
                    for np in named {
                        bits::or_into(&mut allowed, &cx.named_cols[np]);
                    }
                    self.mask.iter_mut().zip(&allowed).for_each(|(m, a)| *m &= a);
                }
                let g = &mut self.group[rule.rule.effective_action() as usize];
                for ((g, t), m) in g.iter_mut().zip(self.taken.iter_mut()).zip(&self.mask) {
                    let m = m & !*t;
                    *t |= m;
                    *g |= m;
                }
            }
            // S15.3: the group's actions reconciled per column.
            let [acc, deny, pass] = &self.group;
            for w in 0..words {
                let (a, d, p) = (acc[w], deny[w], pass[w]);
                let (a, d, p) = match cx.tie {
                    Tie::AcceptWins => (a, d & !a & !p, p & !a),
                    Tie::DenyWins | Tie::Error => (a & !d & !p, d, p & !d),
                };
                self.accepted[w] |= a;
                self.denied[w] |= d;
                self.closed[w] |= a | d | p;
            }
            at = end;
        }
    }
}
