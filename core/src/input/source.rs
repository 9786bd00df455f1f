//! Where input comes from: files and directories, text, bytes or standard input. One type for
//! the cluster ([`crate::load`]), flow files ([`crate::flows::read_sources`]) and expectations
//! files ([`crate::verify::Expectations::from_source`]), so that every face names its inputs
//! alike and every problem names its origin alike.

use std::io::Read;
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
