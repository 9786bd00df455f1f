//! The size of the tables, told before they are built (issue 17: bounded by construction).
//!
//! The compiler first works out, without building a row, how many distinct rows the peers, the
//! rules and the port sweeps can make at most, how wide a row is and how large the indexes are;
//! [`Estimate::bytes`] turns that into bytes. Past the budget (the `compile-bytes` limit) the
//! compile is refused before anything large is allocated. The count is an upper bound: two
//! different peer sets may still give one row, and interning stores it once.

use alloc::format;
use alloc::string::String;

use hashbrown::HashMap;

use super::{NamedPort, Span};

/// What the tables of one compile take at most, and why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Estimate {
    /// Pods.
    pub pods: usize,
    /// Distinct pod label sets (per namespace), each with one answer per pod selector.
    pub label_sets: usize,
    /// Distinct pod selectors.
    pub selectors: usize,
    /// Identities.
    pub identities: usize,
    /// Port classes of all protocols.
    pub port_classes: usize,
    /// Columns of a row: identities, IPv6 columns of split identities, IP classes.
    pub columns: usize,
    /// Distinct rows at most.
    pub rows: usize,
    /// Rows of named-port columns (one per referenced named port number).
    pub named_rows: usize,
}

impl Estimate {
    /// Bytes, rounded up: rows with their interning index, the two port-class indexes, the
    /// selector answers, the per-pod and per-column arrays (IP class bounds, the sweep's
    /// counters) and the fixed port table.
    pub(crate) fn bytes(&self) -> usize {
        // A pod's lookup word holds its identity in 29 bits ([`super::PodLookup`]): more
        // identities (or pods, which bound them) than that are past any budget.
        if self.identities.max(self.pods) >= super::MAX_IDENTITIES {
            return usize::MAX;
        }
        // Rows are stored in blocks ([`super::rows`]): per row a 16-byte head per 64 blocks and
        // at worst a 4-byte id per block, every block of every row distinct, 64 bytes each. A
        // `HashTable<u32>` entry is 4 bytes and a control byte, at most 7/8 full, and capacities
        // are powers of two: 12 bytes per interned row or block covers it.
        let blocks = self.columns.div_ceil(super::rows::BLOCK_BITS);
        let heads = blocks.div_ceil(64).max(1).saturating_mul(16);
        let row_bytes = blocks.saturating_mul(4 + 8 * super::rows::BLOCK_WORDS + 12).saturating_add(heads);
        let rows = self.rows.saturating_add(self.named_rows).saturating_add(4);
        let row_total = rows.saturating_mul(row_bytes.saturating_add(12));
        let index = self.identities.saturating_mul(self.port_classes).saturating_mul(2 * 4);
        let answers = self.label_sets.saturating_mul(self.selectors.div_ceil(64).saturating_mul(8) + 12);
        // Per pod: identity, lookup pair, member; per column: an IP class bound (up to 16
        // bytes, with slack) and a sweep counter.
        let sweep = self.pods.saturating_mul(24).saturating_add(self.columns.saturating_mul(40));
        let fixed = 3 * 65_536 * 4;
        row_total.saturating_add(index).saturating_add(answers).saturating_add(sweep).saturating_add(fixed)
    }

    /// The refusal: the estimate, what makes it, the limit and how to raise it.
    pub(crate) fn over(&self, max: usize) -> String {
        let bytes = self.bytes();
        let parts = if self.columns == 0 {
            format!("{} pod label sets x {} pod selectors", self.label_sets, self.selectors)
        } else {
            format!(
                "up to {} rows of {} columns, {} identities x {} port classes",
                self.rows + self.named_rows,
                self.columns,
                self.identities,
                self.port_classes
            )
        };
        format!(
            "the compiled tables would take up to {bytes} bytes ({} MiB: {parts}): over the limit of {max} \
             (raise it with the `compile-bytes` limit)",
            bytes.div_ceil(1 << 20)
        )
    }
}

/// The rows one sweep over `spans` (peer sets by id, `sets` of them) can add: a union where two
/// or more distinct rows are active, and a named-port restriction per (peer set, named port) not
/// seen before (`named` keeps them across sweeps, as the sweep does). Where one row is active
/// the sweep takes it as is; where none is, the empty row.
pub(crate) fn sweep_rows(
    spans: &[(Span, Option<NamedPort>)],
    classes: usize,
    sets: u32,
    named: &mut HashMap<(u32, NamedPort), u32>,
) -> usize {
    let mut added = 0;
    let mut events: alloc::vec::Vec<(usize, u8, u32)> = alloc::vec::Vec::with_capacity(spans.len() * 2);
    for (span, np) in spans {
        let row = match np {
            None => span.row,
            Some(np) => {
                let next = sets + named.len() as u32;
                *named.entry((span.row, *np)).or_insert_with(|| {
                    added += 1;
                    next
                })
            }
        };
        events.push((span.start, 0, row));
        events.push((span.end, 1, row));
    }
    events.sort_unstable();
    let mut active: HashMap<u32, u32> = HashMap::new();
    let mut e = 0;
    while e < events.len() {
        let at = events[e].0.min(classes);
        let mut changed = false;
        while e < events.len() && events[e].0.min(classes) == at {
            let (_, kind, row) = events[e];
            let count = active.entry(row).or_insert(0);
            if kind == 0 {
                *count += 1;
                changed |= *count == 1;
            } else {
                *count -= 1;
                if *count == 0 {
                    active.remove(&row);
                    changed = true;
                }
            }
            e += 1;
        }
        if changed && at < classes && active.len() >= 2 {
            added += 1;
        }
    }
    added
}
