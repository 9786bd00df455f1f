//! Decisions: endpoints, queries, verdicts, batches and explanations.

use std::ffi::c_char;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netpol_core::report::CheckReport;
use netpol_core::{Endpoint, Family, FamilyVerdicts, PodId, Protocol, Query, Verdict};

use crate::engine::{borrow, netpol_engine};
use crate::{boundary, netpol_result};

/// What a `netpol_endpoint` is.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum netpol_endpoint_kind {
    /// A pod, by index (`pod`).
    Pod = 0,
    /// An IPv4 address: `addr[0..4]`, network byte order.
    Ipv4 = 4,
    /// An IPv6 address: `addr[0..16]`, network byte order. An IPv4-mapped address
    /// (`::ffff:a.b.c.d`) is the IPv4 address a.b.c.d.
    Ipv6 = 6,
}

/// Transport protocols, by their IANA protocol numbers.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum netpol_protocol {
    /// TCP (6).
    Tcp = 6,
    /// UDP (17).
    Udp = 17,
    /// SCTP (132).
    Sctp = 132,
}

/// One end of a connection. An IP that is a pod's IP means that pod over that IP's address
/// family only (a connection has one family): a dual-stack pod given by its IPv6 address cannot
/// reach an IPv4-only pod.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct netpol_endpoint {
    /// A `netpol_endpoint_kind`.
    pub kind: u32,
    /// The pod index, for `NETPOL_ENDPOINT_KIND_POD`.
    pub pod: u32,
    /// The address, for the IP kinds, in network byte order.
    pub addr: [u8; 16],
}

/// One question: may `src` open a connection to `dst` on `port` with `protocol`?
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct netpol_query {
    /// Source.
    pub src: netpol_endpoint,
    /// Destination.
    pub dst: netpol_endpoint,
    /// Destination port.
    pub port: u16,
    /// A `netpol_protocol` (IANA number: 6, 17 or 132).
    pub protocol: u32,
}

/// `netpol_verdict.families` / `allowed_families` bit of IPv4.
pub const NETPOL_FAMILY_IPV4: u8 = 1;
/// `netpol_verdict.families` / `allowed_families` bit of IPv6.
pub const NETPOL_FAMILY_IPV6: u8 = 2;

/// The answer: allowed iff egress at the source and ingress at the destination allow it, in some
/// address family both ends share.
///
/// A connection has one address family. Two pods connect only over the families both have (a
/// pod without IPs has both); an endpoint given as an IP has its own family only. `families` says
/// which families the two ends share and `allowed_families` which of those allow the connection;
/// `allowed` is `allowed_families != 0`. `families == 0`: no connection can exist, denied.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct netpol_verdict {
    /// The connection is allowed (in some shared family).
    pub allowed: bool,
    /// Egress at the source allows it, in an allowing family if any, else in the first shared
    /// family (IPv4 first). For an IP source: true whenever a family is shared.
    pub egress_allowed: bool,
    /// Ingress at the destination allows it, in the same family as `egress_allowed`. For an IP
    /// destination: true whenever a family is shared.
    pub ingress_allowed: bool,
    /// The families both ends share: a mask of `NETPOL_FAMILY_IPV4` and `NETPOL_FAMILY_IPV6`.
    pub families: u8,
    /// The shared families that allow the connection: a subset of `families`.
    pub allowed_families: u8,
}

/// The mask bit of a family.
fn family_bit(family: Family) -> u8 {
    match family {
        Family::Ipv4 => NETPOL_FAMILY_IPV4,
        Family::Ipv6 => NETPOL_FAMILY_IPV6,
    }
}

/// (shared families, allowing families) as masks.
fn family_masks(families: FamilyVerdicts) -> (u8, u8) {
    families.iter().fold((0, 0), |(shared, allowed), (f, a)| {
        (shared | family_bit(f), if a { allowed | family_bit(f) } else { allowed })
    })
}

impl From<Verdict> for netpol_verdict {
    fn from(v: Verdict) -> netpol_verdict {
        let (families, allowed_families) = family_masks(v.families);
        netpol_verdict {
            allowed: v.is_allowed(),
            egress_allowed: v.egress,
            ingress_allowed: v.ingress,
            families,
            allowed_families,
        }
    }
}

fn protocol(number: u32) -> Result<Protocol, netpol_result> {
    match number {
        6 => Ok(Protocol::Tcp),
        17 => Ok(Protocol::Udp),
        132 => Ok(Protocol::Sctp),
        _ => Err(netpol_result::InvalidArgument),
    }
}

fn endpoint(e: &netpol_engine, end: &netpol_endpoint) -> Result<Endpoint, netpol_result> {
    match end.kind {
        0 if (end.pod as usize) < e.engine.cluster().pods().len() => Ok(Endpoint::Pod(PodId(end.pod))),
        0 => Err(netpol_result::NotFound),
        // An IP stays an IP endpoint, also a pod's IP, so that it keeps its family (S9a); the
        // engine resolves it to the pod. IPv4-mapped IPv6 is the IPv4 address.
        4 => Ok(Endpoint::Ip(IpAddr::V4(Ipv4Addr::new(end.addr[0], end.addr[1], end.addr[2], end.addr[3])))),
        6 => Ok(Endpoint::Ip(IpAddr::V6(Ipv6Addr::from(end.addr)).to_canonical())),
        _ => Err(netpol_result::InvalidArgument),
    }
}

fn query(e: &netpol_engine, q: &netpol_query) -> Result<Query, netpol_result> {
    Ok(Query { src: endpoint(e, &q.src)?, dst: endpoint(e, &q.dst)?, port: q.port, protocol: protocol(q.protocol)? })
}

fn decide_one(e: &netpol_engine, q: Query) -> netpol_verdict {
    e.engine.decide(q.src, q.dst, q.port, q.protocol).into()
}

/// Writes `v` to `out` and returns Ok.
///
/// # Safety
/// `out` must be non-NULL and writable.
unsafe fn answer(out: *mut netpol_verdict, v: netpol_verdict) -> netpol_result {
    // SAFETY: checked non-NULL by every caller; writable by the caller's promise.
    unsafe { out.write(v) };
    netpol_result::Ok
}

/// Decides one query.
///
/// # Safety
/// `engine` NULL or live; `query` NULL or valid; `verdict_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_decide(
    engine: *const netpol_engine,
    query: *const netpol_query,
    verdict_out: *mut netpol_verdict,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promises.
        let (Some(e), Some(q)) = (unsafe { borrow(engine) }, unsafe { query.as_ref() }) else {
            return netpol_result::NullParameter;
        };
        if verdict_out.is_null() {
            return netpol_result::NullParameter;
        }
        match self::query(e, q) {
            // SAFETY: checked non-NULL above.
            Ok(q) => unsafe { answer(verdict_out, decide_one(e, q)) },
            Err(r) => r,
        }
    })
}

/// Decides between two pods by index.
///
/// # Safety
/// `engine` NULL or live; `verdict_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_decide_pods(
    engine: *const netpol_engine,
    src_pod: u32,
    dst_pod: u32,
    port: u16,
    protocol: u32,
    verdict_out: *mut netpol_verdict,
) -> netpol_result {
    let pod = |index| netpol_endpoint { kind: netpol_endpoint_kind::Pod as u32, pod: index, addr: [0; 16] };
    let q = netpol_query { src: pod(src_pod), dst: pod(dst_pod), port, protocol };
    // SAFETY: forwarded caller promises; `q` lives on this stack.
    unsafe { netpol_decide(engine, &q, verdict_out) }
}

/// Decides between two IPv4 addresses given as host-order integers (0x0a000001 is 10.0.0.1);
/// an address that is a pod's IP means that pod, over IPv4 only.
///
/// # Safety
/// `engine` NULL or live; `verdict_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_decide_ipv4(
    engine: *const netpol_engine,
    src_ip: u32,
    dst_ip: u32,
    port: u16,
    protocol: u32,
    verdict_out: *mut netpol_verdict,
) -> netpol_result {
    let ip = |a: u32| {
        let mut addr = [0u8; 16];
        addr[..4].copy_from_slice(&a.to_be_bytes());
        netpol_endpoint { kind: netpol_endpoint_kind::Ipv4 as u32, pod: 0, addr }
    };
    let q = netpol_query { src: ip(src_ip), dst: ip(dst_ip), port, protocol };
    // SAFETY: forwarded caller promises; `q` lives on this stack.
    unsafe { netpol_decide(engine, &q, verdict_out) }
}

/// Decides between two addresses given as bytes in network order: 4 bytes for IPv4, 16 for
/// IPv6 (any other length is `NETPOL_RESULT_INVALID_ARGUMENT`). An address that is a pod's IP
/// means that pod, over that address's family only; an IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, 16 bytes) is the IPv4 address a.b.c.d.
///
/// # Safety
/// `src_ip`/`dst_ip` must point to `src_len`/`dst_len` readable bytes (or be NULL);
/// `engine` NULL or live; `verdict_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_decide_ip(
    engine: *const netpol_engine,
    src_ip: *const u8,
    src_len: usize,
    dst_ip: *const u8,
    dst_len: usize,
    port: u16,
    protocol: u32,
    verdict_out: *mut netpol_verdict,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        if engine.is_null() || src_ip.is_null() || dst_ip.is_null() || verdict_out.is_null() {
            return netpol_result::NullParameter;
        }
        let ip = |p: *const u8, len: usize| -> Result<netpol_endpoint, netpol_result> {
            let kind = match len {
                4 => netpol_endpoint_kind::Ipv4,
                16 => netpol_endpoint_kind::Ipv6,
                _ => return Err(netpol_result::InvalidArgument),
            };
            let mut addr = [0u8; 16];
            // SAFETY: `len` (4 or 16) readable bytes at `p` by the caller's promise.
            addr[..len].copy_from_slice(unsafe { std::slice::from_raw_parts(p, len) });
            Ok(netpol_endpoint { kind: kind as u32, pod: 0, addr })
        };
        let (src, dst) = match (ip(src_ip, src_len), ip(dst_ip, dst_len)) {
            (Ok(s), Ok(d)) => (s, d),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let q = netpol_query { src, dst, port, protocol };
        // SAFETY: forwarded caller promises; `q` lives on this stack.
        unsafe { netpol_decide(engine, &q, verdict_out) }
    })
}

/// Decides `count` queries: `verdicts_out[i]` gets the answer to `queries[i]`. Every query is
/// checked first; if any is invalid, nothing is written and its error is returned. `count` 0 is
/// a no-op returning `NETPOL_RESULT_OK` (the arrays may then be NULL).
///
/// # Safety
/// `queries` must point to `count` readable queries and `verdicts_out` to `count` writable
/// verdicts (or be NULL when `count == 0`); `engine` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn netpol_decide_batch(
    engine: *const netpol_engine,
    queries: *const netpol_query,
    count: usize,
    verdicts_out: *mut netpol_verdict,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promise.
        let Some(e) = (unsafe { borrow(engine) }) else { return netpol_result::NullParameter };
        if count == 0 {
            return netpol_result::Ok;
        }
        if queries.is_null() || verdicts_out.is_null() {
            return netpol_result::NullParameter;
        }
        // SAFETY: `count` readable queries and writable verdicts, by the caller's promise.
        let (queries, verdicts) = unsafe {
            (std::slice::from_raw_parts(queries, count), std::slice::from_raw_parts_mut(verdicts_out, count))
        };
        // Check every query before writing anything; conversion is cheap (no lookups), so the
        // second pass converts again rather than allocating.
        if let Some(r) = queries.iter().find_map(|q| query(e, q).err()) {
            return r;
        }
        for (q, v) in queries.iter().zip(verdicts.iter_mut()) {
            if let Ok(q) = query(e, q) {
                *v = decide_one(e, q);
            }
        }
        netpol_result::Ok
    })
}

/// Explains a query as readable text (what `netpol check` prints): the verdict ("(allowed over
/// IPv6 only)" when the shared families answer differently), then for egress and ingress the
/// isolating policies and the admitting rule with its YAML path, or why no rule admits; per
/// family ("over IPv4:") when the families differ, or why the ends share none. `*text_out` gets a new NUL-terminated string; free it with
/// `netpol_string_free`.
///
/// # Safety
/// `engine` NULL or live; `query` NULL or valid; `text_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn netpol_explain(
    engine: *const netpol_engine,
    query: *const netpol_query,
    text_out: *mut *mut c_char,
) -> netpol_result {
    boundary(netpol_result::Panic, || {
        // SAFETY: forwarded caller promises.
        let (Some(e), Some(q)) = (unsafe { borrow(engine) }, unsafe { query.as_ref() }) else {
            return netpol_result::NullParameter;
        };
        if text_out.is_null() {
            return netpol_result::NullParameter;
        }
        let q = match self::query(e, q) {
            Ok(q) => q,
            Err(r) => return r,
        };
        let text = CheckReport::new(&e.engine, q.src, q.dst, q.port, q.protocol).to_text();
        // SAFETY: checked non-NULL; writable by the caller's promise.
        unsafe { text_out.write(crate::c_string(&text).into_raw()) };
        netpol_result::Ok
    })
}
