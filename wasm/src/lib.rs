//! netpol in the browser: [`Engine`], over the same compiled engine as every other face, and
//! [`Live`], a cluster that changes by watch events and hands out engines as snapshots. Inputs and outputs are plain JS objects (their TypeScript types are declared below);
//! every error is a JS `Error` whose message names the object and field; when the text does not
//! load, the problems are also attached as `error.problems` (`{origin, object, field, message,
//! line}`, the TypeScript `LoadError`). A panic hook logs Rust panics to the console.

use netpol::raw::Strictness;
use netpol::reach::{reach, Subject};
use netpol::report::{
    self, unknown_endpoint, unknown_subject, verdict_json, CheckReport, ConnectivityReport, MatrixReport,
};
use netpol::select::{select_pod, select_policy};
use netpol::{Config, Direction, Endpoint, Options, Protocol, Source};
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
  /**
   * Cluster policies of one tier and priority that disagree: "deny-wins" (default),
   * "accept-wins", or "error" (refuse such a cluster).
   */
  tie?: "deny-wins" | "accept-wins" | "error";
}
/** Per address family both ends share, whether it allows the connection; {} when they share none. */
export type Families = { ipv4?: boolean; ipv6?: boolean };
/**
 * `allowed`: some shared family allows it. `egress`/`ingress`: those of an allowing family if any,
 * else of the first shared one (IPv4 first); both false when no family is shared.
 */
export interface Verdict { allowed: boolean; egress: boolean; ingress: boolean; families: Families; }
export interface RuleRef { policy: string; rule: number; peer: number | null; port: number | null; path: string; }
export interface RuleMiss { policy: string; rule: number; path: string; peer_matched: boolean; port_matched: boolean; }
/** A matching rule of a cluster policy (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy). */
export interface TierMatch {
  kind: string; policy: string; priority: number; rule: number; rule_name: string | null;
  action: "Accept" | "Deny" | "Pass"; peer: number | null; port: number | null;
}
/** What an admin tier did: the deciding priority group's matches and the action taken. */
export interface TierStep { action: "Accept" | "Deny" | "Pass"; ambiguous: boolean; matches: TierMatch[]; }
export interface DirectionExplanation {
  allowed: boolean;
  reason: "admitted" | "no-rule-admits" | "not-isolated" | "not-a-pod" | "self-traffic" | "no-common-family"
    | "admin-accepted" | "admin-denied" | "baseline-accepted" | "baseline-denied";
  admin: TierStep | null;
  baseline: TierStep | null;
  isolating_policies: string[];
  admitted_by: RuleRef[];
  not_admitting: RuleMiss[];
}
/** One address family's account of a connection. */
export interface FamilyExplanation { family: "ipv4" | "ipv6"; egress: DirectionExplanation; ingress: DirectionExplanation; }
/**
 * `egress`/`ingress` are the account of `family` (an allowing family if any, else the first shared
 * one); `other_family` is the other shared family's account when it decides differently. `family`
 * is null when the ends share no family (both directions then say "no-common-family").
 */
export interface Explanation {
  allowed: boolean; from: string; to: string; port: number; protocol: string;
  families: Families; family: "ipv4" | "ipv6" | null;
  egress: DirectionExplanation; ingress: DirectionExplanation;
  other_family: FamilyExplanation | null;
  /** The report `netpol check` prints; its first line says "(allowed over IPv6 only)" when the families differ. */
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
/** A rule that names the pod as a peer: ingress rules admit it as a source, egress rules as a destination. */
export interface PeerOf { policy: string; direction: "Ingress" | "Egress"; path: string; peer: string; }
/** What `netpol select --pod -o json` prints: the policies selecting the pod and the rules naming it. */
export interface PodSelection {
  pod: string;
  /** NetworkPolicies that select the pod and isolate it for ingress, `namespace/name`. */
  ingress: string[];
  /** Likewise for egress. */
  egress: string[];
  /** Cluster policies whose subject it is, as `Kind name (tier, priority P)`, in tier and priority order. */
  cluster_policies: string[];
  peer_of: PeerOf[];
}
/** One peer of a rule (for a rule without peers, the rule itself) and what it admits today. */
export interface PeerAdmits { path: string; peer: string; pods: string[]; namespaces: string[]; addresses: string[]; }
/** `ports` as written (`every port` when none are given); for cluster policies the action comes first. */
export interface RuleAdmits { path: string; direction: "Ingress" | "Egress"; ports: string; peers: PeerAdmits[]; }
/** What `netpol select --policy -o json` prints: the pods a policy selects and what its rules admit. */
export interface PolicySelection {
  /** `NetworkPolicy namespace/name` or `Kind name`. */
  policy: string;
  directions: ("Ingress" | "Egress")[];
  selects: string[];
  rules: RuleAdmits[];
}
export interface Problem { origin: string | null; object: string | null; field: string; message: string; line: number | null; }
/**
 * What `new Engine` throws when the text does not load: the message lists every problem, and
 * `problems` has them as objects. Bad options throw a plain `Error` instead.
 */
export interface LoadError extends Error { problems: Problem[]; }
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
    tie: Option<String>,
}

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The `Problem` objects of `diagnostics`; `line` is the line of the field (or object) in the
/// text, as the loader placed it.
fn problems_json(diagnostics: &[netpol::Diagnostic]) -> serde_json::Value {
    diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "origin": d.origin(),
                "object": d.object().map(ToString::to_string),
                "field": d.field(),
                "message": d.message(),
                "line": d.line(),
            })
        })
        .collect()
}

/// A JS `Error` for a failed load: the message lists every problem; `problems` has them as
/// objects.
fn load_error(e: &netpol::Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let problems = json(&problems_json(e.diagnostics())).unwrap_or_else(|_| js_sys::Array::new().into());
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("problems"), &problems);
    err.into()
}

/// The `Explanation` object: what `netpol check -o json` prints, plus the report as `text`.
fn explanation_value(
    engine: &netpol::Engine,
    s: Endpoint,
    d: Endpoint,
    port: u16,
    protocol: Protocol,
) -> serde_json::Value {
    let report = CheckReport::new(engine, s, d, port, protocol);
    let mut value = report.to_json();
    value["text"] = serde_json::Value::String(report.to_text());
    value
}

fn json(value: &serde_json::Value) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&value.to_string())
}

/// A compiled cluster.
#[wasm_bindgen]
pub struct Engine {
    engine: std::sync::Arc<netpol::Engine>,
}

/// The most pods whose whole-cluster tables (`matrix`, `connectivity`) the browser is asked to
/// hold: their JSON grows with pods² (5,000 pods: 25 million cells, hundreds of MB of JS
/// values), and a wasm allocation failure is not an error but the end of the module.
pub const MAX_TABLE_PODS: usize = 5_000;

impl Engine {
    /// An error naming the size and the command to use instead, above [`MAX_TABLE_PODS`] pods.
    fn within_table_budget(&self, what: &str, command: &str) -> Result<(), JsValue> {
        let pods = self.engine.cluster().pods().len();
        if pods > MAX_TABLE_PODS {
            return Err(error(&format!(
                "{what} of {pods} pods is too large for the browser (at most {MAX_TABLE_PODS} pods): use `{command}` on the command line, or ask about one pod (reach, selectPod)"
            )));
        }
        Ok(())
    }
}

/// How to load and evaluate, from the JS options object.
fn config_of(options: JsValue) -> Result<Config, JsValue> {
    let options: EngineOptions = if options.is_undefined() || options.is_null() {
        EngineOptions::default()
    } else {
        serde_wasm_bindgen::from_value(options).map_err(|e| error(&format!("options: {e}")))?
    };
    // An empty editor is an empty cluster, as it always was in the playground.
    let mut config = Config { allow_empty: true, ..Config::default() };
    if let Some(text) = options.self_traffic.as_deref() {
        config.options.self_traffic =
            text.parse().map_err(|e| error(&format!("options.selfTraffic: {text:?}: {e}")))?;
    }
    if let Some(text) = options.ipblock_pod_ips.as_deref() {
        config.options.ip_block_matches_pods = Options::parse_ip_block_pod_ips(text)
            .map_err(|e| error(&format!("options.ipblockPodIps: {text:?}: {e}")))?;
    }
    if let Some(text) = options.tie.as_deref() {
        config.options.tie = text.parse().map_err(|e| error(&format!("options.tie: {text:?}: {e}")))?;
    }
    config.load.strictness = Strictness::strict_if(options.strict.unwrap_or(true));
    Ok(config)
}

/// A cluster that changes: watch events applied by an incremental engine, and engines to query
/// as snapshots (later events do not change them).
#[wasm_bindgen]
pub struct Live {
    live: netpol::Live,
    config: Config,
}

#[wasm_bindgen]
impl Live {
    /// Starts from YAML or JSON text, the initial listing (empty: an empty cluster). Throws a
    /// `LoadError` when it does not load.
    #[wasm_bindgen(constructor)]
    pub fn new(
        text: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "EngineOptions")] options: JsValue,
    ) -> Result<Live, JsValue> {
        let config = config_of(options)?;
        let live = netpol::load_live(&[Source::text(text, "<initial>")], &config).map_err(|e| load_error(&e))?;
        Ok(Live { live, config })
    }

    /// Applies one watch event, JSON text: `{"type": "ADDED" | "MODIFIED" | "DELETED" |
    /// "BOOKMARK" | "ERROR", "object": {...}}`, or a full listing that replaces the state. Returns
    /// what it took; throws a `LoadError` (the state kept) for a bad event.
    #[wasm_bindgen(
        unchecked_return_type = "\"unchanged\" | \"left-out\" | \"patched\" | \"recompiled\" | \"ignored\" | \"resynced\""
    )]
    pub fn apply(&mut self, event: &str) -> Result<String, JsValue> {
        let outcome = self.live.apply_event(event.as_bytes(), self.config.load).map_err(|e| load_error(&e))?;
        Ok(match outcome {
            netpol::EventOutcome::Applied(netpol::Applied::Unchanged) => "unchanged",
            netpol::EventOutcome::Applied(netpol::Applied::LeftOut) => "left-out",
            netpol::EventOutcome::Applied(netpol::Applied::Patched) => "patched",
            netpol::EventOutcome::Applied(_) => "recompiled",
            netpol::EventOutcome::Ignored => "ignored",
            _ => "resynced",
        }
        .into())
    }

    /// The engine for the current state; later events do not change it.
    pub fn snapshot(&mut self) -> Engine {
        Engine { engine: self.live.snapshot() }
    }
}

impl Engine {
    fn endpoint(&self, text: &str) -> Result<Endpoint, JsValue> {
        self.engine.parse_endpoint(text).ok_or_else(|| error(&unknown_endpoint(self.engine.cluster(), text, None)))
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
    /// Loads YAML or JSON text (multi-document streams, `kind: List`) and compiles it. Throws a
    /// `LoadError` (every problem, with its line) when the text does not load.
    #[wasm_bindgen(constructor)]
    pub fn new(
        text: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "EngineOptions")] options: JsValue,
    ) -> Result<Engine, JsValue> {
        let config = config_of(options)?;
        let engine =
            netpol::load_and_compile(&[Source::text(text, "<editor>")], &config).map_err(|e| load_error(&e))?;
        Ok(Engine { engine: std::sync::Arc::new(engine) })
    }

    /// May `src` reach `dst` on `port`/`protocol`? Endpoints: `namespace/pod` or an IP (a pod's IP
    /// is that pod over the IP's family only); `families` answers per shared address family.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn decide(&self, src: &str, dst: &str, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let (s, d, port, protocol) = self.query(src, dst, port, protocol)?;
        json(&verdict_json(self.engine.decide(s, d, port, protocol)))
    }

    /// Why: isolating policies and admitting rules per direction (per address family when the
    /// shared families differ), plus the readable report.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(&self, src: &str, dst: &str, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let (s, d, port, protocol) = self.query(src, dst, port, protocol)?;
        json(&explanation_value(&self.engine, s, d, port, protocol))
    }

    /// The truth table of every pod to every pod (rows sources, columns destinations). Throws,
    /// before computing anything, above [`MAX_TABLE_PODS`] pods: the table's JSON would not fit in
    /// the browser's memory (an allocation failure in wasm ends the module).
    #[wasm_bindgen(unchecked_return_type = "MatrixResult")]
    pub fn matrix(&self, port: u16, protocol: &str) -> Result<JsValue, JsValue> {
        let protocol =
            Protocol::parse_loose(protocol).ok_or_else(|| error(&format!("unknown protocol {protocol:?}")))?;
        self.within_table_budget("the truth table", "netpol matrix")?;
        json(&MatrixReport::new(&self.engine, port, protocol).to_json())
    }

    /// For every pod pair the allowed ports, and each pod's external ranges. Throws above
    /// [`MAX_TABLE_PODS`] pods, as [`Engine::matrix`] does.
    #[wasm_bindgen(unchecked_return_type = "Connectivity")]
    pub fn connectivity(&self) -> Result<JsValue, JsValue> {
        self.within_table_budget("the connectivity map", "netpol connectivity")?;
        json(&ConnectivityReport::new(&self.engine).to_json())
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
        let subject = Subject::parse(&self.engine, endpoint)
            .ok_or_else(|| error(&unknown_subject(self.engine.cluster(), endpoint, None)))?;
        json(&reach(&self.engine, &subject, direction).to_json())
    }

    /// The policies that select `pod` (`namespace/name`) per direction, the cluster policies
    /// whose subject it is, and every rule that names it as a peer, with its path.
    #[wasm_bindgen(js_name = selectPod, unchecked_return_type = "PodSelection")]
    pub fn select_pod(&self, pod: &str) -> Result<JsValue, JsValue> {
        let id = self.engine.pod_id(pod).ok_or_else(|| error(&unknown_endpoint(self.engine.cluster(), pod, None)))?;
        json(&select_pod(self.engine.cluster(), id, self.engine.options()).to_json())
    }

    /// The pods `policy` (`namespace/name`, or a cluster policy's name) selects and, per rule and
    /// peer, the pods, namespaces and address ranges it admits.
    #[wasm_bindgen(js_name = selectPolicy, unchecked_return_type = "PolicySelection")]
    pub fn select_policy(&self, policy: &str) -> Result<JsValue, JsValue> {
        let found = select_policy(self.engine.cluster(), policy, self.engine.options()).ok_or_else(|| {
            error(&format!("no policy {policy:?} (a NetworkPolicy is namespace/name; a cluster policy its name)"))
        })?;
        json(&found.to_json())
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

    /// The same warnings as `Problem` objects, each with its `line` when it is about a part of
    /// the text.
    #[wasm_bindgen(getter, js_name = warningProblems, unchecked_return_type = "Problem[]")]
    pub fn warning_problems(&self) -> Result<JsValue, JsValue> {
        json(&problems_json(self.engine.cluster().warnings()))
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
        netpol::Compiler::new().compile(&netpol::Cluster::from_yaml_str(text).unwrap())
    }

    #[test]
    fn problems_carry_the_line_of_their_field() {
        let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/99}\n";
        let e = netpol::Cluster::from_yaml_str(text).unwrap_err();
        let problems = problems_json(e.diagnostics());
        assert_eq!(problems[0]["field"], "spec.ingress[0].from[0].ipBlock.cidr");
        assert_eq!(problems[0]["line"], 8);
        assert_eq!(problems[0]["object"], "NetworkPolicy x/p");

        let e = netpol::Cluster::from_yaml_str("kind: Pod\nmetadata: {name: [\n").unwrap_err();
        let problems = problems_json(e.diagnostics());
        assert!(problems[0]["line"].is_u64(), "{problems}");
        assert_eq!(problems[0]["object"], serde_json::Value::Null);

        let warnings = problems_json(engine().cluster().warnings());
        let host_network = warnings.as_array().unwrap().iter().find(|w| w["field"] == "spec.hostNetwork").unwrap();
        assert_eq!(host_network["line"], 5);
    }

    #[test]
    fn left_out_pods_are_named_as_such() {
        let e = engine();
        let host_network = "kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address";
        let c = e.cluster();
        assert_eq!(unknown_endpoint(c, "kube-system/hn", None), host_network);
        assert_eq!(unknown_subject(c, "kube-system/hn", None), host_network);
        assert_eq!(
            unknown_subject(c, "x/job-1", None),
            "x/job-1 was left out: its phase is Failed (finished pods hold no connections); its IP is an outside address"
        );
        assert_eq!(
            unknown_endpoint(c, "x/nope", None),
            "\"x/nope\": no such pod (use \"namespace/pod\") and not an IP address"
        );
        assert!(unknown_subject(c, "x/nope", None).starts_with("\"x/nope\": no such pod, workload or address"));
    }

    /// The issue 15 reproducer, and a dual-stack pair allowed over IPv6 only.
    fn dual_stack() -> netpol::Engine {
        let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x}}
- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}}, status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: ds, namespace: x, labels: {app: ds}}, status: {phase: Running, podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}, {ip: "fd00:1::2"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: e, namespace: x, labels: {app: e}}, status: {phase: Running, podIP: 10.0.0.3, podIPs: [{ip: 10.0.0.3}, {ip: "fd00:1::3"}]}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: v6-only, namespace: x}, spec: {podSelector: {matchLabels: {app: a}}, ingress: [{from: [{ipBlock: {cidr: "fd00:1::/64"}}]}]}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: e-v6-only, namespace: x}, spec: {podSelector: {matchLabels: {app: e}}, ingress: [{from: [{ipBlock: {cidr: "fd00:1::/64"}}]}]}}
"#;
        netpol::Compiler::new().compile(&netpol::Cluster::from_yaml_str(text).unwrap())
    }

    #[test]
    fn verdicts_and_explanations_carry_the_families() {
        use serde_json::json;
        let e = dual_stack();
        let ep = |t: &str| e.parse_endpoint(t).unwrap();
        let verdict = |s: &str, d: &str| verdict_json(e.decide(ep(s), ep(d), 80, Protocol::Tcp));
        let families = json!({"ipv4": false});
        let denied = json!({"allowed": false, "egress": true, "ingress": false, "families": families});
        assert_eq!(verdict("x/ds", "x/a"), denied);
        assert_eq!(verdict("10.0.0.2", "x/a"), denied);
        assert_eq!(verdict("::ffff:10.0.0.2", "x/a"), denied);
        let none = json!({"allowed": false, "egress": false, "ingress": false, "families": {}});
        assert_eq!(verdict("fd00:1::2", "x/a"), none);
        let over_v6 =
            json!({"allowed": true, "egress": true, "ingress": true, "families": {"ipv4": false, "ipv6": true}});
        assert_eq!(verdict("x/ds", "x/e"), over_v6);

        let explain = |s: &str, d: &str| explanation_value(&e, ep(s), ep(d), 80, Protocol::Tcp);
        let x = explain("x/ds", "x/a");
        assert_eq!((&x["families"], &x["family"], &x["other_family"]), (&families, &json!("ipv4"), &json!(null)));
        let x = explain("fd00:1::2", "x/a");
        assert_eq!((&x["families"], &x["family"]), (&json!({}), &json!(null)));
        assert_eq!(x["egress"]["reason"], "no-common-family");
        assert!(x["text"].as_str().unwrap().contains("no address family in common"));
        let x = explain("x/ds", "x/e");
        assert_eq!((&x["family"], &x["other_family"]["family"]), (&json!("ipv6"), &json!("ipv4")));
        assert_eq!(x["other_family"]["ingress"]["reason"], "no-rule-admits");
        assert!(x["text"].as_str().unwrap().starts_with("ALLOWED: x/ds -> x/e on 80/TCP (allowed over IPv6 only)\n"));
    }
}
