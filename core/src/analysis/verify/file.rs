//! The expectations file: YAML (or JSON) read into [`Expectations`], every problem reported with
//! the expectation's index, name and line and the field path.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{EndpointSelector, Expectation, Expectations, Expected, PortSpec};
use crate::input::{clip_quotes, excerpt};
use crate::spec::Labels;
use crate::{Diagnostic, Error, Protocol, TextLimits};

/// At most `max + 1` bytes of `reader` as text (one more than allowed tells the caller it is
/// over).
fn read_capped(reader: impl std::io::Read, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    reader.take(max.saturating_add(1)).read_to_string(&mut text)?;
    Ok(text)
}

/// The top level: exactly one key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    expectations: Option<Vec<serde_saphyr::Spanned<Value>>>,
}

const FIELDS: &str = "name, from, to, port, protocol, expect";
const SELECTOR_FIELDS: &str = "namespace, namespaceLabels, labels, pods";

impl Expectations {
    /// Reads an expectations file from `source` (a file, text or stdin), named in diagnostics
    /// as [`Source::origin`](crate::Source::origin) says; a file that cannot be read is an
    /// error naming it.
    pub fn from_source(source: &crate::Source) -> Result<Expectations, Error> {
        Expectations::from_source_with(source, TextLimits::EXPECTATIONS)
    }

    /// [`Expectations::from_source`] under `limits`: a larger input is refused before it is read
    /// whole, a longer line is an error quoting at most 200 bytes of it.
    pub fn from_source_with(source: &crate::Source, limits: TextLimits) -> Result<Expectations, Error> {
        let origin = source.origin();
        let fail = |message: String| Error::single(Diagnostic::new(None, "", message).with_origin(Some(&origin)));
        let too_large = |size: String| {
            fail(format!(
                "input is {size} bytes, over the limit of {} bytes (raise it with max_bytes, `--max-expect-bytes`)",
                limits.max_bytes
            ))
        };
        let text = match source {
            crate::Source::Path(path) => {
                if let Ok(meta) = std::fs::metadata(path) {
                    if meta.is_file() && meta.len() > limits.max_bytes {
                        return Err(too_large(meta.len().to_string()));
                    }
                }
                let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
                read_capped(file, limits.max_bytes).map_err(|e| fail(format!("cannot read: {e}")))?
            }
            crate::Source::Stdin => {
                read_capped(std::io::stdin().lock(), limits.max_bytes).map_err(|e| fail(format!("cannot read: {e}")))?
            }
            other => other.read_to_string()?,
        };
        if text.len() as u64 > limits.max_bytes {
            return Err(too_large(format!("more than {}", limits.max_bytes)));
        }
        if let Some((i, line)) = text.split('\n').enumerate().find(|(_, l)| l.len() > limits.max_line_bytes) {
            let message = format!(
                "line over the limit of {} bytes (raise it with max_line_bytes, `--max-line-bytes`): {}",
                limits.max_line_bytes,
                excerpt(line)
            );
            let origin = format!("{origin}:{}", i + 1);
            return Err(Error::single(Diagnostic::new(None, "", message).with_origin(Some(&origin))));
        }
        Expectations::from_yaml_str(&text, &origin)
    }

    /// Reads an expectations file (YAML, or JSON, which is YAML); `origin` names it in
    /// diagnostics. Every problem is reported, each naming `expectations[i].field`; unknown
    /// fields are errors.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Expectations, Error> {
        let fail = |field: &str, message: String| {
            Error::single(Diagnostic::new(None, field, clip_quotes(&message)).with_origin(Some(origin)))
        };
        let options = serde_saphyr::options! {
            // YAML 1.2 booleans only: `y`, `on` and `no` are strings (label values such as `ns: y`).
            strict_booleans: true,
        };
        let raw: RawFile = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            fail("", format!("not an expectations file (a map whose one key, `expectations`, holds a list): {e}"))
        })?;
        let list = raw.expectations.unwrap_or_default();
        if list.is_empty() {
            return Err(fail("expectations", "no expectations: give a list of them".to_string()));
        }
        let mut errors = Vec::new();
        let mut items = Vec::new();
        for (index, spanned) in list.iter().enumerate() {
            let line = spanned.referenced.line();
            let mut parser = Parser { index, line, name: None, origin, errors: &mut errors };
            if let Some(e) = parser.expectation(&spanned.value) {
                items.push(e);
            }
        }
        if errors.is_empty() {
            Ok(Expectations { origin: origin.to_string(), items })
        } else {
            Err(Error::new(errors))
        }
    }
}

/// Reads one expectation, collecting its problems.
struct Parser<'a> {
    index: usize,
    line: u64,
    name: Option<String>,
    origin: &'a str,
    errors: &'a mut Vec<Diagnostic>,
}

impl Parser<'_> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        let path = if field.is_empty() {
            format!("expectations[{}]", self.index)
        } else {
            format!("expectations[{}].{field}", self.index)
        };
        let mut message: String = message.into();
        let at = if self.line > 0 { format!(" at line {}", self.line) } else { String::new() };
        match &self.name {
            Some(name) => message.push_str(&format!(" (expectation {name:?}{at})")),
            None if !at.is_empty() => message.push_str(&format!(" (expectation{at})")),
            None => {}
        }
        self.errors.push(Diagnostic::new(None, excerpt(&path), clip_quotes(&message)).with_origin(Some(self.origin)));
    }

    fn expectation(&mut self, value: &Value) -> Option<Expectation> {
        let Some(map) = value.as_object() else {
            self.error("", format!("expected a map with the fields {FIELDS}; got {}", describe(value)));
            return None;
        };
        let before = self.errors.len();
        match map.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => self.name = Some(s.clone()),
            Some(Value::Null) | None => {}
            Some(other) => self.error("name", format!("expected a non-empty string; got {}", describe(other))),
        }
        for key in map.keys() {
            if !FIELDS.split(", ").any(|f| f == key) {
                self.error(key, format!("unknown field; the fields are {FIELDS}"));
            }
        }
        let from = self.required(map, "from").and_then(|v| self.selector("from", v));
        let to = self.required(map, "to").and_then(|v| self.selector("to", v));
        let ports = self.required(map, "port").and_then(|v| self.ports(v));
        let protocol = match map.get("protocol") {
            None | Some(Value::Null) => Some(Protocol::Tcp),
            Some(Value::String(s)) if Protocol::parse_loose(s).is_some() => Protocol::parse_loose(s),
            Some(other) => {
                self.error("protocol", format!("expected TCP, UDP or SCTP; got {}", describe(other)));
                None
            }
        };
        let expected = self.required(map, "expect").and_then(|v| match v.as_str() {
            Some("allowed") => Some(Expected::Allowed),
            Some("denied") => Some(Expected::Denied),
            _ => {
                self.error("expect", format!("expected allowed or denied; got {}", describe(v)));
                None
            }
        });
        if self.errors.len() > before {
            return None;
        }
        let mut e = Expectation {
            name: String::new(),
            from: from?,
            to: to?,
            ports: ports?,
            protocol: protocol?,
            expected: expected?,
            line: u32::try_from(self.line).ok().filter(|&l| l > 0),
        };
        e.name = self.name.clone().unwrap_or_else(|| e.default_name());
        Some(e)
    }

    fn required<'v>(&mut self, map: &'v Map<String, Value>, field: &str) -> Option<&'v Value> {
        let value = map.get(field).filter(|v| !v.is_null());
        if value.is_none() {
            self.error(field, "required field is missing");
        }
        value
    }

    fn ports(&mut self, value: &Value) -> Option<PortSpec> {
        let port = |text: &str| text.trim().parse::<u16>().ok().filter(|&p| p > 0);
        let parsed = match value {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()).filter(|&p| p > 0).map(PortSpec::Port),
            Value::String(s) if s.trim().eq_ignore_ascii_case("all") => Some(PortSpec::All),
            Value::String(s) => match s.split_once('-') {
                None => port(s).map(PortSpec::Port),
                Some((a, b)) => match (port(a), port(b)) {
                    (Some(a), Some(b)) if a == b => Some(PortSpec::Port(a)),
                    (Some(1), Some(u16::MAX)) => Some(PortSpec::All),
                    (Some(first), Some(last)) if first < last => Some(PortSpec::Range { first, last }),
                    (Some(_), Some(_)) => {
                        self.error("port", format!("range {s:?} ends before it starts"));
                        return None;
                    }
                    _ => None,
                },
            },
            _ => None,
        };
        if parsed.is_none() {
            let got = describe(value);
            self.error(
                "port",
                format!("expected a port 1-65535, a range such as \"9100-9199\", or \"all\"; got {got}"),
            );
        }
        parsed
    }

    fn selector(&mut self, field: &str, value: &Value) -> Option<EndpointSelector> {
        match value {
            Value::String(s) => self.selector_text(field, s.trim()),
            Value::Object(map) => self.selector_map(field, map),
            other => {
                self.error(field, format!("{}; got {}", SELECTOR_FORMS, describe(other)));
                None
            }
        }
    }

    fn selector_text(&mut self, field: &str, text: &str) -> Option<EndpointSelector> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Some(EndpointSelector::Ip(ip));
        }
        if let Ok(net) = text.parse::<IpNet>() {
            if net.trunc() != net {
                self.error(field, format!("CIDR {text:?} has host bits set; the network is {}", net.trunc()));
                return None;
            }
            return Some(EndpointSelector::Cidr(net));
        }
        match text.split_once('/') {
            Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() && !name.contains('/') => {
                Some(EndpointSelector::Name { namespace: namespace.to_string(), name: name.to_string() })
            }
            _ => {
                self.error(field, format!("{SELECTOR_FORMS}; got {text:?}"));
                None
            }
        }
    }

    fn selector_map(&mut self, field: &str, map: &Map<String, Value>) -> Option<EndpointSelector> {
        let before = self.errors.len();
        for key in map.keys() {
            if !SELECTOR_FIELDS.split(", ").any(|f| f == key) {
                self.error(&format!("{field}.{key}"), format!("unknown field; the fields are {SELECTOR_FIELDS}"));
            }
        }
        if let Some(pods) = map.get("pods") {
            if pods.as_str() != Some("all") {
                self.error(&format!("{field}.pods"), format!("the only value is \"all\"; got {}", describe(pods)));
            } else if map.len() > 1 {
                self.error(&format!("{field}.pods"), "\"pods: all\" stands alone: leave out the other fields");
            }
            return (self.errors.len() == before).then_some(EndpointSelector::AllPods);
        }
        if map.is_empty() {
            self.error(field, "empty selector: write {pods: all} for every pod");
            return None;
        }
        let namespace = match map.get("namespace") {
            None => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                self.error(
                    &format!("{field}.namespace"),
                    format!("expected a namespace name; got {}", describe(other)),
                );
                None
            }
        };
        let namespace_labels = self.labels(&format!("{field}.namespaceLabels"), map.get("namespaceLabels"));
        let labels = self.labels(&format!("{field}.labels"), map.get("labels"));
        (self.errors.len() == before).then_some(EndpointSelector::Labels { namespace, namespace_labels, labels })
    }

    fn labels(&mut self, field: &str, value: Option<&Value>) -> Labels {
        let mut labels = Labels::new();
        match value {
            None => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) => labels.insert(k.clone(), s.clone()),
                        Value::Number(n) => labels.insert(k.clone(), n.to_string()),
                        Value::Bool(b) => labels.insert(k.clone(), b.to_string()),
                        other => {
                            self.error(
                                &format!("{field}.{k}"),
                                format!("expected a label value; got {}", describe(other)),
                            );
                            None
                        }
                    };
                }
            }
            Some(other) => self.error(field, format!("expected a map of labels; got {}", describe(other))),
        }
        labels
    }
}

const SELECTOR_FORMS: &str = "expected \"namespace/pod\" (* is a wildcard), an IP address, a CIDR, or a map with \
                              namespace, namespaceLabels, labels, or pods: all";

/// What a value is, for messages: its type, and the value itself when it is short.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_string(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
    }
}
