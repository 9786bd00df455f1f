//! Pods by IP address: the lookup behind IP endpoints, one compact table per family (8 bytes an
//! IPv4 entry, where a table keyed by `IpAddr` took 24).

use core::net::IpAddr;

use hashbrown::HashMap;

use crate::spec::{Pod, PodId};

/// The pod that has each address. An address two pods claim belongs to the later one.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodsByIp {
    v4: HashMap<u32, PodId>,
    v6: HashMap<u128, PodId>,
}

impl PodsByIp {
    /// The addresses of `pods`, by pod index.
    pub(crate) fn new(pods: &[Pod]) -> PodsByIp {
        let mut by_ip = PodsByIp::default();
        for (i, pod) in pods.iter().enumerate() {
            for ip in &pod.ips {
                match ip {
                    IpAddr::V4(a) => by_ip.v4.insert(u32::from(*a), PodId(i as u32)),
                    IpAddr::V6(a) => by_ip.v6.insert(u128::from(*a), PodId(i as u32)),
                };
            }
        }
        by_ip
    }

    /// The pod with address `ip` (taken as given: canonicalize IPv4-mapped addresses first).
    #[inline]
    pub(crate) fn get(&self, ip: IpAddr) -> Option<PodId> {
        match ip {
            IpAddr::V4(a) => self.v4.get(&u32::from(a)).copied(),
            IpAddr::V6(a) => self.v6.get(&u128::from(a)).copied(),
        }
    }

    /// Gives `ip` to pod `id`.
    pub(crate) fn insert(&mut self, ip: IpAddr, id: PodId) {
        match ip {
            IpAddr::V4(a) => self.v4.insert(u32::from(a), id),
            IpAddr::V6(a) => self.v6.insert(u128::from(a), id),
        };
    }

    /// Forgets `ip` when pod `id` has it.
    pub(crate) fn remove(&mut self, ip: IpAddr, id: PodId) {
        if self.get(ip) == Some(id) {
            match ip {
                IpAddr::V4(a) => self.v4.remove(&u32::from(a)),
                IpAddr::V6(a) => self.v6.remove(&u128::from(a)),
            };
        }
    }

    /// Follows a pod inserted at position `at` (`inserted`) or removed from it: the pods after
    /// it move one place.
    pub(crate) fn shift(&mut self, at: PodId, inserted: bool) {
        let ids = self.v4.values_mut().chain(self.v6.values_mut());
        ids.for_each(|id| *id = shifted(*id, at, inserted));
    }

    /// Bytes held: entries and a control byte each.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.v4.capacity() * (core::mem::size_of::<(u32, PodId)>() + 1)
            + self.v6.capacity() * (core::mem::size_of::<(u128, PodId)>() + 1)
    }
}

/// Where pod `id` is after a pod was inserted at `at` (`inserted`) or removed from it.
pub(crate) fn shifted(id: PodId, at: PodId, inserted: bool) -> PodId {
    match (inserted, id.0 >= at.0) {
        (true, true) => PodId(id.0 + 1),
        (false, true) if id.0 > at.0 => PodId(id.0 - 1),
        _ => id,
    }
}
