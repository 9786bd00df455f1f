//! Pods by IP address: the lookup behind IP endpoints, one compact table per family (8 bytes an
//! IPv4 entry, where a table keyed by `IpAddr` took 24).

use alloc::vec::Vec;
use core::net::IpAddr;

use hashbrown::HashMap;

use crate::engine::compile::ip_class::IpClasses;
use crate::spec::{Pod, PodId};

/// The pod that has each address. An address two pods claim belongs to the later one.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodsByIp {
    v4: HashMap<u32, PodId>,
    v6: HashMap<u128, PodId>,
    /// Per IP class, whether some pod's address lies in it: an address of a class without
    /// any is no pod's, known without the lookup (most outside addresses).
    class_has_pods: Vec<bool>,
}

impl PodsByIp {
    /// The addresses of `pods`, by pod index, and the classes of `classes` they lie in.
    pub(crate) fn new(pods: &[Pod], classes: &IpClasses) -> PodsByIp {
        let mut by_ip = PodsByIp { class_has_pods: alloc::vec![false; classes.len()], ..PodsByIp::default() };
        for (i, pod) in pods.iter().enumerate() {
            for &ip in &pod.ips {
                match ip {
                    IpAddr::V4(a) => by_ip.v4.insert(u32::from(a), PodId(i as u32)),
                    IpAddr::V6(a) => by_ip.v6.insert(u128::from(a), PodId(i as u32)),
                };
                by_ip.class_has_pods[classes.class_of(ip.to_canonical())] = true;
            }
        }
        by_ip
    }

    /// [`PodsByIp::get`] for an address of IP class `class`: no lookup when no pod's address
    /// lies in that class.
    #[inline(always)]
    pub(crate) fn get_in_class(&self, ip: IpAddr, class: usize) -> Option<PodId> {
        if self.class_has_pods[class] {
            self.get(ip)
        } else {
            None
        }
    }

    /// The pod with address `ip` (taken as given: canonicalize IPv4-mapped addresses first).
    #[inline(always)]
    pub(crate) fn get(&self, ip: IpAddr) -> Option<PodId> {
        match ip {
            IpAddr::V4(a) => self.v4.get(&u32::from(a)).copied(),
            IpAddr::V6(a) => self.v6.get(&u128::from(a)).copied(),
        }
    }

    /// Bytes held: entries and a control byte each.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.v4.capacity() * (core::mem::size_of::<(u32, PodId)>() + 1)
            + self.v6.capacity() * (core::mem::size_of::<(u128, PodId)>() + 1)
            + self.class_has_pods.capacity()
    }
}
