//! The fast YAML reader: documents decoded straight from the parser's events (issue 18).
//!
//! serde-saphyr's deserializer reads YAML at about a third of its parser's speed (10.6 against
//! 25 MB/s on a 100,000-pod dump). Plain, kubectl-shaped YAML needs little of what it adds, so
//! [`documents`] reads events through a small deserializer of its own: first from the line
//! reader for plain block YAML ([`Block`], several times the parser's speed), and when that gives
//! up, from the same parser serde-saphyr uses (granit). It reads the YAML it can read exactly as
//! serde-saphyr does: mappings, sequences, quoted and block scalars,
//! and plain scalars whose type is beyond doubt (strings, `true`/`false`, `~`/`null`/nothing,
//! decimal integers). Anything else (an anchor, an alias, a tag, a merge key, a `%YAML`
//! directive, a plain scalar such as `1.5`, `0x1F`, `yes` or `True`, a scalar where a
//! collection belongs, a syntax error, any decode error) makes it give up with [`Unsupported`],
//! and the loader reads the text again with serde-saphyr, which decides and names every problem
//! as before. So this reader changes how fast the input is read, never what it means.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, StrInput};

use super::block::Block;

/// Why the fast reader gave up: something it does not read exactly as serde-saphyr does, or a
/// problem serde-saphyr is to name.
#[derive(Debug)]
pub(super) struct Unsupported(pub(super) String);

/// A data event of a YAML text, as this reader takes it from either source: the parser's
/// events without their marks, anchors, tags and styles (a text with an anchor or tag is given
/// up before), a scalar only saying whether it is plain.
#[derive(Debug, PartialEq)]
pub(super) enum Ev<'t> {
    DocumentStart,
    DocumentEnd,
    StreamEnd,
    /// A scalar's text, and whether it is plain (else quoted or a block scalar).
    Scalar(Cow<'t, str>, bool),
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

/// Where the events come from: the line reader for plain block YAML, or the YAML parser.
enum Source<'t> {
    Block(Block<'t>),
    Parser(Box<Parser<'t, StrInput<'t>>>),
}

/// The next data event of the parser: comments and the stream's start are passed over;
/// anchors, aliases, tags and directives give up.
fn parser_event<'t>(parser: &mut Parser<'t, StrInput<'t>>) -> Result<Ev<'t>, Unsupported> {
    loop {
        let event = match parser.next_event() {
            Some(Ok((event, _))) => event,
            Some(Err(e)) => return Err(Unsupported(e.to_string())),
            None => return unsupported("the end of the events"),
        };
        return match event {
            Event::Alias(_) | Event::Anchor(..) | Event::UnresolvedAlias(_) => unsupported("an alias or anchor"),
            Event::Scalar(_, _, anchor, ref tag)
            | Event::SequenceStart(_, anchor, ref tag)
            | Event::MappingStart(_, anchor, ref tag)
                if anchor != 0 || tag.is_some() =>
            {
                unsupported("an anchor or tag")
            }
            Event::Scalar(text, style, ..) => Ok(Ev::Scalar(text, style == ScalarStyle::Plain)),
            Event::SequenceStart(..) => Ok(Ev::SequenceStart),
            Event::SequenceEnd => Ok(Ev::SequenceEnd),
            Event::MappingStart(..) => Ok(Ev::MappingStart),
            Event::MappingEnd => Ok(Ev::MappingEnd),
            Event::StreamStart => continue,
            Event::StreamEnd => Ok(Ev::StreamEnd),
            Event::DocumentStart(_, Some(_)) => unsupported("a %YAML directive"),
            Event::DocumentStart(_, None) => Ok(Ev::DocumentStart),
            Event::DocumentEnd => Ok(Ev::DocumentEnd),
            #[allow(unreachable_patterns)] // comments, when the parser is built to report them
            _ => continue,
        };
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl de::Error for Unsupported {
    fn custom<T: fmt::Display>(message: T) -> Unsupported {
        Unsupported(message.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(what.to_string()))
}

/// The non-empty documents of `text`, each decoded as a `T`; nesting deeper than `max_depth`
/// gives up (serde-saphyr then refuses it by its budget). Plain block YAML is read by the line
/// reader ([`Block`]); when that gives up, the parser reads the text again.
pub(super) fn documents<'t, T: Deserialize<'t>>(text: &'t str, max_depth: usize) -> Result<Vec<T>, Unsupported> {
    read(Source::Block(Block::new(text)), max_depth)
        .or_else(|_| read(Source::Parser(Box::new(Parser::new_from_str(text))), max_depth))
}

/// Every event of `text` as the parser gives them, or why it gave up (for tests).
#[cfg(test)]
pub(super) fn parser_events(text: &str) -> Result<Vec<Ev<'_>>, Unsupported> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Vec::new();
    loop {
        let event = parser_event(&mut parser)?;
        let end = event == Ev::StreamEnd;
        out.push(event);
        if end {
            return Ok(out);
        }
    }
}

/// The documents of one source of events.
fn read<'t, T: Deserialize<'t>>(source: Source<'t>, max_depth: usize) -> Result<Vec<T>, Unsupported> {
    let mut de = Events { source, peeked: None, depth: 0, max_depth };
    let mut out = Vec::new();
    loop {
        match de.next()? {
            Ev::DocumentEnd => {}
            Ev::StreamEnd => return Ok(out),
            Ev::DocumentStart => {
                // An empty document (nothing, or a plain null) is left out, as serde-saphyr does.
                if let Ev::Scalar(text, true) = de.peek()? {
                    if matches!(plain(text), Plain::Null) {
                        de.next()?;
                        continue;
                    }
                }
                out.push(T::deserialize(&mut de)?);
            }
            _ => return unsupported("an event outside a document"),
        }
    }
}

/// The events of a text, with one of look-ahead.
struct Events<'t> {
    source: Source<'t>,
    peeked: Option<Ev<'t>>,
    depth: usize,
    max_depth: usize,
}

impl<'t> Events<'t> {
    /// The next data event.
    fn next(&mut self) -> Result<Ev<'t>, Unsupported> {
        if let Some(event) = self.peeked.take() {
            return Ok(event);
        }
        match &mut self.source {
            Source::Block(block) => block.next(),
            Source::Parser(parser) => parser_event(parser),
        }
    }

    fn peek(&mut self) -> Result<&Ev<'t>, Unsupported> {
        if self.peeked.is_none() {
            self.peeked = Some(self.next()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// Enters a collection. Nesting near the depth limit is left to serde-saphyr, which decides
    /// at exactly which level the limit refuses.
    fn enter(&mut self) -> Result<(), Unsupported> {
        self.depth += 1;
        self.within_depth(self.depth)
    }

    fn within_depth(&self, depth: usize) -> Result<(), Unsupported> {
        if depth + 2 > self.max_depth {
            return unsupported("nesting near the depth limit");
        }
        Ok(())
    }

    /// Passes over the rest of a node whose first event was `first`.
    fn skip(&mut self, first: &Ev<'t>) -> Result<(), Unsupported> {
        let mut open = match first {
            Ev::SequenceStart | Ev::MappingStart => {
                self.within_depth(self.depth + 1)?;
                1usize
            }
            Ev::Scalar(..) => return Ok(()),
            _ => return unsupported("a node expected"),
        };
        while open > 0 {
            match self.next()? {
                Ev::SequenceStart | Ev::MappingStart => {
                    open += 1;
                    self.within_depth(self.depth + open)?;
                }
                Ev::SequenceEnd | Ev::MappingEnd => open -= 1,
                Ev::Scalar(..) => {}
                _ => return unsupported("an event inside a node"),
            }
        }
        Ok(())
    }

    /// The next event, which must be a scalar that is not a plain non-string: its text.
    fn string(&mut self) -> Result<Cow<'t, str>, Unsupported> {
        match self.next()? {
            Ev::Scalar(text, is_plain) if !is_plain || matches!(plain(&text), Plain::Str) => Ok(text),
            Ev::Scalar(text, _) => Err(Unsupported(std::format!("a string expected, not {text:?}"))),
            _ => unsupported("a string expected"),
        }
    }

    /// The next event, which must be a plain decimal integer.
    fn integer(&mut self) -> Result<Plain, Unsupported> {
        match self.next()? {
            Ev::Scalar(text, true) => match plain(&text) {
                n @ (Plain::Unsigned(_) | Plain::Signed(_)) => Ok(n),
                _ => unsupported("an integer expected"),
            },
            _ => unsupported("an integer expected"),
        }
    }
}

/// What a plain scalar is, where that is beyond doubt.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Plain {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Str,
    /// A number of another form, another spelling of null or a boolean, or a YAML 1.1 value:
    /// left to serde-saphyr.
    Doubtful,
}

/// Types a plain scalar, conservatively.
fn plain(text: &str) -> Plain {
    match text {
        "" | "~" | "null" => return Plain::Null,
        "true" => return Plain::Bool(true),
        "false" => return Plain::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0')) {
        return match (text.starts_with('-'), text.parse::<u64>(), text.parse::<i64>()) {
            (false, Ok(n), _) => Plain::Unsigned(n),
            (true, _, Ok(n)) if n != 0 => Plain::Signed(n),
            _ => Plain::Doubtful,
        };
    }
    // The words below, compared without case and without allocating (every plain string comes
    // here): at most 9 bytes, `+infinity`.
    let mut buf = [0u8; 9];
    let lower = match buf.get_mut(..text.len()) {
        Some(short) => {
            short.copy_from_slice(text.as_bytes());
            short.make_ascii_lowercase();
            core::str::from_utf8(short).unwrap_or("")
        }
        None => "",
    };
    let doubtful_word = matches!(
        lower,
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | "+.inf" | "-.inf" | ".nan"
    );
    // Anything a number parser might take: a sign, digits, a point, exponents, underscores or
    // colons (YAML 1.1 sexagesimals), timestamps (`2025-01-01T00:00:00Z`), prefixed numbers
    // (`0x1F`, `0o17`), infinities and NaNs; and what Rust's own float parser reads. Two points
    // or more make no number (an IPv4 address, a version such as `1.2.3`), nor do other letters
    // (a hash such as `24f4fd4d8j`).
    let unsigned = text.trim_start_matches(['+', '-']).as_bytes();
    let prefixed =
        unsigned.len() >= 2 && unsigned[0] == b'0' && matches!(unsigned[1].to_ascii_lowercase(), b'x' | b'o' | b'b');
    let infinite = matches!(lower.trim_start_matches(['+', '-']), "inf" | "infinity" | "nan" | ".inf" | ".nan");
    let number_like = infinite
        || prefixed
        || (text.bytes().any(|b| b.is_ascii_digit())
            && text.bytes().filter(|&b| b == b'.').count() <= 1
            && text.bytes().all(|b| {
                b.is_ascii_digit()
                    || matches!(b.to_ascii_lowercase(), b'.' | b'_' | b':' | b'+' | b'-' | b'e' | b't' | b'z' | b' ')
            }));
    if doubtful_word || number_like || text.parse::<f64>().is_ok() {
        return Plain::Doubtful;
    }
    Plain::Str
}

/// Calls the visitor for a string, borrowed from the input where the parser borrowed it.
fn visit_text<'t, V: Visitor<'t>>(text: Cow<'t, str>, visitor: V) -> Result<V::Value, Unsupported> {
    match text {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

impl<'de, 't: 'de> Deserializer<'de> for &mut Events<'t> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.next()? {
            Ev::Scalar(text, true) => match plain(&text) {
                Plain::Null => visitor.visit_unit(),
                Plain::Bool(b) => visitor.visit_bool(b),
                Plain::Unsigned(n) => visitor.visit_u64(n),
                Plain::Signed(n) => visitor.visit_i64(n),
                Plain::Str => visit_text(text, visitor),
                Plain::Doubtful => unsupported("a plain scalar of doubtful type"),
            },
            Ev::Scalar(text, false) => visit_text(text, visitor),
            Ev::SequenceStart => {
                self.enter()?;
                let value = visitor.visit_seq(Seq { de: &mut *self })?;
                self.depth -= 1;
                Ok(value)
            }
            Ev::MappingStart => {
                self.enter()?;
                let value = visitor.visit_map(Map { de: &mut *self })?;
                self.depth -= 1;
                Ok(value)
            }
            _ => unsupported("a node expected"),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.next()? {
            Ev::Scalar(text, true) => match plain(&text) {
                Plain::Bool(b) => visitor.visit_bool(b),
                _ => unsupported("a boolean expected"),
            },
            _ => unsupported("a boolean expected"),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.integer()? {
            Plain::Unsigned(n) => visitor.visit_u64(n),
            Plain::Signed(n) => visitor.visit_i64(n),
            _ => unsupported("an integer expected"),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
        unsupported("a float")
    }

    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
        unsupported("a float")
    }

    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
        unsupported("a character")
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        let text = self.string()?;
        visit_text(text, visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
        unsupported("bytes")
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
        unsupported("bytes")
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        if let Ev::Scalar(text, true) = self.peek()? {
            if plain(text) == Plain::Null {
                self.next()?;
                return visitor.visit_none();
            }
        }
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.next()? {
            Ev::Scalar(text, true) if plain(&text) == Plain::Null => visitor.visit_unit(),
            _ => unsupported("null expected"),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Unsupported> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.peek()? {
            Ev::SequenceStart => self.deserialize_any(visitor),
            _ => unsupported("a sequence expected"),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.peek()? {
            Ev::MappingStart => self.deserialize_any(visitor),
            _ => unsupported("a mapping expected"),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Unsupported> {
        unsupported("an enum")
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        let first = self.next()?;
        self.skip(&first)?;
        visitor.visit_unit()
    }
}

/// A sequence's entries.
struct Seq<'a, 't> {
    de: &'a mut Events<'t>,
}

impl<'de, 't: 'de> SeqAccess<'de> for Seq<'_, 't> {
    type Error = Unsupported;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Unsupported> {
        if let Ev::SequenceEnd = self.de.peek()? {
            self.de.next()?;
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// A mapping's entries. Keys are scalars (strings as written); a merge key gives up.
struct Map<'a, 't> {
    de: &'a mut Events<'t>,
}

impl<'de, 't: 'de> MapAccess<'de> for Map<'_, 't> {
    type Error = Unsupported;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Unsupported> {
        match self.de.peek()? {
            Ev::MappingEnd => {
                self.de.next()?;
                Ok(None)
            }
            Ev::Scalar(text, _) if text == "<<" => unsupported("a merge key"),
            Ev::Scalar(..) => seed.deserialize(&mut *self.de).map(Some),
            _ => unsupported("a key that is not a scalar"),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Unsupported> {
        seed.deserialize(&mut *self.de)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::k8s::decode::{with_node_budget, Node};

    /// What serde-saphyr decodes `text` to, as the loader asks it (or its error).
    fn by_serde_saphyr(text: &str) -> Result<Vec<Node>, String> {
        let mut options = super::super::yaml_options(text.len(), &crate::Limits::default());
        options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
        with_node_budget(1 << 20, || serde_saphyr::from_multiple_with_options::<Node>(text, options))
            .map_err(|e| e.to_string())
    }

    /// Where the fast reader reads a text, it reads what serde-saphyr reads; and it reads the
    /// plain, kubectl-shaped YAML it is for.
    #[test]
    fn reads_what_serde_saphyr_reads_or_gives_up() {
        // (text, whether the fast reader must read it: Some(true), give up: Some(false), or
        // either: None).
        let cases: &[(&str, Option<bool>)] = &[
            (include_str!("../../../../examples/cluster.yaml"), Some(true)),
            (include_str!("../../../../examples/dual-stack/cluster.yaml"), Some(true)),
            (include_str!("../../../../examples/gaps/cluster.yaml"), Some(true)),
            (include_str!("../../../../examples/pr/after/workloads.yaml"), Some(true)),
            (include_str!("../../../../examples/pr/after/policies.yaml"), Some(true)),
            (include_str!("../../../testdata/invalid/api_validation.yaml"), None),
            (include_str!("../../../testdata/cases/rules_ports.yaml"), None),
            (include_str!("../../../testdata/cases/cyclonus_examples.yaml"), None),
            // Scalars of every style, flow collections, comments, empty and explicit documents.
            (
                "# a comment\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: 'a'\n  namespace: \"n\"\n  \
                 labels:\n    app: web\n    tier: \"80\"\n    v: '1.5'\n  annotations:\n    note: |\n      multi\n      line\n  \
                 \x20 folded: >-\n      a\n      b\nspec:\n  containers:\n  \
                 - ports: [{containerPort: 8080, name: http, protocol: TCP}]\nstatus:\n  podIP: 10.0.0.1\n  \
                 podIPs:\n  - ip: 10.0.0.1\n...\n---\n---\n~\n---\nkind: Namespace\napiVersion: v1\n\
                 metadata: {name: shop, labels: {kubernetes.io/metadata.name: shop}}\n",
                Some(true),
            ),
            ("apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  apiVersion: v1\n  metadata:\n    name: x\n", Some(true)),
            ("[{kind: Namespace, apiVersion: v1, metadata: {name: a}}, 5, [1]]\n", Some(true)),
            ("just a string\n", Some(true)),
            ("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p, namespace: shop}\n\
              spec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - port: http\n    - port: 80\n      endPort: 90\n",
             Some(true)),
            // Given up: anchors, tags, merge keys, doubtful plain scalars, directives, errors.
            ("a: &x {b: 1}\nc: *x\n", Some(false)),
            ("kind: Pod\nmetadata:\n  name: a\n  labels:\n    a: b\n    a: c\n", Some(false)),
            ("kind: !!str Pod\n", Some(false)),
            ("metadata: {<<: {name: a}}\n", Some(false)),
            ("kind: Pod\nmetadata: {name: a, labels: {on: yes}}\n", Some(false)),
            ("kind: Pod\nmetadata: {name: 1.5}\n", Some(false)),
            ("%YAML 1.1\n---\nkind: Pod\n", Some(false)),
            ("kind: Pod\nmetadata: {name: [\n", Some(false)),
        ];
        for (text, fast) in cases {
            let ours = with_node_budget(1 << 20, || documents::<Node>(text, 64));
            if let Some(fast) = fast {
                assert_eq!(ours.is_ok(), *fast, "fast reader on {text:?}: {:?}", ours.as_ref().err());
            }
            if let Ok(ours) = ours {
                let theirs = by_serde_saphyr(text).expect("serde-saphyr reads what the fast reader reads");
                assert_eq!(std::format!("{ours:?}"), std::format!("{theirs:?}"), "{text}");
            }
        }
    }

    #[test]
    fn plain_scalars_are_typed_only_beyond_doubt() {
        for (text, want) in [
            ("", Plain::Null),
            ("~", Plain::Null),
            ("null", Plain::Null),
            ("true", Plain::Bool(true)),
            ("false", Plain::Bool(false)),
            ("0", Plain::Unsigned(0)),
            ("8080", Plain::Unsigned(8080)),
            ("-3", Plain::Signed(-3)),
            ("v1", Plain::Str),
            ("TCP", Plain::Str),
            ("10.244.1.5", Plain::Str),
            ("fd00::5", Plain::Str),
            ("app.kubernetes.io/name", Plain::Str),
            ("kube-dns", Plain::Str),
            ("1.2.3", Plain::Str),
            ("10.0.0.0/8", Plain::Str),
            ("-x", Plain::Str),
            ("24f4fd4d8j", Plain::Str),
            ("2d", Plain::Str),
            ("maintenance", Plain::Str),
            ("confluence-info", Plain::Str),
            ("0b101", Plain::Doubtful),
            ("-0X1F", Plain::Doubtful),
            ("+Infinity", Plain::Doubtful),
            ("2025-01-01T00:00:00.5Z", Plain::Doubtful),
            ("a-rather-long-name-of-a-pod", Plain::Str),
            ("12e", Plain::Doubtful),
            ("2025-01-01T00:00:00Z", Plain::Doubtful),
            ("-0", Plain::Doubtful),
            ("0123", Plain::Doubtful),
            ("+5", Plain::Doubtful),
            ("1.5", Plain::Doubtful),
            ("1e3", Plain::Doubtful),
            ("0x1F", Plain::Doubtful),
            ("0o17", Plain::Doubtful),
            ("1_000", Plain::Doubtful),
            ("1:20", Plain::Doubtful),
            (".inf", Plain::Doubtful),
            ("-.Inf", Plain::Doubtful),
            (".NaN", Plain::Doubtful),
            ("inf", Plain::Doubtful),
            ("NaN", Plain::Doubtful),
            ("infinity", Plain::Doubtful),
            ("True", Plain::Doubtful),
            ("FALSE", Plain::Doubtful),
            ("Null", Plain::Doubtful),
            ("yes", Plain::Doubtful),
            ("off", Plain::Doubtful),
            ("y", Plain::Doubtful),
            ("99999999999999999999", Plain::Doubtful),
        ] {
            assert_eq!(plain(text), want, "{text:?}");
        }
    }
}
