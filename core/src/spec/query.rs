//! The vocabulary of a question: endpoints, options and the verdict.

use core::net::IpAddr;

use crate::spec::PodId;

/// One end of a connection: a pod of the cluster, or an IP address outside the pod model (S1).
///
/// An [`Endpoint::Ip`] that is some pod's IP means that pod: evaluators resolve it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// A pod, by its position in the cluster.
    Pod(PodId),
    /// An IP address.
    Ip(IpAddr),
}

impl Endpoint {
    /// The endpoint with an IPv4-mapped IPv6 address read as the IPv4 address (S9a).
    pub fn canonical(self) -> Endpoint {
        match self {
            Endpoint::Ip(ip) => Endpoint::Ip(ip.to_canonical()),
            pod => pod,
        }
    }

    /// The pod, if this endpoint is one.
    pub fn pod(self) -> Option<PodId> {
        match self {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(_) => None,
        }
    }
}

/// How a pod's traffic to itself is decided (S12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SelfTraffic {
    /// A pod can always reach itself; policies do not apply (what CNIs do).
    #[default]
    Allow,
    /// Self traffic is decided like any other connection (what upstream e2e expects).
    Evaluate,
}

impl SelfTraffic {
    /// `allow` or `evaluate`: how every face spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SelfTraffic::Allow => "allow",
            SelfTraffic::Evaluate => "evaluate",
        }
    }
}

impl core::fmt::Display for SelfTraffic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is not one of an option's spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOptionValue {
    /// The spellings the option takes.
    pub expected: &'static [&'static str],
}

impl core::fmt::Display for UnknownOptionValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let quoted: alloc::vec::Vec<alloc::string::String> =
            self.expected.iter().map(|e| alloc::format!("\"{e}\"")).collect();
        write!(f, "expected {}", quoted.join(" or "))
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownOptionValue {}

impl core::str::FromStr for SelfTraffic {
    type Err = UnknownOptionValue;

    /// `allow` or `evaluate`.
    fn from_str(text: &str) -> Result<SelfTraffic, UnknownOptionValue> {
        match text {
            "allow" => Ok(SelfTraffic::Allow),
            "evaluate" => Ok(SelfTraffic::Evaluate),
            _ => Err(UnknownOptionValue { expected: &["allow", "evaluate"] }),
        }
    }
}

/// Choices where CNIs differ; both evaluators honour them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// S12: self traffic.
    pub self_traffic: SelfTraffic,
    /// S9: whether ipBlocks also match pod IPs (default `true`).
    pub ip_block_matches_pods: bool,
    /// S15.3: how cluster policies of one tier and priority that disagree are decided.
    pub tie: crate::spec::Tie,
}

impl Options {
    /// `match` (ipBlocks also match pod IPs) or `ignore`, the spelling of
    /// [`Options::ip_block_matches_pods`] in every face.
    pub fn ip_block_pod_ips_str(&self) -> &'static str {
        if self.ip_block_matches_pods {
            "match"
        } else {
            "ignore"
        }
    }

    /// Parses `match` or `ignore` into [`Options::ip_block_matches_pods`].
    pub fn parse_ip_block_pod_ips(text: &str) -> Result<bool, UnknownOptionValue> {
        match text {
            "match" => Ok(true),
            "ignore" => Ok(false),
            _ => Err(UnknownOptionValue { expected: &["match", "ignore"] }),
        }
    }

    /// S12: whether a pod's traffic to itself is exempt from policies (always allowed).
    pub fn exempts_self_traffic(&self) -> bool {
        self.self_traffic == SelfTraffic::Allow
    }

    /// S12: whether the connection `src` → `dst` is exempt from policies: one pod to itself,
    /// with self traffic allowed. The one place every evaluator and analysis asks.
    pub fn self_exempt(&self, src: impl Into<Option<PodId>>, dst: impl Into<Option<PodId>>) -> bool {
        let (src, dst) = (src.into(), dst.into());
        self.exempts_self_traffic() && src.is_some() && src == dst
    }
}

impl Default for Options {
    fn default() -> Options {
        Options { self_traffic: SelfTraffic::Allow, ip_block_matches_pods: true, tie: crate::spec::Tie::DenyWins }
    }
}

/// An IP address family (S9a): a connection has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4 (an IPv4-mapped IPv6 address `::ffff:a.b.c.d` counts as IPv4).
    Ipv4,
    /// IPv6.
    Ipv6,
}

impl Family {
    /// Both families, IPv4 first.
    pub const ALL: [Family; 2] = [Family::Ipv4, Family::Ipv6];

    /// The family of `ip`, reading an IPv4-mapped IPv6 address as IPv4.
    pub fn of(ip: IpAddr) -> Family {
        match ip.to_canonical() {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// `IPv4` or `IPv6`, for people.
    pub fn name(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }

    /// `ipv4` or `ipv6`, the JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }

    /// This family's bit in a family mask (IPv4 1, IPv6 2).
    pub(crate) fn bit(self) -> u8 {
        match self {
            Family::Ipv4 => 1,
            Family::Ipv6 => 2,
        }
    }
}

impl core::fmt::Display for Family {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Per address family, whether the connection is allowed in it: `None` for a family the two
/// ends do not share (S9a). A pod without IPs shares every family; two pods of different single
/// families share none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FamilyVerdicts {
    /// The answer over IPv4, when both ends can use IPv4.
    pub ipv4: Option<bool>,
    /// The answer over IPv6, when both ends can use IPv6.
    pub ipv6: Option<bool>,
}

impl FamilyVerdicts {
    /// The answer in `family`.
    pub fn get(self, family: Family) -> Option<bool> {
        match family {
            Family::Ipv4 => self.ipv4,
            Family::Ipv6 => self.ipv6,
        }
    }

    /// Sets the answer in `family`.
    pub fn set(&mut self, family: Family, allowed: Option<bool>) {
        match family {
            Family::Ipv4 => self.ipv4 = allowed,
            Family::Ipv6 => self.ipv6 = allowed,
        }
    }

    /// The shared families with their answers, IPv4 first.
    pub fn iter(self) -> impl Iterator<Item = (Family, bool)> {
        Family::ALL.into_iter().filter_map(move |f| self.get(f).map(|a| (f, a)))
    }

    /// Whether the two ends share no family: no connection between them can exist.
    pub fn is_none_shared(self) -> bool {
        self.ipv4.is_none() && self.ipv6.is_none()
    }

    /// Whether the shared families answer differently (allowed over one only).
    pub fn differ(self) -> bool {
        matches!((self.ipv4, self.ipv6), (Some(a), Some(b)) if a != b)
    }
}

/// The answer for one connection: whether egress at the source and ingress at the destination
/// allow it (S1), and the answer per address family (S9a).
///
/// `egress` and `ingress` are those of one family: one that allows the connection if any does,
/// else the first family the ends share (IPv4 first). When the ends share no family both are
/// `false`: no connection between them can exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Verdict {
    /// Egress at the source allows it (always true for an IP source).
    pub egress: bool,
    /// Ingress at the destination allows it (always true for an IP destination).
    pub ingress: bool,
    /// Per shared address family, whether it is allowed.
    pub families: FamilyVerdicts,
}

impl Verdict {
    /// Both directions allow the connection (in some shared family).
    pub fn is_allowed(self) -> bool {
        self.egress && self.ingress
    }
}

/// The families a connection between `src` and `dst` can use, as a mask (IPv4 1, IPv6 2), S9a:
/// those both ends have. An endpoint given as an IP has its own family only (also a pod's IP);
/// a pod given by name has its IPs' families, every family when it has no IPs.
pub(crate) fn shared_families(cluster: &crate::Cluster, src: Endpoint, dst: Endpoint) -> u8 {
    let families = |e: Endpoint| match e {
        Endpoint::Ip(ip) => Family::of(ip).bit(),
        Endpoint::Pod(p) => ips_family_mask(&cluster.pod(p).ips),
    };
    families(src) & families(dst)
}

/// The families of a pod's IPs as a mask; every family when it has none.
pub(crate) fn ips_family_mask(ips: &[IpAddr]) -> u8 {
    match ips.iter().fold(0, |m, ip| m | Family::of(*ip).bit()) {
        0 => FAMILIES_ANY,
        m => m,
    }
}

/// The mask of every family.
pub(crate) const FAMILIES_ANY: u8 = 3;

#[cfg(test)]
mod tests {
    use super::{Options, SelfTraffic};

    #[test]
    fn option_spellings_read_back() {
        for s in [SelfTraffic::Allow, SelfTraffic::Evaluate] {
            assert_eq!(s.as_str().parse::<SelfTraffic>(), Ok(s));
            assert_eq!(alloc::format!("{s}"), s.as_str());
        }
        let e = "both".parse::<SelfTraffic>().unwrap_err();
        assert_eq!(alloc::format!("{e}"), "expected \"allow\" or \"evaluate\"");
        for matches in [true, false] {
            let o = Options { ip_block_matches_pods: matches, ..Options::default() };
            assert_eq!(Options::parse_ip_block_pod_ips(o.ip_block_pod_ips_str()), Ok(matches));
        }
        assert!(Options::parse_ip_block_pod_ips("yes").is_err());
    }
}
