//! `netpol_error`: why a cluster could not be loaded.

use std::ffi::{c_char, CString};

use crate::boundary;

/// Why loading failed: every problem, each naming the object, the field path and what is
/// wrong, one per line. Owned by the caller; free with `netpol_error_free`.
pub struct netpol_error {
    message: CString,
    count: usize,
    /// Per problem, its line in the input text (0 when not known).
    lines: Vec<u32>,
}

impl netpol_error {
    pub(crate) fn new(error: &netpol_core::Error) -> netpol_error {
        // One line per problem: a YAML syntax error's source snippet (its later lines) is left
        // out; its first line already names the line and column.
        let text: Vec<String> =
            error.diagnostics().iter().map(|d| d.to_string().lines().next().unwrap_or_default().to_string()).collect();
        let lines = error.diagnostics().iter().map(|d| d.line().unwrap_or(0)).collect();
        netpol_error { message: crate::c_string(&text.join("\n")), count: text.len(), lines }
    }
}

/// The message: one line per problem, such as
/// `<input>: NetworkPolicy x/bad: spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR "10.0.0.0/99": ...`.
/// Owned by the error: valid until `netpol_error_free`. NULL when `error` is NULL.
///
/// # Safety
/// `error` must be NULL or a live error returned by netpol.
#[no_mangle]
pub unsafe extern "C" fn netpol_error_message(error: *const netpol_error) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error made by netpol.
        match unsafe { error.as_ref() } {
            Some(e) => e.message.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// The number of problems in the message (0 when `error` is NULL).
///
/// # Safety
/// `error` must be NULL or a live error returned by netpol.
#[no_mangle]
pub unsafe extern "C" fn netpol_error_count(error: *const netpol_error) -> usize {
    // SAFETY: the caller passes NULL or a live error made by netpol.
    boundary(0, || unsafe { error.as_ref() }.map_or(0, |e| e.count))
}

/// The line (1-based) in the input text of problem `index` (the message's line `index`, from
/// 0): of the problem's field, or of its object when the field is not written out, or where a
/// syntax error was found. 0 when not known (a namespace assumed, a limit on the whole input),
/// when `index` is not below `netpol_error_count`, or when `error` is NULL.
///
/// # Safety
/// `error` must be NULL or a live error returned by netpol.
#[no_mangle]
pub unsafe extern "C" fn netpol_error_line(error: *const netpol_error, index: usize) -> u32 {
    // SAFETY: the caller passes NULL or a live error made by netpol.
    boundary(0, || unsafe { error.as_ref() }.and_then(|e| e.lines.get(index).copied()).unwrap_or(0))
}

/// Frees an error. NULL does nothing.
///
/// # Safety
/// `error` must be NULL or an error returned by netpol and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn netpol_error_free(error: *mut netpol_error) {
    boundary((), || {
        if !error.is_null() {
            // SAFETY: made by Box::into_raw in engine.rs, freed once by the caller's promise.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}
