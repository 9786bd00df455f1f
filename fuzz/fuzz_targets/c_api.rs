//! Sequences of C API calls, made through the `extern "C"` functions of `ffi/` exactly as a C
//! program would: loading fuzzed text with fuzzed options, lookups with fuzzed names and
//! indices, decisions with fuzzed endpoints, address lengths and protocols, batches of fuzzed
//! size within the arrays, explanations and frees. Nothing may crash, every result code must be
//! one of the documented ones, and the answers must agree with each other (lookups round-trip,
//! the decide forms and batches give the same verdicts, explain starts with the verdict).
//!
//! SAFETY (every `unsafe` below): the calls pass NULL or pointers to live locals and vectors of
//! exactly the length given, engines and errors from `netpol_engine_from_yaml` until freed once,
//! and strings from `netpol_explain` freed once: what each function's `# Safety` section asks.

#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use netpol_ffi::decide::{
    netpol_decide, netpol_decide_batch, netpol_decide_ip, netpol_decide_ipv4, netpol_decide_pods, netpol_endpoint,
    netpol_explain, netpol_query, netpol_verdict,
};
use netpol_ffi::engine::{
    netpol_engine, netpol_engine_free, netpol_engine_from_yaml, netpol_engine_pod_count, netpol_engine_pod_index,
    netpol_engine_pod_name, netpol_engine_warning, netpol_engine_warning_count, netpol_options, netpol_options_default,
    netpol_tie,
};
use netpol_ffi::error::{netpol_error, netpol_error_count, netpol_error_free, netpol_error_message};
use netpol_ffi::{netpol_result, netpol_string_free, netpol_version};

#[derive(Arbitrary, Debug)]
struct Endpoint {
    kind: u8,
    pod: u32,
    addr: [u8; 16],
}

#[derive(Arbitrary, Debug)]
enum Call {
    PodCount,
    PodIndexOf(u32),
    PodIndexByName(String),
    PodName(u32),
    Warning(usize),
    Decide { src: Endpoint, dst: Endpoint, port: u16, protocol: u8 },
    DecidePods { src: u32, dst: u32, port: u16, protocol: u8 },
    DecideIpv4 { src: u32, dst: u32, port: u16, protocol: u8 },
    DecideIp { src: Vec<u8>, dst: Vec<u8>, port: u16, protocol: u8 },
    Batch { queries: Vec<(Endpoint, Endpoint, u16, u8)>, count: u8 },
    Explain { src: Endpoint, dst: Endpoint, port: u16, protocol: u8 },
    NullArguments,
}

/// Mostly valid protocol numbers, sometimes anything.
fn protocol(p: u8) -> u32 {
    match p % 8 {
        0..=2 => 6,
        3 | 4 => 17,
        5 | 6 => 132,
        _ => p as u32,
    }
}

/// Mostly valid endpoint kinds and pod indices, sometimes anything.
fn endpoint(e: &Endpoint, pods: usize) -> netpol_endpoint {
    let kind = match e.kind % 8 {
        0..=3 => 0,
        4 | 5 => 4,
        6 => 6,
        _ => e.kind as u32,
    };
    let pod = if e.kind & 0x80 == 0 && pods > 0 { e.pod % pods as u32 } else { e.pod };
    netpol_endpoint { kind, pod, addr: e.addr }
}

fn valid_endpoint(e: &netpol_endpoint, pods: usize) -> bool {
    match e.kind {
        0 => (e.pod as usize) < pods,
        4 | 6 => true,
        _ => false,
    }
}

fn valid_query(q: &netpol_query, pods: usize) -> bool {
    valid_endpoint(&q.src, pods) && valid_endpoint(&q.dst, pods) && matches!(q.protocol, 6 | 17 | 132)
}

fn expect_decided(r: netpol_result, valid: bool) {
    if valid {
        assert_eq!(r, netpol_result::Ok);
    } else {
        assert!(matches!(r, netpol_result::NotFound | netpol_result::InvalidArgument), "{r:?}");
    }
}

const BLANK: netpol_verdict =
    netpol_verdict { allowed: false, egress_allowed: false, ingress_allowed: false, families: 0, allowed_families: 0 };

unsafe fn decide(engine: *const netpol_engine, q: &netpol_query) -> (netpol_result, netpol_verdict) {
    let mut v = BLANK;
    let r = unsafe { netpol_decide(engine, q, &mut v) };
    if r == netpol_result::Ok {
        // S9a: allowed in some shared family, and only shared families allow.
        assert_eq!(v.allowed, v.allowed_families != 0, "{v:?}");
        assert_eq!(v.allowed_families & !v.families, 0, "{v:?}");
    }
    (r, v)
}

unsafe fn calls(engine: *mut netpol_engine, u: &mut Unstructured<'_>) -> Result<()> {
    let pods = unsafe { netpol_engine_pod_count(engine) };
    let warnings = unsafe { netpol_engine_warning_count(engine) };
    for _ in 0..64 {
        let call: Call = u.arbitrary()?;
        match call {
            Call::PodCount => assert_eq!(unsafe { netpol_engine_pod_count(engine) }, pods),
            Call::PodIndexOf(i) => {
                let name = unsafe { netpol_engine_pod_name(engine, i) };
                assert_eq!(name.is_null(), i as usize >= pods);
                if !name.is_null() {
                    let mut index = u32::MAX;
                    assert_eq!(unsafe { netpol_engine_pod_index(engine, name, &mut index) }, netpol_result::Ok);
                    assert_eq!(index, i, "pod_index(pod_name(i)) == i");
                }
            }
            Call::PodIndexByName(name) => {
                let Ok(c) = CString::new(name) else { continue };
                let mut index = u32::MAX;
                match unsafe { netpol_engine_pod_index(engine, c.as_ptr(), &mut index) } {
                    netpol_result::Ok => {
                        let back = unsafe { CStr::from_ptr(netpol_engine_pod_name(engine, index)) };
                        assert_eq!(back, c.as_c_str());
                    }
                    r => {
                        assert_eq!(r, netpol_result::NotFound);
                        assert_eq!(index, u32::MAX, "out-parameter written on failure");
                    }
                }
            }
            Call::PodName(i) => {
                let name = unsafe { netpol_engine_pod_name(engine, i) };
                assert_eq!(name.is_null(), i as usize >= pods);
            }
            Call::Warning(i) => {
                let w = unsafe { netpol_engine_warning(engine, i) };
                assert_eq!(w.is_null(), i >= warnings);
                if !w.is_null() {
                    assert!(!unsafe { CStr::from_ptr(w) }.to_bytes().is_empty());
                }
            }
            Call::Decide { src, dst, port, protocol: p } => {
                let q =
                    netpol_query { src: endpoint(&src, pods), dst: endpoint(&dst, pods), port, protocol: protocol(p) };
                let (r, v) = unsafe { decide(engine, &q) };
                expect_decided(r, valid_query(&q, pods));
                if r == netpol_result::Ok {
                    assert_eq!(v.allowed, v.egress_allowed && v.ingress_allowed);
                } else {
                    assert_eq!(v, BLANK, "out-parameter written on failure");
                }
            }
            Call::DecidePods { src, dst, port, protocol: p } => {
                let (src, dst) =
                    if pods > 0 && src & 1 == 0 { (src % pods as u32, dst % pods as u32) } else { (src, dst) };
                let mut v = BLANK;
                let r = unsafe { netpol_decide_pods(engine, src, dst, port, protocol(p), &mut v) };
                let valid = (src as usize) < pods && (dst as usize) < pods && matches!(protocol(p), 6 | 17 | 132);
                expect_decided(r, valid);
                if r == netpol_result::Ok {
                    let pod = |i| netpol_endpoint { kind: 0, pod: i, addr: [0; 16] };
                    let q = netpol_query { src: pod(src), dst: pod(dst), port, protocol: protocol(p) };
                    assert_eq!(unsafe { decide(engine, &q) }, (netpol_result::Ok, v));
                }
            }
            Call::DecideIpv4 { src, dst, port, protocol: p } => {
                let mut v = BLANK;
                let r = unsafe { netpol_decide_ipv4(engine, src, dst, port, protocol(p), &mut v) };
                expect_decided(r, matches!(protocol(p), 6 | 17 | 132));
                if r == netpol_result::Ok {
                    let mut w = BLANK;
                    let (s, d) = (src.to_be_bytes(), dst.to_be_bytes());
                    let r =
                        unsafe { netpol_decide_ip(engine, s.as_ptr(), 4, d.as_ptr(), 4, port, protocol(p), &mut w) };
                    assert_eq!((r, w), (netpol_result::Ok, v), "decide_ipv4 and decide_ip agree");
                }
            }
            Call::DecideIp { src, dst, port, protocol: p } => {
                let mut v = BLANK;
                let r = unsafe {
                    netpol_decide_ip(
                        engine,
                        src.as_ptr(),
                        src.len(),
                        dst.as_ptr(),
                        dst.len(),
                        port,
                        protocol(p),
                        &mut v,
                    )
                };
                let valid =
                    matches!(src.len(), 4 | 16) && matches!(dst.len(), 4 | 16) && matches!(protocol(p), 6 | 17 | 132);
                expect_decided(r, valid);
            }
            Call::Batch { queries, count } => {
                let queries: Vec<netpol_query> = queries
                    .iter()
                    .take(32)
                    .map(|(s, d, port, p)| netpol_query {
                        src: endpoint(s, pods),
                        dst: endpoint(d, pods),
                        port: *port,
                        protocol: protocol(*p),
                    })
                    .collect();
                let count = if queries.is_empty() { 0 } else { count as usize % (queries.len() + 1) };
                let mut verdicts = vec![BLANK; queries.len()];
                let r = unsafe { netpol_decide_batch(engine, queries.as_ptr(), count, verdicts.as_mut_ptr()) };
                let valid = queries[..count].iter().all(|q| valid_query(q, pods));
                expect_decided(r, valid);
                for (i, q) in queries.iter().enumerate() {
                    if r == netpol_result::Ok && i < count {
                        assert_eq!(unsafe { decide(engine, q) }, (netpol_result::Ok, verdicts[i]), "batch[{i}]");
                    } else {
                        assert_eq!(verdicts[i], BLANK, "verdict {i} written outside the batch or on failure");
                    }
                }
            }
            Call::Explain { src, dst, port, protocol: p } => {
                let q =
                    netpol_query { src: endpoint(&src, pods), dst: endpoint(&dst, pods), port, protocol: protocol(p) };
                let mut text: *mut c_char = ptr::null_mut();
                let r = unsafe { netpol_explain(engine, &q, &mut text) };
                expect_decided(r, valid_query(&q, pods));
                if r == netpol_result::Ok {
                    let report = unsafe { CStr::from_ptr(text) }.to_str().expect("UTF-8 report").to_owned();
                    let (_, v) = unsafe { decide(engine, &q) };
                    let head = if v.allowed { "ALLOWED: " } else { "DENIED: " };
                    assert!(report.starts_with(head), "{report}");
                    unsafe { netpol_string_free(text) };
                } else {
                    assert!(text.is_null());
                }
            }
            Call::NullArguments => unsafe {
                let q = netpol_query {
                    src: netpol_endpoint { kind: 4, pod: 0, addr: [0; 16] },
                    dst: netpol_endpoint { kind: 4, pod: 0, addr: [0; 16] },
                    port: 80,
                    protocol: 6,
                };
                let mut v = BLANK;
                let mut index = 0;
                let mut text = ptr::null_mut();
                assert_eq!(netpol_decide(engine, ptr::null(), &mut v), netpol_result::NullParameter);
                assert_eq!(netpol_decide(engine, &q, ptr::null_mut()), netpol_result::NullParameter);
                assert_eq!(netpol_decide(ptr::null(), &q, &mut v), netpol_result::NullParameter);
                assert_eq!(netpol_engine_pod_index(engine, ptr::null(), &mut index), netpol_result::NullParameter);
                assert_eq!(netpol_explain(engine, &q, ptr::null_mut()), netpol_result::NullParameter);
                assert_eq!(netpol_explain(ptr::null(), &q, &mut text), netpol_result::NullParameter);
                assert_eq!(netpol_decide_batch(engine, ptr::null(), 0, ptr::null_mut()), netpol_result::Ok);
                assert_eq!(netpol_decide_batch(engine, ptr::null(), 1, &mut v), netpol_result::NullParameter);
                assert_eq!(netpol_engine_pod_count(ptr::null()), 0);
                assert!(netpol_engine_pod_name(ptr::null(), 0).is_null());
                assert!(netpol_engine_warning(ptr::null(), 0).is_null());
            },
        }
    }
    Ok(())
}

fn run(data: &[u8]) -> Result<()> {
    // The text first, after its length (two bytes, little-endian), then options and calls.
    let [a, b, rest @ ..] = data else { return Ok(()) };
    let (text, rest) = rest.split_at((u16::from_le_bytes([*a, *b]) as usize).min(rest.len()));
    let text = text.to_vec(); // exactly `len` bytes, so ASan sees any read past them
    let mut u = Unstructured::new(rest);
    let mut options = netpol_options {
        self_traffic_evaluate: false,
        ip_block_matches_pods: true,
        lenient: false,
        tie: netpol_tie::AcceptWins,
    };
    unsafe {
        assert_eq!(netpol_options_default(&mut options), netpol_result::Ok);
        assert_eq!(netpol_options_default(ptr::null_mut()), netpol_result::NullParameter);
    }
    options.self_traffic_evaluate = u.arbitrary()?;
    options.ip_block_matches_pods = u.arbitrary()?;
    options.lenient = u.arbitrary()?;
    options.tie = *u.choose(&[netpol_tie::DenyWins, netpol_tie::AcceptWins, netpol_tie::Error])?;
    let null_options: bool = u.arbitrary()?;
    let with_error: bool = u.arbitrary()?;
    assert!(!unsafe { CStr::from_ptr(netpol_version()) }.to_bytes().is_empty());

    let mut engine: *mut netpol_engine = ptr::null_mut();
    let mut error: *mut netpol_error = ptr::null_mut();
    let r = unsafe {
        netpol_engine_from_yaml(
            if text.is_empty() { ptr::null() } else { text.as_ptr() },
            text.len(),
            if null_options { ptr::null() } else { &options },
            &mut engine,
            if with_error { &mut error } else { ptr::null_mut() },
        )
    };
    match r {
        netpol_result::Ok => {
            assert!(!engine.is_null() && error.is_null());
            let result = unsafe { calls(engine, &mut u) };
            unsafe { netpol_engine_free(engine) };
            result?;
        }
        netpol_result::InvalidInput => {
            assert!(engine.is_null());
            assert_eq!(error.is_null(), !with_error);
            if with_error {
                let message = unsafe { CStr::from_ptr(netpol_error_message(error)) };
                assert!(!message.to_bytes().is_empty());
                assert!(unsafe { netpol_error_count(error) } >= 1);
                unsafe { netpol_error_free(error) };
            }
        }
        other => panic!("netpol_engine_from_yaml returned {other:?}"),
    }
    unsafe {
        netpol_engine_free(ptr::null_mut());
        netpol_error_free(ptr::null_mut());
        netpol_string_free(ptr::null_mut());
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
