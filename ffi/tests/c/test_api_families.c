/*
 * test_api_families.c: address families (DESIGN S9a) through the C API: a connection has one
 * family, so a verdict says which families the two ends share (netpol_verdict.families) and
 * which of those allow it (allowed_families); an IP endpoint keeps its own family even when it
 * is a pod's IP, and an IPv4-mapped IPv6 address is the IPv4 address.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_api.h"

/* The issue 15 reproducer: x/a is IPv4-only and admits ingress from fd00:1::/64 only; x/ds is
 * dual-stack (10.0.0.2, fd00:1::2). ds and a share IPv4 only, where the IPv6 block cannot match
 * ds: denied. Egress twin: x/c (IPv4-only) and x/e (dual-stack) send only to fd00:9::/64; x/d is
 * dual-stack (10.0.0.4, fd00:9::4): e -> d is allowed over IPv6 only, c -> d is denied. */
static const char *const DUAL_STACK =
    "apiVersion: v1\n"
    "kind: List\n"
    "items:\n"
    "- {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n"
    "- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}},\n"
    "   status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}}\n"
    "- {apiVersion: v1, kind: Pod, metadata: {name: ds, namespace: x, labels: {app: ds}},\n"
    "   status: {phase: Running, podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}, {ip: 'fd00:1::2'}]}}\n"
    "- {apiVersion: v1, kind: Pod, metadata: {name: c, namespace: x, labels: {role: client}},\n"
    "   status: {phase: Running, podIP: 10.0.0.3, podIPs: [{ip: 10.0.0.3}]}}\n"
    "- {apiVersion: v1, kind: Pod, metadata: {name: d, namespace: x, labels: {role: server}},\n"
    "   status: {phase: Running, podIP: 10.0.0.4, podIPs: [{ip: 10.0.0.4}, {ip: 'fd00:9::4'}]}}\n"
    "- {apiVersion: v1, kind: Pod, metadata: {name: e, namespace: x, labels: {role: client}},\n"
    "   status: {phase: Running, podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: 'fd00:9::5'}]}}\n"
    "- apiVersion: networking.k8s.io/v1\n"
    "  kind: NetworkPolicy\n"
    "  metadata: {name: v6-only, namespace: x}\n"
    "  spec:\n"
    "    podSelector: {matchLabels: {app: a}}\n"
    "    ingress: [{from: [{ipBlock: {cidr: 'fd00:1::/64'}}]}]\n"
    "- apiVersion: networking.k8s.io/v1\n"
    "  kind: NetworkPolicy\n"
    "  metadata: {name: v6-egress-only, namespace: x}\n"
    "  spec:\n"
    "    podSelector: {matchLabels: {role: client}}\n"
    "    policyTypes: [Egress]\n"
    "    egress: [{to: [{ipBlock: {cidr: 'fd00:9::/64'}}]}]\n";

#define V4 NETPOL_FAMILY_IPV4
#define V6 NETPOL_FAMILY_IPV6

static bool families_are(netpol_verdict v, uint8_t shared, uint8_t allowing) {
    return v.families == shared && v.allowed_families == allowing && v.allowed == (allowing != 0);
}

/* fd00:<group>::<last> */
static netpol_endpoint fd00(uint8_t group, uint8_t last) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_IPV6;
    e.addr[0] = 0xfd;
    e.addr[3] = group;
    e.addr[15] = last;
    return e;
}

/* ::ffff:a.b.c.d, the IPv4-mapped form, as a 16-byte endpoint. */
static netpol_endpoint mapped(unsigned a, unsigned b, unsigned c, unsigned d) {
    netpol_endpoint e = v4_endpoint(a, b, c, d);
    e.kind = NETPOL_ENDPOINT_KIND_IPV6;
    memset(e.addr, 0, sizeof e.addr);
    e.addr[10] = 0xff;
    e.addr[11] = 0xff;
    e.addr[12] = (uint8_t)a;
    e.addr[13] = (uint8_t)b;
    e.addr[14] = (uint8_t)c;
    e.addr[15] = (uint8_t)d;
    return e;
}

static void check_explain(const netpol_engine *e, netpol_query q, const char *needle) {
    char *text = NULL;
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_OK);
    CHECK_CONTAINS(text, needle);
    netpol_string_free(text);
}

static void reproducer(const netpol_engine *e) {
    uint32_t a = pod(e, "x/a"), ds = pod(e, "x/ds");
    netpol_verdict v, by_ip;
    netpol_query q;

    /* By name: ds and a share IPv4 only; fd00:1::/64 cannot match ds over IPv4. */
    CHECK_RESULT(netpol_decide_pods(e, ds, a, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    CHECK(families_are(v, V4, 0));
    CHECK_RESULT(netpol_decide_pods(e, a, ds, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true) && families_are(v, V4, V4));
    /* A pod by name has every family it has: ds to itself over both. */
    CHECK_RESULT(netpol_decide_pods(e, ds, ds, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(families_are(v, V4 | V6, V4 | V6));

    /* By ds's IPv4 address, in each of the three ways: the same as by name. */
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 0, 0, 2), ipv4(10, 0, 0, 1), 80, NETPOL_PROTOCOL_TCP, &by_ip),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(by_ip, false, true, false) && families_are(by_ip, V4, 0));
    const uint8_t ds4[4] = {10, 0, 0, 2}, a4[4] = {10, 0, 0, 1};
    CHECK_RESULT(netpol_decide_ip(e, ds4, 4, a4, 4, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(memcmp(&v, &by_ip, sizeof v) == 0);
    q = make_query(v4_endpoint(10, 0, 0, 2), pod_endpoint(a), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(memcmp(&v, &by_ip, sizeof v) == 0);

    /* By ds's IPv6 address: ds over IPv6, which a does not have: no connection. */
    const uint8_t ds6[16] = {0xfd, 0x00, 0x00, 0x01, [15] = 2};
    CHECK_RESULT(netpol_decide_ip(e, ds6, 16, a4, 4, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false) && families_are(v, 0, 0));
    q = make_query(fd00(1, 2), pod_endpoint(a), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false) && families_are(v, 0, 0));
    check_explain(e, q, "DENIED: x/ds -> x/a on 80/TCP");
    check_explain(e, q, "no address family in common");
    /* The other way round, and a to ds's IPv6 address. */
    q = make_query(pod_endpoint(a), fd00(1, 2), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(families_are(v, 0, 0));
    /* ds over IPv6 to an outside IPv6 address: shared, allowed (ds has no egress policy). */
    q = make_query(pod_endpoint(ds), fd00(1, 9), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true) && families_are(v, V6, V6));

    /* ::ffff:10.0.0.2 is 10.0.0.2: as 16 bytes to netpol_decide_ip and as an IPv6 endpoint. */
    const uint8_t ds_mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 10, [13] = 0, [14] = 0, [15] = 2};
    CHECK_RESULT(netpol_decide_ip(e, ds_mapped, 16, a4, 4, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(memcmp(&v, &by_ip, sizeof v) == 0);
    q = make_query(mapped(10, 0, 0, 2), pod_endpoint(a), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(memcmp(&v, &by_ip, sizeof v) == 0);
    check_explain(e, q, "DENIED: x/ds -> x/a on 80/TCP");
    /* An outside mapped address is IPv4 too: it shares IPv4 with a, and the block denies it. */
    q = make_query(mapped(192, 0, 2, 1), pod_endpoint(a), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false) && families_are(v, V4, 0));
    check_explain(e, q, "DENIED: 192.0.2.1 -> x/a on 80/TCP");
}

static void egress_twin(const netpol_engine *e) {
    uint32_t c = pod(e, "x/c"), d = pod(e, "x/d"), ex = pod(e, "x/e");
    netpol_verdict v;
    netpol_query q;

    /* c (IPv4-only) -> d: IPv4 only, where the IPv6 block cannot match d. */
    CHECK_RESULT(netpol_decide_pods(e, c, d, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true) && families_are(v, V4, 0));
    /* e (dual-stack) -> d: IPv4 denied, IPv6 allowed: allowed over IPv6 only. */
    CHECK_RESULT(netpol_decide_pods(e, ex, d, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true) && families_are(v, V4 | V6, V6));
    q = make_query(pod_endpoint(ex), pod_endpoint(d), 80, NETPOL_PROTOCOL_TCP);
    check_explain(e, q, "ALLOWED: x/e -> x/d on 80/TCP (allowed over IPv6 only)");
    check_explain(e, q, "over IPv4:");
    /* e to d's addresses: each keeps its family. */
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 0, 0, 5), ipv4(10, 0, 0, 4), 80, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true) && families_are(v, V4, 0));
    q = make_query(pod_endpoint(ex), fd00(9, 4), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true) && families_are(v, V6, V6));
    /* d -> e: both dual-stack, nothing isolates e's ingress or d's egress. */
    CHECK_RESULT(netpol_decide_pods(e, d, ex, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(families_are(v, V4 | V6, V4 | V6));
}

/* Every pair and a few IP queries: the batch gives the very verdicts of netpol_decide. */
static void batch_agrees(const netpol_engine *e) {
    enum { PODS = 5, N = PODS * PODS + 4 };
    netpol_query queries[N];
    netpol_verdict batch[N];
    size_t n = 0;
    for (uint32_t s = 0; s < PODS; s++) {
        for (uint32_t d = 0; d < PODS; d++) {
            queries[n++] = make_query(pod_endpoint(s), pod_endpoint(d), 80, NETPOL_PROTOCOL_TCP);
        }
    }
    queries[n++] = make_query(fd00(1, 2), pod_endpoint(0), 80, NETPOL_PROTOCOL_TCP);
    queries[n++] = make_query(mapped(10, 0, 0, 2), pod_endpoint(0), 80, NETPOL_PROTOCOL_TCP);
    queries[n++] = make_query(pod_endpoint(4), fd00(9, 4), 80, NETPOL_PROTOCOL_TCP);
    queries[n++] = make_query(v4_endpoint(10, 0, 0, 5), fd00(9, 4), 80, NETPOL_PROTOCOL_TCP);
    CHECK(n == N);
    CHECK_RESULT(netpol_decide_batch(e, queries, n, batch), NETPOL_RESULT_OK);
    size_t mismatches = 0, shared_none = 0;
    for (size_t i = 0; i < n; i++) {
        netpol_verdict one;
        bool ok = netpol_decide(e, &queries[i], &one) == NETPOL_RESULT_OK && memcmp(&one, &batch[i], sizeof one) == 0;
        ok = ok && (batch[i].allowed_families & ~batch[i].families) == 0;
        ok = ok && batch[i].allowed == (batch[i].allowed_families != 0);
        mismatches += !ok;
        shared_none += batch[i].families == 0;
    }
    CHECK(mismatches == 0);
    /* c and a are IPv4-only: no pod pair lacks a family; IPv6 -> a and IPv4 -> IPv6 do. */
    CHECK(shared_none == 2);
}

void test_families(void) {
    netpol_engine *e = NULL;
    netpol_error *error = NULL;
    if (!CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)DUAL_STACK, strlen(DUAL_STACK), NULL, &e, &error),
                      NETPOL_RESULT_OK)) {
        fprintf(stderr, "  error: %s\n", netpol_error_message(error));
        netpol_error_free(error);
        return;
    }
    CHECK(netpol_engine_pod_count(e) == 5);
    reproducer(e);
    egress_twin(e);
    batch_agrees(e);
    netpol_engine_free(e);
}
