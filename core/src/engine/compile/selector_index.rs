//! Which pod selectors a label set satisfies, without trying every selector on every label set
//! (many distinct label sets against many selectors would be quadratic in time).
//!
//! Each selector is filed under one requirement a matching label set must meet: its first
//! `matchLabels` pair, else the values of an `In` expression (one entry per value), else the
//! key of an `Exists` expression. A label set then tries only the selectors filed under its own
//! (key, value) pairs and keys, and the selectors that have none of these (only `NotIn` and
//! `DoesNotExist` expressions, or `{}`), which are tried on every label set.

use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::spec::{LabelSelector, Labels, Operator};

/// Selectors (with their ids) filed by a requirement that a matching label set must meet.
pub(crate) struct SelectorIndex<'c> {
    by_pair: HashMap<(&'c str, &'c str), Vec<(&'c LabelSelector, u32)>>,
    by_key: HashMap<&'c str, Vec<(&'c LabelSelector, u32)>>,
    rest: Vec<(&'c LabelSelector, u32)>,
}

impl<'c> SelectorIndex<'c> {
    /// Files every selector of `selectors` (selector → id).
    pub(crate) fn new(selectors: &HashMap<&'c LabelSelector, u32>) -> SelectorIndex<'c> {
        let mut index = SelectorIndex { by_pair: HashMap::new(), by_key: HashMap::new(), rest: Vec::new() };
        for (&selector, &id) in selectors {
            let expressions = selector.match_expressions();
            if let Some((key, value)) = selector.match_labels().iter().next() {
                index.by_pair.entry((key.as_str(), value.as_str())).or_default().push((selector, id));
            } else if let Some(r) = expressions.iter().find(|r| r.operator() == Operator::In) {
                // A label set has one value per key: it meets at most one of these entries.
                for value in r.values() {
                    index.by_pair.entry((r.key(), value.as_str())).or_default().push((selector, id));
                }
            } else if let Some(r) = expressions.iter().find(|r| r.operator() == Operator::Exists) {
                index.by_key.entry(r.key()).or_default().push((selector, id));
            } else {
                index.rest.push((selector, id));
            }
        }
        index
    }

    /// Calls `f` with the id of every selector `labels` satisfy, once each.
    pub(crate) fn each_match(&self, labels: &Labels, mut f: impl FnMut(u32)) {
        let mut try_all = |list: &[(&LabelSelector, u32)]| {
            for &(selector, id) in list {
                if selector.matches(labels) {
                    f(id);
                }
            }
        };
        for (key, value) in labels {
            if let Some(list) = self.by_pair.get(&(key.as_str(), value.as_str())) {
                try_all(list);
            }
            if let Some(list) = self.by_key.get(key.as_str()) {
                try_all(list);
            }
        }
        try_all(&self.rest);
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;
    use alloc::vec::Vec;

    use super::*;
    use crate::spec::Requirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn requirement(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key.to_string(), operator, values.iter().map(|v| v.to_string()).collect())
    }

    /// Every selector shape against every label set: the index finds exactly what trying every
    /// selector finds, each once.
    #[test]
    fn finds_what_trying_every_selector_finds() {
        let keys = ["a", "b"];
        let values = ["x", "y", "z"];
        let mut label_sets = vec![labels(&[])];
        for k in keys {
            for v in values {
                label_sets.push(labels(&[(k, v)]));
                label_sets.push(labels(&[(k, v), (if k == "a" { "b" } else { "a" }, "x")]));
            }
        }
        let mut selectors = vec![LabelSelector::everything()];
        for k in keys {
            for v in values {
                selectors.push(LabelSelector::new(labels(&[(k, v)]), Vec::new()));
                selectors.push(LabelSelector::new(labels(&[(k, v), ("a", "x")]), Vec::new()));
            }
            for operator in [Operator::In, Operator::NotIn] {
                selectors.push(LabelSelector::new(Labels::new(), vec![requirement(k, operator, &["x", "y"])]));
                selectors.push(LabelSelector::new(
                    Labels::new(),
                    vec![requirement(k, Operator::Exists, &[]), requirement(k, operator, &["z"])],
                ));
            }
            for operator in [Operator::Exists, Operator::DoesNotExist] {
                selectors.push(LabelSelector::new(Labels::new(), vec![requirement(k, operator, &[])]));
                selectors.push(LabelSelector::new(
                    labels(&[("b", "y")]),
                    vec![requirement(k, operator, &[]), requirement("a", Operator::NotIn, &["y"])],
                ));
            }
        }
        let mut distinct: Vec<&LabelSelector> = Vec::new();
        for s in &selectors {
            if !distinct.contains(&s) {
                distinct.push(s);
            }
        }
        let selectors = distinct;
        let ids: HashMap<&LabelSelector, u32> = selectors.iter().enumerate().map(|(i, s)| (*s, i as u32)).collect();
        let index = SelectorIndex::new(&ids);
        for set in &label_sets {
            let mut found = Vec::new();
            index.each_match(set, |id| found.push(id));
            found.sort_unstable();
            let expected: Vec<u32> =
                (0..selectors.len() as u32).filter(|&i| selectors[i as usize].matches(set)).collect();
            assert_eq!(found, expected, "{set:?}");
        }
    }
}
