//! The identity of a pod the tables were not compiled with (issue 20): what an incremental
//! engine ([`Live`](crate::Live)) needs to place a new or changed pod into an identity that
//! already exists, without compiling again.
//!
//! A pod's identity is a function of its namespace, its answers to every pod selector, its
//! address families, its IP classes (when they count) and the referenced named ports it defines
//! ([`IdentityKey`]). The keyer keeps those selectors, answers and names, owned, so it outlives
//! the compile that made it.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use hashbrown::HashMap;

use super::ip_class::IpClasses;
use super::rows::RowSet;
use super::{bits, pod_key, IdentityKey};
use crate::spec::{LabelSelector, Pod};

/// Finds the existing identity of a pod, if it has one.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyer {
    /// Pod selectors, by id.
    selectors: Vec<LabelSelector>,
    /// Rows of selector answers the compile met, by their bits.
    answers: HashMap<Vec<u64>, u32>,
    /// Referenced named ports: name → id per protocol index.
    named_ids: HashMap<String, [Option<u32>; 3]>,
    /// Whether IP classes tell pods apart.
    track_ips: bool,
    /// Identities by key.
    identities: HashMap<IdentityKey, u32>,
}

impl Keyer {
    /// A keyer from what the compile worked out.
    pub(super) fn new<'c>(
        pod_selectors: &HashMap<&'c LabelSelector, u32>,
        answers: &RowSet,
        named_ids: &HashMap<(&'c str, u8), u32>,
        track_ips: bool,
        identities: HashMap<IdentityKey, u32>,
    ) -> Keyer {
        let mut selectors = vec![LabelSelector::everything(); pod_selectors.len()];
        for (&s, &id) in pod_selectors {
            selectors[id as usize] = s.clone();
        }
        let answers = (0..answers.len() as u32).map(|id| (answers.row(id).to_vec(), id)).collect();
        let mut names: HashMap<String, [Option<u32>; 3]> = HashMap::new();
        for (&(name, protocol), &id) in named_ids {
            names.entry(name.into()).or_default()[protocol as usize] = Some(id);
        }
        Keyer { selectors, answers, named_ids: names, track_ips, identities }
    }

    /// The identity `pod` belongs to, when the tables have it; `None` when the pod would make a
    /// new one (a new combination of selector answers, named ports or IP classes).
    pub(crate) fn identity_of(&self, pod: &Pod, ip_classes: &IpClasses) -> Option<u32> {
        let mut row = vec![0u64; bits::words_for(self.selectors.len())];
        for (id, selector) in self.selectors.iter().enumerate() {
            if selector.matches(&pod.labels) {
                bits::set(&mut row, id);
            }
        }
        let answer = *self.answers.get(&row)?;
        let key = pod_key(pod, answer, self.track_ips, ip_classes, |name, p| {
            self.named_ids.get(name).and_then(|ids| ids[p as usize])
        });
        self.identities.get(&key).copied()
    }
}
