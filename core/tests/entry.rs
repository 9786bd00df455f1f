//! The one entry every face uses (`netpol::load_and_compile`), the option spellings every face
//! parses through, and the renderers of the whole-cluster tables.

use netpol::k8s::LoadOptions;
use netpol::raw::Strictness;
use netpol::report::{unknown_endpoint, unknown_subject, ConnectivityReport, MatrixReport};
use netpol::{Config, LimitSetting, Limits, Options, Protocol, SelfTraffic, Source};

const CLUSTER: &str = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x}}
- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}}, status: {phase: Running, podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: x, labels: {app: b}}, status: {phase: Running, podIP: 10.0.0.2}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: a-only-from-b, namespace: x}, spec: {podSelector: {matchLabels: {app: a}}, ingress: [{from: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 80}]}]}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: x}, spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}}}}
"#;

#[test]
fn options_parse_and_print_alike() {
    for s in [Strictness::Strict, Strictness::Lenient] {
        assert_eq!(s.to_string().parse::<Strictness>(), Ok(s));
    }
    assert_eq!("loose".parse::<Strictness>().unwrap_err().to_string(), "expected \"strict\" or \"lenient\"");
    assert_eq!(Strictness::strict_if(false), Strictness::Lenient);
    for s in [SelfTraffic::Allow, SelfTraffic::Evaluate] {
        assert_eq!(s.to_string().parse::<SelfTraffic>(), Ok(s));
    }

    let setting: LimitSetting = "ip-blocks=7".parse().unwrap();
    assert_eq!((setting.name, setting.value, setting.to_string()), ("ip-blocks", 7, "ip-blocks=7".to_string()));
    assert_eq!("depth".parse::<LimitSetting>().unwrap_err(), "expected NAME=N, got \"depth\"");
    assert_eq!("depth=x".parse::<LimitSetting>().unwrap_err(), "\"x\" is not a count");
    assert!("nope=1".parse::<LimitSetting>().unwrap_err().starts_with("unknown limit \"nope\": one of objects, "));

    let limits: Limits = "depth=5, rules=9".parse().unwrap();
    assert_eq!((limits.max_depth, limits.max_rules, limits.max_objects), (5, 9, Limits::default().max_objects));
    assert_eq!(limits.to_string().parse::<Limits>(), Ok(limits));
    assert_eq!("".parse::<Limits>(), Ok(Limits::default()));
    assert!(Limits::default().to_string().starts_with("objects=1000000,depth=64,alias-events="));
}

#[test]
fn one_entry_loads_every_kind_of_source_and_compiles_under_the_options() {
    let config = Config::default();
    let engine = netpol::load_and_compile(&[Source::text(CLUSTER, "<text>")], &config).unwrap();
    let (a, b) = (engine.parse_endpoint("x/a").unwrap(), engine.parse_endpoint("x/b").unwrap());
    assert!(engine.decide(b, a, 80, Protocol::Tcp).is_allowed());
    assert!(engine.decide(a, a, 80, Protocol::Tcp).is_allowed());
    let bytes = Source::Bytes { bytes: CLUSTER.as_bytes().to_vec(), origin: "<input>".into() };
    let config =
        Config { options: Options { self_traffic: SelfTraffic::Evaluate, ..Options::default() }, ..Config::default() };
    let engine = netpol::load_and_compile(&[bytes], &config).unwrap();
    assert!(!engine.decide(a, a, 80, Protocol::Tcp).is_allowed());

    let missing = Source::arg("/nonexistent/cluster.yaml");
    let error = netpol::load(&[missing, Source::text("kind: [", "<broken>")], &config).unwrap_err();
    let origins: Vec<_> = error.diagnostics().iter().map(|d| d.origin().unwrap().to_string()).collect();
    assert_eq!(origins, ["/nonexistent/cluster.yaml", "<broken>"]);

    let strict =
        Config { load: LoadOptions { limits: "rules=0".parse().unwrap(), ..LoadOptions::default() }, ..config };
    assert!(netpol::load(&[Source::text(CLUSTER, "<text>")], &strict).is_err());
    let lenient = Config { load: LoadOptions { strictness: Strictness::Lenient, ..strict.load }, ..strict };
    let cluster = netpol::load(&[Source::text(CLUSTER, "<text>")], &lenient).unwrap();
    assert_eq!(cluster.policies().len(), 0);
    assert!(!cluster.warnings().is_empty());
}

#[test]
fn tables_render_as_text_csv_and_json() {
    let engine = netpol::load_and_compile(&[Source::text(CLUSTER, "<text>")], &Config::default()).unwrap();
    let m = MatrixReport::new(&engine, 80, Protocol::Tcp);
    assert_eq!(m.to_csv(), "from\\to,x/a,x/b,x/deployment/web\nx/a,1,1,1\nx/b,1,1,1\nx/deployment/web,0,1,1\n");
    assert_eq!(m.to_bytes(), [1, 1, 1, 1, 1, 1, 0, 1, 1]);
    assert_eq!(m.to_json()["pods"], serde_json::json!(["x/a", "x/b", "x/deployment/web"]));
    assert!(m.to_text().ends_with("\n8 of 9 pod pairs allowed\n"), "{}", m.to_text());
    let c = ConnectivityReport::new(&engine);
    assert!(c.to_csv().starts_with("from,to,protocol,ports\nx/a,x/a,TCP,all\n"), "{}", c.to_csv());
    assert_eq!(c.to_json()["pairs"].as_array().unwrap().len(), c.connectivity().pairs().len());
    assert!(c.to_text().contains("\nexternal addresses:\n"));
}

#[test]
fn unknown_endpoints_are_worded_per_face() {
    let engine = netpol::load_and_compile(&[Source::text(CLUSTER, "<text>")], &Config::default()).unwrap();
    let cluster = engine.cluster();
    assert_eq!(
        unknown_endpoint(cluster, "x/c", Some("--to")),
        "--to \"x/c\": no such pod in the input (use namespace/pod, or an IP address)"
    );
    assert_eq!(
        unknown_endpoint(cluster, "x/c", None),
        "\"x/c\": no such pod (use \"namespace/pod\") and not an IP address"
    );
    let cli = unknown_subject(cluster, "x/web", Some("--to"));
    assert!(cli.ends_with("; did you mean x/deployment/web?"), "{cli}");
    assert!(unknown_subject(cluster, "x", Some("--from"))
        .ends_with("a namespace is not an endpoint: ask about one of its pods or workloads"));
    assert!(!unknown_subject(cluster, "x/web", None).contains("did you mean"));
}

#[test]
fn an_input_without_objects_is_refused_unless_allowed() {
    let config = Config::default();
    let empty = [Source::text("", "<empty>"), Source::text("---\n# only a comment\n", "<comments>")];
    let list = Source::text(r#"{"kind": "List", "items": []}"#, "<list>");
    for source in empty.iter().chain([&list]) {
        let error = netpol::load([source], &config).unwrap_err();
        let d = &error.diagnostics()[0];
        assert_eq!(d.origin(), Some(source.origin().as_str()));
        assert!(d.message().starts_with("no Kubernetes objects: the input is empty"), "{d}");
    }
    // Named among others; a source that failed already is not named twice.
    let sources = [Source::text(CLUSTER, "<text>"), Source::text("", "<empty>"), Source::arg("/nonexistent.yaml")];
    let error = netpol::load(&sources, &config).unwrap_err();
    let origins: Vec<_> = error.diagnostics().iter().map(|d| d.origin().unwrap().to_string()).collect();
    assert_eq!(origins, ["<empty>", "/nonexistent.yaml"]);
    // Allowed: an empty cluster.
    let allow = Config { allow_empty: true, ..Config::default() };
    assert_eq!(netpol::load(&empty, &allow).unwrap().pods().len(), 0);
    // Standard input can be read once only.
    let error = netpol::load(&[Source::Stdin, Source::Stdin], &allow).unwrap_err();
    assert!(error.diagnostics()[0].message().contains("read once only"), "{error:?}");
}
