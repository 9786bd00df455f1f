//! A line reader for plain block YAML (issues 17 and 18): the events of the YAML that
//! `kubectl get -o yaml` and `netpol generate` print, read a line at a time, several times
//! faster than a general YAML parser.
//!
//! It reads block mappings and sequences (also a sequence at its key's indentation, as kubectl
//! prints them), plain scalars on one line, quoted scalars on one line (double-quoted ones
//! without escapes), literal block scalars (`|`, `|-`), the empty flow collections `{}` and
//! `[]`, comments, and documents separated by `---`. Anything else (a flow collection with
//! entries, a folded or kept block scalar, a scalar over several lines, an anchor, alias or
//! tag, an escape, a tab, a carriage return, a directive, `...`, indentation no collection
//! opened) makes it give up with [`Unsupported`], and the caller reads the text again with the
//! general parser. Where it reads a text, it gives the general parser's events (the tests check
//! this on random texts), so it changes how fast a text is read, never what it means.

use alloc::borrow::Cow;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::events::{Ev, Unsupported};

/// An open block collection.
#[derive(Clone, Copy, Debug)]
struct Open {
    /// The column of its keys or dashes.
    indent: usize,
    /// A sequence (else a mapping).
    sequence: bool,
}

/// A key or dash whose value starts on a later line, or is empty.
#[derive(Clone, Copy, Debug)]
enum Pending {
    /// `key:` at this column: a more indented block, or a sequence at the same column.
    Key(usize),
    /// `-` at this column: a more indented block.
    Dash(usize),
}

/// The events of a plain block YAML text, one line read at a time.
pub(super) struct Block<'t> {
    text: &'t str,
    /// Where the next unread line starts.
    pos: usize,
    open: Vec<Open>,
    pending: Option<Pending>,
    /// Events of the lines read, not yet taken.
    queue: VecDeque<Ev<'t>>,
    in_document: bool,
    /// Whether the document's root node has begun (a second root is an error).
    rooted: bool,
    ended: bool,
}

fn give_up<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(what.into()))
}

/// Whether a line is a sequence entry: `-` alone or followed by a space.
fn is_dash(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

/// Whether `rest` (after spaces) is nothing or a comment.
fn is_blank_or_comment(rest: &str) -> bool {
    let rest = rest.trim_start_matches(' ');
    rest.is_empty() || rest.starts_with('#')
}

/// Whether `after` (what follows a marker, a quoted scalar or `{}`) ends the line: nothing, or
/// spaces and perhaps a comment.
fn ends_the_line(after: &str) -> bool {
    after.is_empty() || after.starts_with(' ') && is_blank_or_comment(after)
}

/// A mapping line taken apart: its key, whether the key is plain, and what follows its `:`.
type KeyLine<'t> = (Cow<'t, str>, bool, &'t str);

/// The characters that cannot begin a plain scalar (YAML's indicators), besides `-`, `?` and `:`
/// before a space.
fn starts_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        None => false,
        Some(b'-' | b'?' | b':') => bytes.get(1).is_some_and(|&b| b != b' '),
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@'
            | b'`',
        ) => false,
        Some(_) => true,
    }
}

/// Whether a line holds only what this reader reads: no tab, no control character, no
/// character a YAML parser might take for a line break.
fn plain_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    if bytes.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return false;
    }
    // NEL (U+0085), LINE and PARAGRAPH SEPARATOR (U+2028, U+2029), and the byte order mark.
    !(bytes.iter().any(|&b| b >= 0x80)
        && (line.contains('\u{85}')
            || line.contains('\u{2028}')
            || line.contains('\u{2029}')
            || line.contains('\u{feff}')))
}

impl<'t> Block<'t> {
    /// A reader of `text`.
    pub(super) fn new(text: &'t str) -> Block<'t> {
        Block {
            text,
            pos: 0,
            open: Vec::new(),
            pending: None,
            queue: VecDeque::new(),
            in_document: false,
            rooted: false,
            ended: false,
        }
    }

    /// The next event.
    pub(super) fn next(&mut self) -> Result<Ev<'t>, Unsupported> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Ok(event);
            }
            if self.ended {
                return give_up("past the end of the stream");
            }
            self.step()?;
        }
    }

    /// The next line, without its line break, and where the one after it starts.
    fn peek_line(&self) -> Option<(&'t str, usize)> {
        let text = self.text;
        if self.pos >= text.len() {
            return None;
        }
        let rest = &text[self.pos..];
        Some(match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => (&rest[..end], self.pos + end + 1),
            None => (rest, text.len()),
        })
    }

    /// Reads one line (or the end), queueing its events.
    fn step(&mut self) -> Result<(), Unsupported> {
        let Some((line, next)) = self.peek_line() else {
            if self.in_document {
                self.end_document();
            }
            self.queue.push_back(Ev::StreamEnd);
            self.ended = true;
            return Ok(());
        };
        self.pos = next;
        if !plain_line(line) {
            return give_up("a tab, a control character or a line break of another kind");
        }
        let rest = line.trim_start_matches(' ');
        let indent = line.len() - rest.len();
        if rest.is_empty() || rest.starts_with('#') {
            return Ok(()); // A blank or comment line.
        }
        if indent == 0 {
            if let Some(after) = rest.strip_prefix("---") {
                if !(ends_the_line(after)) {
                    return give_up("content after `---`");
                }
                if self.in_document {
                    self.end_document();
                }
                self.queue.push_back(Ev::DocumentStart);
                self.in_document = true;
                return Ok(());
            }
            if rest.starts_with("...") || rest.starts_with('%') {
                return give_up("a document end marker or a directive");
            }
        }
        if !self.in_document {
            self.queue.push_back(Ev::DocumentStart);
            self.in_document = true;
        }
        self.content(indent, rest)
    }

    /// Ends the document: an empty value or document is a plain empty scalar (null).
    fn end_document(&mut self) {
        if self.pending.take().is_some() || !self.rooted {
            self.queue.push_back(Ev::Scalar(Cow::Borrowed("~"), true));
        }
        while let Some(open) = self.open.pop() {
            self.queue.push_back(if open.sequence { Ev::SequenceEnd } else { Ev::MappingEnd });
        }
        self.queue.push_back(Ev::DocumentEnd);
        self.in_document = false;
        self.rooted = false;
    }

    /// Opens a block collection at `indent`: a sequence when `rest` is an entry.
    fn open(&mut self, indent: usize, rest: &str) {
        let sequence = is_dash(rest);
        self.open.push(Open { indent, sequence });
        self.queue.push_back(if sequence { Ev::SequenceStart } else { Ev::MappingStart });
    }

    /// A line of content at `indent`.
    fn content(&mut self, indent: usize, rest: &'t str) -> Result<(), Unsupported> {
        // The value a key or dash left open: a block on this line, or empty.
        match self.pending.take() {
            Some(Pending::Key(k) | Pending::Dash(k)) if indent > k => self.open(indent, rest),
            Some(Pending::Key(k)) if indent == k && is_dash(rest) => self.open(indent, rest),
            Some(_) => self.queue.push_back(Ev::Scalar(Cow::Borrowed("~"), true)),
            None => {}
        }
        // Close what this line is outside of; a sequence at its key's column ends at a line
        // that is not an entry.
        while let Some(&top) = self.open.last() {
            let inside_parent = self.open.len() >= 2 && self.open[self.open.len() - 2].indent == top.indent;
            if top.indent > indent || (top.sequence && inside_parent && top.indent == indent && !is_dash(rest)) {
                self.open.pop();
                self.queue.push_back(if top.sequence { Ev::SequenceEnd } else { Ev::MappingEnd });
            } else {
                break;
            }
        }
        let Some(&top) = self.open.last() else {
            if self.rooted {
                return give_up("content after the document's root node");
            }
            self.rooted = true;
            if is_dash(rest) || self.key(rest)?.is_some() {
                self.open(indent, rest);
            } else {
                return self.value(rest, None);
            }
            return self.line_in(indent, rest);
        };
        if top.indent != indent {
            return give_up("indentation no collection opened");
        }
        self.line_in(indent, rest)
    }

    /// A line at the column of the innermost open collection.
    fn line_in(&mut self, indent: usize, rest: &'t str) -> Result<(), Unsupported> {
        let top = *self.open.last().expect("a collection is open");
        match (top.sequence, is_dash(rest)) {
            (true, true) => self.entry(indent, rest),
            (false, false) => self.key_line(indent, rest),
            _ => give_up("a sequence entry and a mapping key at one column"),
        }
    }

    /// A sequence entry `- ...` with its dash at `indent`.
    fn entry(&mut self, indent: usize, rest: &'t str) -> Result<(), Unsupported> {
        let after = &rest[1..];
        let value = after.trim_start_matches(' ');
        if value.is_empty() || value.starts_with('#') {
            self.pending = Some(Pending::Dash(indent));
            return Ok(());
        }
        if is_dash(value) {
            return give_up("a sequence entry inside another on one line");
        }
        let column = indent + 1 + (after.len() - value.len());
        if let Some(key_line) = self.key(value)? {
            self.open.push(Open { indent: column, sequence: false });
            self.queue.push_back(Ev::MappingStart);
            return self.entry_of_mapping(column, key_line);
        }
        self.value(value, Some(indent))
    }

    /// A line `key: ...` of the mapping at `indent`.
    fn key_line(&mut self, indent: usize, rest: &'t str) -> Result<(), Unsupported> {
        let Some(key_line) = self.key(rest)? else {
            return give_up("a mapping line without a key");
        };
        self.entry_of_mapping(indent, key_line)
    }

    /// The key of the mapping at `indent`, then its value (on this line, or pending).
    fn entry_of_mapping(&mut self, indent: usize, (key, plain, after): KeyLine<'t>) -> Result<(), Unsupported> {
        self.queue.push_back(Ev::Scalar(key, plain));
        if is_blank_or_comment(after) {
            self.pending = Some(Pending::Key(indent));
            return Ok(());
        }
        self.value(after.trim_start_matches(' '), Some(indent))
    }

    /// The key of a mapping line, whether it is plain, and what follows its `:`; `None` when the
    /// line is not `key: ...`.
    fn key(&self, rest: &'t str) -> Result<Option<KeyLine<'t>>, Unsupported> {
        if rest.starts_with(['\'', '"']) {
            let (key, after) = quoted(rest)?;
            let after = after.trim_start_matches(' ');
            return Ok(match after.strip_prefix(':') {
                Some(value) if value.is_empty() || value.starts_with(' ') => Some((key, false, value)),
                _ => None,
            });
        }
        let bytes = rest.as_bytes();
        let mut from = 0;
        while let Some(at) = memchr::memchr(b':', &bytes[from..]).map(|i| from + i) {
            if at + 1 == bytes.len() || bytes[at + 1] == b' ' {
                let key = rest[..at].trim_end_matches(' ');
                if key.contains(" #") || !starts_plain(key) {
                    return give_up("a key YAML reads otherwise");
                }
                return Ok(Some((Cow::Borrowed(key), true, &rest[at + 1..])));
            }
            from = at + 1;
        }
        Ok(None)
    }

    /// A value that starts on its key's or dash's line; `parent` is the column of that key or
    /// dash (`None` at the root).
    fn value(&mut self, value: &'t str, parent: Option<usize>) -> Result<(), Unsupported> {
        match value.as_bytes()[0] {
            b'|' => {
                let header = &value[1..];
                let (strip, after) = match header.strip_prefix('-') {
                    Some(after) => (true, after),
                    None => (false, header),
                };
                if !(ends_the_line(after)) {
                    return give_up("a block scalar header of another kind");
                }
                let Some(parent) = parent else { return give_up("a block scalar at the root") };
                let text = self.literal(parent, strip)?;
                self.queue.push_back(Ev::Scalar(Cow::Owned(text), false));
            }
            b'{' | b'[' => {
                let (start, end) = match value.get(..2) {
                    Some("{}") => (Ev::MappingStart, Ev::MappingEnd),
                    Some("[]") => (Ev::SequenceStart, Ev::SequenceEnd),
                    _ => return give_up("a flow collection with entries"),
                };
                let after = &value[2..];
                if !(ends_the_line(after)) {
                    return give_up("content after a flow collection");
                }
                self.queue.push_back(start);
                self.queue.push_back(end);
            }
            b'\'' | b'"' => {
                let (text, after) = quoted(value)?;
                if !(ends_the_line(after)) {
                    return give_up("content after a quoted scalar");
                }
                self.queue.push_back(Ev::Scalar(text, false));
            }
            _ => {
                if !starts_plain(value) {
                    return give_up("a value that begins with an indicator");
                }
                let text = match value.find(" #") {
                    Some(at) => &value[..at],
                    None => value,
                }
                .trim_end_matches(' ');
                if text.contains(": ") || text.ends_with(':') {
                    return give_up("a mapping inside a plain scalar");
                }
                self.queue.push_back(Ev::Scalar(Cow::Borrowed(text), true));
            }
        }
        Ok(())
    }

    /// The lines of a literal block scalar under a key or dash at column `parent`, read from
    /// the next line on; clipped (one final line break) or stripped (none).
    fn literal(&mut self, parent: usize, strip: bool) -> Result<String, Unsupported> {
        let mut text = String::new();
        let mut content_indent: Option<usize> = None;
        // Empty lines not yet added: line breaks inside the scalar, or after its end.
        let mut breaks = 0usize;
        while let Some((line, next)) = self.peek_line() {
            let rest = line.trim_start_matches(' ');
            let indent = line.len() - rest.len();
            if rest.is_empty() {
                if content_indent.map_or(indent > 0, |ci| indent > ci) {
                    return give_up("spaces on an empty line of a block scalar");
                }
                breaks += 1;
                self.pos = next;
                continue;
            }
            if indent <= parent || content_indent.is_some_and(|ci| indent < ci) {
                break;
            }
            let ci = *content_indent.get_or_insert(indent);
            if !plain_line(line) {
                return give_up("a tab or a control character in a block scalar");
            }
            (0..breaks).for_each(|_| text.push('\n'));
            breaks = 0;
            text.push_str(&line[ci..]);
            text.push('\n');
            self.pos = next;
        }
        if strip {
            text.pop();
        }
        Ok(text)
    }
}

/// A quoted scalar on one line at the start of `text`, and what follows it. Escapes in double
/// quotes, and a quote left open, give up.
fn quoted(text: &str) -> Result<(Cow<'_, str>, &str), Unsupported> {
    let quote = text.as_bytes()[0];
    let body = &text[1..];
    if quote == b'"' {
        let Some(end) = memchr::memchr2(b'"', b'\\', body.as_bytes()) else {
            return give_up("a double-quoted scalar over several lines");
        };
        if body.as_bytes()[end] == b'\\' {
            return give_up("an escape in a double-quoted scalar");
        }
        return Ok((Cow::Borrowed(&body[..end]), &body[end + 1..]));
    }
    let mut owned: Option<String> = None;
    let mut from = 0;
    loop {
        let Some(end) = memchr::memchr(b'\'', &body.as_bytes()[from..]).map(|i| from + i) else {
            return give_up("a single-quoted scalar over several lines");
        };
        if body.as_bytes().get(end + 1) == Some(&b'\'') {
            owned.get_or_insert_with(String::new).push_str(&body[from..=end]);
            from = end + 2;
            continue;
        }
        let text = match owned {
            Some(mut s) => {
                s.push_str(&body[from..end]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&body[..end]),
        };
        return Ok((text, &body[end + 1..]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::k8s::events::parser_events;
    use proptest::prelude::*;

    /// Every event of `text` as the line reader reads it, or why it gave up.
    fn block_events(text: &str) -> Result<Vec<Ev<'_>>, Unsupported> {
        let mut block = Block::new(text);
        let mut out = Vec::new();
        loop {
            let event = block.next()?;
            let end = event == Ev::StreamEnd;
            out.push(event);
            if end {
                return Ok(out);
            }
        }
    }

    /// Where the line reader reads `text`, the parser reads it too, to the same events.
    fn agrees(text: &str) -> bool {
        let Ok(ours) = block_events(text) else { return false };
        match parser_events(text) {
            Ok(theirs) => assert_eq!(ours, theirs, "events of {text:?}"),
            Err(e) => panic!("the line reader read {text:?}, the parser refused it: {e}"),
        }
        true
    }

    /// The YAML the project ships and tests with: the line reader reads what it should read,
    /// and always as the parser does.
    #[test]
    fn reads_the_bundled_yaml_as_the_parser_does() {
        let mut files = Vec::new();
        for dir in ["../examples", "testdata"] {
            let mut stack = alloc::vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                        files.push(path);
                    }
                }
            }
        }
        assert!(files.len() > 30, "found {} YAML files", files.len());
        let mut read = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            read += usize::from(agrees(&text));
        }
        // Most test cases are written in flow style, which the line reader leaves to the parser.
        assert!(read >= 5, "read {read} of {} files", files.len());
        for must in ["../examples/cluster.yaml", "../examples/gaps/cluster.yaml", "testdata/models/xyz.yaml"] {
            let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(must);
            assert!(agrees(&std::fs::read_to_string(path).unwrap()), "{must} not read");
        }
    }

    /// What `kubectl get -o yaml` prints: indentless sequences, compact mappings in sequences,
    /// quoted strings, `{}`, a literal annotation, comments and several documents.
    #[test]
    fn reads_kubectl_shaped_yaml() {
        let text = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {\"apiVersion\":\"v1\",\"kind\":\"Pod\"}
      note: |-
        two

        lines
    creationTimestamp: \"2024-05-01T10:00:00Z\"
    labels:
      app: web
      pod-template-hash: '24f4fd4d8j'
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata:
          f:labels:
            .: {}
            f:app: {}
      manager: kubectl-client-side-apply
    name: web-1   # a comment
    namespace: shop
  spec:
    containers:
    -   image: nginx:1.25
        name: web
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        args: []
    tolerations:
    -
      key: a
  status:
    podIP: 10.0.0.1
    podIPs:
    - ip: 10.0.0.1
    - ip: fd00::1
kind: List
metadata:
  resourceVersion: \"\"
---
# another document
kind: Namespace
metadata:
  name: 'it''s'
---
---
just a string
";
        assert!(agrees(text), "{:?}", block_events(text).err());
        let events = block_events(text).unwrap();
        let scalar = |s: &str, plain: bool| Ev::Scalar(Cow::Owned(s.into()), plain);
        assert!(events.contains(&scalar("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n", false)));
        assert!(events.contains(&scalar("two\n\nlines", false)));
        assert!(events.contains(&scalar("it's", false)));
        assert!(events.contains(&scalar("web-1", true)));
        assert!(events.contains(&scalar("just a string", true)));
    }

    /// What it does not read exactly, it gives up on.
    #[test]
    fn gives_up_on_what_it_does_not_read() {
        for text in [
            "a: &x 1\n",
            "a: *x\n",
            "a: !t 1\n",
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: >\n  folded\n",
            "a: |+\n  kept\n",
            "a: |2\n  indented\n",
            "a: \"esc\\n\"\n",
            "a: \"open\n  more\"\n",
            "a: 'open\n",
            "a: plain\n  continued\n",
            "a:\n  plain on the next line\n",
            "a:\tb\n",
            "a: b\r\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "--- a\n",
            "a: b: c\n",
            "a:\n    b: 1\n  c: 2\n",
            "- a\nb: 1\n",
            "a: 1\n- b\n",
            "? a\n: b\n",
            "- - a\n",
            "a: 1\n  b: 2\n",
            "a: x # c\n  y\n",
        ] {
            assert!(block_events(text).is_err(), "read {text:?}: {:?}", block_events(text));
        }
    }

    /// Lines of YAML-ish pieces, indented 0 to 6 spaces: keys, dashes, scalars of every style,
    /// flow collections, block scalar headers, comments, markers and indicators.
    fn texts() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(alloc::vec![
            "a:",
            "b:",
            "a: 1",
            "b: x",
            "c: -1",
            "d: 'q'",
            "e: 'it''s'",
            "f: \"d\"",
            "g: \"e\\n\"",
            "h: {}",
            "i: []",
            "j: [a]",
            "k: |",
            "l: |-",
            "m: |+",
            "n: >",
            "o: a #c",
            "p: a#b",
            "q: x:y",
            "r: a, b",
            "s: a]",
            "k:{\"a\":1}:",
            "k:{\"a\":1}: {}",
            "- k:{\"b\"}: x",
            "a: b[1]",
            "a: {x",
            "a: [x",
            "t: ~",
            "u: null",
            "v: true",
            "w: 1.5",
            "x: &a x",
            "y: *a",
            "z: !t x",
            "- ",
            "-",
            "- a",
            "- a: 1",
            "- - a",
            "- {}",
            "- []",
            "- |",
            "- 'x'",
            "# c",
            "",
            "---",
            "--- # c",
            "...",
            "? a",
            ": b",
            "plain",
            "two words",
            "'q'",
            "\"d\"",
            "a : b",
            "'k': v",
            "\"k\": v",
            "-x: 1",
            "a: b: c",
            "a:b",
            "{}",
            "[]",
            "a: -",
            "a: :",
            "a:\t1",
            "<<: {}",
            "a: @x",
            "a: %x",
            "text",
        ]);
        prop::collection::vec((0usize..7, piece), 0..14).prop_map(|lines| {
            lines.into_iter().map(|(indent, piece)| alloc::format!("{}{piece}\n", " ".repeat(indent))).collect()
        })
    }

    /// A YAML value to print in block style.
    #[derive(Clone, Debug)]
    enum Tree {
        Scalar(&'static str),
        /// A literal block scalar's lines (`|`, or `|-` when stripped).
        Literal(Vec<&'static str>, bool),
        Map(Vec<(&'static str, Tree)>),
        Seq(Vec<Tree>),
    }

    fn trees() -> impl Strategy<Value = Tree> {
        let scalar = prop::sample::select(alloc::vec![
            "1",
            "x",
            "-1",
            "'q'",
            "'it''s'",
            "\"d\"",
            "\"\"",
            "''",
            "{}",
            "[]",
            "a #c",
            "a#b",
            "x:y",
            "a, b",
            "~",
            "true",
            "two words",
            "10.0.0.1",
            "fd00::1",
            "nginx:1.25",
            "-x",
            "# c",
            "",
            "a[1]",
            "b{c}",
            "x]",
            "k:{\"t\":\"R\"}",
            "a,b]",
            "[a]",
            "{a: 1}",
        ]);
        let line = prop::sample::select(alloc::vec!["text", "", "  more", "# not a comment", "{\"a\": 1}", "- x"]);
        let leaf = prop_oneof![
            4 => scalar.prop_map(Tree::Scalar),
            1 => (prop::collection::vec(line, 0..4), any::<bool>()).prop_map(|(l, s)| Tree::Literal(l, s)),
        ];
        let key = prop::sample::select(alloc::vec![
            "a",
            "b",
            "key",
            "'k'",
            "\"q\"",
            "-x",
            "a b",
            "f:app",
            ".",
            "k:{\"type\":\"Ready\"}",
            "a[0]",
            "x}"
        ]);
        leaf.prop_recursive(5, 48, 5, move |inner| {
            prop_oneof![
                prop::collection::vec((key.clone(), inner.clone()), 1..5).prop_map(Tree::Map),
                prop::collection::vec(inner, 1..5).prop_map(Tree::Seq),
            ]
        })
    }

    /// How to print a tree: spaces per level, sequences under keys at the key's column, and
    /// compact mappings in sequences.
    #[derive(Clone, Copy, Debug)]
    struct Style {
        step: usize,
        indentless: bool,
        compact: bool,
        comments: bool,
    }

    /// Prints `tree` as the value after `head` (a `key:` or `-` at column `indent`, or nothing
    /// at the root).
    fn print(out: &mut String, tree: &Tree, indent: usize, head: &str, style: Style) {
        let pad = |n: usize| " ".repeat(n);
        match tree {
            Tree::Scalar(s) => {
                out.push_str(&alloc::format!("{}{head}{}{s}\n", pad(indent), if head.is_empty() { "" } else { " " }));
            }
            Tree::Literal(lines, strip) => {
                out.push_str(&alloc::format!("{}{head} |{}\n", pad(indent), if *strip { "-" } else { "" }));
                for line in lines {
                    let text = if line.is_empty() {
                        String::new()
                    } else {
                        alloc::format!("{}{line}", pad(indent + style.step))
                    };
                    out.push_str(&text);
                    out.push('\n');
                }
            }
            Tree::Map(_) | Tree::Seq(_) if head.is_empty() => {
                print_block(out, tree, indent, style);
            }
            Tree::Map(_) | Tree::Seq(_) => {
                out.push_str(&alloc::format!("{}{head}\n", pad(indent)));
                if style.comments {
                    out.push_str(&alloc::format!("{}# between\n", pad(indent + 1)));
                }
                let seq_under_key = matches!(tree, Tree::Seq(_)) && head.ends_with(':');
                let inner = if seq_under_key && style.indentless { indent } else { indent + style.step };
                print_block(out, tree, inner, style);
            }
        }
    }

    /// Prints a mapping or sequence whose keys or dashes are at column `indent`.
    fn print_block(out: &mut String, tree: &Tree, indent: usize, style: Style) {
        match tree {
            Tree::Map(entries) => {
                for (key, value) in entries {
                    print(out, value, indent, &alloc::format!("{key}:"), style);
                }
            }
            Tree::Seq(items) => {
                for item in items {
                    match item {
                        Tree::Map(entries) if style.compact => {
                            // `- key: value`, the other keys under the first.
                            let mut first = String::new();
                            print(&mut first, &entries[0].1, indent + 2, &alloc::format!("{}:", entries[0].0), style);
                            out.push_str(&alloc::format!("{}- {}", " ".repeat(indent), &first[indent + 2..]));
                            for (key, value) in &entries[1..] {
                                print(out, value, indent + 2, &alloc::format!("{key}:"), style);
                            }
                        }
                        _ => print(out, item, indent, "-", style),
                    }
                }
            }
            other => print(out, other, indent, "", style),
        }
    }

    /// Block-style texts of random trees, in several documents.
    fn block_texts() -> impl Strategy<Value = String> {
        let style = (1usize..4, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(step, indentless, compact, comments)| Style { step: step.max(2), indentless, compact, comments },
        );
        (prop::collection::vec(trees(), 1..3), style).prop_map(|(documents, style)| {
            let mut out = String::new();
            for (i, tree) in documents.iter().enumerate() {
                if i > 0 {
                    out.push_str("---\n");
                }
                let mut document = String::new();
                print_block(&mut document, tree, 0, style);
                out.push_str(&document);
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// On random texts, whatever the line reader reads, the parser reads to the same events.
        #[test]
        fn reads_random_texts_as_the_parser_does(text in texts()) {
            agrees(&text);
        }

        /// The same on block-style texts of random trees, which it mostly reads.
        #[test]
        fn reads_block_texts_as_the_parser_does(text in block_texts()) {
            agrees(&text);
        }
    }
}
