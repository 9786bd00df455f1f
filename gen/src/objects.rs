//! The model as Kubernetes objects (JSON values), plain or realistic, for [`crate::kubectl`] to
//! print.
//!
//! Plain objects hold what the hand-written YAML (`crate::yaml`) holds: the fields netpol reads.
//! Realistic objects are what `kubectl get ns,pods,networkpolicies -A -o json` prints for a live
//! cluster: `managedFields`, uids, resource versions and timestamps on every object; pods with
//! owner references, full container specs (args, env, resources, probes, security context,
//! volume mounts), volumes (the projected service-account token included), tolerations and a
//! status (conditions, container statuses, host and pod IPs, QoS class); policies with the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation and the `policyTypes` the API
//! server fills in. Both carry the same namespaces, labels, IPs, ports and rules, so a cluster
//! means the same either way.
//!
//! The extra values (uids, hashes, times) are drawn from a SplitMix64 seeded by a hash of the
//! seed and the object's name, so each object's decoration is fixed whatever else the cluster
//! holds.

use serde_json::{json, Map, Value};

use crate::cluster::{host_ip, node_name, Controller, Namespace, Pod, Purpose, Role};
use crate::policies::{Peer, Policy, PortValue, Rule, Selector};
use crate::rng::Rng;

/// 2025-01-01T00:00:00Z: namespaces are created in the 60 days after, pods 90 days after.
const EPOCH: u64 = 1_735_689_600;
const DAY: u64 = 86_400;

/// Where the service-account token volume is mounted.
const SERVICE_ACCOUNT_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn ip(ip: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])
}

fn labels_map<K: AsRef<str>>(labels: &[(K, String)]) -> Value {
    Value::Object(labels.iter().map(|(k, v)| (k.as_ref().to_string(), Value::String(v.clone()))).collect())
}

fn namespace_labels(ns: &Namespace) -> Value {
    let mut labels = labels_map(&ns.labels);
    labels["kubernetes.io/metadata.name"] = Value::String(ns.name.clone());
    labels
}

/// A plain `v1/Namespace`: its labels and name.
pub(crate) fn plain_namespace(ns: &Namespace) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"labels": namespace_labels(ns), "name": ns.name},
    })
}

fn container_ports(pod: &Pod) -> Value {
    Value::Array(
        pod.role
            .ports()
            .iter()
            .map(|p| json!({"containerPort": p.number, "name": p.name, "protocol": p.protocol}))
            .collect(),
    )
}

/// A plain running `v1/Pod` with one container.
pub(crate) fn plain_pod(pod: &Pod, namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"labels": labels_map(&pod.labels), "name": pod.name, "namespace": namespace},
        "spec": {
            "containers": [{"image": pod.image, "name": pod.container, "ports": container_ports(pod)}],
            "nodeName": node_name(pod.node),
        },
        "status": {
            "hostIP": ip(host_ip(pod.node)),
            "phase": "Running",
            "podIP": ip(pod.ip),
            "podIPs": [{"ip": ip(pod.ip)}],
        },
    })
}

fn selector(s: &Selector) -> Value {
    let mut out = Map::new();
    if !s.expressions.is_empty() {
        let expressions = s.expressions.iter().map(|e| {
            let mut x = json!({"key": e.key, "operator": e.operator});
            if !e.values.is_empty() {
                x["values"] = json!(e.values);
            }
            x
        });
        out.insert("matchExpressions".into(), Value::Array(expressions.collect()));
    }
    if !s.labels.is_empty() {
        out.insert("matchLabels".into(), labels_map(&s.labels));
    }
    Value::Object(out)
}

fn peer(p: &Peer) -> Value {
    match p {
        Peer::Selectors { namespaces, pods } => {
            let mut out = Map::new();
            if let Some(s) = namespaces {
                out.insert("namespaceSelector".into(), selector(s));
            }
            if let Some(s) = pods {
                out.insert("podSelector".into(), selector(s));
            }
            Value::Object(out)
        }
        Peer::IpBlock { cidr, except } if except.is_empty() => json!({"ipBlock": {"cidr": cidr}}),
        Peer::IpBlock { cidr, except } => json!({"ipBlock": {"cidr": cidr, "except": except}}),
    }
}

fn rules(rules: &[Rule], peers_key: &str) -> Value {
    let rule = |r: &Rule| {
        let mut out = Map::new();
        if !r.peers.is_empty() {
            out.insert(peers_key.into(), Value::Array(r.peers.iter().map(peer).collect()));
        }
        if !r.ports.is_empty() {
            let ports = r.ports.iter().map(|p| match p.value {
                PortValue::Number(n) => json!({"port": n, "protocol": p.protocol}),
                PortValue::Range(first, last) => json!({"endPort": last, "port": first, "protocol": p.protocol}),
                PortValue::Named(name) => json!({"port": name, "protocol": p.protocol}),
            });
            out.insert("ports".into(), Value::Array(ports.collect()));
        }
        Value::Object(out)
    };
    Value::Array(rules.iter().map(rule).collect())
}

/// The policy's `spec` as written; with `defaulted`, with the `policyTypes` the API server
/// fills in when they are missing (DESIGN S4).
fn policy_spec(policy: &Policy, defaulted: bool) -> Value {
    let mut spec = Map::new();
    if !policy.egress.is_empty() {
        spec.insert("egress".into(), rules(&policy.egress, "to"));
    }
    if !policy.ingress.is_empty() {
        spec.insert("ingress".into(), rules(&policy.ingress, "from"));
    }
    spec.insert("podSelector".into(), selector(&policy.pod_selector));
    let types = match policy.types {
        Some(types) => Some(types.to_vec()),
        None if defaulted => Some(if policy.egress.is_empty() { vec!["Ingress"] } else { vec!["Ingress", "Egress"] }),
        None => None,
    };
    if let Some(types) = types {
        spec.insert("policyTypes".into(), json!(types));
    }
    Value::Object(spec)
}

/// A plain `networking.k8s.io/v1/NetworkPolicy`.
pub(crate) fn plain_policy(policy: &Policy, namespace: &str) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": policy.name, "namespace": namespace},
        "spec": policy_spec(policy, false),
    })
}

/// Deterministic decoration for one object: uids, hashes, times.
struct Decor {
    rng: Rng,
}

impl Decor {
    /// The stream of the object `parts` name (kind, namespace, name) under `seed`.
    fn new(seed: u64, parts: &[&str]) -> Decor {
        let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
        for part in parts {
            for b in part.bytes().chain([0xff]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        Decor { rng: Rng::new(h, 0x5eed) }
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.rng.below(16)])).collect()
    }

    /// Characters of Kubernetes' alphabet for generated names.
    fn name_part(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(self.rng.pick(b"bcdfghjklmnpqrstvwxz2456789"))).collect()
    }

    /// A version-4 UUID.
    fn uid(&mut self) -> String {
        let variant = char::from(b"89ab"[self.rng.below(4)]);
        format!("{}-{}-4{}-{variant}{}-{}", self.hex(8), self.hex(4), self.hex(3), self.hex(3), self.hex(12))
    }

    /// A resource version, as the API server's etcd revision.
    fn resource_version(&mut self) -> String {
        self.rng.range(1_000, 99_999_999).to_string()
    }

    /// Seconds since 1970 somewhere in `days` days from `EPOCH + from_days`.
    fn time(&mut self, from_days: u64, days: u64) -> u64 {
        EPOCH + from_days * DAY + self.rng.below((days * DAY) as usize) as u64
    }
}

/// `2025-03-14T09:26:53Z` for `secs` since 1970 (Howard Hinnant's civil-from-days).
fn timestamp(secs: u64) -> String {
    let days = (secs / DAY) as i64;
    let rem = secs % DAY;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The key fields of the elements of the associative lists whose name is `field`, as the
/// server-side apply schema has them; other lists are atomic.
fn list_keys(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "containers" | "initContainers" | "env" | "volumes" => &["name"],
        "ports" => &["containerPort", "protocol"],
        "volumeMounts" => &["mountPath"],
        "conditions" => &["type"],
        "podIPs" | "hostIPs" => &["ip"],
        "ownerReferences" => &["uid"],
        _ => return None,
    })
}

/// The `fieldsV1` set of a map of fields, as server-side apply records it: `f:<field>` per field,
/// `k:{...}` per element of an associative list, `.` for a map or element owned as a whole.
fn fields(map: &Map<String, Value>, whole: bool) -> Value {
    let mut out = Map::new();
    if whole {
        out.insert(".".into(), json!({}));
    }
    for (key, value) in map {
        let set = match value {
            // Label selectors are atomic (`x-kubernetes-map-type: atomic`).
            Value::Object(_) if key.ends_with("Selector") && key != "nodeSelector" => json!({}),
            Value::Object(m) => fields(m, true),
            Value::Array(items) => match list_keys(key) {
                Some(keys) => {
                    let mut elements = Map::new();
                    for item in items.iter().filter_map(Value::as_object) {
                        let id: Map<String, Value> =
                            keys.iter().filter_map(|k| Some((k.to_string(), item.get(*k)?.clone()))).collect();
                        elements.insert(format!("k:{}", Value::Object(id)), fields(item, true));
                    }
                    Value::Object(elements)
                }
                _ => json!({}),
            },
            _ => json!({}),
        };
        out.insert(format!("f:{key}"), set);
    }
    Value::Object(out)
}

fn managed(manager: &str, operation: &str, time: u64, subresource: Option<&str>, fields: Value) -> Value {
    let mut entry = json!({
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": operation,
        "time": timestamp(time),
    });
    if let Some(s) = subresource {
        entry["subresource"] = json!(s);
    }
    entry
}

/// A `v1/Namespace` as a live cluster has it.
pub(crate) fn namespace(ns: &Namespace, seed: u64) -> Value {
    let mut d = Decor::new(seed, &["Namespace", &ns.name]);
    let created = if ns.purpose == Purpose::KubeSystem { EPOCH } else { d.time(0, 60) };
    let labels = namespace_labels(ns);
    let (manager, operation) =
        if ns.purpose == Purpose::KubeSystem { ("kube-apiserver", "Update") } else { ("kubectl-create", "Update") };
    let managed_labels = fields(&Map::from_iter([("labels".to_string(), labels.clone())]), false);
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "creationTimestamp": timestamp(created),
            "labels": labels,
            "managedFields": [managed(manager, operation, created, None, json!({"f:metadata": managed_labels}))],
            "name": ns.name,
            "resourceVersion": d.resource_version(),
            "uid": d.uid(),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// What a pod's one container runs with: arguments, environment, mounts, probes and resources.
struct ContainerSpec<'a> {
    pod: &'a Pod,
    namespace: &'a str,
}

impl ContainerSpec<'_> {
    fn args(&self) -> Vec<String> {
        let w = &self.pod.container;
        let v: Vec<String> = match self.pod.role {
            Role::Web => vec!["--listen=:8080".into(), "--metrics-listen=:9100".into(), "--log-format=json".into()],
            Role::Api => vec![
                "serve".into(),
                "--http-port=8080".into(),
                "--grpc-port=9090".into(),
                "--metrics-port=9100".into(),
                "--log-level=info".into(),
                format!("--config=/etc/{w}/config.yaml"),
            ],
            Role::Worker => vec![
                "work".into(),
                format!("--queue={}-{w}", self.namespace),
                "--concurrency=8".into(),
                "--health-port=8081".into(),
            ],
            Role::Database => vec!["-c".into(), "config_file=/etc/postgresql/postgresql.conf".into()],
            Role::Cache => {
                vec!["redis-server".into(), "/etc/redis/redis.conf".into(), "--protected-mode".into(), "no".into()]
            }
            Role::Prometheus => vec![
                "--config.file=/etc/prometheus/prometheus.yml".into(),
                "--storage.tsdb.path=/prometheus".into(),
                "--storage.tsdb.retention.time=15d".into(),
                "--web.enable-lifecycle".into(),
                "--web.route-prefix=/".into(),
            ],
            Role::Alertmanager => vec![
                "--config.file=/etc/alertmanager/alertmanager.yml".into(),
                "--storage.path=/alertmanager".into(),
                "--cluster.listen-address=[$(POD_IP)]:9094".into(),
            ],
            Role::Grafana => Vec::new(),
            Role::KubeStateMetrics => vec!["--port=8080".into(), "--telemetry-port=8081".into()],
            Role::NodeExporter => vec![
                "--path.procfs=/host/proc".into(),
                "--path.sysfs=/host/sys".into(),
                "--path.rootfs=/host/root".into(),
                "--web.listen-address=[$(HOST_IP)]:9100".into(),
            ],
            Role::CoreDns => vec!["-conf".into(), "/etc/coredns/Corefile".into()],
        };
        v
    }

    fn env(&self) -> Vec<Value> {
        let field = |name: &str, path: &str| json!({"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}});
        let value = |name: &str, value: &str| json!({"name": name, "value": value});
        let secret = |name: &str, secret: &str, key: &str| json!({"name": name, "valueFrom": {"secretKeyRef": {"key": key, "name": secret}}});
        let w = &self.pod.container;
        match self.pod.role {
            Role::Web | Role::Api | Role::Worker => {
                vec![value("LOG_LEVEL", "info"), value("OTEL_SERVICE_NAME", w), field("POD_IP", "status.podIP")]
            }
            Role::Database => vec![
                value("PGDATA", "/var/lib/postgresql/data/pgdata"),
                value("POSTGRES_DB", "app"),
                secret("POSTGRES_USER", "db-credentials", "username"),
                secret("POSTGRES_PASSWORD", "db-credentials", "password"),
                field("POD_IP", "status.podIP"),
            ],
            Role::Cache => vec![value("REDIS_PORT", "6379"), secret("REDIS_PASSWORD", "redis", "password")],
            Role::Alertmanager => vec![field("POD_IP", "status.podIP")],
            Role::NodeExporter => vec![field("HOST_IP", "status.hostIP")],
            Role::Grafana => vec![
                value("GF_SECURITY_ADMIN_USER", "admin"),
                secret("GF_SECURITY_ADMIN_PASSWORD", "grafana", "admin-password"),
                value("GF_PATHS_DATA", "/var/lib/grafana/"),
                value("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"),
            ],
            Role::Prometheus | Role::KubeStateMetrics | Role::CoreDns => Vec::new(),
        }
    }

    /// (volume name, mount path, read-only, volume source).
    fn volumes(&self, token: &str) -> Vec<(String, String, bool, Value)> {
        let w = &self.pod.container;
        let config = |name: &str, path: &str, map: &str| {
            (name.to_string(), path.to_string(), true, json!({"configMap": {"defaultMode": 420, "name": map}}))
        };
        let empty = |name: &str, path: &str| (name.to_string(), path.to_string(), false, json!({"emptyDir": {}}));
        let claim = |name: &str, path: &str| {
            let claim = format!("{name}-{}", self.pod.name);
            (name.to_string(), path.to_string(), false, json!({"persistentVolumeClaim": {"claimName": claim}}))
        };
        let host = |name: &str, path: &str, host: &str| {
            (name.to_string(), path.to_string(), true, json!({"hostPath": {"path": host, "type": ""}}))
        };
        let mut v = match self.pod.role {
            Role::Web | Role::Api | Role::Worker => {
                vec![config("config", &format!("/etc/{w}"), &format!("{w}-config"))]
            }
            Role::Database => vec![
                claim("data", "/var/lib/postgresql/data"),
                config("config", "/etc/postgresql", "postgresql-config"),
                (
                    "dshm".into(),
                    "/dev/shm".into(),
                    false,
                    json!({"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}),
                ),
            ],
            Role::Cache => vec![claim("data", "/data"), config("config", "/etc/redis", "redis-config")],
            Role::Prometheus => {
                vec![config("config", "/etc/prometheus", "prometheus-config"), claim("prometheus-db", "/prometheus")]
            }
            Role::Alertmanager => {
                vec![config("config", "/etc/alertmanager", "alertmanager-config"), claim("storage", "/alertmanager")]
            }
            Role::Grafana => vec![
                config("provisioning", "/etc/grafana/provisioning", "grafana-provisioning"),
                empty("storage", "/var/lib/grafana"),
            ],
            Role::KubeStateMetrics => Vec::new(),
            Role::NodeExporter => vec![
                host("proc", "/host/proc", "/proc"),
                host("sys", "/host/sys", "/sys"),
                host("root", "/host/root", "/"),
            ],
            Role::CoreDns => vec![(
                "config-volume".into(),
                "/etc/coredns".into(),
                true,
                json!({"configMap": {"defaultMode": 420, "items": [{"key": "Corefile", "path": "Corefile"}], "name": "coredns"}}),
            )],
        };
        let token_source = json!({"projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}},
        ]}});
        v.push((token.to_string(), SERVICE_ACCOUNT_MOUNT.to_string(), true, token_source));
        v
    }

    /// The liveness probe (the teams' own services have none) and the readiness probe.
    fn probes(&self) -> (Option<Value>, Value) {
        let timing = |mut probe: Value, delay: u32, period: u32| {
            probe["failureThreshold"] = json!(3);
            probe["initialDelaySeconds"] = json!(delay);
            probe["periodSeconds"] = json!(period);
            probe["successThreshold"] = json!(1);
            probe["timeoutSeconds"] = json!(1);
            probe
        };
        let http = |path: &str, port: &str| json!({"httpGet": {"path": path, "port": port, "scheme": "HTTP"}});
        let (live, ready) = match self.pod.role {
            Role::Web | Role::Api => (http("/healthz", "http"), http("/readyz", "http")),
            Role::Worker => (http("/healthz", "health"), http("/readyz", "health")),
            Role::Database => {
                let exec = json!({"exec": {"command": ["/bin/sh", "-c", "exec pg_isready -U \"postgres\" -h 127.0.0.1 -p 5432"]}});
                (exec.clone(), exec)
            }
            Role::Cache => {
                (json!({"tcpSocket": {"port": "redis"}}), json!({"exec": {"command": ["redis-cli", "ping"]}}))
            }
            Role::Prometheus => (http("/-/healthy", "web"), http("/-/ready", "web")),
            Role::Alertmanager => (http("/-/healthy", "web"), http("/-/ready", "web")),
            Role::Grafana => (http("/api/health", "http"), http("/api/health", "http")),
            Role::KubeStateMetrics => (http("/livez", "http-metrics"), http("/readyz", "telemetry")),
            Role::NodeExporter => (http("/", "metrics"), http("/", "metrics")),
            Role::CoreDns => (
                json!({"httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"}}),
                json!({"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}}),
            ),
        };
        let own = matches!(self.pod.role, Role::Web | Role::Api | Role::Worker);
        ((!own).then(|| timing(live, 10, 10)), timing(ready, 5, 10))
    }

    fn resources(&self) -> Value {
        match self.pod.role {
            Role::Database | Role::Prometheus => {
                json!({"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "500m", "memory": "2Gi"}})
            }
            Role::CoreDns => json!({"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}}),
            Role::NodeExporter => {
                json!({"limits": {"cpu": "250m", "memory": "180Mi"}, "requests": {"cpu": "102m", "memory": "180Mi"}})
            }
            _ => json!({"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}}),
        }
    }

    fn security_context(&self) -> Value {
        match self.pod.role {
            Role::CoreDns => json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                "readOnlyRootFilesystem": true,
            }),
            Role::Database | Role::Cache => json!({
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "runAsUser": 999,
            }),
            _ => json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true}),
        }
    }
}

/// The pod's controller (`kind`, `name`): the ReplicaSet `<deployment>-<pod-template-hash>`
/// (the pod's name without its suffix), the StatefulSet or the DaemonSet.
fn owner(pod: &Pod) -> (&'static str, String) {
    match pod.role.controller() {
        Controller::Deployment => {
            let rs = pod.name.rsplit_once('-').map_or(pod.name.as_str(), |(rs, _)| rs);
            ("ReplicaSet", rs.to_string())
        }
        Controller::StatefulSet => ("StatefulSet", pod.container.clone()),
        Controller::DaemonSet => ("DaemonSet", pod.container.clone()),
    }
}

/// A running `v1/Pod` as a live cluster has it: see the module documentation.
pub(crate) fn pod(pod: &Pod, namespace: &str, seed: u64) -> Value {
    let mut d = Decor::new(seed, &["Pod", namespace, &pod.name]);
    let (owner_kind, owner_name) = owner(pod);
    let owner_uid = Decor::new(seed, &[owner_kind, namespace, &owner_name]).uid();
    let created = d.time(90, 20);
    let started = created + 1 + d.rng.below(4) as u64;
    let ready = started + 3 + d.rng.below(20) as u64;
    let token = format!("kube-api-access-{}", d.name_part(5));
    let work = ContainerSpec { pod, namespace };
    let volumes = work.volumes(&token);
    let mounts: Vec<Value> = volumes
        .iter()
        .map(|(name, path, read_only, _)| {
            let mut m = json!({"mountPath": path, "name": name});
            if *read_only {
                m["readOnly"] = json!(true);
            }
            m
        })
        .collect();
    let (liveness, readiness) = work.probes();
    let mut container = json!({
        "image": pod.image,
        "imagePullPolicy": "IfNotPresent",
        "name": pod.container,
        "ports": container_ports(pod),
        "readinessProbe": readiness,
        "resources": work.resources(),
        "securityContext": work.security_context(),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": mounts,
    });
    if let Some(probe) = liveness {
        container["livenessProbe"] = probe;
    }
    let args = work.args();
    if !args.is_empty() {
        container["args"] = json!(args);
    }
    let env = work.env();
    if !env.is_empty() {
        container["env"] = Value::Array(env);
    }
    let service_account = match pod.role {
        Role::Web | Role::Api | Role::Worker | Role::Database | Role::Cache => "default".to_string(),
        _ => pod.container.clone(),
    };
    let system = pod.role == Role::CoreDns;
    let mut tolerations = vec![
        json!({"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300}),
        json!({"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}),
    ];
    if system {
        tolerations.insert(0, json!({"key": "CriticalAddonsOnly", "operator": "Exists"}));
        tolerations.insert(1, json!({"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}));
    }
    let mut spec = json!({
        "containers": [container],
        "dnsPolicy": if system { "Default" } else { "ClusterFirst" },
        "enableServiceLinks": true,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 2000},
        "serviceAccount": service_account,
        "serviceAccountName": service_account,
        "terminationGracePeriodSeconds": 30,
        "tolerations": tolerations,
        "volumes": volumes.iter().map(|(name, _, _, source)| {
            let mut v = source.clone();
            v["name"] = json!(name);
            v
        }).collect::<Vec<_>>(),
    });
    if owner_kind == "StatefulSet" {
        spec["hostname"] = json!(pod.name);
        spec["subdomain"] = json!(format!("{}-headless", pod.container));
    }
    if system {
        spec["priorityClassName"] = json!("system-cluster-critical");
    }
    // What the controller wrote; the scheduler, admission and kubelet add the rest.
    let written = spec.clone();
    spec["nodeName"] = json!(node_name(pod.node));
    spec["preemptionPolicy"] = json!("PreemptLowerPriority");
    spec["priority"] = json!(if system { 2_000_000_000 } else { 0 });

    let conditions: Vec<Value> =
        [("PodReadyToStartContainers", started), ("Initialized", created + 1), ("Ready", ready), ("ContainersReady", ready), ("PodScheduled", created)]
            .iter()
            .map(|&(kind, at)| {
                json!({"lastProbeTime": null, "lastTransitionTime": timestamp(at), "status": "True", "type": kind})
            })
            .collect();
    let image = if pod.image.contains('/') && pod.image.split('/').next().is_some_and(|h| h.contains('.')) {
        pod.image.clone()
    } else {
        format!("docker.io/library/{}", pod.image)
    };
    let repository = image.rsplit_once(':').map_or(image.as_str(), |(r, _)| r).to_string();
    let container_status = json!({
        "containerID": format!("containerd://{}", d.hex(64)),
        "image": image,
        "imageID": format!("{repository}@sha256:{}", d.hex(64)),
        "lastState": {},
        "name": pod.container,
        "ready": true,
        "restartCount": 0,
        "started": true,
        "state": {"running": {"startedAt": timestamp(started + 1)}},
    });
    let host = ip(host_ip(pod.node));
    let status = json!({
        "conditions": conditions,
        "containerStatuses": [container_status],
        "hostIP": host,
        "hostIPs": [{"ip": host}],
        "phase": "Running",
        "podIP": ip(pod.ip),
        "podIPs": [{"ip": ip(pod.ip)}],
        "qosClass": "Burstable",
        "startTime": timestamp(started),
    });

    let owner_reference = json!({
        "apiVersion": "apps/v1",
        "blockOwnerDeletion": true,
        "controller": true,
        "kind": owner_kind,
        "name": owner_name,
        "uid": owner_uid,
    });
    let labels = labels_map(&pod.labels);
    let generate_name = match owner_kind {
        "StatefulSet" => format!("{}-", pod.container),
        _ => format!("{owner_name}-"),
    };
    let controller_fields = json!({
        "f:metadata": fields(
            &Map::from_iter([
                ("generateName".to_string(), json!(generate_name)),
                ("labels".to_string(), labels.clone()),
                ("ownerReferences".to_string(), json!([owner_reference.clone()])),
            ]),
            false,
        ),
        "f:spec": fields(written.as_object().expect("a map"), false),
    });
    let kubelet_fields = json!({"f:status": fields(status.as_object().expect("a map"), false)});
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": timestamp(created),
            "generateName": generate_name,
            "labels": labels,
            "managedFields": [
                managed("kube-controller-manager", "Update", created, None, controller_fields),
                managed("kubelet", "Update", ready, Some("status"), kubelet_fields),
            ],
            "name": pod.name,
            "namespace": namespace,
            "ownerReferences": [owner_reference],
            "resourceVersion": d.resource_version(),
            "uid": d.uid(),
        },
        "spec": spec,
        "status": status,
    })
}

/// A `networking.k8s.io/v1/NetworkPolicy` as a live cluster has it after `kubectl apply`.
pub(crate) fn policy(policy: &Policy, namespace: &str, seed: u64) -> Value {
    let mut d = Decor::new(seed, &["NetworkPolicy", namespace, &policy.name]);
    let created = d.time(80, 10);
    let applied = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"annotations": {}, "name": policy.name, "namespace": namespace},
        "spec": policy_spec(policy, false),
    });
    let annotations = json!({"kubectl.kubernetes.io/last-applied-configuration": format!("{applied}\n")});
    let spec = policy_spec(policy, true);
    let applied_fields = json!({
        "f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}},
        "f:spec": fields(spec.as_object().expect("a map"), false),
    });
    let mut entry = managed("kubectl-client-side-apply", "Update", created, None, applied_fields);
    entry["apiVersion"] = json!("networking.k8s.io/v1");
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": timestamp(created),
            "generation": 1,
            "managedFields": [entry],
            "name": policy.name,
            "namespace": namespace,
            "resourceVersion": d.resource_version(),
            "uid": d.uid(),
        },
        "spec": spec,
    })
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_are_civil_dates() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(timestamp(1_709_208_000 + 3_723), "2024-02-29T13:02:03Z");
    }
}
