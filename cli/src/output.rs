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
use std::sync::atomic::{AtomicBool, Ordering};

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
    let label = if COLOR_ERR.load(Ordering::Relaxed) { "\x1b[1;31merror\x1b[0m" } else { "error" };
    let _ = writeln!(io::stderr().lock(), "{label}: {message}");
}

/// Writes `warning: <message>` and a newline to stderr, ignoring failure.
pub fn warning(message: Arguments<'_>) {
    if !QUIET.load(Ordering::Relaxed) {
        let label = if COLOR_ERR.load(Ordering::Relaxed) { "\x1b[33mwarning\x1b[0m" } else { "warning" };
        let _ = writeln!(io::stderr().lock(), "{label}: {message}");
    }
}

/// When to colour: `--color auto|always|never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the `NO_COLOR` environment variable is set (and not empty).
    #[default]
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// Whether stdout and stderr get colours (for the run in progress).
static COLOR_OUT: AtomicBool = AtomicBool::new(false);
static COLOR_ERR: AtomicBool = AtomicBool::new(false);

/// Decides the colours of the run that starts, from `--color` and `NO_COLOR`.
pub fn set_color(choice: ColorChoice) {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let on = |terminal: bool| match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    };
    COLOR_OUT.store(on(io::stdout().is_terminal()), Ordering::Relaxed);
    COLOR_ERR.store(on(io::stderr().is_terminal()), Ordering::Relaxed);
}

/// `text` with its verdict words coloured when stdout gets colours, for the reports written for
/// people: `ALLOWED` and a line's leading `PASS` green, `DENIED` and a leading `FAIL` red.
pub fn paint(text: &str) -> std::borrow::Cow<'_, str> {
    const PAINTED: [(&str, &str); 4] = [
        ("PASS", "\x1b[1;32mPASS\x1b[0m"),
        ("FAIL", "\x1b[1;31mFAIL\x1b[0m"),
        ("ALLOWED", "\x1b[1;32mALLOWED\x1b[0m"),
        ("DENIED", "\x1b[1;31mDENIED\x1b[0m"),
    ];
    let [pass, fail, allowed, denied] = PAINTED;
    if !COLOR_OUT.load(Ordering::Relaxed) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let rest = match [pass, fail].into_iter().find(|(word, _)| line.starts_with(word)) {
            Some((word, painted)) => {
                out.push_str(painted);
                &line[word.len()..]
            }
            None => line,
        };
        out.push_str(&rest.replace(allowed.0, allowed.1).replace(denied.0, denied.1));
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `-q`/`--quiet` silences warnings (for the run in progress).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences [`warning`] (`-q`), or not, for the run that starts.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Runs `work`; when it takes longer than a second and stderr is a terminal (and warnings are
/// not silenced), shows on stderr that it is still running and for how long, a line cleared
/// when it ends. `NETPOL_PROGRESS_AFTER_MS` sets the wait (for tests).
pub fn with_progress<T>(what: &str, work: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal;
    use std::sync::mpsc::{channel, RecvTimeoutError};
    use std::time::{Duration, Instant};
    if QUIET.load(Ordering::Relaxed) || !io::stderr().is_terminal() {
        return work();
    }
    let after = std::env::var("NETPOL_PROGRESS_AFTER_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let (done, finished) = channel::<()>();
    let start = Instant::now();
    // No wait at all: the line is shown before the work starts.
    let shown_at_once = after == 0;
    if shown_at_once {
        eprint(&format!("\r{what}... 0 s"));
    }
    std::thread::scope(|scope| {
        let shower = scope.spawn(move || {
            let mut shown = shown_at_once;
            let mut wait = Duration::from_millis(after.max(1));
            while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(wait) {
                eprint(&format!("\r{what}... {:.0} s", start.elapsed().as_secs_f64()));
                shown = true;
                wait = Duration::from_millis(500);
            }
            if shown {
                eprint("\r\x1b[K");
            }
        });
        let result = work();
        drop(done);
        let _ = shower.join();
        result
    })
}
