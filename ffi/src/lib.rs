//! # libnetpol: the C ABI of netpol
//!
//! A dataplane written in C (an eBPF control plane, a DPDK or VPP plugin, an Envoy filter)
//! links `libnetpol.a` or `libnetpol.so`, includes `netpol.h` (generated from this crate by
//! cbindgen and checked in as `ffi/include/netpol.h`) and asks for verdicts.
//!
//! Conventions, after rustls-ffi:
//! - One module per C "class": [`engine`] (`netpol_engine`, `netpol_options`), [`error`]
//!   (`netpol_error`), [`decide`] (endpoints, queries, verdicts, explanations), [`live`]
//!   (`netpol_live`: a cluster that changes by watch events, and snapshots to decide on).
//! - Opaque handles; `_new`/`_free` pairs; freeing NULL does nothing.
//! - Fallible calls return a stable [`netpol_result`]; out-parameters are written only on
//!   [`netpol_result::Ok`].
//! - Every `extern "C"` body runs inside [`boundary`]: a panic becomes
//!   [`netpol_result::Panic`], never an unwind into C.
//!
//! `unsafe` is confined to this crate: each block says what the caller promised.

#![allow(non_camel_case_types)]

pub mod decide;
pub mod engine;
pub mod error;
pub mod live;

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a fallible call did. The numbers are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum netpol_result {
    /// Success: out-parameters were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// The cluster text could not be loaded (malformed YAML/JSON or objects the API server would
    /// reject); the `netpol_error`, when asked for, says which object and field.
    InvalidInput = 2,
    /// No pod with that name or index.
    NotFound = 3,
    /// An argument is out of range: unknown protocol, endpoint kind or IP length.
    InvalidArgument = 4,
    /// An internal error in netpol (a bug): please report it.
    Panic = 5,
}

/// Runs `body`, turning a panic into `on_panic`.
pub(crate) fn boundary<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Turns text into a C string, replacing interior NULs (which names and messages cannot
/// contain in practice) so the conversion cannot fail.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default()
}

/// The major version of the library this header belongs to: `netpol_version()` is
/// "MAJOR.MINOR.PATCH" of the library linked, so a program can check at run time that it
/// links the version it was compiled against.
pub const NETPOL_VERSION_MAJOR: u32 = 0;
/// The minor version of the library this header belongs to.
pub const NETPOL_VERSION_MINOR: u32 = 1;
/// The patch version of the library this header belongs to.
pub const NETPOL_VERSION_PATCH: u32 = 0;

/// The library version, e.g. "0.1.0", as a static NUL-terminated string. Never NULL.
#[no_mangle]
pub extern "C" fn netpol_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Frees a string returned by netpol (such as the text of `netpol_explain`). NULL does nothing.
///
/// # Safety
/// `text` must be NULL or a string returned by netpol and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn netpol_string_free(text: *mut c_char) {
    boundary((), || {
        if !text.is_null() {
            // SAFETY: the caller passes a pointer netpol made with CString::into_raw, once.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}

#[cfg(test)]
mod tests {
    /// The version macros of netpol.h are the crate's version.
    #[test]
    fn version_macros_are_the_crate_version() {
        let parts: Vec<u32> = env!("CARGO_PKG_VERSION").split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts, [super::NETPOL_VERSION_MAJOR, super::NETPOL_VERSION_MINOR, super::NETPOL_VERSION_PATCH]);
    }
}
