//! Realistic output (`realistic: true`, JSON or YAML): the same cluster as the plain output,
//! shaped as `kubectl get ns,pods,networkpolicies -A -o json|yaml` prints a live one.

use std::io::{self, Write};

use netpol::{Cluster, Compiler, Protocol};
use netpol_gen::{generate, generate_string, generate_yaml, Format, GenConfig};
use serde_json::Value;

fn config(namespaces: usize, pods_per_namespace: usize, policies: usize, realistic: bool) -> GenConfig {
    GenConfig { namespaces, pods_per_namespace, policies, seed: 5, realistic, cluster_policies: 0 }
}

fn load(text: &str, what: &str) -> Cluster {
    Cluster::from_yaml_str(text).unwrap_or_else(|e| {
        let problems: Vec<String> = e.diagnostics().iter().take(10).map(|d| d.to_string()).collect();
        panic!("{what} does not load:\n{}", problems.join("\n"))
    })
}

#[test]
fn realistic_output_means_the_plain_cluster() {
    for (namespaces, pods, policies) in [(6, 15, 60), (1, 7, 5), (0, 0, 0)] {
        let plain = config(namespaces, pods, policies, false);
        let expected = load(&generate_yaml(&plain).unwrap(), "plain YAML");
        let realistic = GenConfig { realistic: true, ..plain };
        for (format, what) in
            [(Format::Json, "realistic JSON"), (Format::Yaml, "realistic YAML"), (Format::Json, "plain JSON")]
        {
            let config = if what == "plain JSON" { plain } else { realistic };
            let cluster = load(&generate_string(&config, format).unwrap(), what);
            assert_eq!(cluster.namespaces(), expected.namespaces(), "{what} {plain:?}");
            assert_eq!(cluster.pods(), expected.pods(), "{what} {plain:?}");
            assert_eq!(cluster.policies(), expected.policies(), "{what} {plain:?}");
            assert_eq!(cluster.left_out_pods(), expected.left_out_pods(), "{what} {plain:?}");
            assert_eq!(cluster.warnings().len(), expected.warnings().len(), "{what} {plain:?}");
            let (a, b) = (Compiler::new().compile(&cluster), Compiler::new().compile(&expected));
            for port in [53, 5432, 8080, 9100] {
                assert_eq!(a.matrix(port, Protocol::Tcp), b.matrix(port, Protocol::Tcp), "{what} port {port}");
            }
        }
    }
}

#[test]
fn realistic_pods_are_about_as_large_as_kubectl_prints_them() {
    let pods = |c: &GenConfig| c.pod_count();
    let with = config(4, 25, 0, true);
    let without = config(0, 0, 0, true);
    for (format, low, high) in [(Format::Json, 12_000, 30_000), (Format::Yaml, 5_000, 13_000)] {
        let big = generate_string(&with, format).unwrap().len() - generate_string(&without, format).unwrap().len();
        let per_pod = big / (pods(&with) - pods(&without));
        assert!((low..=high).contains(&per_pod), "{format:?}: {per_pod} bytes per pod");
    }
}

#[test]
fn realistic_json_is_a_kubectl_list() {
    let text = generate_string(&config(3, 6, 12, true), Format::Json).unwrap();
    assert!(text.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n"));
    assert!(
        text.ends_with("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
    );
    let list: Value = serde_json::from_str(&text).unwrap();
    let items = list["items"].as_array().unwrap();
    let pod = items.iter().find(|o| o["kind"] == "Pod").unwrap();
    for field in ["managedFields", "ownerReferences", "uid", "resourceVersion", "creationTimestamp", "labels"] {
        assert!(!pod["metadata"][field].is_null(), "pod metadata.{field}");
    }
    assert!(pod["metadata"]["labels"]["pod-template-hash"].is_string() || pod["metadata"]["name"] == "db-0");
    for field in ["containers", "volumes", "tolerations", "nodeName", "schedulerName", "serviceAccountName"] {
        assert!(!pod["spec"][field].is_null(), "pod spec.{field}");
    }
    let container = &pod["spec"]["containers"][0];
    for field in ["image", "resources", "volumeMounts", "readinessProbe", "securityContext", "ports"] {
        assert!(!container[field].is_null(), "container {field}");
    }
    for field in ["conditions", "containerStatuses", "hostIP", "hostIPs", "podIP", "podIPs", "qosClass", "startTime"] {
        assert!(!pod["status"][field].is_null(), "pod status.{field}");
    }
    let policy = items.iter().find(|o| o["kind"] == "NetworkPolicy").unwrap();
    let applied = policy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].as_str();
    let applied: Value = serde_json::from_str(applied.unwrap()).unwrap();
    assert_eq!(applied["metadata"]["name"], policy["metadata"]["name"]);
    assert!(policy["spec"]["policyTypes"].is_array(), "the API server fills in policyTypes");
    assert!(items.iter().all(|o| o["metadata"]["managedFields"].is_array()));
    // Keys sorted at every level, as kubectl prints unstructured objects.
    let keys: Vec<&str> = text.lines().filter(|l| l.starts_with("            \"")).map(str::trim).take(5).collect();
    let expected =
        ["\"apiVersion\": \"v1\",", "\"kind\": \"Namespace\",", "\"metadata\": {", "\"spec\": {", "\"status\": {"];
    assert_eq!(keys, expected);
}

#[test]
fn realistic_yaml_is_a_kubectl_list() {
    let text = generate_string(&config(2, 4, 3, true), Format::Yaml).unwrap();
    assert!(text.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n"));
    assert!(text.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"));
    assert!(text.contains("    managedFields:\n    - apiVersion: v1\n      fieldsType: FieldsV1\n"));
    assert!(text.contains("      kubectl.kubernetes.io/last-applied-configuration: |\n        {\"apiVersion\""));
    assert!(text.contains("    resourceVersion: \""));
    load(&text, "realistic YAML");
    // The same objects as the JSON.
    let from_yaml: Value = serde_saphyr::from_str(&text).expect("valid YAML");
    let from_json: Value =
        serde_json::from_str(&generate_string(&config(2, 4, 3, true), Format::Json).unwrap()).unwrap();
    assert_eq!(from_yaml, from_json);
}

#[test]
fn realistic_output_is_deterministic_and_seeded() {
    let a = config(3, 5, 8, true);
    for format in [Format::Json, Format::Yaml] {
        assert_eq!(generate_string(&a, format).unwrap(), generate_string(&a, format).unwrap());
        assert_ne!(generate_string(&a, format).unwrap(), generate_string(&GenConfig { seed: 6, ..a }, format).unwrap());
    }
}

/// Counts writes and remembers the largest one.
struct Counting {
    bytes: usize,
    largest: usize,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len();
        self.largest = self.largest.max(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn output_is_written_object_by_object() {
    let c = config(4, 50, 100, true);
    let mut out = Counting { bytes: 0, largest: 0 };
    generate(&c, Format::Json, &mut out).unwrap();
    assert!(out.bytes > 2_000_000, "{}", out.bytes);
    assert!(out.largest < 64 * 1024, "one write of {} bytes", out.largest);
    assert_eq!(out.bytes, generate_string(&c, Format::Json).unwrap().len());
}

#[test]
fn write_errors_are_reported() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::StorageFull, "full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let e = generate(&config(1, 1, 1, true), Format::Yaml, Full).unwrap_err();
    assert!(e.to_string().contains("full"), "{e}");
    let e = generate(&config(200_000, 1, 1, true), Format::Yaml, Full).unwrap_err();
    assert!(e.to_string().contains("namespaces"), "{e}");
}
