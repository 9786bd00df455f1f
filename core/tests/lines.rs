//! Line numbers travel with diagnostics: every problem about an object read from text names the
//! line of its field (or of the object), in YAML streams, `kind: List` in YAML and JSON, parse
//! errors and lenient warnings alike; the text of each diagnostic stays as it was.

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Cluster, Diagnostic, Error};

/// The line (1-based) of the one line of `text` containing `marker`.
fn line_of(text: &str, marker: &str) -> u32 {
    let found: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.contains(marker)).map(|(i, _)| i + 1).collect();
    assert_eq!(found.len(), 1, "marker {marker:?} must be on exactly one line");
    found[0] as u32
}

fn load(text: &str, strictness: Strictness) -> Result<Cluster, Error> {
    let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
    loader.add_str(text, "t.yaml");
    loader.finish()
}

fn errors(text: &str) -> Vec<Diagnostic> {
    load(text, Strictness::Strict).expect_err("the input has problems").diagnostics().to_vec()
}

/// The one diagnostic whose field is `field`.
fn by_field<'d>(diagnostics: &'d [Diagnostic], field: &str) -> &'d Diagnostic {
    let found: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.field() == field).collect();
    assert_eq!(found.len(), 1, "one diagnostic at {field:?} in {diagnostics:#?}");
    found[0]
}

const STREAM: &str = r#"# a stream of documents
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
    "bad key!": x
status:
  podIP: 10.0.0.1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deep
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
    - ipBlock:
        cidr: 10.0.0.0/8
        except:
        - 10.1.0.0/16
        - 10.2.0.0/99
    ports:
    - port: 80
  - from:
    - ipBlock:
        cidr: 10.0.0.0/33
"#;

#[test]
fn a_field_deep_in_a_policy_of_a_stream_gets_its_own_line() {
    let d = errors(STREAM);
    let except = by_field(&d, "spec.ingress[0].from[1].ipBlock.except[1]");
    assert_eq!(except.line(), Some(line_of(STREAM, "10.2.0.0/99")));
    let cidr = by_field(&d, "spec.ingress[1].from[0].ipBlock.cidr");
    assert_eq!(cidr.line(), Some(line_of(STREAM, "10.0.0.0/33")));
    // Label keys are quoted in the field path.
    let label = by_field(&d, r#"metadata.labels["bad key!"]"#);
    assert_eq!(label.line(), Some(line_of(STREAM, "bad key!")));
    // The text is what it always was: the line is not in it.
    assert_eq!(
        cidr.to_string(),
        "t.yaml (document 3): NetworkPolicy shop/deep: spec.ingress[1].from[0].ipBlock.cidr: invalid CIDR \"10.0.0.0/33\": must be an address and prefix length, such as 10.0.0.0/8 or fd00::/8"
    );
}

#[test]
fn a_field_not_in_the_text_gets_the_line_of_the_deepest_part_that_is() {
    // No `spec.podSelector` at all (read as `{}`, with a warning): the line of `spec`.
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: # here\n  policyTypes: [Ingress]\n";
    let cluster = load(text, Strictness::Strict).unwrap();
    assert_eq!(by_field(cluster.warnings(), "spec.podSelector").line(), Some(line_of(text, "# here")));
}

const LIST_YAML: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: v1
  kind: Pod
  metadata: {name: p, namespace: a}
  status:
    podIPs:
    - ip: 10.0.0.5
    - ip: not-an-ip
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np, namespace: a}
  spec:
    podSelector: {matchExpressions: [{key: app, operator: Within, values: [x]}]}
"#;

#[test]
fn list_items_in_yaml() {
    let d = errors(LIST_YAML);
    let ip = by_field(&d, "status.podIPs[1].ip");
    assert_eq!(ip.origin(), Some("t.yaml items[1]"));
    assert_eq!(ip.line(), Some(line_of(LIST_YAML, "not-an-ip")));
    let op = by_field(&d, "spec.podSelector.matchExpressions[0].operator");
    assert_eq!(op.line(), Some(line_of(LIST_YAML, "Within")));
}

const LIST_JSON: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "a"
            }
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {
                "name": "np",
                "namespace": "a",
                "labels": {"app.kubernetes.io/name": "np"}
            },
            "spec": {
                "podSelector": {},
                "egress": [
                    {
                        "ports": [
                            {
                                "protocol": "TCP",
                                "port": 0
                            },
                            {
                                "protocol": "ICMP",
                                "port": 53
                            }
                        ],
                        "to": [{"ipBlock": {"cidr": "fd00::/8", "except": ["10.0.0.0/8"]}}]
                    }
                ]
            }
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}
"#;

#[test]
fn list_items_in_json_as_kubectl_prints_them() {
    let d = errors(LIST_JSON);
    assert_eq!(by_field(&d, "spec.egress[0].ports[0].port").line(), Some(line_of(LIST_JSON, r#""port": 0"#)));
    assert_eq!(by_field(&d, "spec.egress[0].ports[1].protocol").line(), Some(line_of(LIST_JSON, "ICMP")));
    let except = by_field(&d, "spec.egress[0].to[0].ipBlock.except[0]");
    assert_eq!(except.line(), Some(line_of(LIST_JSON, "fd00::/8")));
    assert_eq!(except.origin(), Some("t.yaml items[1]"));
}

#[test]
fn a_top_level_json_array_and_a_stream_of_json_values() {
    let text = "\n[\n  {\"kind\": \"Namespace\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"a\"}},\n  {\"kind\": \"Namespace\", \"apiVersion\": \"v1\",\n   \"metadata\": {\"name\": \"B_upper\"}}\n]\n{\"kind\": \"Namespace\", \"apiVersion\": \"v1\",\n \"metadata\": {\"name\": \"C\\u005fupper\"}}\n";
    let d = errors(text);
    let names: Vec<(Option<&str>, Option<u32>)> = d.iter().map(|d| (d.origin(), d.line())).collect();
    assert_eq!(
        names,
        [
            (Some("t.yaml (document 2)"), Some(line_of(text, "B_upper"))),
            (Some("t.yaml (document 3)"), Some(line_of(text, "C\\u005fupper")))
        ]
    );
}

#[test]
fn a_wrong_type_gets_the_line_of_its_field() {
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - port: [80]  # wrong\n";
    let d = errors(text);
    let wrong = by_field(&d, "spec.ingress[0].ports[0].port");
    assert!(wrong.message().starts_with("wrong type or value"), "{wrong}");
    assert_eq!(wrong.line(), Some(line_of(text, "# wrong")));
}

#[test]
fn parse_errors_carry_their_line() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b\nstatus: {}\n";
    let d = errors(yaml);
    assert_eq!(d.len(), 1);
    assert!(d[0].message().starts_with("malformed YAML"), "{}", d[0]);
    // Where the parser finds the mapping unclosed.
    assert_eq!(d[0].line(), Some(line_of(yaml, "status: {}")));

    let json = "\n\n{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\",},\n  \"apiVersion\": \"v1\"\n}\n";
    let d = errors(json);
    assert!(d[0].message().starts_with("malformed JSON"), "{}", d[0]);
    assert_eq!(d[0].line(), Some(line_of(json, "\"name\": \"p\",}")));
}

#[test]
fn lenient_warnings_carry_lines() {
    let c = load(STREAM, Strictness::Lenient).unwrap();
    let w = c.warnings();
    let cidr = by_field(w, "spec.ingress[1].from[0].ipBlock.cidr");
    assert!(cidr.message().ends_with("(object skipped: lenient mode)"));
    assert_eq!(cidr.line(), Some(line_of(STREAM, "10.0.0.0/33")));

    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: hn, namespace: a}\nspec:\n  hostNetwork: true\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n";
    let c = load(text, Strictness::Strict).unwrap();
    let host = by_field(c.warnings(), "spec.hostNetwork");
    assert_eq!(host.line(), Some(line_of(text, "hostNetwork")));
    // An assumed namespace is in no text.
    let assumed = c.warnings().iter().find(|w| w.message().starts_with("not given; assumed")).unwrap();
    assert_eq!(assumed.line(), None);
}

#[test]
fn an_object_level_problem_gets_the_object_line() {
    let text = r#"apiVersion: v1
kind: Namespace
metadata: {name: a}
---
# the same again
apiVersion: v1  # second
kind: Namespace
metadata: {name: a}
---
kind: Namespace  # third
apiVersion: v1
metadata:
  name: a  # conflicting
  labels: {x: y}
"#;
    let c = load(text, Strictness::Lenient).unwrap();
    let identical = c.warnings().iter().find(|w| w.message().contains("identical content")).unwrap();
    assert_eq!(identical.field(), "");
    assert_eq!(identical.line(), Some(line_of(text, "# second")));
    let d = errors(text);
    let conflicting = by_field(&d, "metadata.name");
    assert_eq!(conflicting.line(), Some(line_of(text, "# conflicting")));
}

#[test]
fn workload_templates_are_placed_in_their_workload() {
    let text = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: c
        ports:
        - containerPort: 70000
"#;
    let d = errors(text);
    let port = by_field(&d, "spec.template.spec.containers[0].ports[0].containerPort");
    assert_eq!(port.line(), Some(line_of(text, "70000")));
}

#[test]
fn objects_not_read_from_text_have_no_line() {
    let pod: serde_json::Value = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "status": {"podIP": "x"}});
    let e = Cluster::from_objects(vec![pod]).unwrap_err();
    assert_eq!(e.diagnostics()[0].line(), None);
}

#[test]
fn only_the_first_thousand_problems_are_placed() {
    let mut text = String::new();
    for i in 0..1_100 {
        text.push_str(&format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: Bad{i}}}\n"));
    }
    let d = errors(&text);
    // The first 1,000 problems are reported, each on its line; the rest are counted.
    assert_eq!(d.len(), 1_001);
    assert_eq!(d.iter().filter(|d| d.line().is_some()).count(), 1_000);
    assert_eq!(d[999].line(), Some(line_of(&text, "name: Bad999}")));
    assert_eq!(d[1000].to_string(), "100 more problems not shown (the first 1000 are above)");
}

/// The walk skips the objects nobody asked about, through to the last one.
#[test]
fn far_into_a_large_list() {
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    let n = 2_000;
    for i in 0..n {
        let ip = if i == n - 1 { "10.0.300.1".to_string() } else { format!("10.0.{}.{}", i / 256, i % 256) };
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: a\n    labels: {{app: web}}\n  spec:\n    containers:\n    - name: c\n      ports: [{{containerPort: 80}}]\n  status:\n    phase: Running\n    podIP: {ip}\n"
        ));
    }
    let d = errors(&text);
    assert_eq!(by_field(&d, "status.podIP").line(), Some(line_of(&text, "10.0.300.1")));
}

/// `load_with_sources`: objects keep their place past the load, in JSON Lists and YAML streams,
/// across files, with the default namespace filled in; standard input has no file to point at.
#[test]
fn a_source_map_places_objects_and_fields_of_every_input() {
    use netpol::k8s::SourceLine;
    use netpol::{load_with_sources, Config, Source};
    let json = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "deny", "namespace": "shop"},
   "spec": {"podSelector": {},
            "ingress": [{"from": [{"podSelector": {}}]}]}}
]}"#;
    let yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: nameless-ns\nspec:\n  podSelector: {}\n";
    let sources = [Source::text(json, "a.json"), Source::text(yaml, "b.yaml")];
    let config = Config { default_namespace: Some("web".into()), ..Config::default() };
    let (_, map) = load_with_sources(&sources, &config).expect("loads");
    let at = |file: &str, line: u32| Some(SourceLine { file: file.into(), line });
    assert_eq!(
        map.lines(&[
            ("Namespace shop", ""),
            ("NetworkPolicy shop/deny", "spec.ingress[0].from[0]"),
            ("NetworkPolicy shop/deny", "spec.egress[0]"),
            ("Namespace web", ""),
            ("NetworkPolicy web/nameless-ns", "spec.podSelector"),
            ("NetworkPolicy shop/absent", ""),
        ]),
        // `spec.egress[0]` is not in the text: the deepest part that is, `spec`, gives the line.
        [
            at("a.json", 2),
            at("a.json", line_of(json, "\"from\"")),
            at("a.json", line_of(json, "\"spec\"")),
            at("b.yaml", 1),
            at("b.yaml", 11),
            None
        ]
    );
    assert_eq!(map.first_file(), at("a.json", 1));
    // Without asking for it, nothing is kept.
    let (_, none) = {
        let mut loader = Loader::new(LoadOptions::default());
        loader.add_str(yaml, "b.yaml");
        loader.finish_with_sources().expect("loads")
    };
    assert!(none.is_empty() && none.first_file().is_none());
}
