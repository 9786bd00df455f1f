//! `netpol::audit`: a positive and a negative case per check on small inline clusters, the
//! coverage table, and the exact findings on both bundled examples.

use std::collections::BTreeMap;
use std::path::Path;

use netpol::audit::{audit, AuditOptions, AuditReport, DnsSelector, Finding, Severity, CHECKS};
use netpol::spec::{LabelSelector, Labels};
use netpol::{Cluster, Compiler};

fn ns(name: &str, labels: &str) -> String {
    format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n")
}

fn pod(namespace: &str, name: &str, labels: &str, ip: &str, ports: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {{{labels}}}}}\n\
         spec: {{containers: [{{name: c, image: x, ports: [{ports}]}}]}}\nstatus: {{phase: Running, podIP: {ip}}}\n"
    )
}

fn np(namespace: &str, name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         spec: {spec}\n"
    )
}

const DNS_PORTS: &str =
    "{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53, protocol: TCP}";
const DNS_EGRESS: &str = "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: \
     {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: \
     UDP, port: 53}, {protocol: TCP, port: 53}]}]}";

/// A cluster with nothing to report: CoreDNS isolated for ingress and open on 53 to every
/// namespace; `a` (web, db) and `b` (client) isolated both ways with DNS egress; b/client may
/// call a/web on its named port, a/web may call a/db.
fn clean() -> Vec<String> {
    vec![
        ns("kube-system", ""),
        ns("a", "team: a"),
        ns("b", "team: b"),
        pod("kube-system", "coredns-1", "k8s-app: kube-dns", "10.0.0.2", DNS_PORTS),
        pod("kube-system", "coredns-2", "k8s-app: kube-dns", "10.0.0.3", DNS_PORTS),
        pod("a", "web-1", "app: web", "10.0.1.1", "{name: http, containerPort: 8080}"),
        pod("a", "db-1", "app: db", "10.0.1.2", "{name: pg, containerPort: 5432}"),
        pod("b", "client-1", "app: client", "10.0.2.1", ""),
        np("kube-system", "deny", "{podSelector: {}, policyTypes: [Ingress]}"),
        np(
            "kube-system",
            "dns",
            "{podSelector: {matchLabels: {k8s-app: kube-dns}}, ingress: [{from: [{namespaceSelector: {}}], ports: \
             [{port: dns, protocol: UDP}, {port: dns-tcp, protocol: TCP}]}]}",
        ),
        np("a", "deny", "{podSelector: {}, policyTypes: [Ingress, Egress]}"),
        np("a", "dns", DNS_EGRESS),
        np(
            "a",
            "web-to-db",
            "{podSelector: {matchLabels: {app: web}}, egress: [{to: [{podSelector: {matchLabels: {app: db}}}], \
             ports: [{port: 5432}]}]}",
        ),
        np(
            "a",
            "db-from-web",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], \
             ports: [{port: pg}]}]}",
        ),
        np(
            "a",
            "web-from-b",
            "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}], \
             ports: [{port: http}]}]}",
        ),
        np("b", "deny", "{podSelector: {}, policyTypes: [Ingress, Egress]}"),
        np("b", "dns", DNS_EGRESS),
        np(
            "b",
            "client-to-web",
            "{podSelector: {matchLabels: {app: client}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: \
             {matchLabels: {team: a}}, podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}]}",
        ),
    ]
}

fn run_with(docs: &[String], options: &AuditOptions) -> AuditReport {
    let cluster = Cluster::from_yaml_str(&docs.concat()).unwrap_or_else(|e| panic!("{e}"));
    audit(&Compiler::new().compile(&cluster), options)
}

fn run(docs: &[String]) -> AuditReport {
    run_with(docs, &AuditOptions::default())
}

/// `clean()` with `extra` documents added.
fn clean_plus(extra: &[String]) -> AuditReport {
    let mut docs = clean();
    docs.extend_from_slice(extra);
    run(&docs)
}

/// `clean()` without the documents containing any of `drop`, plus `extra`.
fn clean_edit(drop: &[&str], extra: &[String]) -> AuditReport {
    let mut docs: Vec<String> = clean().into_iter().filter(|d| !drop.iter().any(|x| d.contains(x))).collect();
    docs.extend_from_slice(extra);
    run(&docs)
}

fn ids(report: &AuditReport) -> Vec<&'static str> {
    let mut ids = report.ids();
    ids.sort_unstable();
    ids
}

fn only<'r>(report: &'r AuditReport, id: &str) -> &'r Finding {
    let found: Vec<&Finding> = report.findings.iter().filter(|f| f.id == id).collect();
    assert_eq!(found.len(), 1, "one {id} expected in {report:#?}");
    found[0]
}

fn paths(f: &Finding) -> Vec<String> {
    f.paths.iter().map(|l| format!("{} {}", l.object, l.path)).collect()
}

#[test]
fn clean_cluster_has_no_findings_and_full_coverage() {
    let report = run(&clean());
    assert!(report.findings.is_empty(), "{report:#?}");
    let coverage: Vec<(&str, usize, usize, usize)> =
        report.coverage.iter().map(|c| (c.namespace.as_str(), c.pods, c.ingress_isolated, c.egress_isolated)).collect();
    assert_eq!(coverage, [("a", 2, 2, 2), ("b", 1, 1, 1), ("kube-system", 2, 2, 0)]);
}

#[test]
fn every_check_has_a_unique_id_and_slug() {
    let mut ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
    let mut slugs: Vec<&str> = CHECKS.iter().map(|c| c.slug).collect();
    ids.dedup();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(ids.len(), CHECKS.len());
    assert_eq!(slugs.len(), CHECKS.len());
}

// NP101, NP102, NP103: isolation.

#[test]
fn np101_np102_namespace_without_policies_lists_its_pods() {
    let report = clean_plus(&[
        ns("c", ""),
        pod("c", "x-1", "app: x", "10.0.3.1", ""),
        pod("c", "x-2", "app: x", "10.0.3.2", ""),
    ]);
    assert_eq!(ids(&report), ["NP101", "NP102"]);
    let f = only(&report, "NP101");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.objects, ["Namespace c", "Pod c/x-1", "Pod c/x-2"]);
    assert!(f.why.contains("2 of 2 pods not isolated for ingress (c has no policy of type Ingress)"), "{}", f.why);
    assert!(f.fix.contains("`podSelector: {}`, `policyTypes: [Ingress]`"), "{}", f.fix);
}

#[test]
fn np101_lists_only_the_pods_no_policy_selects() {
    let report = clean_plus(&[
        ns("c", ""),
        pod("c", "x-1", "app: x", "10.0.3.1", ""),
        pod("c", "y-1", "app: y", "10.0.3.2", ""),
        np("c", "x", "{podSelector: {matchLabels: {app: x}}, policyTypes: [Ingress, Egress]}"),
    ]);
    assert_eq!(ids(&report), ["NP101", "NP102", "NP301"]);
    assert_eq!(only(&report, "NP101").objects, ["Namespace c", "Pod c/y-1"]);
    assert!(only(&report, "NP101").why.contains("no policy of type Ingress selects them"));
}

#[test]
fn np101_not_for_namespaces_without_pods_nor_when_every_pod_is_isolated() {
    // An empty namespace, and one whose pods are each isolated by their own policy.
    let report = clean_plus(&[
        ns("empty", ""),
        ns("c", ""),
        pod("c", "x-1", "app: x", "10.0.3.1", ""),
        np("c", "x", "{podSelector: {matchLabels: {app: x}}, policyTypes: [Ingress]}"),
        np(
            "c",
            "x-egress",
            "{podSelector: {matchLabels: {app: x}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}]}]}",
        ),
    ]);
    assert!(report.findings.is_empty(), "{report:#?}");
    assert!(report.coverage.iter().any(|c| c.namespace == "empty" && c.pods == 0));
}

#[test]
fn np102_namespace_isolated_for_ingress_only() {
    let report = clean_plus(&[
        ns("c", ""),
        pod("c", "x-1", "app: x", "10.0.3.1", ""),
        np("c", "deny", "{podSelector: {}, policyTypes: [Ingress]}"),
    ]);
    assert_eq!(ids(&report), ["NP102"]);
    assert!(only(&report, "NP102").fix.contains("DNS first"));
}

#[test]
fn np103_system_namespace_without_ingress_policy() {
    let report = clean_edit(&["namespace: kube-system}\nspec"], &[]);
    assert_eq!(ids(&report), ["NP103"]);
    let f = only(&report, "NP103");
    assert_eq!(f.objects, ["Namespace kube-system", "Pod kube-system/coredns-1", "Pod kube-system/coredns-2"]);
    assert!(f.why.starts_with("system namespace kube-system: 2 of 2 pods not isolated for ingress"), "{}", f.why);
}

#[test]
fn np103_is_np101_when_the_namespace_is_not_a_system_one() {
    let mut docs = clean();
    docs.retain(|d| !d.contains("namespace: kube-system}\nspec"));
    let mut options = AuditOptions::default();
    options.system_namespaces = vec!["kube-public".into()];
    let report = run_with(&docs, &options);
    // kube-system is now held to both directions: no ingress and no egress isolation.
    assert_eq!(ids(&report), ["NP101", "NP102"]);
}

#[test]
fn np103_not_for_system_namespace_without_egress_isolation() {
    // The clean cluster's kube-system is isolated for ingress only: nothing to report.
    assert!(run(&clean()).findings.iter().all(|f| !f.objects.iter().any(|o| o.contains("kube-system"))));
}

// NP201: reachable from every namespace.

/// Namespaces x and y, not egress-isolated; x/api isolated for ingress with `rule`.
fn two_namespaces(rule: &str) -> Vec<String> {
    vec![
        ns("x", "team: x"),
        ns("y", "team: y"),
        pod("x", "api-1", "app: api", "10.1.0.1", "{name: https, containerPort: 443}"),
        pod("x", "worker-1", "app: worker", "10.1.0.2", ""),
        pod("y", "client-1", "app: client", "10.1.1.1", ""),
        np("x", "api", &format!("{{podSelector: {{matchLabels: {{app: api}}}}, ingress: [{rule}]}}")),
    ]
}

fn np201(report: &AuditReport) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.id == "NP201").collect()
}

#[test]
fn np201_pod_open_to_every_namespace() {
    let report = run(&two_namespaces("{from: [{namespaceSelector: {}}], ports: [{port: 443}]}"));
    let f = only(&report, "NP201");
    assert_eq!(f.objects, ["Pod x/api-1", "NetworkPolicy x/api"]);
    assert!(f.why.ends_with("may be reached from every namespace (2 with pods) on 443/TCP"), "{}", f.why);
    assert_eq!(paths(f), ["NetworkPolicy x/api spec.ingress[0].from[0]"]);
}

#[test]
fn np201_not_when_a_namespace_cannot_reach_or_reaches_other_ports() {
    let own = run(&two_namespaces("{from: [{namespaceSelector: {matchLabels: {team: x}}}], ports: [{port: 443}]}"));
    assert!(np201(&own).is_empty(), "{own:#?}");
    // x reaches 443 only, y reaches 80 only: no port every namespace reaches.
    let split = run(&two_namespaces(
        "{from: [{podSelector: {}}], ports: [{port: 443}]}, {from: [{namespaceSelector: {matchLabels: {team: y}}}], \
         ports: [{port: 80}]}",
    ));
    assert!(np201(&split).is_empty(), "{split:#?}");
}

#[test]
fn np201_not_with_a_single_namespace_nor_for_dns_ports() {
    let mut docs = two_namespaces("{from: [{namespaceSelector: {}}]}");
    docs.retain(|d| !d.contains("client-1"));
    assert!(np201(&run(&docs)).is_empty());
    // CoreDNS reached from every namespace on 53 only: expected, not reported.
    let mut docs = two_namespaces("{from: [{podSelector: {}}]}");
    docs.extend([
        ns("kube-system", ""),
        pod("kube-system", "coredns-1", "k8s-app: kube-dns", "10.0.0.2", DNS_PORTS),
        pod("kube-system", "coredns-2", "k8s-app: kube-dns", "10.0.0.3", DNS_PORTS),
    ]);
    let dns = |ports: &str| {
        np(
            "kube-system",
            "dns",
            &format!("{{podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}, ingress: [{{from: [{{namespaceSelector: {{}}}}], ports: [{ports}]}}]}}"),
        )
    };
    let mut only_dns = docs.clone();
    only_dns.push(dns("{port: 53, protocol: UDP}, {port: 53, protocol: TCP}"));
    assert!(np201(&run(&only_dns)).is_empty());
    // The same pods open on 9153 too: reported, on 9153 only.
    docs.push(dns("{port: 53, protocol: UDP}, {port: 53, protocol: TCP}, {port: 9153}"));
    let report = run(&docs);
    let f = only(&report, "NP201");
    assert!(f.why.ends_with("on 9153/TCP"), "{}", f.why);
    assert_eq!(f.objects[..2], ["Pod kube-system/coredns-1", "Pod kube-system/coredns-2"]);
}

#[test]
fn np201_dns_exemption_is_per_pod_even_when_no_policy_tells_dns_pods_apart() {
    // No policy names k8s-app: CoreDNS and metrics-server are one identity, yet only CoreDNS is
    // exempt on 53.
    let mut docs = two_namespaces("{from: [{podSelector: {}}]}");
    docs.extend([
        ns("kube-system", ""),
        pod("kube-system", "coredns-1", "k8s-app: kube-dns", "10.0.0.2", DNS_PORTS),
        pod("kube-system", "metrics-server-1", "k8s-app: metrics-server", "10.0.0.4", ""),
        np(
            "kube-system",
            "dns",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}",
        ),
    ]);
    let report = run(&docs);
    let f = only(&report, "NP201");
    assert_eq!(f.objects, ["Pod kube-system/metrics-server-1", "NetworkPolicy kube-system/dns"]);
    assert!(f.why.ends_with("on 53/TCP+UDP"), "{}", f.why);
}

// NP202, NP203: reachable from every address / every public address.

fn ingress_from(block: &str) -> AuditReport {
    clean_plus(&[np(
        "a",
        "web-public",
        &format!("{{podSelector: {{matchLabels: {{app: web}}}}, ingress: [{{from: [{{ipBlock: {block}}}], ports: [{{port: 443}}]}}]}}"),
    )])
}

#[test]
fn np202_ingress_from_0_0_0_0_slash_0() {
    let report = ingress_from("{cidr: 0.0.0.0/0}");
    let f = only(&report, "NP202");
    assert!(f.why.contains("every IPv4 address (0.0.0.0/0) on 443/TCP"), "{}", f.why);
    assert_eq!(paths(f), ["NetworkPolicy a/web-public spec.ingress[0].from[0]"]);
    assert!(!report.ids().contains(&"NP203"));
    assert!(report.ids().contains(&"NP406"), "0.0.0.0/0 holds every pod IP");
}

#[test]
fn np202_two_halves_and_ipv6() {
    // A dual-stack web pod: an IPv4-only one has no IPv6 connections at all (S9a).
    let dual = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: a, labels: {app: web}}\n\
                spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}\n\
                status: {phase: Running, podIP: 10.0.1.1, podIPs: [{ip: 10.0.1.1}, {ip: 'fd00:1::1'}]}\n";
    let report = clean_edit(&["name: web-1,"], &[dual.to_string(), np(
        "a",
        "web-public",
        "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/1}}, {ipBlock: {cidr: \
         128.0.0.0/1}}, {ipBlock: {cidr: '::/0'}}], ports: [{port: 443}]}]}",
    )]);
    let f = only(&report, "NP202");
    assert!(f.why.contains("every IPv4 address (0.0.0.0/0) on 443/TCP and every IPv6 address (::/0) on 443/TCP"));
    assert_eq!(f.paths.len(), 3);
}

#[test]
fn np202_an_ipv4_only_pod_is_not_reachable_over_ipv6() {
    let report = clean_plus(&[np(
        "a",
        "web-public",
        "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: \
         '::/0'}}], ports: [{port: 443}]}]}",
    )]);
    let f = only(&report, "NP202");
    assert!(f.why.contains("every IPv4 address (0.0.0.0/0) on 443/TCP"), "{}", f.why);
    assert!(!f.why.contains("::/0"), "{}", f.why);
}

#[test]
fn np203_internet_facing_with_private_ranges_excepted() {
    let report = ingress_from("{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}");
    assert_eq!(ids(&report), ["NP203"]);
    let f = only(&report, "NP203");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.why.contains("every public IPv4 address on 443/TCP"), "{}", f.why);
}

#[test]
fn np202_np203_not_for_a_partner_range_nor_for_unisolated_pods() {
    assert!(ingress_from("{cidr: 203.0.113.0/24}").findings.is_empty());
    // A pod that is not isolated is open to everything: NP101 says so, not NP202.
    let report = clean_plus(&[ns("c", ""), pod("c", "x-1", "app: x", "10.0.3.1", "")]);
    assert!(!report.ids().iter().any(|id| id.starts_with("NP20")), "{report:#?}");
}

// NP204: internet egress.

fn egress_to(peers: &str, ports: &str) -> AuditReport {
    clean_plus(&[np(
        "a",
        "web-out",
        &format!(
            "{{podSelector: {{matchLabels: {{app: web}}}}, policyTypes: [Egress], egress: [{{to: [{peers}]{ports}}}]}}"
        ),
    )])
}

#[test]
fn np204_egress_to_every_public_address() {
    let report = egress_to("{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}", "");
    let f = only(&report, "NP204");
    assert!(f.why.contains("may open connections to every public IPv4 address on any port"), "{}", f.why);
    assert_eq!(f.objects, ["Pod a/web-1", "NetworkPolicy a/web-out"]);
    let on_443 = egress_to("{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}", ", ports: [{port: 443}]");
    assert!(only(&on_443, "NP204").why.contains("on 443/TCP"));
}

#[test]
fn np204_not_for_a_partner_range_or_half_the_internet() {
    assert!(egress_to("{ipBlock: {cidr: 203.0.113.0/24}}", "").findings.is_empty());
    assert!(egress_to("{ipBlock: {cidr: 128.0.0.0/1}}", "").findings.is_empty());
}

// NP301, NP302, NP303: DNS.

#[test]
fn np301_egress_isolated_without_dns() {
    let report = clean_edit(&["namespace: b}\nspec: {podSelector: {}, policyTypes: [Egress]"], &[]);
    assert_eq!(ids(&report), ["NP301"]);
    let f = only(&report, "NP301");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.objects, ["Namespace b", "Pod b/client-1", "NetworkPolicy b/client-to-web", "NetworkPolicy b/deny"]);
    assert!(f.why.contains("on 53/UDP and 53/TCP: name lookups fail"), "{}", f.why);
    assert!(f.fix.contains("{protocol: UDP, port: 53}, {protocol: TCP, port: 53}"), "{}", f.fix);
}

#[test]
fn np302_dns_on_udp_only() {
    let udp_only = DNS_EGRESS.replace(", {protocol: TCP, port: 53}", "");
    let report =
        clean_edit(&["namespace: b}\nspec: {podSelector: {}, policyTypes: [Egress]"], &[np("b", "dns", &udp_only)]);
    assert_eq!(ids(&report), ["NP302"]);
    assert!(only(&report, "NP302").fix.contains("`ports: [{protocol: TCP, port: 53}]`"));
}

#[test]
fn np301_not_when_dns_is_reached_through_any_namespace_rule() {
    // An egress rule to every pod on 53 reaches DNS too.
    let report = clean_edit(
        &["namespace: b}\nspec: {podSelector: {}, policyTypes: [Egress]"],
        &[np(
            "b",
            "dns",
            "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{protocol: UDP, \
             port: 53}, {protocol: TCP, port: 53}]}]}",
        )],
    );
    assert!(report.findings.is_empty(), "{report:#?}");
}

#[test]
fn np303_no_dns_pods_said_once() {
    let report = clean_edit(&["coredns-"], &[]);
    // The DNS egress rules of a and b now match no pod of the input either (NP402).
    assert_eq!(ids(&report), ["NP303", "NP402", "NP402"]);
    let f = only(&report, "NP303");
    assert!(f.why.contains("DNS egress was not checked for the 3 pods isolated for egress"), "{}", f.why);
    // Without egress-isolated pods there is nothing to say.
    let none = run(&[
        ns("c", ""),
        pod("c", "x", "", "10.0.0.1", ""),
        np("c", "d", "{podSelector: {}, policyTypes: [Ingress]}"),
    ]);
    assert_eq!(none.ids(), ["NP102"]);
}

#[test]
fn dns_selector_is_configurable() {
    let mut docs: Vec<String> = clean().into_iter().filter(|d| !d.contains("coredns-")).collect();
    docs.push(ns("dns", ""));
    docs.push(pod("dns", "resolver-1", "app: resolver", "10.0.9.1", DNS_PORTS));
    docs.push(np("dns", "deny", "{podSelector: {}, policyTypes: [Ingress]}"));
    let mut options = AuditOptions::default();
    let labels: Labels = [("app".to_string(), "resolver".to_string())].into_iter().collect();
    options.dns = DnsSelector { namespace: "dns".into(), pod_selector: LabelSelector::new(labels, Vec::new()) };
    options.system_namespaces.push("dns".into());
    // The clean cluster's DNS egress names kube-system: a and b now cannot resolve, and their DNS
    // rules match no pod (NP402).
    let report = run_with(&docs, &options);
    assert_eq!(ids(&report), ["NP301", "NP301", "NP402", "NP402"]);
    assert!(report.findings[0].why.contains("(pods app=resolver in dns)"));
}

// NP401–NP407: the policies themselves.

#[test]
fn np401_policy_selecting_no_pod_with_a_hint() {
    let report = clean_plus(&[np("a", "typo", "{podSelector: {matchLabels: {app: wbe}}, policyTypes: [Ingress]}")]);
    let f = only(&report, "NP401");
    assert_eq!(ids(&report), ["NP401"]);
    assert_eq!(paths(f), ["NetworkPolicy a/typo spec.podSelector"]);
    assert!(f.why.contains("app=wbe matches none of the 2 pods in a"), "{}", f.why);
    assert!(f.fix.contains("pods have app in {db, web}"), "{}", f.fix);
}

#[test]
fn np401_not_in_a_namespace_without_pods() {
    let report = clean_plus(&[ns("later", ""), np("later", "deny", "{podSelector: {}, policyTypes: [Ingress]}")]);
    assert!(report.findings.is_empty(), "{report:#?}");
}

#[test]
fn np402_rule_whose_peers_match_nothing() {
    let report = clean_plus(&[np(
        "a",
        "scrape",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitor}}}], \
         ports: [{port: 9090}]}, {from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/9, 10.128.0.0/9]}}]}]}",
    )]);
    assert_eq!(ids(&report), ["NP402", "NP402"]);
    let f = &report.findings[0];
    assert_eq!(paths(f), ["NetworkPolicy a/scrape spec.ingress[0].from[0]"]);
    assert!(f.why.contains("namespaceSelector kubernetes.io/metadata.name=monitor matches no namespace"), "{}", f.why);
    assert!(f.fix.contains("namespaces have kubernetes.io/metadata.name in {a, b, kube-system}"), "{}", f.fix);
    assert!(report.findings[1].why.contains("the excepts of ipBlock 10.0.0.0/8 cover it"));
}

#[test]
fn np403_one_dead_peer_among_live_ones() {
    let report = clean_plus(&[np(
        "a",
        "more",
        "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {matchLabels: {app: db}}}, \
         {podSelector: {matchLabels: {app: ghost}}}], ports: [{port: 8080}]}]}",
    )]);
    assert_eq!(ids(&report), ["NP403"]);
    let f = only(&report, "NP403");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(paths(f), ["NetworkPolicy a/more spec.ingress[0].from[1]"]);
    assert!(f.why.contains("podSelector app=ghost matches no pod in a"), "{}", f.why);
}

#[test]
fn np404_duplicate_rule_reports_the_later_one() {
    let rule = "{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}";
    let report = clean_plus(&[np(
        "a",
        "twice",
        &format!("{{podSelector: {{matchLabels: {{app: db}}}}, ingress: [{rule}, {rule}]}}"),
    )]);
    assert_eq!(ids(&report), ["NP404"]);
    let f = only(&report, "NP404");
    assert_eq!(paths(f), ["NetworkPolicy a/twice spec.ingress[1]", "NetworkPolicy a/twice spec.ingress[0]"]);
    assert!(f.why.contains("spec.ingress[1] of a/twice repeats spec.ingress[0]"), "{}", f.why);
}

#[test]
fn np404_rule_covered_by_a_broader_policy() {
    // a/web-from-b (team b, port http) is inside a namespace-wide rule admitting every namespace on all ports.
    let report = clean_plus(&[np("a", "open", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}")]);
    let redundant: Vec<&Finding> = report.findings.iter().filter(|f| f.id == "NP404").collect();
    let covered: Vec<String> = redundant.iter().map(|f| paths(f)[0].clone()).collect();
    assert_eq!(
        covered,
        ["NetworkPolicy a/db-from-web spec.ingress[0]", "NetworkPolicy a/web-from-b spec.ingress[0]"],
        "{report:#?}"
    );
    assert!(redundant[1].why.contains("a/open selects every pod a/web-from-b selects"), "{}", redundant[1].why);
}

#[test]
fn np404_not_when_the_covering_policy_selects_fewer_pods_or_ports_differ() {
    let narrower = clean_plus(&[np(
        "a",
        "db-open",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {}}]}]}",
    )]);
    // It covers a/db-from-web (same pods), but not a/web-from-b (other pods).
    let covered: Vec<String> =
        narrower.findings.iter().filter(|f| f.id == "NP404").map(|f| paths(f)[0].clone()).collect();
    assert_eq!(covered, ["NetworkPolicy a/db-from-web spec.ingress[0]"]);
    let ports = clean_plus(&[np(
        "a",
        "web-more",
        "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}], \
         ports: [{port: 8000, endPort: 8079}]}]}",
    )]);
    assert!(ports.findings.is_empty(), "{ports:#?}");
}

#[test]
fn np405_named_port_no_selected_pod_defines() {
    let report = clean_plus(&[np(
        "a",
        "db-metrics",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: metrics}]}]}",
    )]);
    assert_eq!(ids(&report), ["NP405"]);
    let f = only(&report, "NP405");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(paths(f), ["NetworkPolicy a/db-metrics spec.ingress[0].ports[0]"]);
    assert!(f.fix.contains("pg (5432)"), "{}", f.fix);
}

#[test]
fn np405_protocol_mismatch_and_egress_to_addresses() {
    let report = clean_plus(&[np(
        "b",
        "dns-named",
        "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: \
         {k8s-app: kube-dns}}}], ports: [{port: dns}]}, {to: [{ipBlock: {cidr: 203.0.113.0/24}}], ports: [{port: https}]}]}",
    )]);
    assert_eq!(ids(&report), ["NP405", "NP405"]);
    assert!(report.findings[0].why.contains("(they define it for UDP)"), "{}", report.findings[0].why);
    assert_eq!(report.findings[0].fix, "set `protocol: UDP` on this entry");
    assert!(report.findings[1].why.contains("never matches an address outside the pods"), "{}", report.findings[1].why);
}

#[test]
fn np405_not_when_some_destination_defines_it() {
    // The clean cluster's named ports (pg, http, dns, dns-tcp) all resolve.
    assert!(!run(&clean()).ids().contains(&"NP405"));
}

#[test]
fn np406_ipblock_holding_pod_ips() {
    let report = egress_to("{ipBlock: {cidr: 10.0.0.0/8}}", ", ports: [{port: 5432}]");
    assert_eq!(ids(&report), ["NP406"]);
    let f = only(&report, "NP406");
    assert_eq!(f.objects.len(), 1 + 5);
    assert_eq!(paths(f), ["NetworkPolicy a/web-out spec.egress[0].to[0].ipBlock"]);
    assert!(f.why.contains("contains the IPs of 5 pods (10.0.0.2 to 10.0.2.1)"), "{}", f.why);
}

#[test]
fn np406_not_when_the_pod_network_is_excepted() {
    let report = egress_to("{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/16]}}", ", ports: [{port: 5432}]");
    assert!(report.findings.is_empty(), "{report:#?}");
}

#[test]
fn np407_egress_rules_ignored_by_policy_types() {
    let report = clean_plus(&[np(
        "a",
        "backup",
        "{podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress], egress: [{to: [{ipBlock: {cidr: 203.0.113.0/24}}]}]}",
    )]);
    assert_eq!(ids(&report), ["NP407"]);
    let f = only(&report, "NP407");
    assert_eq!(paths(f), ["NetworkPolicy a/backup spec.policyTypes", "NetworkPolicy a/backup spec.egress"]);
    assert!(f.why.contains("spec.egress has 1 rule but spec.policyTypes is [Ingress]: it is ignored"), "{}", f.why);
}

#[test]
fn np407_not_when_policy_types_are_defaulted() {
    // No policyTypes and egress rules: Egress is implied (S4).
    let report = clean_plus(&[np(
        "a",
        "db-out",
        "{podSelector: {matchLabels: {app: db}}, egress: [{to: [{ipBlock: {cidr: 203.0.113.0/24}}]}]}",
    )]);
    assert!(report.findings.is_empty(), "{report:#?}");
}

// The bundled examples.

fn example(path: &str) -> AuditReport {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)).unwrap();
    let cluster = Cluster::from_yaml_str(&text).unwrap();
    audit(&Compiler::new().compile(&cluster), &AuditOptions::default())
}

fn id_counts(report: &AuditReport) -> BTreeMap<&'static str, usize> {
    report.ids().into_iter().fold(BTreeMap::new(), |mut m, id| {
        *m.entry(id).or_default() += 1;
        m
    })
}

#[test]
fn bundled_example_findings() {
    let report = example("examples/cluster.yaml");
    // monitoring has no egress policy; the frontends face the internet on 8080 (by design: info).
    assert_eq!(report.ids(), ["NP102", "NP203"], "{}", report.to_text(100));
    assert_eq!(only(&report, "NP102").objects, ["Namespace monitoring", "Pod monitoring/prometheus-0"]);
    assert_eq!(
        only(&report, "NP203").objects,
        [
            "Pod shop/frontend-6c8f9b7d4-2lmnp",
            "Pod shop/frontend-6c8f9b7d4-8hq7r",
            "NetworkPolicy shop/frontend-from-internet"
        ]
    );
    assert!(!report.has_at_least(Severity::Error));
}

#[test]
fn gaps_example_findings() {
    let report = example("examples/gaps/cluster.yaml");
    let expected: BTreeMap<&str, usize> = [
        ("NP101", 1),
        ("NP102", 1),
        ("NP103", 1),
        ("NP201", 1),
        ("NP202", 1),
        ("NP204", 1),
        ("NP301", 1),
        ("NP401", 1),
        ("NP402", 1),
        ("NP404", 1),
        ("NP405", 1),
        ("NP406", 2),
        ("NP407", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(id_counts(&report), expected, "{}", report.to_text(100));
    // Errors first, then warnings, then info.
    let severities: Vec<Severity> = report.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    let objects = |id: &str| only(&report, id).objects.clone();
    assert_eq!(objects("NP401"), ["NetworkPolicy web/image-resizer-ingress", "Namespace web"]);
    assert_eq!(objects("NP204"), ["Pod web/image-resizer-66f9c5d7b8-p4mzr", "NetworkPolicy web/image-resizer-egress"]);
    assert_eq!(
        objects("NP201"),
        [
            "Pod payments/payments-api-7c9d8b6f5-kq2zt",
            "Pod payments/payments-api-7c9d8b6f5-x7r4d",
            "NetworkPolicy payments/payments-api-ingress"
        ]
    );
    assert_eq!(paths(only(&report, "NP405")), ["NetworkPolicy payments/ledger-ingress spec.ingress[1].ports[0]"]);
    assert_eq!(paths(only(&report, "NP402")), ["NetworkPolicy payments/payments-api-ingress spec.ingress[1].from[0]"]);
}

/// A dual-stack pod of namespace a, as a document.
fn dual_pod(name: &str, labels: &str, v4: &str, v6: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: a, labels: {{{labels}}}}}\n\
         spec: {{containers: [{{name: c, image: x}}]}}\n\
         status: {{phase: Running, podIP: {v4}, podIPs: [{{ip: {v4}}}, {{ip: '{v6}'}}]}}\n"
    )
}

#[test]
fn np408_an_ipblock_of_a_family_the_pods_lack() {
    // web-1 has IPv4 only (10.0.1.1): an IPv6 ipBlock in its ingress admits nothing (S9a).
    let report = clean_plus(&[np(
        "a",
        "web-v6",
        "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 'fd00:9::/64'}}]}]}",
    )]);
    let f = only(&report, "NP408");
    assert!(f.why.contains("ipBlock fd00:9::/64 is IPv6"), "{}", f.why);
    assert!(f.why.contains("IPv4 addresses only"), "{}", f.why);
    assert_eq!(f.paths[0].path, "spec.ingress[0].from[0]");
    assert!(f.objects.contains(&"Pod a/web-1".to_string()), "{:?}", f.objects);
    // Negative: the same rule for a dual-stack web pod is fine.
    let dual = dual_pod("web-1", "app: web", "10.0.1.1", "fd00:1::1");
    let report = clean_edit(
        &["name: web-1,"],
        &[
            dual,
            np(
                "a",
                "web-v6",
                "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 'fd00:9::/64'}}]}]}",
            ),
        ],
    );
    assert!(!ids(&report).contains(&"NP408"), "{:?}", ids(&report));
}

/// Dual-stack web-1 and db-1 in namespace a; db admits the pods by the ipBlocks `peers`.
fn dual_stack_db_from(peers: &str) -> AuditReport {
    let docs = [
        dual_pod("web-1", "app: web", "10.0.1.1", "fd00:1::1"),
        dual_pod("db-1", "app: db", "10.0.1.2", "fd00:1::2"),
        np(
            "a",
            "db-from-pods",
            &format!("{{podSelector: {{matchLabels: {{app: db}}}}, ingress: [{{from: [{peers}], ports: [{{port: 5432}}]}}]}}"),
        ),
    ];
    clean_edit(&["name: web-1,", "name: db-1,"], &docs)
}

#[test]
fn np409_reachability_that_differs_by_family() {
    // db admits the pod network by address, IPv4 half only.
    let report = dual_stack_db_from("{ipBlock: {cidr: 10.0.1.0/24}}");
    let f = only(&report, "NP409");
    assert!(f.why.contains("a/db-1 is reachable from a/web-1 over IPv4 only on 5432/TCP"), "{}", f.why);
    assert_eq!(f.paths.len(), 1, "{:?}", f.paths);
    assert_eq!(f.paths[0].path, "spec.ingress[0].from[0]");
    // Negative: with the IPv6 counterpart, both families agree.
    let report = dual_stack_db_from("{ipBlock: {cidr: 10.0.1.0/24}}, {ipBlock: {cidr: 'fd00:1::/64'}}");
    assert!(!ids(&report).contains(&"NP409"), "{:?}", ids(&report));
}

// ---------------------------------------------------------------------------------------------
// Admin tiers (S15): NP501-NP506.

fn cnp(name: &str, tier: &str, priority: u32, subject: &str, rules: &str) -> String {
    format!(
        "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: {name}}}\n\
         spec: {{tier: {tier}, priority: {priority}, subject: {subject}, {rules}}}\n"
    )
}

const TEAM_A: &str = "{namespaces: {matchLabels: {team: a}}}";
const TEAM_B_PODS: &str = "{pods: {namespaceSelector: {matchLabels: {team: b}}, podSelector: {}}}";

#[test]
fn np501_equal_priorities_that_disagree_on_common_pods() {
    let report = clean_plus(&[
        cnp("allow-b", "Admin", 10, TEAM_A, &format!("ingress: [{{action: Accept, from: [{TEAM_B_PODS}]}}]")),
        cnp("deny-all", "Admin", 10, "{namespaces: {}}", "ingress: [{action: Deny, from: [{namespaces: {}}]}]"),
    ]);
    let f = only(&report, "NP501");
    assert_eq!(f.objects, ["ClusterNetworkPolicy allow-b", "ClusterNetworkPolicy deny-all"]);
    assert!(f.why.contains("2 pods") && f.why.contains("ingress"), "{}", f.why);
    // A different priority, or no common pod, is no ambiguity.
    let apart = clean_plus(&[
        cnp("allow-b", "Admin", 10, TEAM_A, &format!("ingress: [{{action: Accept, from: [{TEAM_B_PODS}]}}]")),
        cnp("deny-all", "Admin", 11, "{namespaces: {}}", "ingress: [{action: Deny, from: [{namespaces: {}}]}]"),
        cnp(
            "deny-b",
            "Admin",
            10,
            "{namespaces: {matchLabels: {team: b}}}",
            "ingress: [{action: Deny, from: [{namespaces: {}}]}]",
        ),
    ]);
    assert!(!apart.ids().contains(&"NP501"), "{apart:#?}");
}

#[test]
fn np502_a_rule_covered_by_an_earlier_one() {
    let report = clean_plus(&[cnp(
        "shadow",
        "Admin",
        5,
        TEAM_A,
        &format!(
            "egress: [{{action: Pass, to: [{{namespaces: {{}}}}]}}, {{action: Deny, to: [{TEAM_B_PODS}], protocols: \
             [{{tcp: {{destinationPort: {{number: 80}}}}}}]}}]"
        ),
    )]);
    let f = only(&report, "NP502");
    assert_eq!(paths(f), ["ClusterNetworkPolicy shadow spec.egress[1]"]);
    // With ports narrowing the earlier rule, the later one is reached.
    let narrow = clean_plus(&[cnp(
        "shadow",
        "Admin",
        5,
        TEAM_A,
        &format!(
            "egress: [{{action: Pass, to: [{{namespaces: {{}}}}], protocols: [{{tcp: {{destinationPort: {{number: 443}}}}}}]}}, \
             {{action: Deny, to: [{TEAM_B_PODS}]}}]"
        ),
    )]);
    assert!(!narrow.ids().contains(&"NP502"), "{narrow:#?}");
}

#[test]
fn np503_pass_with_nothing_below_and_np504_accept_over_networkpolicies() {
    // Namespace b's pods are isolated by NetworkPolicies: a Pass there hands over to them, an
    // Accept overrides them. A Pass for pods nothing isolates (after dropping a's policies) ends
    // at the default.
    let report = clean_edit(
        &[
            "namespace: a}\nspec: {podSelector: {}, policyTypes",
            "name: dns, namespace: a",
            "web-to-db",
            "db-from-web",
            "web-from-b",
        ],
        &[
            cnp("pass-a", "Admin", 1, TEAM_A, "egress: [{action: Pass, to: [{namespaces: {}}]}]"),
            cnp(
                "accept-b",
                "Admin",
                2,
                "{namespaces: {matchLabels: {team: b}}}",
                "egress: [{action: Accept, to: [{namespaces: {}}]}]",
            ),
        ],
    );
    let f = only(&report, "NP503");
    assert_eq!(paths(f), ["ClusterNetworkPolicy pass-a spec.egress[0]"]);
    let f = only(&report, "NP504");
    assert!(f.objects.contains(&"NetworkPolicy b/deny".to_string()), "{f:#?}");
    assert!(f.objects.contains(&"NetworkPolicy b/client-to-web".to_string()), "{f:#?}");
    // A baseline policy below the Pass: nothing to report.
    let below = clean_edit(
        &[
            "namespace: a}\nspec: {podSelector: {}, policyTypes",
            "name: dns, namespace: a",
            "web-to-db",
            "db-from-web",
            "web-from-b",
        ],
        &[
            cnp("pass-a", "Admin", 1, TEAM_A, "egress: [{action: Pass, to: [{namespaces: {}}]}]"),
            cnp("base-a", "Baseline", 1, TEAM_A, "egress: [{action: Deny, to: [{namespaces: {}}]}]"),
        ],
    );
    assert!(!below.ids().contains(&"NP503"), "{below:#?}");
}

#[test]
fn np505_cni_differences_and_np506_subject_matching_nothing() {
    let report = clean_plus(&[
        cnp(
            "wide",
            "Admin",
            150,
            TEAM_A,
            "egress: [{action: Accept, to: [{nodes: {}}]}, {action: Deny, to: [{namespaces: {}}], protocols: [{destinationNamedPort: http}]}]",
        ),
        cnp("nobody", "Baseline", 3, "{namespaces: {matchLabels: {team: z}}}", "ingress: [{action: Deny, from: [{namespaces: {}}]}]"),
    ]);
    let np505: Vec<String> = report.findings.iter().filter(|f| f.id == "NP505").flat_map(paths).collect();
    assert_eq!(
        np505,
        [
            "ClusterNetworkPolicy wide spec.egress[0].to[0]",
            "ClusterNetworkPolicy wide spec.egress[1]",
            "ClusterNetworkPolicy wide spec.priority"
        ]
    );
    assert_eq!(only(&report, "NP506").objects, ["ClusterNetworkPolicy nobody"]);
}

/// S15.3 at scale: 200 policies at one priority over 200 namespaces, with alternating actions,
/// never apply to a common pod; one more over the first namespace does, with two of them.
#[test]
fn np501_only_for_policies_that_share_pods() {
    let mut docs = Vec::new();
    for i in 0..200 {
        docs.push(ns(&format!("n{i}"), &format!("team: t{i}")));
        docs.push(pod(&format!("n{i}"), "p", "app: x", &format!("10.1.{}.{}", i / 200, i % 200 + 1), ""));
        let action = if i % 2 == 0 { "Accept" } else { "Deny" };
        docs.push(cnp(
            &format!("c{i}"),
            "Admin",
            5,
            &format!("{{namespaces: {{matchLabels: {{team: t{i}}}}}}}"),
            &format!("ingress: [{{action: {action}, from: [{{namespaces: {{}}}}]}}]"),
        ));
    }
    assert!(!run(&docs).ids().contains(&"NP501"));
    docs.push(cnp(
        "wide",
        "Admin",
        5,
        "{namespaces: {matchLabels: {team: t0}}}",
        "ingress: [{action: Deny, from: [{namespaces: {}}]}]",
    ));
    let report = run(&docs);
    let f = only(&report, "NP501");
    assert_eq!(f.objects, ["ClusterNetworkPolicy c0", "ClusterNetworkPolicy wide"]);
}
