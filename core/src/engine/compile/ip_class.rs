//! IP classes (DESIGN §3): the address space of each family cut at every `cidr`/`except`
//! boundary into disjoint ranges, so every ipBlock is a union of whole classes.

use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::spec::query::Family;

/// The IPv4-mapped IPv6 range `::ffff:0:0/96`, first and last address.
const MAPPED_START: u128 = 0xffff_0000_0000;
const MAPPED_END: u128 = 0xffff_ffff_ffff;

/// Sorted class start addresses per family; class `i` covers `[starts[i], starts[i + 1])`.
#[derive(Clone, Debug, Default)]
pub(crate) struct IpClasses {
    v4: Vec<u32>,
    v6: Vec<u128>,
}

impl IpClasses {
    /// Classes cut at the boundaries of `nets`.
    pub(crate) fn new<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> IpClasses {
        let mut v4 = alloc::vec![0u32];
        let mut v6 = alloc::vec![0u128];
        for net in nets {
            match net {
                IpNet::V4(n) => {
                    v4.push(u32::from(n.network()));
                    if let Some(end) = u32::from(n.broadcast()).checked_add(1) {
                        v4.push(end);
                    }
                }
                IpNet::V6(n) => {
                    v6.push(u128::from(n.network()));
                    if let Some(end) = u128::from(n.broadcast()).checked_add(1) {
                        v6.push(end);
                    }
                }
            }
        }
        v4.sort_unstable();
        v4.dedup();
        v6.sort_unstable();
        v6.dedup();
        IpClasses { v4, v6 }
    }

    /// Whether class `class` holds only IPv4-mapped IPv6 addresses (inside `::ffff:0:0/96`, as
    /// when a CIDR cuts there): addresses no query reaches as IPv6 (they are the IPv4
    /// addresses, S9a), to leave out of listings.
    pub(crate) fn is_mapped(&self, class: usize) -> bool {
        class.checked_sub(self.v4.len()).is_some_and(|i| {
            let last = self.v6.get(i + 1).map_or(u128::MAX, |next| next - 1);
            self.v6[i] >= MAPPED_START && last <= MAPPED_END
        })
    }

    /// Number of classes of both families; IPv4 classes come first.
    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// The family of class `class`.
    pub(crate) fn family(&self, class: usize) -> Family {
        if class < self.v4.len() {
            Family::Ipv4
        } else {
            Family::Ipv6
        }
    }

    /// The class of `ip` (an IPv4-mapped IPv6 address must be given as IPv4).
    #[inline]
    pub(crate) fn class_of(&self, ip: IpAddr) -> usize {
        match ip {
            IpAddr::V4(a) => self.v4.partition_point(|&s| s <= u32::from(a)) - 1,
            IpAddr::V6(a) => self.v4.len() + self.v6.partition_point(|&s| s <= u128::from(a)) - 1,
        }
    }

    /// The first address of class `class` (every address of a class behaves alike).
    pub(crate) fn start(&self, class: usize) -> IpAddr {
        match class.checked_sub(self.v4.len()) {
            None => IpAddr::V4(Ipv4Addr::from(self.v4[class])),
            Some(i) => IpAddr::V6(Ipv6Addr::from(self.v6[i])),
        }
    }

    /// The last address of class `class`.
    pub(crate) fn end(&self, class: usize) -> IpAddr {
        match class.checked_sub(self.v4.len()) {
            None => IpAddr::V4(Ipv4Addr::from(self.v4.get(class + 1).map_or(u32::MAX, |next| next - 1))),
            Some(i) => IpAddr::V6(Ipv6Addr::from(self.v6.get(i + 1).map_or(u128::MAX, |next| next - 1))),
        }
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.v4.capacity() * 4 + self.v6.capacity() * 16
    }
}
