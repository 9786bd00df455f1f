//! Every byte the command prints goes through here, so that output never lies: a write error on
//! stdout (a full disk, `/dev/full`, a closed descriptor) ends with one line on stderr and exit
//! 2, never with exit 0 on a short write and never with a panic; a closed pipe (`netpol matrix
//! ... | head`) ends quietly with the exit code the answer had. Rust ignores SIGPIPE, so a closed
//! pipe is an `EPIPE` error here, which `println!` would turn into a panic.
//!
//! Messages on stderr are best effort: when stderr itself cannot be written there is nowhere
//! left to say so, and the exit code still tells.

use std::fmt::Arguments;
use std::io::{self, ErrorKind, Write};

use crate::Outcome;

/// Writes `text` to stdout and flushes it; the outcome is `outcome`, or exit 2 when the write
/// failed (see the module documentation).
pub fn print(text: &str, outcome: Outcome) -> Outcome {
    write_with(|out| out.write_all(text.as_bytes()), outcome)
}

/// Lets `write` write to stdout (for output produced piece by piece: the reports stream rows
/// as they compute them), through a buffer, flushes, and ends as [`print`] does. The first
/// write error stops `write` (the writers return it at once) and is reported here.
pub fn write_with(write: impl FnOnce(&mut dyn Write) -> io::Result<()>, outcome: Outcome) -> Outcome {
    let mut stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => outcome,
        // The reader has seen enough (`| head`): stop quietly, as other Unix tools do.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => outcome,
        Err(e) => {
            error(format_args!("cannot write the output: {e}"));
            Outcome::BadInput
        }
    }
}

/// Writes `text` to stderr, ignoring failure.
pub fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `error: <message>` and a newline to stderr, ignoring failure.
pub fn error(message: Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "error: {message}");
}

/// Writes `warning: <message>` and a newline to stderr, ignoring failure.
pub fn warning(message: Arguments<'_>) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = writeln!(io::stderr().lock(), "warning: {message}");
    }
}

/// Whether `-q`/`--quiet` silences warnings (for the run in progress).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Silences [`warning`] (`-q`), or not, for the run that starts.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}
