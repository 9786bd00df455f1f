//! `netpol reach`: the statement and table of the bundled example, Markdown, JSON, workload and
//! address endpoints, and bad endpoints (exit 2).

mod common;

use serde_json::Value;

use common::{example, netpol, stderr, stdout};

#[test]
fn who_reaches_postgres() {
    let out = netpol(&["reach", &example(), "--to", "shop/postgres-0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
shop/postgres-0 (statefulset/postgres) is reachable only from monitoring/statefulset/prometheus (1 pod) on 9090,9100-9199/TCP and shop/deployment/api (2 pods) on 5432/TCP. It is not reachable from outside the cluster.

PEER                    NAMESPACE   PODS  PORTS               GRANTED BY
statefulset/prometheus  monitoring  1     9090,9100-9199/TCP  shop/allow-monitoring spec.ingress[0]; egress not isolated
deployment/api          shop        2     5432/TCP            shop/postgres-from-api spec.ingress[0]; shop/api-to-postgres spec.egress[0]
"
    );
}

/// `--port` keeps the peers that have the port, with that port alone and its grants.
#[test]
fn who_reaches_postgres_on_one_port() {
    let out = netpol(&["reach", &example(), "--to", "shop/postgres-0", "--port", "5432"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let row = |text: &str, peer: &str| {
        text.lines().find(|l| l.starts_with(peer)).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    assert!(text.starts_with("On 5432/TCP only.\n"), "{text}");
    assert_eq!(
        row(&text, "deployment/api").unwrap(),
        "deployment/api shop 2 5432/TCP shop/postgres-from-api spec.ingress[0]; shop/api-to-postgres spec.egress[0]"
    );
    assert!(!text.contains("prometheus"), "prometheus reaches 9090 and 9100-9199 only: {text}");
    let text = stdout(&netpol(&["reach", &example(), "--to", "shop/postgres-0", "--port", "9100"]));
    assert_eq!(
        row(&text, "statefulset/prometheus").unwrap(),
        "statefulset/prometheus monitoring 1 9100/TCP shop/allow-monitoring spec.ingress[0]; egress not isolated"
    );
    assert!(!text.contains("deployment/api"), "{text}");
    let json: Value = serde_json::from_str(&stdout(&netpol(&[
        "reach",
        &example(),
        "--to",
        "shop/postgres-0",
        "--port",
        "5432",
        "--protocol",
        "udp",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["parts"][0]["peers"].as_array().unwrap().len(), 0, "{json}");
    assert_eq!(json["only_port"], "5432/UDP");
    assert_eq!(
        netpol(&["reach", &example(), "--to", "shop/postgres-0", "--port", "5432", "--protocol", "x"]).status.code(),
        Some(2)
    );
}

#[test]
fn what_an_api_pod_reaches() {
    let out = stdout(&netpol(&["reach", &example(), "--from", "shop/api-7f6d5c8b9-4kx8m"]));
    assert!(
        out.starts_with(
            "shop/api-7f6d5c8b9-4kx8m (deployment/api) may reach only kube-system/deployment/coredns (2 pods) on \
         53/TCP+UDP and shop/statefulset/postgres (1 pod) on 5432/TCP. Outside the cluster it may reach \
         203.0.113.0/25 on 443/TCP.\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("\n203.0.113.0/25        (outside)    -     443/TCP     shop/api-to-payments spec.egress[0]\n"),
        "{out}"
    );
}

#[test]
fn markdown_and_json() {
    let md = stdout(&netpol(&["reach", &example(), "--to", "shop/postgres-0", "-o", "markdown"]));
    assert!(
        md.starts_with(
            "## Who can reach `shop/postgres-0`\n\nshop/postgres-0 (statefulset/postgres) is reachable only from"
        ),
        "{md}"
    );
    assert!(md.contains("| Peer | Namespace | Pods | Ports | Granted by |\n| --- | --- | --- | --- | --- |\n"), "{md}");
    assert!(md.contains("| deployment/api | shop | 2 | 5432/TCP | shop/postgres-from-api spec.ingress[0]; shop/api-to-postgres spec.egress[0] |\n"), "{md}");

    let json: Value =
        serde_json::from_str(&stdout(&netpol(&["reach", &example(), "--from", "shop/deployment/api", "-o", "json"])))
            .unwrap();
    assert_eq!(json["direction"], "from");
    assert_eq!(json["subject"]["kind"], "workload");
    assert_eq!(json["subject"]["pods"].as_array().unwrap().len(), 2);
    let part = &json["parts"][0];
    assert_eq!(part["isolated_by"][0], "shop/allow-dns");
    let postgres =
        part["peers"].as_array().unwrap().iter().find(|p| p["group"] == "shop/statefulset/postgres").unwrap();
    assert_eq!(postgres["label"], "5432/TCP");
    assert_eq!(postgres["ports"]["TCP"][0], "5432");
    assert_eq!(postgres["grants"][0]["egress"]["rules"][0]["policy"], "shop/api-to-postgres");
    assert_eq!(postgres["grants"][0]["ingress"]["access"], "rules");
    assert_eq!(part["external"][0]["cidrs"][0], "203.0.113.0/25");
    assert_eq!(part["external"][0]["grants"][0]["ingress"]["access"], "not-checked");
    assert!(json["statement"].as_str().unwrap().starts_with("shop/deployment/api (2 pods) may reach only"));
}

#[test]
fn workloads_and_addresses() {
    let out = stdout(&netpol(&["reach", &example(), "--to", "kube-system/deployment/coredns"]));
    // Its own pods reach each other.
    assert!(out.contains("is reachable only from kube-system/deployment/coredns (2 pods) on 53/TCP+UDP;"), "{out}");
    let out = stdout(&netpol(&["reach", &example(), "--from", "203.0.113.9"]));
    assert!(out.starts_with("203.0.113.9 (an address outside the cluster's pods) may reach only shop/deployment/frontend (2 pods) on 8080/TCP, granted by shop/frontend-from-internet spec.ingress[0].\n"), "{out}");
    let out = stdout(&netpol(&["reach", &example(), "--from", "monitoring/prometheus-0"]));
    assert!(out.contains("every pod of namespace shop (5 pods) on 9090,9100-9199/TCP"), "{out}");
    assert!(out.contains("\nNot isolated: no policy selects monitoring/prometheus-0 for Egress"), "{out}");
}

#[test]
fn bad_endpoints_exit_2() {
    let out = netpol(&["reach", &example(), "--to", "shop/api"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--to \"shop/api\": no such pod, workload or address"), "{}", stderr(&out));
    assert!(stderr(&out).contains("did you mean shop/deployment/api?"), "{}", stderr(&out));
    let out = netpol(&["reach", &example(), "--from", "shop"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a namespace is not an endpoint"), "{}", stderr(&out));
    assert_eq!(netpol(&["reach", &example()]).status.code(), Some(2));
    assert_eq!(
        netpol(&["reach", &example(), "--to", "shop/postgres-0", "--from", "shop/postgres-0"]).status.code(),
        Some(2)
    );
    assert_eq!(netpol(&["reach", "/nonexistent.yaml", "--to", "a/b"]).status.code(), Some(2));
}
