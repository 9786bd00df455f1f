//! Label selectors (S7): `matchLabels` and `matchExpressions`, ANDed.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The labels of a namespace or pod.
pub type Labels = BTreeMap<String, String>;

/// A `matchExpressions` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label is present and its value is one of the values.
    In,
    /// The label is absent, or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl Operator {
    /// Parses the API spelling (`In`, `NotIn`, `Exists`, `DoesNotExist`).
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        }
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }
}

/// One validated `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// A requirement; `values` must be non-empty for `In`/`NotIn` and empty otherwise (the
    /// validator in [`crate::raw`] checks this and reports the field).
    pub fn new(key: String, operator: Operator, mut values: Vec<String>) -> Requirement {
        values.sort();
        values.dedup();
        Requirement { key, operator, values }
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted and without duplicates.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        let in_values = || value.is_some_and(|v| self.values.binary_search(v).is_ok());
        match self.operator {
            Operator::In => in_values(),
            Operator::NotIn => !in_values(),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A validated label selector. The empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    match_labels: Labels,
    match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// The selector that matches everything (`{}`).
    pub fn everything() -> LabelSelector {
        LabelSelector::default()
    }

    /// A selector from validated parts.
    pub fn new(match_labels: Labels, match_expressions: Vec<Requirement>) -> LabelSelector {
        LabelSelector { match_labels, match_expressions }
    }

    /// A `matchLabels` selector from `key=value[,key=value...]` (as `kubectl -l` takes
    /// equality selectors); `None` when a pair is malformed or a key or value is not a valid
    /// label key or value.
    pub fn parse_match_labels(text: &str) -> Option<LabelSelector> {
        let mut labels = Labels::new();
        for pair in text.split(',') {
            let (k, v) = pair.split_once('=')?;
            let (k, v) = (k.trim(), v.trim());
            if !super::names::is_label_key(k) || !super::names::is_label_value(v) {
                return None;
            }
            labels.insert(k.into(), v.into());
        }
        Some(LabelSelector::new(labels, Vec::new()))
    }

    /// `matchLabels`.
    pub fn match_labels(&self) -> &Labels {
        &self.match_labels
    }

    /// `matchExpressions`.
    pub fn match_expressions(&self) -> &[Requirement] {
        &self.match_expressions
    }

    /// Whether this is `{}`, which matches everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every `matchLabels` entry and every expression (S7).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
}

impl fmt::Display for LabelSelector {
    /// The selector in `kubectl`'s string form (`app=web,tier in (a,b),!legacy`), `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let s = if first { "" } else { "," };
            first = false;
            f.write_str(s)
        };
        for (k, v) in &self.match_labels {
            sep(f)?;
            write!(f, "{k}={v}")?;
        }
        for r in &self.match_expressions {
            sep(f)?;
            match r.operator {
                Operator::Exists => write!(f, "{}", r.key)?,
                Operator::DoesNotExist => write!(f, "!{}", r.key)?,
                Operator::In | Operator::NotIn => {
                    let op = if r.operator == Operator::In { "in" } else { "notin" };
                    write!(f, "{} {op} ({})", r.key, r.values.join(","))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_labels_parse_from_key_value_pairs() {
        let s = LabelSelector::parse_match_labels("k8s-app=kube-dns, tier = system").unwrap();
        let pairs: Vec<(&str, &str)> = s.match_labels().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("k8s-app", "kube-dns"), ("tier", "system")]);
        assert!(s.match_expressions().is_empty());
        for bad in ["", "app", "app=a,", "=x", "app=not valid", "-bad=x", "app=a=b"] {
            assert!(LabelSelector::parse_match_labels(bad).is_none(), "{bad:?}");
        }
    }
}
