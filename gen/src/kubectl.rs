//! The text of `kubectl get ... -o json` and `-o yaml`, for objects held as JSON values: the
//! writers of the `--format json` output and of the realistic YAML output.
//!
//! kubectl prints a `kind: List` whose objects are unstructured maps, so keys come out sorted at
//! every level (the writers sort them). JSON is Go's `json.MarshalIndent` with four spaces;
//! YAML is go-yaml's block style with two spaces, sequences at the indentation of their key,
//! strings that would read as something else (numbers, booleans, null, timestamps)
//! double-quoted, other strings that cannot be plain single-quoted, and multi-line strings as
//! literal blocks. The List is written object by object,
//! so that a 240 MB output never exists as one string.

use std::io::{self, Write};

use serde_json::{Map, Value};

/// Output text: what `-o json` or `-o yaml` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// YAML (`kubectl get ... -o yaml`).
    #[default]
    Yaml,
    /// JSON (`kubectl get ... -o json`).
    Json,
}

/// Writes a `kind: List` object by object: [`ListWriter::item`] for each, then
/// [`ListWriter::finish`].
pub(crate) struct ListWriter<W: Write> {
    out: W,
    format: Format,
    items: usize,
    /// One object's text, reused.
    buffer: String,
}

impl<W: Write> ListWriter<W> {
    /// Starts the List (nothing is written before the first item or the end).
    pub(crate) fn new(out: W, format: Format) -> ListWriter<W> {
        ListWriter { out, format, items: 0, buffer: String::with_capacity(1 << 16) }
    }

    /// Writes one object of the List.
    pub(crate) fn item(&mut self, object: &Value) -> io::Result<()> {
        self.buffer.clear();
        match (self.format, self.items) {
            (Format::Json, 0) => self.buffer.push_str("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"),
            (Format::Json, _) => self.buffer.push_str(",\n"),
            (Format::Yaml, 0) => self.buffer.push_str("apiVersion: v1\nitems:\n"),
            (Format::Yaml, _) => {}
        }
        match self.format {
            Format::Json => {
                pad(&mut self.buffer, 8);
                json(&mut self.buffer, object, 8);
            }
            Format::Yaml => {
                self.buffer.push_str("- ");
                yaml(&mut self.buffer, object, 2, true);
            }
        }
        self.items += 1;
        self.out.write_all(self.buffer.as_bytes())
    }

    /// Ends the List (`kind: List`, `metadata.resourceVersion: ""`) and flushes.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        let end = match (self.format, self.items) {
            (Format::Json, 0) => "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n",
            (Format::Json, _) => "\n    ],\n",
            (Format::Yaml, 0) => "apiVersion: v1\nitems: []\n",
            (Format::Yaml, _) => "",
        };
        let tail = match self.format {
            Format::Json => {
                "    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
            }
            Format::Yaml => "kind: List\nmetadata:\n  resourceVersion: \"\"\n",
        };
        self.out.write_all(end.as_bytes())?;
        self.out.write_all(tail.as_bytes())?;
        self.out.flush()
    }
}

/// The entries of `map` sorted by key, whatever the map's own order (`serde_json`'s
/// `preserve_order` feature, if some crate of a build turns it on, keeps insertion order).
fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `value` as Go's `json.MarshalIndent(value, "", "    ")` prints it, its first line already
/// indented to `indent`.
fn json(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (key, v)) in sorted(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, indent + 4);
                json_string(out, key);
                out.push_str(": ");
                json(out, v, indent + 4);
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, indent + 4);
                json(out, v, indent + 4);
            }
            out.push('\n');
            pad(out, indent);
            out.push(']');
        }
        Value::String(s) => json_string(out, s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

/// A JSON string as Go escapes it (`<`, `>` and `&` too, as `encoding/json` does by default).
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `value` in go-yaml's block style at `indent`; `inline` when the line is already open (after
/// `- `), so the first key goes on it.
fn yaml(out: &mut String, value: &Value, indent: usize, inline: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => yaml_map(out, map, indent, inline),
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 || !inline {
                    pad(out, indent);
                }
                out.push_str("- ");
                yaml(out, item, indent + 2, true);
            }
        }
        scalar => {
            yaml_scalar(out, scalar, indent);
            out.push('\n');
        }
    }
}

fn yaml_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline: bool) {
    for (i, (key, v)) in sorted(map).into_iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        yaml_string(out, key, indent);
        out.push(':');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                yaml_map(out, m, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                yaml(out, v, indent, false);
            }
            scalar => {
                out.push(' ');
                yaml_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar, `{}` or `[]`; a multi-line string becomes a literal block indented to `indent`.
fn yaml_scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => yaml_string(out, s, indent),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

/// A string as go-yaml (v2, YAML 1.1) writes it.
fn yaml_string(out: &mut String, s: &str, indent: usize) {
    let block = s.contains('\n') && !s.ends_with("\n\n") && !s.starts_with(' ') && !s.contains('\r');
    if block && s.chars().all(|c| c == '\n' || !c.is_control()) {
        let (indicator, body) = match s.strip_suffix('\n') {
            Some(body) => ("|", body),
            None => ("|-", s),
        };
        out.push_str(indicator);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                pad(out, indent);
                out.push_str(line);
            }
        }
        return;
    }
    if resolves_to_other_type(s) || s.chars().any(char::is_control) {
        json_string(out, s);
    } else if plain_safe(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

/// Whether a plain `s` would read back as something other than a string in YAML 1.1 or 1.2:
/// empty, null, a boolean, a number, a timestamp or a merge key.
fn resolves_to_other_type(s: &str) -> bool {
    const WORDS: [&str; 13] = ["", "~", "null", "y", "yes", "n", "no", "true", "false", "on", "off", "<<", "="];
    if WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return true;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    if [".inf", ".nan"].contains(&lower.as_str()) {
        return true;
    }
    let radix = ["0x", "0o", "0b"].iter().find_map(|p| lower.strip_prefix(p));
    if let Some(digits) = radix {
        return !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_hexdigit() || c == b'_');
    }
    let numeric = !unsigned.is_empty()
        && unsigned.bytes().next().is_some_and(|c| c.is_ascii_digit() || c == b'.')
        && unsigned.bytes().all(|c| c.is_ascii_digit() || b"._eE+-:".contains(&c))
        && unsigned.bytes().any(|c| c.is_ascii_digit())
        && unsigned.bytes().filter(|&c| c == b'.').count() <= 1;
    // `2025-01-01`, `2025-01-01T10:00:00Z`: timestamps.
    let b = s.as_bytes();
    let timestamp = b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
        && s[5..].bytes().all(|c| c.is_ascii_digit() || b"-:.TtZz +".contains(&c));
    numeric || timestamp
}

/// Whether `s` may be written plain in block context.
fn plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    if b"#,[]{}&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if b"-?:".contains(&first) && b.get(1).is_none_or(|&c| c == b' ') {
        return false;
    }
    !(s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn yaml_of(v: &Value) -> String {
        let mut out = String::new();
        yaml(&mut out, v, 0, false);
        out
    }

    #[test]
    fn yaml_quotes_as_go_yaml_does() {
        let v = json!({
            "a": "8080", "b": "2025-01-01T00:00:00Z", "c": "*", "d": "plain-text", "e": "",
            "f": "k:{\"name\":\"api\"}", "g": "10.64.0.2", "h": "yes", "i": "--port=80", "j": "a: b",
            "k": "{\"x\":1}\n", "l": null, "m": {}, "n": [], "o": 1.5, "p": true
        });
        let expected = "a: \"8080\"\nb: \"2025-01-01T00:00:00Z\"\nc: '*'\nd: plain-text\ne: \"\"\n\
            f: k:{\"name\":\"api\"}\ng: 10.64.0.2\nh: \"yes\"\ni: --port=80\nj: 'a: b'\nk: |\n  {\"x\":1}\n\
            l: null\nm: {}\n\"n\": []\no: 1.5\np: true\n";
        assert_eq!(yaml_of(&v), expected);
    }

    #[test]
    fn yaml_sequences_sit_at_their_key() {
        let v = json!({"items": [{"a": 1, "b": [{"c": "x"}, "w", {}]}], "z": {"v": {"x": 1}}});
        assert_eq!(yaml_of(&v), "items:\n- a: 1\n  b:\n  - c: x\n  - w\n  - {}\nz:\n  v:\n    x: 1\n");
    }

    #[test]
    fn json_is_go_marshal_indent() {
        let mut out = String::new();
        json(&mut out, &json!({"b": [1, {}], "a": {"x": "<&>"}, "c": []}), 0);
        assert_eq!(
            out,
            "{\n    \"a\": {\n        \"x\": \"\\u003c\\u0026\\u003e\"\n    },\n    \"b\": [\n        1,\n        {}\n    ],\n    \"c\": []\n}"
        );
    }

    #[test]
    fn lists_open_and_close() {
        for format in [Format::Json, Format::Yaml] {
            let mut out = Vec::new();
            let mut list = ListWriter::new(&mut out, format);
            list.item(&json!({"kind": "Namespace"})).unwrap();
            list.item(&json!({"kind": "Pod"})).unwrap();
            list.finish().unwrap();
            let text = String::from_utf8(out).unwrap();
            let expected = match format {
                Format::Json => "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"kind\": \"Namespace\"\n        },\n        {\n            \"kind\": \"Pod\"\n        }\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
                Format::Yaml => "apiVersion: v1\nitems:\n- kind: Namespace\n- kind: Pod\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
            };
            assert_eq!(text, expected);
            let empty = ListWriter::new(Vec::new(), format);
            empty.finish().unwrap();
        }
    }
}
