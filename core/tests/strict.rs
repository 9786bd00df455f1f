//! Strict means strict (issue 17, item 2): a field the Kubernetes schema does not know is an
//! error with its path, line and a suggestion (a warning in lenient mode); JSON duplicate keys
//! are errors; `podIP` must equal `podIPs[0]`; `apiVersion` is checked; a missing or null
//! `spec.podSelector` is `{}` with a warning (S7). And the typed decode reads what it should:
//! kubectl-shaped objects whole, kinds not read untouched, `kind` after `spec`.

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::reference::Evaluator;
use netpol::{Cluster, Endpoint, Error, Options, Protocol};

fn load(text: &str, strictness: Strictness) -> Result<Cluster, Error> {
    let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
    loader.add_str(text, "in.yaml");
    loader.finish()
}

/// (field, line, message) of each diagnostic.
fn problems(diagnostics: &[netpol::Diagnostic]) -> Vec<(String, Option<u32>, String)> {
    diagnostics.iter().map(|d| (d.field().to_string(), d.line(), d.message().to_string())).collect()
}

const PODS: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: intruder, namespace: shop, labels: {app: other}}
status: {podIP: 10.0.0.9}
";

/// Whether `intruder` may reach `web` on 80/TCP.
fn intruder_reaches_web(cluster: &Cluster) -> bool {
    let id = |name: &str| cluster.pod_id("shop", name).unwrap();
    let evaluator = Evaluator::new(cluster, Options::default());
    evaluator.allowed(Endpoint::Pod(id("intruder")), Endpoint::Pod(id("web")), 80, Protocol::Tcp)
}

#[test]
fn a_misspelled_peer_list_is_an_error_not_an_open_door() {
    // `form:` instead of `from:` would leave a rule without peers: allow from everywhere.
    let policy = "\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - form:
    - podSelector: {matchLabels: {app: api}}
";
    let text = format!("{PODS}{policy}");
    let err = load(&text, Strictness::Strict).expect_err("unknown field");
    assert_eq!(
        problems(err.diagnostics()),
        [("spec.ingress[0].form".to_string(), Some(17), "unknown field `form` (did you mean `from`?)".to_string())]
    );
    // Lenient: a warning, the field ignored (as `kubectl apply --validate=warn`).
    let cluster = load(&text, Strictness::Lenient).unwrap();
    let warnings = problems(cluster.warnings());
    assert!(
        warnings.contains(&(
            "spec.ingress[0].form".to_string(),
            Some(17),
            "unknown field `form` (did you mean `from`?) (ignored: lenient mode)".to_string()
        )),
        "{warnings:?}"
    );
    assert!(intruder_reaches_web(&cluster), "the rule without `from` admits every peer");
    // Spelled right, the intruder is kept out.
    let fixed = load(&text.replace("form:", "from:"), Strictness::Strict).unwrap();
    assert!(!intruder_reaches_web(&fixed));
}

#[test]
fn a_misspelled_except_is_an_error() {
    let policy = r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
 "metadata": {"name": "p", "namespace": "shop"},
 "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8",
   "exept": ["10.0.0.9/32"]}}]}]}}"#;
    let err = load(policy, Strictness::Strict).expect_err("unknown field");
    assert_eq!(
        problems(err.diagnostics()),
        [(
            "spec.ingress[0].from[0].ipBlock.exept".to_string(),
            Some(4),
            "unknown field `exept` (did you mean `except`?)".to_string()
        )]
    );
}

#[test]
fn unknown_fields_are_found_at_every_level_read() {
    let text = r#"{"apiVersion": "v1", "kind": "Pod", "spek": {},
 "metadata": {"name": "p", "namespace": "shop", "lables": {"app": "x"}},
 "spec": {"hostNetwrok": true, "containers": [{"name": "c", "ports": [{"containerPort": 80, "protocl": "UDP"}]}]},
 "status": {"podIPS": [{"ip": "10.0.0.1"}]}}"#;
    let err = load(text, Strictness::Strict).expect_err("unknown fields");
    let mut found: Vec<String> = err.diagnostics().iter().map(|d| format!("{} {}", d.field(), d.message())).collect();
    found.sort();
    assert_eq!(
        found,
        [
            "metadata.lables unknown field `lables` (did you mean `labels`?)",
            "spec.containers[0].ports[0].protocl unknown field `protocl` (did you mean `protocol`?)",
            "spec.hostNetwrok unknown field `hostNetwrok` (did you mean `hostNetwork`?)",
            "spek unknown field `spek` (did you mean `spec`?)",
            "status.podIPS unknown field `podIPS` (did you mean `podIPs`?)",
        ]
    );
}

#[test]
fn kubectl_fields_not_read_are_skipped_without_complaint() {
    // What `kubectl get -o json` prints beyond what policies use: all known to the schema.
    let text = r#"{"apiVersion": "v1", "items": [
 {"apiVersion": "v1", "kind": "Pod",
  "metadata": {"annotations": {"a": "b"}, "creationTimestamp": "2026-01-01T00:00:00Z", "generateName": "web-7d9f-",
   "labels": {"app": "web", "pod-template-hash": "7d9f"}, "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1",
   "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}, "manager": "kube-controller-manager",
   "operation": "Update", "time": "2026-01-01T00:00:00Z"}], "name": "web", "namespace": "shop",
   "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet",
   "name": "web-7d9f", "uid": "u"}], "resourceVersion": "1", "uid": "u2"},
  "spec": {"containers": [{"image": "nginx", "imagePullPolicy": "Always", "name": "web",
   "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}], "resources": {},
   "terminationMessagePath": "/dev/termination-log", "volumeMounts": [{"mountPath": "/x", "name": "v"}]}],
   "dnsPolicy": "ClusterFirst", "nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
   "securityContext": {}, "serviceAccountName": "default", "tolerations": [{"effect": "NoExecute", "key": "k"}],
   "volumes": [{"name": "v", "emptyDir": {}}]},
  "status": {"conditions": [{"status": "True", "type": "Ready"}], "containerStatuses": [{"name": "web", "ready": true}],
   "hostIP": "192.168.0.1", "hostIPs": [{"ip": "192.168.0.1"}], "phase": "Running", "podIP": "10.0.0.1",
   "podIPs": [{"ip": "10.0.0.1"}], "qosClass": "BestEffort", "startTime": "2026-01-01T00:00:00Z"}},
 {"apiVersion": "v1", "kind": "ConfigMap", "data": {"x": "y"}, "metadata": {"name": "c", "whatever": [1, 2]}},
 {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "shop", "labels": {"team": "a"}},
  "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
], "kind": "List", "metadata": {"resourceVersion": ""}}"#;
    let cluster = load(text, Strictness::Strict).unwrap();
    let pod = &cluster.pods()[0];
    assert_eq!((pod.name.as_str(), pod.labels.get("app").map(String::as_str)), ("web", Some("web")));
    assert_eq!(pod.workload.as_ref().map(|w| w.name.as_str()), Some("web"));
    assert_eq!(pod.ips.len(), 1);
    assert!(cluster.warnings().iter().any(|w| w.message().contains("ConfigMap (1)")));
    assert!(cluster.warnings().iter().all(|w| !w.message().contains("unknown")), "{:?}", cluster.warnings());
}

#[test]
fn duplicate_keys_are_errors_in_json_as_in_yaml() {
    for (text, key) in [
        (
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "a", "app": "b"}}}"#,
            "app",
        ),
        (
            r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
               "spec": {"podSelector": {}, "ingress": [], "ingress": [{}]}}"#,
            "ingress",
        ),
        (r#"{"apiVersion": "v1", "kind": "Pod", "kind": "Pod", "metadata": {"name": "p"}}"#, "kind"),
    ] {
        let err = load(text, Strictness::Lenient).expect_err("duplicate key").to_string();
        assert!(err.contains("duplicate") && err.contains(key), "{err}");
    }
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: a, app: b}}\n";
    assert!(load(yaml, Strictness::Lenient).expect_err("duplicate key").to_string().contains("uplicate"));
}

#[test]
fn pod_ip_must_be_the_first_of_pod_ips() {
    let pod = |ip: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: a}}\nstatus: {{podIP: {ip}, podIPs: [{{ip: 10.0.0.1}}, {{ip: 'fd00::1'}}]}}\n"
        )
    };
    assert_eq!(load(&pod("10.0.0.1"), Strictness::Strict).unwrap().pods()[0].ips.len(), 2);
    let err = load(&pod("10.0.0.2"), Strictness::Strict).expect_err("podIP differs");
    assert_eq!(
        problems(err.diagnostics()),
        [(
            "status.podIP".to_string(),
            Some(4),
            "status.podIP \"10.0.0.2\" differs from status.podIPs[0].ip \"10.0.0.1\": the API server requires podIP to equal podIPs[0]".to_string()
        )]
    );
    // Lenient: the pod is skipped, with the same words.
    let cluster = load(&pod("10.0.0.2"), Strictness::Lenient).unwrap();
    assert!(cluster.pods().is_empty());
    assert!(cluster.warnings().iter().any(|w| w.message().contains("requires podIP to equal podIPs[0]")));
}

#[test]
fn api_version_is_checked_for_every_kind_read() {
    let bogus = "apiVersion: bogus.example.com/v9\nkind: Pod\nmetadata: {name: p, namespace: a}\n";
    let err = load(bogus, Strictness::Strict).expect_err("wrong apiVersion");
    assert_eq!(
        problems(err.diagnostics()),
        [(
            "apiVersion".to_string(),
            Some(1),
            "apiVersion \"bogus.example.com/v9\" does not serve Pod: expected \"v1\"".to_string()
        )]
    );
    assert!(load(bogus, Strictness::Lenient).unwrap().pods().is_empty());
    let policy = "apiVersion: v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}}\n";
    assert!(load(policy, Strictness::Strict).unwrap_err().to_string().contains("expected \"networking.k8s.io/v1\""));
    let deployment = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {}}\n";
    assert!(load(deployment, Strictness::Strict).unwrap_err().to_string().contains("expected \"apps/v1\""));
    // Missing: assumed, with a warning.
    let missing = "kind: Pod\nmetadata: {name: p, namespace: a}\n";
    let cluster = load(missing, Strictness::Strict).unwrap();
    assert_eq!(cluster.pods().len(), 1);
    assert!(cluster.warnings().iter().any(|w| w.message() == "apiVersion missing: read as v1"));
}

#[test]
fn a_missing_or_null_pod_selector_is_every_pod_with_a_warning() {
    let deny = |selector: &str| {
        format!(
            "{PODS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n{selector}  policyTypes: [Ingress]\n"
        )
    };
    let explicit = load(&deny("  podSelector: {}\n"), Strictness::Strict).unwrap();
    assert!(!intruder_reaches_web(&explicit));
    assert!(explicit.warnings().iter().all(|w| w.field() != "spec.podSelector"));
    for selector in ["  podSelector:\n", "  podSelector: null\n", ""] {
        let cluster = load(&deny(selector), Strictness::Strict).unwrap();
        assert!(!intruder_reaches_web(&cluster), "{selector:?} selects every pod");
        let warning = cluster.warnings().iter().find(|w| w.field() == "spec.podSelector").expect("a warning");
        assert!(warning.message().starts_with("missing or null: read as `{}`"), "{}", warning.message());
    }
}

#[test]
fn wrong_types_name_every_object_and_field() {
    // The streaming decode stops at the first; the fallback names them all.
    let text = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}, "spec": {"hostNetwork": "yes"}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "x"}},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "x"},
   "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": [80]}]}]}}
]}"#;
    let err = load(text, Strictness::Strict).expect_err("wrong types");
    let found: Vec<(String, Option<u32>)> =
        err.diagnostics().iter().map(|d| (format!("{} {}", d.object().unwrap(), d.field()), d.line())).collect();
    assert_eq!(
        found,
        [
            ("Pod x/a spec.hostNetwork".to_string(), Some(2)),
            ("NetworkPolicy x/p spec.ingress[0].ports[0].port".to_string(), Some(5))
        ]
    );
    let cluster = load(text, Strictness::Lenient).unwrap();
    assert_eq!((cluster.pods().len(), cluster.policies().len()), (1, 0));
}

#[test]
fn kind_may_come_last() {
    let text = r#"{"metadata": {"name": "p", "namespace": "a"}, "status": {"podIP": "10.0.0.1"}, "spec": {"hostNetwork": false}, "apiVersion": "v1", "kind": "Pod"}"#;
    let cluster = load(text, Strictness::Strict).unwrap();
    assert_eq!(cluster.pods()[0].ips.len(), 1);
}
