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
