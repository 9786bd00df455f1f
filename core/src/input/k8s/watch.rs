//! Watch streams (issue 20): what `kubectl get namespaces,pods,networkpolicies,... -A -o json
//! --watch --output-watch-events` prints, one JSON document after another, each
//! `{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": {...}}`, read into [`Change`]s.
//!
//! The stream is cut into documents by their braces (outside strings), so one bad document
//! never takes the rest with it: a malformed or oversized document, an event of a kind netpol
//! does not read, an `ERROR` event (such as 410 Gone) and a stream cut mid-object each become a
//! [`WatchItem`] saying what happened and what to do, and reading goes on. A document that is
//! not an event (a `kind: List`, as `kubectl get -o json` prints) is a full listing: the state
//! to resync to.

use std::format;
use std::io::BufRead;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use serde_json::Value;

use super::decode::UniqueKeys;
use super::{LoadOptions, Loader};
use crate::spec::change::{Change, Object};
use crate::{Cluster, Diagnostic, ObjectKind, ObjectRef};

/// The type of a watch event that changes an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
}

impl EventType {
    /// As the API server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One document of a watch stream, read.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // Read one at a time.
pub enum WatchItem {
    /// An object added, modified or deleted.
    Change {
        /// The event's type.
        event: EventType,
        /// The change.
        change: Change,
        /// The line the document starts on.
        line: u32,
    },
    /// A full listing (a document that is not an event, such as a `kind: List`): the whole
    /// state, to resync to.
    Listing {
        /// The cluster it holds.
        cluster: Cluster,
        /// The line the document starts on.
        line: u32,
    },
    /// An event about an object of a kind netpol does not read, or a `BOOKMARK`: nothing changes.
    Ignored {
        /// What it was (`BOOKMARK`, `ADDED Deployment`).
        what: String,
        /// The line the document starts on.
        line: u32,
    },
    /// A document that could not be used: what was wrong and what to do. `stale` when events
    /// may have been missed (an `ERROR` event, a cut stream), so the state can be out of date
    /// until the next full listing.
    Problem {
        /// What happened, naming the object and field where known.
        diagnostic: Diagnostic,
        /// Whether events may have been missed.
        stale: bool,
        /// The line the document starts on.
        line: u32,
    },
}

/// Reads a watch stream document by document.
pub struct WatchStream<R> {
    reader: R,
    options: LoadOptions,
    origin: String,
    default_namespace: String,
    /// The line the reader is on (1-based).
    line: u32,
    /// Documents read.
    documents: u64,
    done: bool,
}

/// One document cut out of the stream.
enum Document {
    Text(Vec<u8>),
    TooLarge(usize),
    /// Something that is not a JSON object, up to the end of its line.
    Stray(String),
    /// The stream ended inside a document.
    Cut(usize),
}

impl<R: BufRead> WatchStream<R> {
    /// A stream read from `reader`, named `origin` in diagnostics; each document is loaded with
    /// `options` (strictness, limits; `max_input_bytes` caps one document).
    pub fn new(reader: R, origin: &str, options: LoadOptions) -> WatchStream<R> {
        WatchStream {
            reader,
            options,
            origin: origin.into(),
            default_namespace: "default".into(),
            line: 1,
            documents: 0,
            done: false,
        }
    }

    /// The namespace of namespaced objects that name none (default `default`).
    pub fn with_default_namespace(mut self, namespace: Option<String>) -> WatchStream<R> {
        if let Some(ns) = namespace {
            self.default_namespace = ns;
        }
        self
    }

    /// Documents read so far.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    fn byte(&mut self) -> std::io::Result<Option<u8>> {
        let buf = self.reader.fill_buf()?;
        let Some(&b) = buf.first() else { return Ok(None) };
        self.reader.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    /// The next document, its first line, or `None` at the end.
    fn document(&mut self) -> std::io::Result<Option<(Document, u32)>> {
        // Between documents: whitespace; anything else up to the end of its line is stray.
        let first = loop {
            match self.byte()? {
                None => return Ok(None),
                Some(b) if b.is_ascii_whitespace() => {}
                Some(b) => break b,
            }
        };
        let line = self.line;
        if first != b'{' {
            let mut stray = vec![first];
            while let Some(b) = self.byte()? {
                if b == b'\n' {
                    break;
                }
                if stray.len() < 80 {
                    stray.push(b);
                }
            }
            return Ok(Some((Document::Stray(String::from_utf8_lossy(&stray).into_owned()), line)));
        }
        let max = self.options.max_input_bytes;
        let (mut text, mut size) = (vec![first], 1usize);
        let (mut depth, mut in_string, mut escaped) = (1usize, false, false);
        while depth > 0 {
            let Some(b) = self.byte()? else { return Ok(Some((Document::Cut(size), line))) };
            size += 1;
            if size <= max {
                text.push(b);
            }
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
        }
        Ok(Some((if size > max { Document::TooLarge(size) } else { Document::Text(text) }, line)))
    }

    fn problem(&self, line: u32, message: String, stale: bool) -> WatchItem {
        let origin = format!("{} (line {line})", self.origin);
        WatchItem::Problem { diagnostic: Diagnostic::new(None, "", message).with_origin(Some(&origin)), stale, line }
    }

    /// Reads one document into an item.
    fn item(&mut self, text: &[u8], line: u32) -> WatchItem {
        let value = match serde_json::from_slice::<UniqueKeys>(text) {
            Ok(UniqueKeys(v)) => v,
            Err(e) => return self.problem(line, format!("malformed JSON: {e}; document skipped"), false),
        };
        let Value::Object(mut map) = value else {
            return self.problem(line, "not a JSON object; document skipped".into(), false);
        };
        let (Some(kind), Some(object)) = (map.remove("type"), map.remove("object")) else {
            // Not an event: a full listing (a List or a single object).
            return self.listing(Value::Object(map), line);
        };
        if let Some(extra) = map.keys().next() {
            let message = format!("watch event with unknown field {extra:?} (events hold `type` and `object`)");
            return self.problem(line, message, false);
        }
        match kind.as_str().unwrap_or_default() {
            "ADDED" => self.upsert(EventType::Added, object, line),
            "MODIFIED" => self.upsert(EventType::Modified, object, line),
            "DELETED" => self.delete(object, line),
            "BOOKMARK" => WatchItem::Ignored { what: "BOOKMARK".into(), line },
            "ERROR" => {
                let code = object.get("code").and_then(Value::as_u64).map_or(String::new(), |c| format!(" {c}"));
                let reason = object.get("reason").and_then(Value::as_str).unwrap_or_default();
                let message = object.get("message").and_then(Value::as_str).unwrap_or_default();
                let message = format!(
                    "watch ERROR{code} {reason}: {message}: events were missed, so the state may be out of date; \
                     restart the watch and send a full listing (`kubectl get ... -o json`) to resync"
                );
                self.problem(line, message, true)
            }
            other => self.problem(line, format!("watch event of unknown type {other:?}; document skipped"), false),
        }
    }

    fn listing(&self, value: Value, line: u32) -> WatchItem {
        let mut loader = Loader::new(self.options).with_default_namespace(Some(self.default_namespace.clone()));
        loader.add_objects(vec![value], &format!("{} (line {line})", self.origin));
        match loader.finish() {
            Ok(cluster) => WatchItem::Listing { cluster, line },
            Err(e) => self.problem(line, format!("full listing refused, state kept: {e}"), true),
        }
    }

    /// The kind and name of an event's object, if it is of a kind netpol reads.
    fn object_ref(&self, object: &Value) -> Result<Option<ObjectRef>, String> {
        let kind = object.get("kind").and_then(Value::as_str).ok_or("the object has no `kind`")?;
        let metadata = object.get("metadata");
        let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str).ok_or("no `metadata.name`")?;
        let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Value::as_str);
        let kind = match kind {
            "Namespace" => ObjectKind::Namespace,
            "Pod" => ObjectKind::Pod,
            "NetworkPolicy" => ObjectKind::NetworkPolicy,
            "ClusterNetworkPolicy" => ObjectKind::ClusterNetworkPolicy,
            "AdminNetworkPolicy" => ObjectKind::AdminNetworkPolicy,
            "BaselineAdminNetworkPolicy" => ObjectKind::BaselineAdminNetworkPolicy,
            "Node" => ObjectKind::Node,
            _ => return Ok(None),
        };
        Ok(Some(match kind {
            ObjectKind::Pod | ObjectKind::NetworkPolicy => {
                ObjectRef::namespaced(kind, namespace.unwrap_or(&self.default_namespace), name)
            }
            _ => ObjectRef::cluster_scoped(kind, name),
        }))
    }

    fn ignored(object: &Value, event: &str, line: u32) -> WatchItem {
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("object");
        WatchItem::Ignored { what: format!("{event} {kind}"), line }
    }

    fn delete(&self, object: Value, line: u32) -> WatchItem {
        match self.object_ref(&object) {
            Ok(Some(r)) => WatchItem::Change { event: EventType::Deleted, change: Change::Delete(r), line },
            Ok(None) => Self::ignored(&object, "DELETED", line),
            Err(e) => self.problem(line, format!("DELETED event: {e}; document skipped"), false),
        }
    }

    fn upsert(&self, event: EventType, object: Value, line: u32) -> WatchItem {
        let r = match self.object_ref(&object) {
            Ok(Some(r)) => r,
            Ok(None) => return Self::ignored(&object, event.as_str(), line),
            Err(e) => return self.problem(line, format!("{} event: {e}; document skipped", event.as_str()), false),
        };
        let mut loader = Loader::new(self.options).with_default_namespace(Some(self.default_namespace.clone()));
        loader.add_objects(vec![object], &format!("{} (line {line})", self.origin));
        match loader.finish() {
            Ok(cluster) => {
                let warnings: Vec<String> = cluster.warnings().iter().map(ToString::to_string).collect();
                match Object::take_from(cluster, &r) {
                    Some(o) => WatchItem::Change { event, change: Change::Upsert(o), line },
                    None => {
                        let why = warnings.join("; ");
                        let message =
                            format!("{} event skipped (lenient): {why}; the object is kept as it was", event.as_str());
                        WatchItem::Problem { diagnostic: Diagnostic::new(Some(r), "", message), stale: false, line }
                    }
                }
            }
            Err(e) => {
                let message = format!("{} event refused, the object is kept as it was: {e}", event.as_str());
                WatchItem::Problem { diagnostic: Diagnostic::new(Some(r), "", message), stale: false, line }
            }
        }
    }
}

impl<R: BufRead> Iterator for WatchStream<R> {
    type Item = WatchItem;

    fn next(&mut self) -> Option<WatchItem> {
        if self.done {
            return None;
        }
        let (document, line) = match self.document() {
            Ok(Some(d)) => d,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(e) => {
                self.done = true;
                let message = format!("cannot read the stream: {e}; stopped");
                return Some(self.problem(self.line, message, true));
            }
        };
        self.documents += 1;
        Some(match document {
            Document::Text(text) => self.item(&text, line),
            Document::TooLarge(size) => {
                let max = self.options.max_input_bytes;
                let message = format!(
                    "document of {size} bytes, over the limit of {max} bytes (raise it with --max-input-bytes); \
                     skipped, so its event is missed: resync from a full listing"
                );
                self.problem(line, message, true)
            }
            Document::Stray(text) => {
                self.problem(line, format!("not a JSON object: {text:?}; skipped to the next line"), false)
            }
            Document::Cut(size) => {
                self.done = true;
                let message = format!(
                    "the stream ended inside a document ({size} bytes read): that event was not applied; restart the \
                     watch (a full listing resyncs)"
                );
                self.problem(line, message, true)
            }
        })
    }
}
