//! Port classes (DESIGN §3): per protocol, 0–65535 cut at every port/endPort boundary and at
//! every number a named port resolves to, so each rule's ports are a union of whole classes.

use alloc::vec;
use alloc::vec::Vec;

use crate::spec::Protocol;

/// Port → class tables for the three protocols; class ids are global across protocols.
#[derive(Clone, Debug)]
pub(crate) struct PortClasses {
    /// `[protocol][port]` → global class id. `u32`: there are up to 3 × 65,536 classes.
    table: Vec<u32>,
    /// Per protocol: sorted class start ports.
    starts: [Vec<u16>; 3],
    /// Per protocol: the global id of its first class.
    offsets: [usize; 3],
    count: usize,
}

pub(crate) fn protocol_index(p: Protocol) -> usize {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
    }
}

impl PortClasses {
    /// Classes cut at `boundaries`: `(protocol, first port of a new class)`.
    pub(crate) fn new(boundaries: impl IntoIterator<Item = (Protocol, u32)>) -> PortClasses {
        let mut starts: [Vec<u16>; 3] = [vec![0], vec![0], vec![0]];
        for (p, b) in boundaries {
            if let Ok(b) = u16::try_from(b) {
                starts[protocol_index(p)].push(b);
            }
        }
        let mut offsets = [0; 3];
        let mut count = 0;
        let mut table = vec![0u32; 3 * 65536];
        for (i, s) in starts.iter_mut().enumerate() {
            s.sort_unstable();
            s.dedup();
            offsets[i] = count;
            let mut class = count;
            for port in 0..=u16::MAX {
                if s.get(class - count + 1) == Some(&port) {
                    class += 1;
                }
                table[i * 65536 + port as usize] = class as u32;
            }
            count += s.len();
        }
        PortClasses { table, starts, offsets, count }
    }

    /// Total number of classes.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The class of `port`/`protocol`.
    #[inline(always)]
    pub(crate) fn class_of(&self, port: u16, protocol: Protocol) -> usize {
        self.table[protocol_index(protocol) * 65536 + port as usize] as usize
    }

    /// The global ids of `protocol`'s classes.
    pub(crate) fn classes_of(&self, protocol: Protocol) -> core::ops::Range<usize> {
        let p = protocol_index(protocol);
        self.offsets[p]..self.offsets[p] + self.starts[p].len()
    }

    /// The protocol and inclusive port range of global class `class`.
    pub(crate) fn range(&self, class: usize) -> (Protocol, u16, u16) {
        let p = (0..3).rev().find(|&i| class >= self.offsets[i]).unwrap_or(0);
        let local = class - self.offsets[p];
        let first = self.starts[p][local];
        let last = self.starts[p].get(local + 1).map_or(u16::MAX, |next| next - 1);
        (Protocol::ALL[p], first, last)
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.capacity() * 4 + self.starts.iter().map(|s| s.capacity() * 2).sum::<usize>()
    }
}
