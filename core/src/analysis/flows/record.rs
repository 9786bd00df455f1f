//! Flow records: one line of a flow file parsed into a [`Record`], a reason to skip it, or an
//! error naming the field. No resolution here: endpoints stay as the file describes them.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::spec::{Labels, Protocol};

/// The format of a flow file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowFormat {
    /// Told from the first non-blank line: a JSON object with `src` is JSONL, another JSON
    /// object is Hubble, anything else is CSV.
    #[default]
    Auto,
    /// `hubble observe -o json`.
    Hubble,
    /// One `{"src", "dst", "port", ...}` object per line.
    Jsonl,
    /// A header row, then `src,dst,port[,protocol,count,verdict]` rows.
    Csv,
}

impl FlowFormat {
    /// Parses `auto`, `hubble`, `jsonl` or `csv`.
    pub fn parse(s: &str) -> Option<FlowFormat> {
        match s {
            "auto" => Some(FlowFormat::Auto),
            "hubble" => Some(FlowFormat::Hubble),
            "jsonl" => Some(FlowFormat::Jsonl),
            "csv" => Some(FlowFormat::Csv),
            _ => None,
        }
    }
}

/// Why a record was not decided, though it was read without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SkipReason {
    /// A reply packet of a connection (`is_reply`): not a new connection.
    Reply,
    /// ICMP: NetworkPolicy ports name TCP, UDP and SCTP only.
    Icmp,
    /// No L4 information (an L7-only record, or a flow without `l4`).
    NoL4,
    /// A destination port of 0.
    NoPort,
    /// An endpoint is a node (`reserved:host`, `reserved:remote-node`, `reserved:health`): node
    /// traffic is out of scope (S13).
    NodeTraffic,
    /// A socket translation event (`Type: SOCK`), not a connection.
    SocketTrace,
    /// A Hubble line that holds no flow (`node_status`, `lost_events`, ...).
    NotAFlow,
    /// An endpoint without a pod name, IP or labels: nothing to resolve it by.
    NoEndpoint,
}

impl SkipReason {
    /// A stable id: `reply`, `icmp`, `no-l4`, `no-port`, `node-traffic`, `socket-trace`,
    /// `not-a-flow`, `no-endpoint`.
    pub fn id(self) -> &'static str {
        match self {
            SkipReason::Reply => "reply",
            SkipReason::Icmp => "icmp",
            SkipReason::NoL4 => "no-l4",
            SkipReason::NoPort => "no-port",
            SkipReason::NodeTraffic => "node-traffic",
            SkipReason::SocketTrace => "socket-trace",
            SkipReason::NotAFlow => "not-a-flow",
            SkipReason::NoEndpoint => "no-endpoint",
        }
    }

    /// What it means, for people.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Reply => "reply packets (not new connections)",
            SkipReason::Icmp => "ICMP (policies name TCP, UDP and SCTP ports only)",
            SkipReason::NoL4 => "no L4 ports (L7-only or L3 records)",
            SkipReason::NoPort => "destination port 0",
            SkipReason::NodeTraffic => "node traffic (host, remote-node, health: out of scope)",
            SkipReason::SocketTrace => "socket translation events (not connections)",
            SkipReason::NotAFlow => "lines holding no flow (node status, lost events)",
            SkipReason::NoEndpoint => "an endpoint without pod name, IP or labels",
        }
    }
}

/// One end of a record, as the file describes it.
#[derive(Debug, Default)]
pub(crate) struct EndpointRecord<'a> {
    pub namespace: Option<Cow<'a, str>>,
    pub pod: Option<Cow<'a, str>>,
    pub ip: Option<IpAddr>,
    /// The pod's labels of the plain form.
    pub labels: Option<Labels>,
    /// Hubble's labels as given (`k8s:app=api`, `reserved:world`, ...): turned into the pod's
    /// own only when needed, for a pod missing from the cluster.
    pub hubble_labels: Vec<Cow<'a, str>>,
    /// Hubble's `workloads[0]`: (kind, name).
    pub workload: Option<(Cow<'a, str>, Cow<'a, str>)>,
    /// A node (`reserved:host`, ...).
    pub node: bool,
}

impl EndpointRecord<'_> {
    /// The pod's own labels (Cilium's and other sources' dropped); `None` when the record
    /// carries none.
    pub fn own_labels(&self) -> Option<Labels> {
        if self.labels.is_some() {
            return self.labels.clone();
        }
        let labels = hubble_labels(&self.hubble_labels);
        (!labels.is_empty()).then_some(labels)
    }

    /// Whether [`EndpointRecord::own_labels`] is `Some`, without building it.
    pub fn has_own_labels(&self) -> bool {
        self.labels.is_some() || self.hubble_labels.iter().any(|l| hubble_label(l).is_some())
    }
}

/// One record: a connection attempt (or `count` of them).
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub src: EndpointRecord<'a>,
    pub dst: EndpointRecord<'a>,
    pub port: u16,
    pub protocol: Protocol,
    pub count: u64,
    /// Observed `DROPPED`.
    pub dropped: bool,
}

/// What a line holds.
#[derive(Debug)]
// One per line, moved once: boxing the record would allocate per line.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Parsed<'a> {
    Flow(Record<'a>),
    Skip(SkipReason),
}

/// A malformed line: the field and what is wrong.
#[derive(Debug)]
pub(crate) struct LineError {
    pub field: String,
    pub message: String,
}

fn error(field: &str, message: impl Into<String>) -> LineError {
    LineError { field: field.into(), message: message.into() }
}

/// The format of a file from its first non-blank line.
pub(crate) fn detect(line: &[u8]) -> FlowFormat {
    if line.first() != Some(&b'{') {
        return FlowFormat::Csv;
    }
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line) {
        Ok(map) if map.contains_key("src") || map.contains_key("dst") => FlowFormat::Jsonl,
        _ => FlowFormat::Hubble,
    }
}

// Hubble: `hubble observe -o json` prints one observer.GetFlowsResponse per line, protojson with
// the proto field names of cilium/cilium api/v1/flow/flow.proto (message Flow: verdict = 2,
// IP = 5, l4 = 6, source = 8, destination = 9, Type = 10, l7 = 15, reply = 16, is_reply = 26;
// message Endpoint: ID, identity, namespace, labels, pod_name, workloads{name, kind}; message
// Layer4: oneof TCP, UDP, ICMPv4, ICMPv6, SCTP with source_port, destination_port).

#[derive(Deserialize)]
struct HubbleFlow<'a> {
    #[serde(borrow)]
    flow: Option<Box<HubbleFlow<'a>>>,
    #[serde(borrow)]
    verdict: Option<Cow<'a, str>>,
    #[serde(rename = "IP", borrow)]
    ip: Option<HubbleIp<'a>>,
    l4: Option<HubbleL4>,
    #[serde(borrow)]
    source: Option<HubbleEndpoint<'a>>,
    #[serde(borrow)]
    destination: Option<HubbleEndpoint<'a>>,
    #[serde(rename = "Type", borrow)]
    kind: Option<Cow<'a, str>>,
    is_reply: Option<bool>,
    reply: Option<bool>,
    l7: Option<IgnoredAny>,
    // The other kinds of GetFlowsResponse line: no flow, skipped as such.
    node_status: Option<IgnoredAny>,
    lost_events: Option<IgnoredAny>,
    agent_event: Option<IgnoredAny>,
    debug_event: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct HubbleIp<'a> {
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct HubbleL4 {
    TCP: Option<HubbleTcp>,
    UDP: Option<HubblePorts>,
    SCTP: Option<HubblePorts>,
    ICMPv4: Option<IgnoredAny>,
    ICMPv6: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct HubblePorts {
    destination_port: Option<u32>,
}

#[derive(Deserialize)]
struct HubbleTcp {
    destination_port: Option<u32>,
    flags: Option<HubbleTcpFlags>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct HubbleTcpFlags {
    SYN: Option<bool>,
    ACK: Option<bool>,
}

#[derive(Deserialize)]
struct HubbleEndpoint<'a> {
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    labels: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    pod_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    workloads: Option<Vec<HubbleWorkload<'a>>>,
}

#[derive(Deserialize)]
struct HubbleWorkload<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
}

/// The verdicts of flow.proto (and `allowed`/`denied` for hand-written files); only `DROPPED`
/// changes anything.
const VERDICTS: &[&str] =
    &["VERDICT_UNKNOWN", "FORWARDED", "DROPPED", "ERROR", "AUDIT", "REDIRECTED", "TRACED", "TRANSLATED"];

fn is_dropped(field: &str, verdict: &str) -> Result<bool, LineError> {
    if VERDICTS.iter().any(|v| v.eq_ignore_ascii_case(verdict)) {
        Ok(verdict.eq_ignore_ascii_case("DROPPED"))
    } else {
        Err(error(field, format!("unknown verdict {verdict:?}; expected one of {}", VERDICTS.join(", "))))
    }
}

/// A serde error with the path of the field it is about.
fn json_error<'a, T: Deserialize<'a>>(line: &'a [u8], fallback: serde_json::Error) -> LineError {
    let mut de = serde_json::Deserializer::from_slice(line);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            error(&field, e.into_inner().to_string())
        }
        Ok(_) => error("", fallback.to_string()),
    }
}

/// A Hubble label as (key, value) when it is one of the pod's own (`k8s:` source, not Cilium's).
fn hubble_label(label: &str) -> Option<(&str, &str)> {
    let label = label.strip_prefix("k8s:")?;
    let (key, value) = label.split_once('=').unwrap_or((label, ""));
    (key != "io.kubernetes.pod.namespace" && !key.starts_with("io.cilium.k8s.")).then_some((key, value))
}

/// Hubble labels: the pod's own.
fn hubble_labels(labels: &[Cow<'_, str>]) -> Labels {
    labels.iter().filter_map(|l| hubble_label(l)).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn hubble_endpoint<'a>(
    e: Option<HubbleEndpoint<'a>>,
    ip: Option<Cow<'a, str>>,
    field: &str,
) -> Result<EndpointRecord<'a>, LineError> {
    let ip = match ip.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<IpAddr>()
                .map_err(|_| error(&format!("IP.{field}"), format!("{text:?} is not an IP address")))?,
        ),
    };
    let Some(e) = e else { return Ok(EndpointRecord { ip, ..EndpointRecord::default() }) };
    let raw = e.labels.unwrap_or_default();
    let node = raw.iter().any(|l| matches!(&**l, "reserved:host" | "reserved:remote-node" | "reserved:health"));
    let workload = e
        .workloads
        .and_then(|w| w.into_iter().next())
        .and_then(|w| Some((w.kind?, w.name?)))
        .filter(|(k, n)| !k.is_empty() && !n.is_empty());
    Ok(EndpointRecord {
        namespace: e.namespace.filter(|n| !n.is_empty()),
        pod: e.pod_name.filter(|n| !n.is_empty()),
        ip,
        labels: None,
        hubble_labels: raw,
        workload,
        node,
    })
}

fn has_endpoint(e: &EndpointRecord<'_>) -> bool {
    e.node || e.ip.is_some() || e.pod.is_some() || (e.namespace.is_some() && e.has_own_labels())
}

/// One line of `hubble observe -o json` (or a bare flow object).
pub(crate) fn parse_hubble(line: &[u8]) -> Result<Parsed<'_>, LineError> {
    let outer: HubbleFlow<'_> = serde_json::from_slice(line).map_err(|e| json_error::<HubbleFlow<'_>>(line, e))?;
    let flow = match outer.flow {
        Some(f) => *f,
        None if outer.source.is_some() || outer.destination.is_some() || outer.l4.is_some() || outer.ip.is_some() => {
            outer // A bare flow object.
        }
        None if outer.node_status.is_some()
            || outer.lost_events.is_some()
            || outer.agent_event.is_some()
            || outer.debug_event.is_some() =>
        {
            return Ok(Parsed::Skip(SkipReason::NotAFlow));
        }
        // Not Hubble's: skipping it would pass a wrong file (say JSONL read as Hubble) as empty.
        None => {
            return Err(error(
                "flow",
                "not a Hubble flow: no flow, source, destination, l4 or IP (nor node_status, lost_events, \
                 agent_event or debug_event)",
            ))
        }
    };
    if flow.is_reply.or(flow.reply) == Some(true) {
        return Ok(Parsed::Skip(SkipReason::Reply));
    }
    if flow.kind.as_deref() == Some("SOCK") {
        return Ok(Parsed::Skip(SkipReason::SocketTrace));
    }
    let dropped = match flow.verdict.as_deref() {
        None => false,
        Some(v) => is_dropped("flow.verdict", v)?,
    };
    let Some(l4) = flow.l4 else {
        let _ = flow.l7;
        return Ok(Parsed::Skip(SkipReason::NoL4));
    };
    let (port, protocol) = if let Some(tcp) = l4.TCP {
        let flags = tcp.flags.as_ref();
        let syn_ack = flags.is_some_and(|f| f.SYN == Some(true) && f.ACK == Some(true));
        // A SYN+ACK answers a connection; only when the record does not say either way.
        if flow.is_reply.or(flow.reply).is_none() && syn_ack {
            return Ok(Parsed::Skip(SkipReason::Reply));
        }
        (tcp.destination_port, Protocol::Tcp)
    } else if let Some(udp) = l4.UDP {
        (udp.destination_port, Protocol::Udp)
    } else if let Some(sctp) = l4.SCTP {
        (sctp.destination_port, Protocol::Sctp)
    } else if l4.ICMPv4.is_some() || l4.ICMPv6.is_some() {
        return Ok(Parsed::Skip(SkipReason::Icmp));
    } else {
        return Ok(Parsed::Skip(SkipReason::NoL4));
    };
    let port = match port.unwrap_or(0) {
        0 => return Ok(Parsed::Skip(SkipReason::NoPort)),
        p => u16::try_from(p).map_err(|_| error("flow.l4", format!("destination_port {p} is above 65535")))?,
    };
    let (ip_src, ip_dst) = match flow.ip {
        Some(ip) => (ip.source, ip.destination),
        None => (None, None),
    };
    let src = hubble_endpoint(flow.source, ip_src, "source")?;
    let dst = hubble_endpoint(flow.destination, ip_dst, "destination")?;
    if !has_endpoint(&src) || !has_endpoint(&dst) {
        return Ok(Parsed::Skip(SkipReason::NoEndpoint));
    }
    Ok(Parsed::Flow(Record { src, dst, port, protocol, count: 1, dropped }))
}

/// The plain JSONL form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainFlow<'a> {
    #[serde(borrow)]
    src: Cow<'a, str>,
    #[serde(borrow)]
    dst: Cow<'a, str>,
    port: u32,
    #[serde(borrow)]
    protocol: Option<Cow<'a, str>>,
    count: Option<u64>,
    src_labels: Option<Labels>,
    dst_labels: Option<Labels>,
    #[serde(borrow)]
    verdict: Option<Cow<'a, str>>,
}

/// `namespace/pod` or an IP address.
fn plain_endpoint<'a>(text: Cow<'a, str>, field: &str) -> Result<EndpointRecord<'a>, LineError> {
    let bad = || error(field, format!("expected namespace/pod or an IP address; got {:?}", &*text));
    if let Some((ns, pod)) = text.split_once('/') {
        if ns.is_empty() || pod.is_empty() || ns.contains(char::is_whitespace) {
            return Err(bad());
        }
        let (ns, pod) = match &text {
            Cow::Borrowed(t) => {
                let (ns, pod) = t.split_once('/').expect("checked");
                (Cow::Borrowed(ns), Cow::Borrowed(pod))
            }
            Cow::Owned(_) => (Cow::Owned(ns.to_string()), Cow::Owned(pod.to_string())),
        };
        return Ok(EndpointRecord { namespace: Some(ns), pod: Some(pod), ..EndpointRecord::default() });
    }
    let ip = text.trim().parse::<IpAddr>().map_err(|_| bad())?;
    Ok(EndpointRecord { ip: Some(ip), ..EndpointRecord::default() })
}

fn port(value: u32, field: &str) -> Result<u16, LineError> {
    match u16::try_from(value) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(error(field, format!("expected a port 1-65535; got {value}"))),
    }
}

fn protocol(text: Option<&str>, field: &str) -> Result<Protocol, LineError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Protocol::Tcp),
        Some(t) => Protocol::parse_loose(t)
            .ok_or_else(|| error(field, format!("expected TCP, UDP or SCTP; got {t:?} (ICMP has no ports)"))),
    }
}

fn count(value: Option<u64>, field: &str) -> Result<u64, LineError> {
    match value {
        None => Ok(1),
        Some(0) => Err(error(field, "expected a count of at least 1; got 0")),
        Some(n) => Ok(n),
    }
}

/// One line of the plain JSONL form.
pub(crate) fn parse_jsonl(line: &[u8]) -> Result<Parsed<'_>, LineError> {
    let f: PlainFlow<'_> = serde_json::from_slice(line).map_err(|e| json_error::<PlainFlow<'_>>(line, e))?;
    let mut src = plain_endpoint(f.src, "src")?;
    let mut dst = plain_endpoint(f.dst, "dst")?;
    src.labels = f.src_labels;
    dst.labels = f.dst_labels;
    let dropped = match f.verdict.as_deref() {
        None => false,
        Some(v) => is_dropped("verdict", v)?,
    };
    Ok(Parsed::Flow(Record {
        src,
        dst,
        port: port(f.port, "port")?,
        protocol: protocol(f.protocol.as_deref(), "protocol")?,
        count: count(f.count, "count")?,
        dropped,
    }))
}

/// The columns of a CSV flow file.
#[derive(Debug)]
pub(crate) struct CsvHeader {
    src: usize,
    dst: usize,
    port: usize,
    protocol: Option<usize>,
    count: Option<usize>,
    verdict: Option<usize>,
    columns: usize,
}

const CSV_COLUMNS: &str = "src, dst, port, protocol, count, verdict";

fn csv_fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(|f| {
        let f = f.trim();
        f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f)
    })
}

impl CsvHeader {
    /// Reads the header row: the known columns in any order; `src`, `dst`, `port` required.
    pub(crate) fn parse(line: &[u8]) -> Result<CsvHeader, LineError> {
        let line = core::str::from_utf8(line).map_err(|_| error("", "not UTF-8"))?;
        let (mut src, mut dst, mut port, mut protocol, mut count, mut verdict) = (None, None, None, None, None, None);
        let mut columns = 0;
        for (i, name) in csv_fields(line).enumerate() {
            columns += 1;
            let slot = match name.to_ascii_lowercase().as_str() {
                "src" => &mut src,
                "dst" => &mut dst,
                "port" => &mut port,
                "protocol" => &mut protocol,
                "count" => &mut count,
                "verdict" => &mut verdict,
                _ => {
                    return Err(error(
                        "header",
                        format!("unknown column {name:?}; the columns are {CSV_COLUMNS} (a header row comes first)"),
                    ))
                }
            };
            if slot.replace(i).is_some() {
                return Err(error("header", format!("column {name:?} given twice")));
            }
        }
        let need = |c: Option<usize>, name: &str| {
            c.ok_or_else(|| error("header", format!("no {name} column; the columns are {CSV_COLUMNS}")))
        };
        Ok(CsvHeader {
            src: need(src, "src")?,
            dst: need(dst, "dst")?,
            port: need(port, "port")?,
            protocol,
            count,
            verdict,
            columns,
        })
    }
}

/// One row of a CSV flow file.
pub(crate) fn parse_csv<'a>(line: &'a [u8], header: &CsvHeader) -> Result<Parsed<'a>, LineError> {
    let line = core::str::from_utf8(line).map_err(|_| error("", "not UTF-8"))?;
    let mut fields: [&str; 8] = [""; 8];
    let mut n = 0;
    for f in csv_fields(line) {
        if n < fields.len() {
            fields[n] = f;
        }
        n += 1;
    }
    if n != header.columns {
        return Err(error("", format!("expected {} columns as in the header; got {n}", header.columns)));
    }
    let src = plain_endpoint(Cow::Borrowed(fields[header.src]), "src")?;
    let dst = plain_endpoint(Cow::Borrowed(fields[header.dst]), "dst")?;
    let port_text = fields[header.port];
    let port_value: u32 =
        port_text.parse().map_err(|_| error("port", format!("expected a port 1-65535; got {port_text:?}")))?;
    let count_value = match header.count.map(|i| fields[i]) {
        None | Some("") => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| error("count", format!("expected a count; got {t:?}")))?),
    };
    let dropped = match header.verdict.map(|i| fields[i]) {
        None | Some("") => false,
        Some(v) => is_dropped("verdict", v)?,
    };
    Ok(Parsed::Flow(Record {
        src,
        dst,
        port: port(port_value, "port")?,
        protocol: protocol(header.protocol.map(|i| fields[i]), "protocol")?,
        count: count(count_value, "count")?,
        dropped,
    }))
}
