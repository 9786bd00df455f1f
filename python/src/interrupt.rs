//! Long calls that Ctrl-C stops, and outputs too large for memory refused as `MemoryError`.
//!
//! A long computation runs on a worker thread while the calling thread waits without the GIL
//! and checks for signals every [`POLL`]: Ctrl-C raises `KeyboardInterrupt` within that time,
//! even in the middle of a call that takes seconds. The core's computations cannot be stopped
//! from outside, so an interrupted one finishes on its worker thread and its result is dropped;
//! the work this module does itself (the matrix's bytes and rows) stops at once.
//!
//! Python cannot recover from a failed allocation in Rust (the process aborts), so outputs whose
//! size is known before they are made (the matrix: pods²; the connectivity map: its pairs) are
//! checked against the memory the process may still take, and refused with `MemoryError`.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::{PyMemoryError, PyRuntimeError};
use pyo3::panic::PanicException;
use pyo3::prelude::*;

/// How often a waiting call checks for Ctrl-C.
const POLL: Duration = Duration::from_millis(20);

/// The worker's stack: as large as a main thread's, for the core's recursive decoders.
const STACK: usize = 8 << 20;

/// Runs `job` on a worker thread, without the GIL, and returns its result; a signal handler that
/// raises (Ctrl-C: `KeyboardInterrupt`) ends the wait at once, leaving the job to finish alone.
pub(crate) fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    job: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("netpol".into())
        .stack_size(STACK)
        .spawn(move || {
            // The receiver is gone when the call was interrupted: the result is dropped.
            let _ = sender.send(job());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut receiver = receiver;
    loop {
        // The receiver is not `Sync`: it goes along into the GIL-free wait and comes back.
        let (received, back) = py.detach(move || (receiver.recv_timeout(POLL), receiver));
        receiver = back;
        match received {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PanicException::new_err("netpol: the computation panicked (a bug in netpol)"))
            }
        }
    }
}

/// Bytes this process may still allocate: the smaller of the system's available memory and what
/// the address-space limit (`ulimit -v`) leaves. `None` when unknown (not Linux).
fn available_memory() -> Option<u64> {
    let field = |text: &str, name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|m| field(m, "MemAvailable:")).map(|kb| kb * 1024);
    let limits = std::fs::read_to_string("/proc/self/limits").ok();
    let address_space = limits.as_deref().and_then(|l| field(l, "Max address space"));
    let status = std::fs::read_to_string("/proc/self/status").ok();
    let used = status.as_deref().and_then(|s| field(s, "VmSize:")).map(|kb| kb * 1024);
    let left = address_space.map(|limit| limit.saturating_sub(used.unwrap_or(0)));
    match (available, left) {
        (Some(a), Some(l)) => Some(a.min(l)),
        (a, l) => a.or(l),
    }
}

/// `MemoryError` when `bytes` (`None`: more than a `u64` holds) cannot be addressed or is more
/// than the process may still allocate; `what` names the output.
pub(crate) fn ensure_fits(what: &str, bytes: Option<u64>) -> PyResult<()> {
    const MB: u64 = 1 << 20;
    match bytes {
        Some(b) if b <= isize::MAX as u64 => match available_memory() {
            Some(available) if b > available => Err(PyMemoryError::new_err(format!(
                "{what} needs about {} MiB and about {} MiB are available",
                b.div_ceil(MB),
                available / MB
            ))),
            _ => Ok(()),
        },
        _ => Err(PyMemoryError::new_err(format!("{what} is larger than this machine can address"))),
    }
}

/// The memory the matrix of `pods` pods takes in Python: the row-major bytes (one a cell) and
/// the engine's bit matrix they are made from, plus a little per row.
pub(crate) fn matrix_bytes(pods: usize) -> Option<u64> {
    let n = pods as u64;
    let cells = n.checked_mul(n)?;
    cells.checked_add(cells / 8)?.checked_add(n.checked_mul(64)?)
}

/// The memory the rows of the matrix of `pods` pods take as lists of bools (`Matrix.allowed`):
/// a pointer per cell (`True` and `False` are shared) and a list per row.
pub(crate) fn rows_bytes(pods: usize) -> Option<u64> {
    let n = pods as u64;
    let pointer = std::mem::size_of::<usize>() as u64;
    n.checked_mul(n)?.checked_mul(pointer)?.checked_add(n.checked_mul(64)?)
}

/// What the JSON of a connectivity map with `pairs` pod pairs (names at most `name` bytes)
/// takes while it is made: the JSON tree (about five times its text) and the text.
pub(crate) fn connectivity_bytes(pairs: usize, name: usize) -> Option<u64> {
    let per_pair = (2 * name as u64).checked_add(96)?;
    (pairs as u64).checked_mul(per_pair)?.checked_mul(6)
}
