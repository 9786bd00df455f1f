//! ipBlocks (S9): a CIDR minus its excepts.

use alloc::vec::Vec;
use core::net::IpAddr;
use ipnet::IpNet;

/// A validated ipBlock: every except is a strict subset of `cidr`, of the same family.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpBlock {
    cidr: IpNet,
    except: Vec<IpNet>,
}

impl IpBlock {
    /// An ipBlock from validated parts (host bits already cleared).
    pub fn new(cidr: IpNet, except: Vec<IpNet>) -> IpBlock {
        IpBlock { cidr, except }
    }

    /// The block's CIDR.
    pub fn cidr(&self) -> IpNet {
        self.cidr
    }

    /// The excepted sub-ranges.
    pub fn except(&self) -> &[IpNet] {
        &self.except
    }

    /// Whether `ip` is inside `cidr` and inside none of the excepts. IPv4 and IPv6 never match
    /// each other (an IPv4-mapped IPv6 address is IPv6).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(&ip) && !self.except.iter().any(|e| e.contains(&ip))
    }
}
