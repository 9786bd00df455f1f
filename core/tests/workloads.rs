//! Workload manifests as input: representative pods, matching real pods to their workloads,
//! and the default namespace.

use netpol::k8s::{LoadOptions, Loader};
use netpol::spec::Workload;
use netpol::{Cluster, Compiler, Protocol};

fn load(text: &str) -> Cluster {
    Cluster::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn names(c: &Cluster) -> Vec<String> {
    c.pods().iter().map(|p| p.qualified_name()).collect()
}

fn workload(kind: &str, name: &str) -> Option<Workload> {
    Some(Workload { kind: kind.into(), name: name.into() })
}

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, tier: backend}}
    spec:
      containers:
      - name: api
        ports: [{name: http, containerPort: 8080}]
      initContainers:
      - {name: proxy, restartPolicy: Always, ports: [{name: admin, containerPort: 9901}]}
"#;

#[test]
fn every_workload_kind_becomes_one_representative_pod() {
    let text = format!(
        "{DEPLOYMENT}---\n{}",
        r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, ports: [{name: pg, containerPort: 5432}]}]}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: a}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: legacy, namespace: ops}
spec: {selector: {matchLabels: {app: legacy}}, template: {metadata: {labels: {app: legacy}}, spec: {containers: [{name: a}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec: {template: {metadata: {labels: {app: migrate}}, spec: {restartPolicy: Never, containers: [{name: m}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {metadata: {labels: {app: report}}, spec: {restartPolicy: Never, containers: [{name: r}]}}}}}
"#
    );
    let c = load(&text);
    assert_eq!(
        names(&c),
        [
            "ops/daemonset/agent",
            "ops/replicaset/legacy",
            "shop/cronjob/report",
            "shop/deployment/api",
            "shop/job/migrate",
            "shop/statefulset/db"
        ]
    );
    let api = &c.pods()[c.pod_id("shop", "deployment/api").unwrap().index()];
    assert!(api.representative && api.ips.is_empty());
    assert_eq!(api.workload, workload("Deployment", "api"));
    assert_eq!(api.labels.get("tier").map(String::as_str), Some("backend"));
    let ports: Vec<_> = api.ports.iter().map(|p| (p.name.clone().unwrap(), p.number)).collect();
    assert_eq!(ports, [("admin".to_string(), 9901), ("http".to_string(), 8080)]);
}

#[test]
fn representatives_are_decided_by_name_and_named_ports() {
    let text = format!(
        "{DEPLOYMENT}---\n{}",
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w}]}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}]}]
"#
    );
    let engine = Compiler::new().compile(&load(&text));
    let web = engine.parse_endpoint("shop/deployment/web").unwrap();
    let api = engine.parse_endpoint("shop/deployment/api").unwrap();
    assert!(engine.decide(web, api, 8080, Protocol::Tcp).is_allowed());
    assert!(!engine.decide(web, api, 8081, Protocol::Tcp).is_allowed());
    assert!(!engine.decide(web, api, 9901, Protocol::Tcp).is_allowed());
}

#[test]
fn real_pods_replace_the_representative_by_owner_reference() {
    let text = format!(
        "{DEPLOYMENT}---\n{}",
        r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-7f6d5c8b9
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec: {replicas: 2, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-7f6d5c8b9-4kx8m
  namespace: shop
  labels: {app: api, pod-template-hash: 7f6d5c8b9}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-7f6d5c8b9, uid: r1, controller: true}]
status: {podIP: 10.0.0.1}
"#
    );
    let c = load(&text);
    assert_eq!(names(&c), ["shop/api-7f6d5c8b9-4kx8m"]);
    assert_eq!(c.pods()[0].workload, workload("Deployment", "api"));
    assert!(!c.pods()[0].representative);
}

#[test]
fn real_pods_match_by_naming_and_labels_without_owner_references() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: api-7f6d5c8b9-4kx8m, namespace: shop, labels: {app: api, pod-template-hash: 7f6d5c8b9}}}
- {apiVersion: v1, kind: Pod, metadata: {name: db-0, namespace: shop, labels: {app: db, statefulset.kubernetes.io/pod-name: db-0}}}
- {apiVersion: v1, kind: Pod, metadata: {name: agent-x7k2p, namespace: ops, labels: {app: agent, controller-revision-hash: 5d4f, pod-template-generation: "1"}}}
- {apiVersion: v1, kind: Pod, metadata: {name: report-28571340-5xq2d, namespace: shop, labels: {batch.kubernetes.io/job-name: report-28571340}}}
- {apiVersion: v1, kind: Pod, metadata: {name: handmade, namespace: shop, labels: {app: cache}}}
- {apiVersion: v1, kind: Pod, metadata: {name: lonely, namespace: shop, labels: {app: lonely}}}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cache, namespace: shop}
  spec: {selector: {matchLabels: {app: cache}}, template: {metadata: {labels: {app: cache}}, spec: {containers: [{name: c}]}}}
"#;
    let c = load(text);
    let of = |ns: &str, name: &str| c.pods()[c.pod_id(ns, name).unwrap().index()].workload.clone();
    assert_eq!(of("shop", "api-7f6d5c8b9-4kx8m"), workload("Deployment", "api"));
    assert_eq!(of("shop", "db-0"), workload("StatefulSet", "db"));
    assert_eq!(of("ops", "agent-x7k2p"), workload("DaemonSet", "agent"));
    assert_eq!(of("shop", "report-28571340-5xq2d"), workload("CronJob", "report"));
    assert_eq!(of("shop", "handmade"), workload("Deployment", "cache"), "matched by the Deployment's selector");
    assert_eq!(of("shop", "lonely"), None);
    assert!(c.pod_id("shop", "deployment/cache").is_none(), "a workload with pods has no representative");
}

#[test]
fn scaled_to_zero_and_owned_objects_make_no_extra_representatives() {
    let text = format!(
        "{DEPLOYMENT}---\n{}",
        r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-old
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec: {replicas: 0, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle, namespace: shop}
spec: {replicas: 0, selector: {matchLabels: {app: idle}}, template: {metadata: {labels: {app: idle}}, spec: {containers: [{name: i}]}}}
"#
    );
    assert_eq!(names(&load(&text)), ["shop/deployment/api"]);
}

#[test]
fn default_namespace_applies_to_objects_without_one() {
    let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}}
"#;
    let mut loader = Loader::new(LoadOptions::default()).with_default_namespace(Some("team-a".into()));
    loader.add_str(text, "manifests.yaml");
    let c = loader.finish().unwrap();
    assert_eq!(names(&c), ["team-a/deployment/web", "team-a/p"]);
    assert_eq!(c.policies()[0].namespace, "team-a");
    assert!(c.warnings().iter().all(|w| !w.to_string().contains("no namespace given")), "{:?}", c.warnings());
}

#[test]
fn template_problems_name_the_workload() {
    let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w, ports: [{containerPort: 70000}]}]}}}
"#;
    let e = Cluster::from_yaml_str(text).unwrap_err().to_string();
    assert!(e.contains("shop/deployment/web"), "{e}");
    assert!(e.contains("spec.template.spec.containers[0].ports[0].containerPort"), "{e}");
}

#[test]
fn host_network_templates_are_left_out_like_pods() {
    let text = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: ops}
spec: {selector: {matchLabels: {app: ne}}, template: {metadata: {labels: {app: ne}}, spec: {hostNetwork: true, containers: [{name: n}]}}}
"#;
    let c = load(text);
    assert!(c.pods().is_empty());
    assert!(c.warnings().iter().any(|w| w.to_string().contains("host-network")), "{:?}", c.warnings());
}
