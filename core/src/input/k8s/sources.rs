//! Where each object came from, kept after a load for reports that point into the input files:
//! SARIF's `physicalLocation` for `netpol audit -o sarif`, so code scanning marks the exact line
//! of the YAML a finding is about.

use std::collections::HashMap;
use std::string::String;
use std::vec::Vec;

use super::locate;

/// A file and a line (1-based) in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceLine {
    /// The input as it was named (a path as given on the command line, or a text's origin).
    pub file: String,
    /// The line, from 1.
    pub line: u32,
}

/// The texts of a load and, per object read from them (`NetworkPolicy shop/web`, as
/// [`ObjectRef`](crate::ObjectRef) prints), where in which text it is: made by
/// [`load_with_sources`](crate::load_with_sources). It holds the input texts, so it costs
/// their size in memory; loads that do not need lines do not make one.
#[derive(Debug, Default)]
pub struct SourceMap {
    /// Per text: its origin, the text, and whether it is JSON.
    pub(super) texts: Vec<(String, String, bool)>,
    /// Per object: the text it is in and where. An object given twice keeps its first place.
    pub(super) objects: HashMap<String, (usize, locate::Place)>,
}

impl SourceMap {
    /// The file and line of each `(object, field path)` asked about, in order: the line of the
    /// deepest part of the path that is in the text (`spec.ingress[0].from[1]`), the object's
    /// own line when none is, `None` for an object not read from a text (stdin included: it has
    /// no file to point at).
    pub fn lines(&self, requests: &[(&str, &str)]) -> Vec<Option<SourceLine>> {
        let mut answers = std::vec![None; requests.len()];
        let mut by_text: HashMap<usize, Vec<(usize, &locate::Place, &str)>> = HashMap::new();
        for (i, (object, field)) in requests.iter().enumerate() {
            if let Some((text, place)) = self.objects.get(*object) {
                by_text.entry(*text).or_default().push((i, place, field));
            }
        }
        for (text, asked) in by_text {
            let (origin, source, json) = &self.texts[text];
            if origin == "<stdin>" {
                continue;
            }
            let requests: Vec<(&locate::Place, &str)> = asked.iter().map(|(_, p, f)| (*p, *f)).collect();
            for ((i, ..), line) in asked.iter().zip(locate::lines(source, *json, &requests)) {
                answers[*i] = line.map(|line| SourceLine { file: origin.clone(), line });
            }
        }
        answers
    }

    /// The first input read from a file (not standard input), at line 1: where a finding about
    /// the cluster as a whole, or about an object the input does not hold, can point.
    pub fn first_file(&self) -> Option<SourceLine> {
        self.texts
            .iter()
            .find(|(origin, ..)| origin != "<stdin>")
            .map(|(origin, ..)| SourceLine { file: origin.clone(), line: 1 })
    }

    /// How many objects have a place.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether no object has a place.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}
