//! Where input comes from: files and directories, text, bytes or standard input. One type for
//! the cluster ([`crate::load`]), flow files ([`crate::flows::read_sources`]) and expectations
//! files ([`crate::verify::Expectations::from_source`]), so that every face names its inputs
//! alike and every problem names its origin alike.

use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::{Diagnostic, Error};

/// One input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file, or (for cluster input) a directory read recursively; named as given.
    Path(PathBuf),
    /// Text, named `origin` in diagnostics.
    Text {
        /// The text.
        text: String,
        /// Its name in diagnostics, such as `<text>`.
        origin: String,
    },
    /// Bytes that must be UTF-8 text, named `origin`.
    Bytes {
        /// The bytes.
        bytes: Vec<u8>,
        /// Its name in diagnostics, such as `<input>`.
        origin: String,
    },
    /// Standard input, named `<stdin>`.
    Stdin,
}

impl Source {
    /// A command-line argument: `-` is standard input, anything else a path.
    pub fn arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// Text named `origin`.
    pub fn text(text: impl Into<String>, origin: impl Into<String>) -> Source {
        Source::Text { text: text.into(), origin: origin.into() }
    }

    /// Whether this is standard input (which can be read once only).
    pub fn is_stdin(&self) -> bool {
        matches!(self, Source::Stdin)
    }

    /// Its name in diagnostics: the path as given, the origin, or `<stdin>`.
    pub fn origin(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Text { origin, .. } | Source::Bytes { origin, .. } => origin.clone(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }

    /// The whole input as text (a directory cannot be read so); a problem names the origin.
    pub fn read_to_string(&self) -> Result<String, Error> {
        let cannot = |e: std::io::Error| {
            Error::single(Diagnostic::new(None, "", std::format!("cannot read: {e}")).with_origin(Some(&self.origin())))
        };
        match self {
            Source::Path(path) => std::fs::read_to_string(path).map_err(cannot),
            Source::Text { text, .. } => Ok(text.clone()),
            Source::Bytes { bytes, .. } => String::from_utf8(bytes.clone())
                .map_err(|_| cannot(std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))),
            Source::Stdin => {
                let mut text = String::new();
                std::io::stdin().lock().read_to_string(&mut text).map_err(cannot)?;
                Ok(text)
            }
        }
    }
}

/// Caps on an input read line by line: flow files and expectations files. Over `max_bytes` the
/// input is refused (a file by its size, before reading); a line over `max_line_bytes` is an
/// error and is never held whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimits {
    /// Bytes of one input (a file, a stream, a text).
    pub max_bytes: u64,
    /// Bytes of one line, its newline left out.
    pub max_line_bytes: usize,
}

impl TextLimits {
    /// Flow files: 4 GiB each (they are streamed: memory grows with distinct flows, not bytes),
    /// lines of 64 KiB (a Hubble record is 1-2 KiB).
    pub const FLOWS: TextLimits = TextLimits { max_bytes: 4 << 30, max_line_bytes: 64 << 10 };
    /// Expectations files: 32 MiB (as a cluster input), lines of 64 KiB.
    pub const EXPECTATIONS: TextLimits = TextLimits { max_bytes: 32 << 20, max_line_bytes: 64 << 10 };
}

/// The most bytes of an input line an error message quotes.
pub(crate) const EXCERPT_BYTES: usize = 200;

/// `text` as an error may quote it: at most [`EXCERPT_BYTES`] bytes (at a character boundary),
/// then `…` when cut.
pub(crate) fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_BYTES {
        return text.to_string();
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::format!("{}…", &text[..end])
}

/// `message` with every run between double quotes or backticks cut to [`EXCERPT_BYTES`] bytes
/// and `…`: what the parsers' messages quote of a line (`invalid type: string "..."`,
/// ``unknown field `...` ``) stays short whatever the line.
pub(crate) fn clip_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * EXCERPT_BYTES));
    let mut quote: Option<(char, usize)> = None; // The open quote, and bytes kept inside.
    let mut escaped = false;
    for c in message.chars() {
        match quote {
            None => {
                if c == '"' || c == '`' {
                    quote = Some((c, 0));
                }
                out.push(c);
            }
            Some((q, kept)) => {
                let closes = c == q && !escaped;
                escaped = q == '"' && c == '\\' && !escaped;
                if closes {
                    if kept > EXCERPT_BYTES {
                        out.push('…');
                    }
                    out.push(c);
                    quote = None;
                } else {
                    if kept + c.len_utf8() <= EXCERPT_BYTES {
                        out.push(c);
                    }
                    quote = Some((q, kept + c.len_utf8()));
                }
            }
        }
    }
    if matches!(quote, Some((_, kept)) if kept > EXCERPT_BYTES) {
        out.push('…');
    }
    out
}

/// One line read by [`read_line`].
pub(crate) enum Line {
    /// The end of the input.
    End,
    /// A line, in the buffer; `read` bytes were consumed.
    Read { read: usize },
    /// A line over the cap: its first `max` bytes are in the buffer, the rest was consumed and
    /// dropped; `read` bytes in all.
    TooLong { read: usize },
}

/// Reads one line (through `\n`) into `buf` (cleared first), keeping at most `max` bytes of
/// it: a longer line is consumed to its end but never held whole.
pub(crate) fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut read = 0;
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = (max + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        read += take;
        if buf.len() > max && buf.last() != Some(&b'\n') {
            too_long = true;
            buf.truncate(max);
        }
        if done {
            break;
        }
    }
    Ok(match (read, too_long) {
        (0, _) => Line::End,
        (read, false) => Line::Read { read },
        (read, true) => Line::TooLong { read },
    })
}
