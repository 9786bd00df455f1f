//! Lines for diagnostics: where in its text an object, and a field path inside it, are.
//!
//! The loader keeps each input text and, per object read from it, the object's [`Place`]: its
//! document and the steps from the document's root to it (`items[i]` of a List, the index in a
//! top-level JSON array). Problems are found later, from raw structs, once the text is gone from
//! view; so only when the load is done, and only for the diagnostics it produced, is a text
//! walked again: one pass of parser events with positions per text, skipping every object no
//! diagnostic is about. Each diagnostic's field path (`spec.ingress[0].from[1].ipBlock.cidr`,
//! `metadata.labels["app"]`, or a serde path such as `metadata.labels.app.kubernetes.io/name`)
//! is followed inside its object to the deepest node that exists, whose line it gets: the line
//! of the key for a mapping entry, of the item for a sequence entry, of the object itself when
//! not even the first step exists.

use std::borrow::Cow;
use std::boxed::Box;
use std::collections::BTreeMap;
use std::string::String;
use std::vec::Vec;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// One step from a node to a child.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    /// The value of a mapping key.
    Key(&'static str),
    /// An entry of a sequence.
    Index(usize),
}

/// Where an object is in its input text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Place {
    /// Which non-empty document (YAML) or top-level value (JSON), from 0.
    pub document: usize,
    /// From the document's root to the object.
    pub steps: Vec<Step>,
}

/// The line (1-based) of each request `(place, field)` in `text`, in order; `None` when the
/// place is not found (or the text no longer parses).
pub(super) fn lines(text: &str, json: bool, requests: &[(&Place, &str)]) -> Vec<Option<u32>> {
    let mut trie = Trie::default();
    for (i, (place, _)) in requests.iter().enumerate() {
        trie.insert(place, i);
    }
    let mut walk = Walk { requests, answers: std::vec![None; requests.len()], trie: &trie, left: requests.len() };
    let mut events =
        if json { Events::Json(JsonEvents::new(text)) } else { Events::Yaml(Box::new(Parser::new_from_str(text))) };
    let mut document = 0;
    while let Some((event, _)) = events.next() {
        if event != Ev::DocumentStart {
            continue;
        }
        let Some((root, line)) = events.next() else { break };
        if root.is_null_document() {
            continue; // Skipped by the loader too.
        }
        if let Some(&node) = trie.documents.get(&document) {
            walk.node(&mut events, node, root, line);
        } else {
            skip(&mut events, &root);
        }
        document += 1;
        if document > trie.last_document || walk.left == 0 {
            break;
        }
    }
    walk.answers
}

/// The places asked about, as a tree of steps.
#[derive(Default)]
struct Trie {
    documents: BTreeMap<usize, usize>,
    last_document: usize,
    nodes: Vec<TrieNode>,
}

#[derive(Default)]
struct TrieNode {
    children: BTreeMap<Step, usize>,
    requests: Vec<usize>,
}

impl Trie {
    fn insert(&mut self, place: &Place, request: usize) {
        self.last_document = self.last_document.max(place.document);
        let mut at = match self.documents.get(&place.document) {
            Some(&n) => n,
            None => {
                self.nodes.push(TrieNode::default());
                self.documents.insert(place.document, self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        for step in &place.steps {
            at = match self.nodes[at].children.get(step) {
                Some(&n) => n,
                None => {
                    self.nodes.push(TrieNode::default());
                    let n = self.nodes.len() - 1;
                    self.nodes[at].children.insert(step.clone(), n);
                    n
                }
            };
        }
        self.nodes[at].requests.push(request);
    }
}

struct Walk<'r> {
    requests: &'r [(&'r Place, &'r str)],
    answers: Vec<Option<u32>>,
    trie: &'r Trie,
    /// Requests not answered yet: the walk stops at 0, without reading the rest.
    left: usize,
}

impl Walk<'_> {
    /// Handles the node that `first` starts (at `line`): resolves the requests about it, goes
    /// down towards places below it, or skips it. Recursion is as deep as the places' steps.
    fn node(&mut self, events: &mut Events<'_>, at: usize, first: Ev<'_>, line: u32) {
        let trie = self.trie;
        let here = &trie.nodes[at];
        if !here.requests.is_empty() {
            let tree = build(events, first, line);
            // A key given twice leads here twice: the first answer stays.
            for &r in &here.requests {
                if self.answers[r].is_none() {
                    self.answers[r] = Some(tree.resolve(self.requests[r].1));
                    self.left -= 1;
                }
            }
            return;
        }
        match first {
            Ev::MappingStart => loop {
                let Some((key, _)) = events.next() else { return };
                let key = match key {
                    Ev::MappingEnd => return,
                    Ev::Scalar(k) | Ev::Null(k) => k,
                    other => {
                        skip(events, &other);
                        Cow::Borrowed("")
                    }
                };
                let Some((value, line)) = events.next() else { return };
                let child = here.children.iter().find(|(s, _)| matches!(s, Step::Key(k) if *k == key)).map(|(_, &n)| n);
                match child {
                    Some(n) => self.node(events, n, value, line),
                    None => skip(events, &value),
                }
                if self.left == 0 {
                    return;
                }
            },
            Ev::SequenceStart => {
                for i in 0.. {
                    let Some((item, line)) = events.next() else { return };
                    if item == Ev::SequenceEnd {
                        return;
                    }
                    match here.children.get(&Step::Index(i)) {
                        Some(&n) => self.node(events, n, item, line),
                        None => skip(events, &item),
                    }
                    if self.left == 0 {
                        return;
                    }
                }
            }
            other => skip(events, &other),
        }
    }
}

/// The events the walk needs, from YAML or JSON.
#[derive(Debug, PartialEq, Eq)]
enum Ev<'a> {
    DocumentStart,
    MappingStart,
    MappingEnd,
    SequenceStart,
    SequenceEnd,
    Scalar(Cow<'a, str>),
    /// A YAML plain scalar that reads as null (`~`, `null`, nothing), with its text.
    Null(Cow<'a, str>),
    /// An alias or another leaf without a key's text.
    Leaf,
}

impl Ev<'_> {
    fn is_null_document(&self) -> bool {
        matches!(self, Ev::Null(_))
    }
}

enum Events<'a> {
    // Boxed: the parser is large, and there is one per walk.
    Yaml(Box<Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>>),
    Json(JsonEvents<'a>),
}

impl<'a> Events<'a> {
    /// The next event and its line; `None` at the end (or on a syntax error).
    fn next(&mut self) -> Option<(Ev<'a>, u32)> {
        match self {
            Events::Json(j) => j.next(),
            Events::Yaml(p) => loop {
                let (event, span) = p.next_event()?.ok()?;
                let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
                let ev = match event {
                    Event::StreamEnd => return None,
                    Event::DocumentStart(..) => Ev::DocumentStart,
                    Event::MappingStart(..) => Ev::MappingStart,
                    Event::MappingEnd => Ev::MappingEnd,
                    Event::SequenceStart(..) => Ev::SequenceStart,
                    Event::SequenceEnd => Ev::SequenceEnd,
                    Event::Scalar(value, style, _, tag) => {
                        let null_tag = tag.as_ref().is_some_and(|t| t.is_yaml_core_schema_tag("null"));
                        let plain_null = style == ScalarStyle::Plain
                            && tag.is_none()
                            && matches!(&*value, "" | "~" | "null" | "Null" | "NULL");
                        if null_tag || plain_null {
                            Ev::Null(value)
                        } else {
                            Ev::Scalar(value)
                        }
                    }
                    Event::Alias(_) => Ev::Leaf,
                    _ => continue,
                };
                return Some((ev, line));
            },
        }
    }
}

/// Consumes the rest of the node that `first` starts.
fn skip(events: &mut Events<'_>, first: &Ev<'_>) {
    let mut depth = match first {
        Ev::MappingStart | Ev::SequenceStart => 1usize,
        _ => return,
    };
    while depth > 0 {
        match events.next() {
            Some((Ev::MappingStart | Ev::SequenceStart, _)) => depth += 1,
            Some((Ev::MappingEnd | Ev::SequenceEnd, _)) => depth -= 1,
            Some(_) => {}
            None => return,
        }
    }
}

/// One object's nodes with their lines (keys kept, scalar values not).
struct Node {
    line: u32,
    children: Children,
}

enum Children {
    Leaf,
    Mapping(Vec<(String, u32, Node)>),
    Sequence(Vec<Node>),
}

/// Reads the node that `first` (at `line`) starts into a tree, without recursion.
fn build(events: &mut Events<'_>, first: Ev<'_>, line: u32) -> Node {
    enum Frame {
        Mapping(u32, Vec<(String, u32, Node)>, Option<(String, u32)>),
        Sequence(u32, Vec<Node>),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut next = Some((first, line));
    while let Some((event, line)) = next.take().or_else(|| events.next()) {
        // Only keys' texts are kept: field paths name keys, never values.
        let is_key = matches!(stack.last(), Some(Frame::Mapping(_, _, None)));
        let (node, key) = match event {
            Ev::MappingStart => {
                stack.push(Frame::Mapping(line, Vec::new(), None));
                continue;
            }
            Ev::SequenceStart => {
                stack.push(Frame::Sequence(line, Vec::new()));
                continue;
            }
            Ev::MappingEnd | Ev::SequenceEnd => match stack.pop() {
                Some(Frame::Mapping(line, entries, _)) => (Node { line, children: Children::Mapping(entries) }, None),
                Some(Frame::Sequence(line, items)) => (Node { line, children: Children::Sequence(items) }, None),
                None => break,
            },
            Ev::Scalar(text) | Ev::Null(text) => {
                (Node { line, children: Children::Leaf }, is_key.then(|| text.into_owned()))
            }
            Ev::DocumentStart | Ev::Leaf => (Node { line, children: Children::Leaf }, None),
        };
        match stack.last_mut() {
            None => return node,
            Some(Frame::Sequence(_, items)) => items.push(node),
            Some(Frame::Mapping(_, entries, pending)) => match pending.take() {
                Some((key, key_line)) => entries.push((key, key_line, node)),
                // A key: only a scalar's text can be named by a field path.
                None => *pending = Some((key.unwrap_or_default(), node.line)),
            },
        }
    }
    // The input ended early (it parsed before, so only on a parser difference).
    Node { line, children: Children::Leaf }
}

impl Node {
    /// The line of the deepest node of `field` that exists.
    fn resolve(&self, field: &str) -> u32 {
        let (mut node, mut line, mut rest) = (self, self.line, field);
        loop {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            if r.is_empty() {
                return line;
            }
            let found = match (&node.children, r.as_bytes()[0]) {
                (Children::Sequence(items), b'[') => index(r).and_then(|(i, after)| Some((items.get(i)?, None, after))),
                (Children::Mapping(entries), b'[') if r[1..].starts_with('"') => {
                    quoted_key(r).and_then(|(k, after)| {
                        entries.iter().find(|(key, ..)| *key == k).map(|(_, key_line, n)| (n, Some(*key_line), after))
                    })
                }
                (Children::Mapping(entries), _) => entries
                    .iter()
                    .filter(|(key, ..)| {
                        !key.is_empty()
                            && r.strip_prefix(key.as_str()).is_some_and(|after| {
                                after.is_empty() || after.starts_with('.') || after.starts_with('[')
                            })
                    })
                    .max_by_key(|(key, ..)| key.len())
                    .map(|(key, key_line, n)| (n, Some(*key_line), &r[key.len()..])),
                _ => None,
            };
            let Some((child, key_line, after)) = found else { return line };
            line = key_line.unwrap_or(child.line);
            node = child;
            rest = after;
        }
    }
}

/// `[12]rest` → (12, rest).
fn index(r: &str) -> Option<(usize, &str)> {
    let (digits, after) = r[1..].split_once(']')?;
    Some((digits.parse().ok()?, after))
}

/// `["key"]rest` (a Rust-quoted key, as the validator writes label keys) → (key, rest).
fn quoted_key(r: &str) -> Option<(String, &str)> {
    let mut key = String::new();
    let mut chars = r[2..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return r[2 + i + 1..].strip_prefix(']').map(|after| (key, after)),
            '\\' => match chars.next()?.1 {
                'n' => key.push('\n'),
                't' => key.push('\t'),
                'r' => key.push('\r'),
                '0' => key.push('\0'),
                'u' => {
                    let mut hex = String::new();
                    for (_, c) in chars.by_ref() {
                        match c {
                            '{' => {}
                            '}' => break,
                            c => hex.push(c),
                        }
                    }
                    key.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)?);
                }
                c => key.push(c),
            },
            c => key.push(c),
        }
    }
    None
}

/// JSON text as events: every top-level value is a document (a top-level array's entries are
/// the objects, as the loader reads them).
struct JsonEvents<'a> {
    text: &'a str,
    at: usize,
    line: u32,
    depth: usize,
    /// A top-level value has begun (its `DocumentStart` was given) and not ended.
    in_document: bool,
}

impl<'a> JsonEvents<'a> {
    fn new(text: &'a str) -> JsonEvents<'a> {
        JsonEvents { text, at: 0, line: 1, depth: 0, in_document: false }
    }

    fn next(&mut self) -> Option<(Ev<'a>, u32)> {
        let bytes = self.text.as_bytes();
        // Whitespace, separators and a byte order mark (EF BB BF).
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' | b',' | b':' | 0xEF | 0xBB | 0xBF => {}
                _ => break,
            }
            self.at += 1;
        }
        let &b = bytes.get(self.at)?;
        if self.depth == 0 && !self.in_document {
            self.in_document = true;
            return Some((Ev::DocumentStart, self.line));
        }
        let line = self.line;
        self.at += 1;
        let ev = match b {
            b'{' | b'[' => {
                self.depth += 1;
                if b == b'{' {
                    Ev::MappingStart
                } else {
                    Ev::SequenceStart
                }
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if b == b'}' {
                    Ev::MappingEnd
                } else {
                    Ev::SequenceEnd
                }
            }
            b'"' => Ev::Scalar(self.string()),
            _ => {
                let start = self.at - 1;
                while let Some(&c) = bytes.get(self.at) {
                    if matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' | b'[' | b']' | b'{' | b'}' | b'"') {
                        break;
                    }
                    self.at += 1;
                }
                Ev::Scalar(Cow::Borrowed(self.text.get(start..self.at).unwrap_or_default()))
            }
        };
        if self.depth == 0 {
            self.in_document = false; // The top-level value is complete.
        }
        Some((ev, line))
    }

    /// The rest of a string whose opening quote was read, unescaped.
    fn string(&mut self) -> Cow<'a, str> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut escaped = false;
        while let Some(&c) = bytes.get(self.at) {
            match c {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 1;
                }
                b'\n' => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
        let end = self.at.min(bytes.len());
        self.at = end + 1;
        let raw = self.text.get(start..end).unwrap_or_default();
        if !escaped {
            return Cow::Borrowed(raw);
        }
        // serde_json has read this text already: it is valid JSON.
        match serde_json::from_str::<String>(self.text.get(start - 1..end + 1).unwrap_or_default()) {
            Ok(s) => Cow::Owned(s),
            Err(_) => Cow::Borrowed(raw),
        }
    }
}
