//! Ports and protocols (S10, S11).

use alloc::string::String;
use core::fmt;

/// A transport protocol NetworkPolicies can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Protocol {
    /// TCP, the default.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// Every protocol, in a fixed order.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses the API spelling (`TCP`, `UDP`, `SCTP`; case-sensitive, as the API server is).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Parses a protocol as people type it on a command line (any case).
    pub fn parse_loose(s: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named container port of a pod: what named ports in policies resolve against (S11).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    /// The port's name, if it has one.
    pub name: Option<String>,
    /// The port number.
    pub number: u16,
    /// The protocol.
    pub protocol: Protocol,
}

/// Which ports of its protocol a policy port admits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortMatch {
    /// No `port`: every port.
    Any,
    /// `port` (and `endPort`): an inclusive range, `first <= last`.
    Range {
        /// `port`.
        first: u16,
        /// `endPort`, or `port` when there is none.
        last: u16,
    },
    /// A named port, resolved against the destination pod's container ports.
    Named(String),
}

/// One validated entry of a rule's `ports`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyPort {
    /// The protocol (TCP when the input had none).
    pub protocol: Protocol,
    /// The ports admitted.
    pub port: PortMatch,
}

impl PolicyPort {
    /// Whether this entry admits `port`/`protocol` towards a destination whose container ports
    /// are `destination_ports` (`None` for an IP destination, where a named port never matches).
    pub fn matches(&self, port: u16, protocol: Protocol, destination_ports: Option<&[ContainerPort]>) -> bool {
        if self.protocol != protocol {
            return false;
        }
        match &self.port {
            PortMatch::Any => true,
            PortMatch::Range { first, last } => (*first..=*last).contains(&port),
            PortMatch::Named(name) => destination_ports.is_some_and(|ports| {
                ports
                    .iter()
                    .any(|c| c.protocol == protocol && c.number == port && c.name.as_deref() == Some(name.as_str()))
            }),
        }
    }
}

impl fmt::Display for PolicyPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.port {
            PortMatch::Any => write!(f, "all/{}", self.protocol),
            PortMatch::Range { first, last } if first == last => write!(f, "{first}/{}", self.protocol),
            PortMatch::Range { first, last } => write!(f, "{first}-{last}/{}", self.protocol),
            PortMatch::Named(name) => write!(f, "{name}/{}", self.protocol),
        }
    }
}
