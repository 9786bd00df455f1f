//! `netpol_engine`: a compiled cluster, built from YAML or JSON text.

use std::ffi::{c_char, CStr, CString};
use std::sync::Arc;

use netpol_core::raw::Strictness;
use netpol_core::spec::Tie;
use netpol_core::{Config, Engine, Options, SelfTraffic, Source};

use crate::error::netpol_error;
use crate::{boundary, netpol_result};

/// How cluster policies (ClusterNetworkPolicy, AdminNetworkPolicy) of one tier and priority that
/// disagree on a connection are decided: the API leaves it undefined. The numbers are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum netpol_tie {
    /// Deny, then Pass, then Accept (the default; as Cilium decides).
    DenyWins = 0,
    /// Accept, then Pass, then Deny.
    AcceptWins = 1,
    /// Refuse to load a cluster where such a disagreement may happen.
    Error = 2,
}

/// How to load and evaluate. Initialise with `netpol_options_default`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct netpol_options {
    /// false (default): a pod can always reach itself. true: self traffic is decided by the
    /// policies like any other connection.
    pub self_traffic_evaluate: bool,
    /// true (default): ipBlocks also match pod IPs. false: only IPs outside the pods.
    pub ip_block_matches_pods: bool,
    /// false (default): any object the API server would reject fails the load. true: such
    /// objects are skipped and reported as warnings (`netpol_engine_warning`).
    pub lenient: bool,
    /// NETPOL_TIE_DENY_WINS (default), NETPOL_TIE_ACCEPT_WINS or NETPOL_TIE_ERROR.
    pub tie: netpol_tie,
}

impl Default for netpol_options {
    fn default() -> netpol_options {
        netpol_options {
            self_traffic_evaluate: false,
            ip_block_matches_pods: true,
            lenient: false,
            tie: netpol_tie::DenyWins,
        }
    }
}

/// A compiled cluster. Immutable: any number of threads may call netpol functions on one engine
/// at the same time. Owned by the caller; free with `netpol_engine_free`.
pub struct netpol_engine {
    pub(crate) engine: Arc<Engine>,
    names: Vec<CString>,
    warnings: Vec<CString>,
}

impl netpol_engine {
    /// A handle on `engine` (shared: a live engine's snapshot), with its names as C strings.
    pub(crate) fn new(engine: Arc<Engine>) -> netpol_engine {
        let cluster = engine.cluster();
        let names = cluster.pods().iter().map(|p| crate::c_string(&p.qualified_name())).collect();
        let warnings = cluster.warnings().iter().map(|w| crate::c_string(&w.to_string())).collect();
        netpol_engine { engine, names, warnings }
    }
}

/// Writes the default options to `*options_out`.
///
/// # Safety
/// `options_out` must be NULL or point to writable memory for one `netpol_options`.
#[no_mangle]
pub unsafe extern "C" fn netpol_options_default(options_out: *mut netpol_options) -> netpol_result {
    boundary(netpol_result::Panic, || {
        if options_out.is_null() {
            return netpol_result::NullParameter;
        }
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { options_out.write(netpol_options::default()) };
        netpol_result::Ok
    })
}

/// Loads namespaces, pods and NetworkPolicies from `len` bytes of YAML or JSON text at `text`
/// (anything `kubectl get -o yaml` prints: multi-document streams, `kind: List`), validates and
/// compiles them.
///
/// `options` may be NULL for the defaults. On `NETPOL_RESULT_OK`, `*engine_out` gets a new
/// engine. On `NETPOL_RESULT_INVALID_INPUT`, and when `error_out` is not NULL, `*error_out`
/// gets a new `netpol_error` naming every problem (free it with `netpol_error_free`).
///
/// # Safety
/// `text` must point to `len` readable bytes (or be NULL with `len == 0`); `options` NULL or
/// valid; `engine_out` writable; `error_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_from_yaml(
    text: *const u8,
    len: usize,
    options: *const netpol_options,
    engine_out: *mut *mut netpol_engine,
    error_out: *mut *mut netpol_error,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        if engine_out.is_null() || (text.is_null() && len != 0) {
            return netpol_result::NullParameter;
        }
        let bytes: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: the caller promises `len` readable bytes at `text`.
            unsafe { std::slice::from_raw_parts(text, len) }
        };
        // SAFETY: NULL or a valid options struct, by the caller's promise.
        let options = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let config = config_of(&options);
        let source = Source::Bytes { bytes: bytes.to_vec(), origin: "<input>".into() };
        let report = |error: netpol_error| {
            if !error_out.is_null() {
                // SAFETY: non-NULL and writable by the caller's promise.
                unsafe { error_out.write(Box::into_raw(Box::new(error))) };
            }
            netpol_result::InvalidInput
        };
        let engine = match netpol_core::load_and_compile(&[source], &config) {
            Ok(engine) => engine,
            Err(e) => return report(netpol_error::new(&e)),
        };
        // SAFETY: checked non-NULL above; writable by the caller's promise.
        unsafe { engine_out.write(Box::into_raw(Box::new(netpol_engine::new(Arc::new(engine))))) };
        netpol_result::Ok
    })
}

/// How to load and evaluate, from the C options.
pub(crate) fn config_of(options: &netpol_options) -> Config {
    let mut config = Config {
        options: Options {
            self_traffic: if options.self_traffic_evaluate { SelfTraffic::Evaluate } else { SelfTraffic::Allow },
            ip_block_matches_pods: options.ip_block_matches_pods,
            tie: match options.tie {
                netpol_tie::DenyWins => Tie::DenyWins,
                netpol_tie::AcceptWins => Tie::AcceptWins,
                netpol_tie::Error => Tie::Error,
            },
        },
        // An empty text (`len == 0`) is an empty cluster, as it always was for C.
        allow_empty: true,
        ..Config::default()
    };
    config.load.strictness = Strictness::strict_if(!options.lenient);
    config
}

/// Frees an engine. NULL does nothing. No thread may use the engine any more.
///
/// # Safety
/// `engine` must be NULL or an engine returned by netpol and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_free(engine: *mut netpol_engine) {
    boundary((), || {
        if !engine.is_null() {
            // SAFETY: made by Box::into_raw above and freed once, by the caller's promise.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

/// Borrows the engine behind a handle.
///
/// # Safety
/// `engine` must be NULL or a live engine.
pub(crate) unsafe fn borrow<'a>(engine: *const netpol_engine) -> Option<&'a netpol_engine> {
    // SAFETY: NULL or live, by the caller's promise.
    unsafe { engine.as_ref() }
}

/// The number of pods (0 when `engine` is NULL). Pod indices run from 0 to this minus one, in
/// namespace, then name order.
///
/// # Safety
/// `engine` must be NULL or a live engine.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_pod_count(engine: *const netpol_engine) -> usize {
    // SAFETY: forwarded caller promise.
    boundary(0, || unsafe { borrow(engine) }.map_or(0, |e| e.names.len()))
}

/// Finds the pod called `name` (NUL-terminated `namespace/pod`) and writes its index.
/// `NETPOL_RESULT_NOT_FOUND` when there is none; `netpol_engine_unknown_endpoint` then says why,
/// for a pod the loader left out.
///
/// # Safety
/// `engine` NULL or live; `name` NULL or a NUL-terminated string; `index_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_pod_index(
    engine: *const netpol_engine,
    name: *const c_char,
    index_out: *mut u32,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promise.
        let Some(e) = (unsafe { borrow(engine) }) else { return netpol_result::NullParameter };
        if name.is_null() || index_out.is_null() {
            return netpol_result::NullParameter;
        }
        // SAFETY: non-NULL and NUL-terminated by the caller's promise.
        let name = unsafe { CStr::from_ptr(name) };
        let Ok(name) = name.to_str() else { return netpol_result::NotFound };
        match e.engine.pod_id(name) {
            Some(p) => {
                // SAFETY: non-NULL and writable by the caller's promise.
                unsafe { index_out.write(p.0) };
                netpol_result::Ok
            }
            None => netpol_result::NotFound,
        }
    })
}

/// Why `name` (NUL-terminated `namespace/pod`) is no pod of the engine, when netpol knows: the
/// loader left that pod out (host-network, or finished). On `NETPOL_RESULT_OK`, `*text_out`
/// gets a new NUL-terminated message, the words every netpol face uses, such as
/// `kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address`;
/// free it with `netpol_string_free`. `NETPOL_RESULT_NOT_FOUND` for any other name (a pod of
/// the engine, or nothing the input held): then say "no such pod" in your own words.
///
/// # Safety
/// `engine` NULL or live; `name` NULL or a NUL-terminated string; `text_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_unknown_endpoint(
    engine: *const netpol_engine,
    name: *const c_char,
    text_out: *mut *mut c_char,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promise.
        let Some(e) = (unsafe { borrow(engine) }) else { return netpol_result::NullParameter };
        if name.is_null() || text_out.is_null() {
            return netpol_result::NullParameter;
        }
        // SAFETY: non-NULL and NUL-terminated by the caller's promise.
        let Ok(name) = unsafe { CStr::from_ptr(name) }.to_str() else { return netpol_result::NotFound };
        if e.engine.pod_id(name).is_some() {
            return netpol_result::NotFound;
        }
        match e.engine.cluster().unknown_endpoint(name) {
            Some(text) => {
                // SAFETY: non-NULL and writable by the caller's promise.
                unsafe { text_out.write(crate::c_string(&text).into_raw()) };
                netpol_result::Ok
            }
            None => netpol_result::NotFound,
        }
    })
}

/// The `namespace/pod` name of pod `index`, or NULL when out of range or `engine` is NULL.
/// Owned by the engine: valid until `netpol_engine_free`.
///
/// # Safety
/// `engine` must be NULL or a live engine.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_pod_name(engine: *const netpol_engine, index: u32) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: forwarded caller promise.
        unsafe { borrow(engine) }.and_then(|e| e.names.get(index as usize)).map_or(std::ptr::null(), |n| n.as_ptr())
    })
}

/// The number of warnings from loading (pods left out, namespaces assumed, kinds skipped,
/// objects skipped in lenient mode); 0 when `engine` is NULL.
///
/// # Safety
/// `engine` must be NULL or a live engine.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_warning_count(engine: *const netpol_engine) -> usize {
    // SAFETY: forwarded caller promise.
    boundary(0, || unsafe { borrow(engine) }.map_or(0, |e| e.warnings.len()))
}

/// Warning `index`, or NULL when out of range. Owned by the engine.
///
/// # Safety
/// `engine` must be NULL or a live engine.
#[no_mangle]
pub unsafe extern "C" fn netpol_engine_warning(engine: *const netpol_engine, index: usize) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: forwarded caller promise.
        unsafe { borrow(engine) }.and_then(|e| e.warnings.get(index)).map_or(std::ptr::null(), |w| w.as_ptr())
    })
}
