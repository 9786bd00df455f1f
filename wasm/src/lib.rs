//! netpol in the browser: one class, [`Engine`], over the same compiled engine as every other
//! face. Inputs and outputs are plain JS objects (their TypeScript types are declared below);
//! every error is a JS `Error` whose message names the object and field, with the problems also
//! attached as `error.problems` (`{origin, object, field, message, line}`). A panic hook logs
//! Rust panics to the console.

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::reach::{reach, Subject};
use netpol::{report, Compiler, Direction, Endpoint, Options, Protocol, SelfTraffic};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
export interface EngineOptions {
  /** "allow" (default): a pod can always reach itself; "evaluate": policies decide. */
  selfTraffic?: "allow" | "evaluate";
  /** "match" (default): ipBlocks also match pod IPs; "ignore": only IPs outside the pods. */
  ipblockPodIps?: "match" | "ignore";
  /** true (default): any rejected object fails; false: skipped and listed in warnings. */
  strict?: boolean;
}
export interface Verdict { allowed: boolean; egress: boolean; ingress: boolean; }
export interface RuleRef { policy: string; rule: number; peer: number | null; port: number | null; path: string; }
export interface RuleMiss { policy: string; rule: number; path: string; peer_matched: boolean; port_matched: boolean; }
export interface DirectionExplanation {
  allowed: boolean;
  reason: "admitted" | "no-rule-admits" | "not-isolated" | "not-a-pod" | "self-traffic";
  isolating_policies: string[];
  admitted_by: RuleRef[];
  not_admitting: RuleMiss[];
}
export interface Explanation {
  allowed: boolean; from: string; to: string; port: number; protocol: string;
  egress: DirectionExplanation; ingress: DirectionExplanation;
  /** The report `netpol check` prints. */
  text: string;
}
export interface MatrixResult { port: number; protocol: string; pods: string[]; allowed: boolean[][]; }
export type Ports = { [protocol: string]: "all" | string[] };
export interface Connectivity {
  pairs: { from: string; to: string; ports: Ports }[];
  external: { pod: string; egress: { cidrs: string[]; ports: Ports }[]; ingress: { cidrs: string[]; ports: Ports }[] }[];
}
export type ReachAccess = { access: "rules" | "not-isolated" | "not-checked"; rules: { policy: string; rule: string }[] };
/** Ports granted alike; `egress` is the source's side, `ingress` the destination's. */
export interface ReachGrant { ports: Ports; label: string; egress: ReachAccess; ingress: ReachAccess; }
/** Peer pods of one group (`namespace/kind/name`, or `namespace/pod`); `label` as `5432/TCP`. */
export interface ReachPeer { group: string; namespace: string; pods: string[]; group_pods: number; ports: Ports; label: string; grants: ReachGrant[]; }
export interface ReachExternal { addresses: string; cidrs: string[]; ports: Ports; label: string; grants: ReachGrant[]; }
/** Subject pods that answer alike; `isolated_by` is null for an address, [] when not isolated. */
export interface ReachPart { pods: string[]; isolated_by: string[] | null; statement: string; peers: ReachPeer[]; external: ReachExternal[]; }
export interface Reach {
  direction: "to" | "from";
  subject: { name: string; kind: "pod" | "workload" | "address"; workload: string | null; pods: string[] };
  /** What `netpol reach` prints above its table. */
  statement: string;
  parts: ReachPart[];
}
export interface Problem { origin: string | null; object: string | null; field: string; message: string; line: number | null; }
"#;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EngineOptions {
    self_traffic: Option<String>,
    ipblock_pod_ips: Option<String>,
    strict: Option<bool>,
}

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The line a YAML parse error points at (`... line 4 column 5 ...`), if any.
fn line_of(message: &str) -> Option<u32> {
    let rest = &message[message.find("line ")? + 5..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// A JS `Error` for a failed load: the message lists every problem; `problems` has them as
/// objects.
fn load_error(e: &netpol::Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let problems = js_sys::Array::new();
    for d in e.diagnostics() {
        let p = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&p, &JsValue::from_str(k), &v);
        };
        set("origin", d.origin().map_or(JsValue::NULL, JsValue::from_str));
        set("object", d.object().map_or(JsValue::NULL, |o| JsValue::from_str(&o.to_string())));
        set("field", JsValue::from_str(d.field()));
        set("message", JsValue::from_str(d.message()));
        set("line", line_of(d.message()).map_or(JsValue::NULL, |l| JsValue::from_f64(f64::from(l))));
        problems.push(&p);
    }
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("problems"), &problems);
    err.into()
}

fn json(value: &serde_json::Value) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&value.to_string())
}

/// A compiled cluster.
#[wasm_bindgen]
pub struct Engine {
    engine: netpol::Engine,
}

/// The message for a `namespace/pod` or IP endpoint `text` that names nothing.
fn unknown_endpoint(engine: &netpol::Engine, text: &str) -> String {
    engine
        .cluster()
        .unknown_endpoint(text)
        .unwrap_or_else(|| format!("{text:?}: no such pod (use \"namespace/pod\") and not an IP address"))
}

/// The message for a `reach` endpoint `text` (pod, workload or IP) that names nothing.
fn unknown_subject(engine: &netpol::Engine, text: &str) -> String {
    engine.cluster().unknown_endpoint(text).unwrap_or_else(|| {
        format!(
            "{text:?}: no such pod, workload or address (use \"namespace/pod\", \"namespace/kind/name\" such as \"shop/deployment/api\", or an IP address)"
        )
    })
}

impl Engine {
    fn endpoint(&self, text: &str) -> Result<Endpoint, JsValue> {
        self.engine.parse_endpoint(text).ok_or_else(|| error(&unknown_endpoint(&self.engine, text)))
    }

    fn query(
        &self,
        src: &str,
        dst: &str,
        port: u16,
        protocol: &str,
    ) -> Result<(Endpoint, Endpoint, u16, Protocol), JsValue> {
        let protocol = Protocol::parse_loose(protocol)
            .ok_or_else(|| error(&format!("unknown protocol {protocol:?}: use TCP, UDP or SCTP")))?;
        if port == 0 {
            return Err(error("port 0 is not between 1 and 65535"));
        }
        Ok((self.endpoint(src)?, self.endpoint(dst)?, port, protocol))
    }
}

#[wasm_bindgen]
impl Engine {
    /// Loads YAML or JSON text (multi-document streams, `kind: List`) and compiles it.
    #[wasm_bindgen(constructor)]
    pub fn new(
        text: &str,
        #[wasm_bindgen(unchecked_param_type = "EngineOptions | undefined")] options: JsValue,
    ) -> Result<Engine, JsValue> {
        let options: EngineOptions = if options.is_undefined() || options.is_null() {
            EngineOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|e| error(&format!("options: {e}")))?
        };
        let self_traffic = match options.self_traffic.as_deref() {
            None | Some("allow") => SelfTraffic::Allow,
            Some("evaluate") => SelfTraffic::Evaluate,
            Some(other) => {
                return Err(error(&format!("options.selfTraffic: {other:?} is not \"allow\" or \"evaluate\"")))
            }
        };
        let ip_block_matches_pods = match options.ipblock_pod_ips.as_deref() {
            None | Some("match") => true,
            Some("ignore") => false,
            Some(other) => {
                return Err(error(&format!("options.ipblockPodIps: {other:?} is not \"match\" or \"ignore\"")))
            }
        };
        let strictness = if options.strict.unwrap_or(true) { Strictness::Strict } else { Strictness::Lenient };
        let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
        loader.add_str(text, "<editor>");
        let cluster = loader.finish().map_err(|e| load_error(&e))?;
        let engine = Compiler::new().options(Options { self_traffic, ip_block_matches_pods }).compile(&cluster);
        Ok(Engine { engine })
    }

    /// May `src` reach `dst` on `port`/`protocol`? Endpoints: `namespace/pod` or an IP.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn decide(&self, src: &str, dst: &str, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let (s, d, port, protocol) = self.query(src, dst, port, protocol)?;
        let v = self.engine.decide(s, d, port, protocol);
        json(&serde_json::json!({"allowed": v.is_allowed(), "egress": v.egress, "ingress": v.ingress}))
    }

    /// Why: isolating policies and admitting rules per direction, plus the readable report.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(&self, src: &str, dst: &str, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let (s, d, port, protocol) = self.query(src, dst, port, protocol)?;
        let e = self.engine.explain(s, d, port, protocol);
        let cluster = self.engine.cluster();
        let mut value = report::explanation_json(cluster, s, d, port, protocol, &e);
        value["text"] = serde_json::Value::String(e.report(cluster, s, d, port, protocol));
        json(&value)
    }

    /// The truth table of every pod to every pod (rows sources, columns destinations).
    #[wasm_bindgen(unchecked_return_type = "MatrixResult")]
    pub fn matrix(&self, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let protocol =
            Protocol::parse_loose(protocol).ok_or_else(|| error(&format!("unknown protocol {protocol:?}")))?;
        json(&report::matrix_json(&self.engine, port, protocol))
    }

    /// For every pod pair the allowed ports, and each pod's external ranges.
    #[wasm_bindgen(unchecked_return_type = "Connectivity")]
    pub fn connectivity(&self) -> Result<JsValue, JsValue> {
        json(&report::connectivity_json(&self.engine))
    }

    /// Who may reach `endpoint` (`direction` "to") or what it may reach ("from"): peers by
    /// group, external ranges, ports and granting rules, with the statement `netpol reach`
    /// prints. Endpoints: `namespace/pod`, `namespace/kind/name` (a workload) or an IP.
    #[wasm_bindgen(unchecked_return_type = "Reach")]
    pub fn reach(
        &self,
        endpoint: &str,
        #[wasm_bindgen(unchecked_param_type = "\"to\" | \"from\"")] direction: &str,
    ) -> Result<JsValue, JsValue> {
        let direction = match direction {
            "to" => Direction::Ingress,
            "from" => Direction::Egress,
            other => return Err(error(&format!("direction {other:?} is not \"to\" or \"from\""))),
        };
        let subject =
            Subject::parse(&self.engine, endpoint).ok_or_else(|| error(&unknown_subject(&self.engine, endpoint)))?;
        json(&reach(&self.engine, &subject, direction).to_json())
    }

    /// Pod names, `namespace/name`, sorted.
    #[wasm_bindgen(getter)]
    pub fn pods(&self) -> Vec<String> {
        report::pod_names(self.engine.cluster())
    }

    /// Policy names, `namespace/name`.
    #[wasm_bindgen(getter)]
    pub fn policies(&self) -> Vec<String> {
        self.engine.cluster().policies().iter().map(|p| p.qualified_name()).collect()
    }

    /// Warnings from loading (pods left out, namespaces assumed, kinds skipped).
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.engine.cluster().warnings().iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> netpol::Engine {
        let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: hn, namespace: kube-system}, spec: {hostNetwork: true}, status: {phase: Running, podIP: 192.168.1.5}}
- {apiVersion: v1, kind: Pod, metadata: {name: job-1, namespace: x}, status: {phase: Failed, podIP: 10.0.0.9}}
"#;
        Compiler::new().compile(&netpol::Cluster::from_yaml_str(text).unwrap())
    }

    #[test]
    fn left_out_pods_are_named_as_such() {
        let e = engine();
        let host_network = "kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address";
        assert_eq!(unknown_endpoint(&e, "kube-system/hn"), host_network);
        assert_eq!(unknown_subject(&e, "kube-system/hn"), host_network);
        assert_eq!(
            unknown_subject(&e, "x/job-1"),
            "x/job-1 was left out: its phase is Failed (finished pods hold no connections); its IP is an outside address"
        );
        assert_eq!(
            unknown_endpoint(&e, "x/nope"),
            "\"x/nope\": no such pod (use \"namespace/pod\") and not an IP address"
        );
        assert!(unknown_subject(&e, "x/nope").starts_with("\"x/nope\": no such pod, workload or address"));
    }
}
