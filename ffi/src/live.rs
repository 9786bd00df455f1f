//! `netpol_live`: a cluster that changes, one watch event at a time, and the engine that follows
//! it incrementally (issue 20). A dataplane feeds it what `kubectl get ... -o json --watch
//! --output-watch-events` (or its own informer) delivers, and decides on snapshots: each
//! snapshot is an ordinary `netpol_engine`, valid and unchanged until freed, whatever is applied
//! after it was taken.
//!
//! Threads: one writer calls `netpol_live_apply_json`; any thread may call
//! `netpol_live_snapshot` (it waits only for an apply in progress) and decide on its snapshots
//! without any lock.

use std::sync::{Arc, Mutex};

use netpol_core::{Applied, Error, EventOutcome, Live, Source};

use crate::engine::{config_of, netpol_engine, netpol_options};
use crate::error::netpol_error;
use crate::{boundary, netpol_result};

/// What one applied event did. The numbers are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum netpol_live_applied {
    /// The object was given again as it is: nothing changed.
    Unchanged = 0,
    /// Only pods left out of the model (finished, host-network) changed.
    LeftOut = 1,
    /// A pod joined, left or moved between existing identities: per-pod arrays patched.
    Patched = 2,
    /// The cluster was compiled again.
    Recompiled = 3,
    /// A bookmark, or an object of a kind netpol does not read: nothing to do.
    Ignored = 4,
    /// A full listing (a document that is not an event, such as a `kind: List`) replaced the
    /// whole state.
    Resynced = 5,
}

/// A live cluster. Owned by the caller; free with `netpol_live_free`.
pub struct netpol_live {
    live: Mutex<Live>,
    options: netpol_options,
}

fn write_error(error_out: *mut *mut netpol_error, error: &Error) -> netpol_result {
    if !error_out.is_null() {
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { error_out.write(Box::into_raw(Box::new(netpol_error::new(error)))) };
    }
    netpol_result::InvalidInput
}

/// # Safety
/// `text` must point to `len` readable bytes, or be NULL with `len == 0`.
unsafe fn bytes<'a>(text: *const u8, len: usize) -> Option<&'a [u8]> {
    match (text.is_null(), len) {
        (_, 0) => Some(&[]),
        (true, _) => None,
        // SAFETY: the caller promises `len` readable bytes at `text`.
        (false, _) => Some(unsafe { std::slice::from_raw_parts(text, len) }),
    }
}

/// Starts a live cluster from `len` bytes of YAML or JSON at `text`: the initial listing
/// (`kubectl get namespaces,pods,networkpolicies -A -o json`); `len == 0` starts empty.
/// `options` may be NULL for the defaults. On `NETPOL_RESULT_OK`, `*live_out` gets the new live
/// cluster; on `NETPOL_RESULT_INVALID_INPUT` and when `error_out` is not NULL, `*error_out`
/// names every problem.
///
/// # Safety
/// `text` points to `len` readable bytes (or is NULL with `len == 0`); `options` NULL or valid;
/// `live_out` writable; `error_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_live_new(
    text: *const u8,
    len: usize,
    options: *const netpol_options,
    live_out: *mut *mut netpol_live,
    error_out: *mut *mut netpol_error,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promise.
        let Some(bytes) = (unsafe { bytes(text, len) }) else { return netpol_result::NullParameter };
        if live_out.is_null() {
            return netpol_result::NullParameter;
        }
        // SAFETY: NULL or valid, by the caller's promise.
        let options = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let config = config_of(&options);
        let source = Source::Bytes { bytes: bytes.to_vec(), origin: "<initial>".into() };
        let live = match netpol_core::load_live(&[source], &config) {
            Ok(live) => live,
            Err(e) => return write_error(error_out, &e),
        };
        let boxed = Box::new(netpol_live { live: Mutex::new(live), options });
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { live_out.write(Box::into_raw(boxed)) };
        netpol_result::Ok
    })
}

/// Applies one watch event: `len` bytes of JSON at `event`, `{"type": "ADDED" | "MODIFIED" |
/// "DELETED" | "BOOKMARK" | "ERROR", "object": {...}}`, or a full listing (a document that is
/// not an event, such as a `kind: List`) that replaces the whole state. On `NETPOL_RESULT_OK`,
/// `*applied_out` (when not NULL) says what it took.
///
/// On `NETPOL_RESULT_INVALID_INPUT` the state is as it was, and `*error_out` (when not NULL)
/// says why: malformed JSON, an object the API server would reject, a deletion of an object
/// not held, an `ERROR` event (such as 410 Gone: events were missed; send a full listing to
/// resync). Keep applying after an error.
///
/// # Safety
/// `live` NULL or live; `event` points to `len` readable bytes; `applied_out` and `error_out`
/// NULL or writable. One writer at a time per live cluster.
#[no_mangle]
pub unsafe extern "C" fn netpol_live_apply_json(
    live: *mut netpol_live,
    event: *const u8,
    len: usize,
    applied_out: *mut netpol_live_applied,
    error_out: *mut *mut netpol_error,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: NULL or live, by the caller's promise.
        let Some(handle) = (unsafe { live.as_ref() }) else { return netpol_result::NullParameter };
        // SAFETY: forwarded caller promise.
        let Some(bytes) = (unsafe { bytes(event, len) }) else { return netpol_result::NullParameter };
        let config = config_of(&handle.options);
        let mut live = handle.live.lock().unwrap_or_else(|e| e.into_inner());
        let applied = match live.apply_event(bytes, config.load) {
            Ok(EventOutcome::Applied(Applied::Unchanged)) => netpol_live_applied::Unchanged,
            Ok(EventOutcome::Applied(Applied::LeftOut)) => netpol_live_applied::LeftOut,
            Ok(EventOutcome::Applied(Applied::Patched)) => netpol_live_applied::Patched,
            Ok(EventOutcome::Applied(_)) => netpol_live_applied::Recompiled,
            Ok(EventOutcome::Ignored) => netpol_live_applied::Ignored,
            Ok(_) => netpol_live_applied::Resynced,
            Err(e) => return write_error(error_out, &e),
        };
        if !applied_out.is_null() {
            // SAFETY: non-NULL and writable by the caller's promise.
            unsafe { applied_out.write(applied) };
        }
        netpol_result::Ok
    })
}

/// A snapshot of the current state: a new `netpol_engine` for every decide call, unchanged by
/// later applies and valid until `netpol_engine_free` (also after `netpol_live_free`). Pod
/// indices are those of the snapshot: look pods up by name in each new snapshot.
///
/// # Safety
/// `live` NULL or live; `engine_out` writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_live_snapshot(
    live: *const netpol_live,
    engine_out: *mut *mut netpol_engine,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: NULL or live, by the caller's promise.
        let Some(handle) = (unsafe { live.as_ref() }) else { return netpol_result::NullParameter };
        if engine_out.is_null() {
            return netpol_result::NullParameter;
        }
        let snapshot = handle.live.lock().unwrap_or_else(|e| e.into_inner()).snapshot();
        let engine: Arc<_> = snapshot;
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { engine_out.write(Box::into_raw(Box::new(netpol_engine::new(engine)))) };
        netpol_result::Ok
    })
}

/// Frees a live cluster. NULL does nothing. Snapshots taken from it stay valid.
///
/// # Safety
/// `live` must be NULL or a live cluster returned by netpol and not freed yet, used by no other
/// thread.
#[no_mangle]
pub unsafe extern "C" fn netpol_live_free(live: *mut netpol_live) {
    boundary((), || {
        if !live.is_null() {
            // SAFETY: made by Box::into_raw above and freed once, by the caller's promise.
            drop(unsafe { Box::from_raw(live) });
        }
    })
}
