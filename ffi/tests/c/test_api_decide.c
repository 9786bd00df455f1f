/*
 * test_api_decide.c: the happy paths of test_api: the version, the default options, and the
 * lookups, decisions (by pods, IPv4, IP bytes, queries and batch), explanations and warnings of
 * the example cluster.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_api.h"

/* The example cluster's pods, in engine order (namespace, then name). */
static const char *const EXAMPLE_PODS[] = {
    "kube-system/coredns-5d78c9869d-7xk2p",
    "kube-system/coredns-5d78c9869d-q9w4z",
    "monitoring/prometheus-0",
    "shop/api-7f6d5c8b9-4kx8m",
    "shop/api-7f6d5c8b9-v7p2s",
    "shop/frontend-6c8f9b7d4-2lmnp",
    "shop/frontend-6c8f9b7d4-8hq7r",
    "shop/postgres-0",
};
#define EXAMPLE_POD_COUNT (sizeof EXAMPLE_PODS / sizeof EXAMPLE_PODS[0])

void test_version(void) {
    const char *v = netpol_version();
    CHECK(v != NULL);
    CHECK(v != NULL && strlen(v) >= 5);
    unsigned major, minor, patch;
    CHECK(v != NULL && sscanf(v, "%u.%u.%u", &major, &minor, &patch) == 3);
#ifdef NETPOL_EXPECTED_VERSION
    CHECK(v != NULL && strcmp(v, NETPOL_EXPECTED_VERSION) == 0);
#endif
    CHECK(netpol_version() == v); /* static */
    char built[32];
    snprintf(built, sizeof built, "%d.%d.%d", NETPOL_VERSION_MAJOR, NETPOL_VERSION_MINOR, NETPOL_VERSION_PATCH);
    CHECK(v != NULL && strcmp(v, built) == 0); /* the header's version macros are the library's */
}

void test_options_default(void) {
    netpol_options o;
    fill(&o, sizeof o);
    CHECK_RESULT(netpol_options_default(&o), NETPOL_RESULT_OK);
    CHECK(o.self_traffic_evaluate == false);
    CHECK(o.ip_block_matches_pods == true);
    CHECK(o.lenient == false);
    CHECK(o.tie == NETPOL_TIE_DENY_WINS);
    CHECK_RESULT(netpol_options_default(NULL), NETPOL_RESULT_NULL_PARAMETER);
}

void test_pods(const netpol_engine *e) {
    CHECK(netpol_engine_pod_count(e) == EXAMPLE_POD_COUNT);
    for (uint32_t i = 0; i < EXAMPLE_POD_COUNT; i++) {
        const char *name = netpol_engine_pod_name(e, i);
        CHECK(name != NULL && strcmp(name, EXAMPLE_PODS[i]) == 0);
        uint32_t index = UINT32_MAX;
        CHECK_RESULT(netpol_engine_pod_index(e, EXAMPLE_PODS[i], &index), NETPOL_RESULT_OK);
        CHECK(index == i);
        CHECK(name == netpol_engine_pod_name(e, i)); /* owned by the engine: stable */
    }
    CHECK(netpol_engine_pod_name(e, EXAMPLE_POD_COUNT) == NULL);
    CHECK(netpol_engine_pod_name(e, UINT32_MAX) == NULL);
}

void test_decide_pods(const netpol_engine *e) {
    uint32_t api = pod(e, "shop/api-7f6d5c8b9-4kx8m"), api2 = pod(e, "shop/api-7f6d5c8b9-v7p2s");
    uint32_t frontend = pod(e, "shop/frontend-6c8f9b7d4-2lmnp"), frontend2 = pod(e, "shop/frontend-6c8f9b7d4-8hq7r");
    uint32_t db = pod(e, "shop/postgres-0"), dns = pod(e, "kube-system/coredns-5d78c9869d-7xk2p");
    uint32_t prometheus = pod(e, "monitoring/prometheus-0");
    netpol_verdict v;

    CHECK_RESULT(netpol_decide_pods(e, api, db, 5432, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    /* frontend may not reach postgres: its egress only goes to api and DNS, and postgres only
     * admits api (and db-migrate). */
    CHECK_RESULT(netpol_decide_pods(e, frontend, db, 5432, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    CHECK(v.egress_allowed == false);
    CHECK_RESULT(netpol_decide_pods(e, frontend, api2, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_pods(e, frontend, api2, 8081, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    /* api -> api: egress of api goes to postgres, payments and DNS only. */
    CHECK_RESULT(netpol_decide_pods(e, api, api2, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    /* DNS: UDP and TCP 53 from shop to CoreDNS; not SCTP. */
    CHECK_RESULT(netpol_decide_pods(e, api, dns, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_pods(e, frontend2, dns, 53, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_pods(e, api, dns, 53, NETPOL_PROTOCOL_SCTP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false)); /* both sides name UDP and TCP 53 only */
    /* Prometheus (no egress policy) scrapes 9090 and the 9100-9199 range in shop. */
    CHECK_RESULT(netpol_decide_pods(e, prometheus, db, 9187, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_pods(e, prometheus, db, 9200, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    /* Self traffic is allowed by default. */
    CHECK_RESULT(netpol_decide_pods(e, frontend, frontend, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
}

void test_decide_ipv4(const netpol_engine *e) {
    netpol_verdict v;
    uint32_t frontend_ip = ipv4(10, 244, 1, 21), api_ip = ipv4(10, 244, 1, 31), db_ip = ipv4(10, 244, 2, 41);
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(198, 51, 100, 7), frontend_ip, 8080, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 9, 9, 9), frontend_ip, 8080, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false)); /* 10.0.0.0/8 is excepted */
    CHECK_RESULT(netpol_decide_ipv4(e, api_ip, ipv4(203, 0, 113, 10), 443, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ipv4(e, api_ip, ipv4(203, 0, 113, 200), 443, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true)); /* 203.0.113.128/25 is excepted */
    /* Pod IPs mean the pods. */
    CHECK_RESULT(netpol_decide_ipv4(e, api_ip, db_ip, 5432, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ipv4(e, frontend_ip, db_ip, 5432, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    /* The Succeeded db-migrate pod is left out: its IP is just an IP (inside 10/8). */
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 244, 1, 51), db_ip, 5432, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    /* IP to IP: nothing is checked. */
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(192, 0, 2, 1), ipv4(192, 0, 2, 2), 1, NETPOL_PROTOCOL_UDP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
}

void test_decide_ip_bytes(const netpol_engine *e) {
    netpol_verdict v;
    const uint8_t outside[4] = {198, 51, 100, 7}, private_src[4] = {10, 9, 9, 9};
    const uint8_t frontend[4] = {10, 244, 1, 21}, api[4] = {10, 244, 1, 31};
    const uint8_t payments[4] = {203, 0, 113, 10}, payments_except[4] = {203, 0, 113, 200};
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, v6b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

    CHECK_RESULT(netpol_decide_ip(e, outside, 4, frontend, 4, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ip(e, private_src, 4, frontend, 4, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    CHECK_RESULT(netpol_decide_ip(e, api, 4, payments, 4, 443, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ip(e, api, 4, payments_except, 4, 443, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true));
    /* A connection has one family: IPv6 to a pod's IPv4 address (or back) cannot exist. */
    CHECK_RESULT(netpol_decide_ip(e, v6, 16, frontend, 4, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    CHECK(v.families == 0 && v.allowed_families == 0);
    CHECK_RESULT(netpol_decide_ip(e, v6, 16, v6b, 16, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK(v.families == NETPOL_FAMILY_IPV6 && v.allowed_families == NETPOL_FAMILY_IPV6);
    CHECK_RESULT(netpol_decide_ip(e, api, 4, v6, 16, 443, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    CHECK(v.families == 0);
    CHECK_RESULT(netpol_decide_ip(e, api, 4, payments, 4, 443, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(v.families == NETPOL_FAMILY_IPV4 && v.allowed_families == NETPOL_FAMILY_IPV4);
}

void test_decide_query(const netpol_engine *e) {
    uint32_t api = pod(e, "shop/api-7f6d5c8b9-4kx8m"), db = pod(e, "shop/postgres-0");
    uint32_t frontend = pod(e, "shop/frontend-6c8f9b7d4-2lmnp");
    netpol_verdict v;
    netpol_query q;

    q = make_query(pod_endpoint(api), pod_endpoint(db), 5432, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    q = make_query(pod_endpoint(frontend), pod_endpoint(db), 5432, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    /* Pod -> IPv4, IPv4 -> pod, a pod's IPv4 as the pod, IPv6 -> pod, pod -> IPv6. */
    q = make_query(pod_endpoint(api), v4_endpoint(203, 0, 113, 10), 443, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    q = make_query(pod_endpoint(api), v4_endpoint(203, 0, 113, 200), 443, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true));
    q = make_query(v4_endpoint(198, 51, 100, 7), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    q = make_query(v4_endpoint(10, 9, 9, 9), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    q = make_query(v4_endpoint(10, 244, 1, 31), pod_endpoint(db), 5432, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    /* The example's pods are IPv4-only: no connection with an IPv6 address can exist. */
    q = make_query(v6_endpoint(7), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false) && v.families == 0);
    q = make_query(pod_endpoint(api), v6_endpoint(7), 443, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false) && v.families == 0);
    q = make_query(v6_endpoint(1), v6_endpoint(2), 443, NETPOL_PROTOCOL_SCTP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    /* The bytes after addr[4] of an IPv4 endpoint are ignored. */
    q = make_query(pod_endpoint(api), v4_endpoint(203, 0, 113, 10), 443, NETPOL_PROTOCOL_TCP);
    memset(q.dst.addr + 4, 0xff, 12);
    q.dst.pod = 12345;
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
}

/* Every pod pair on a few ports: batch, netpol_decide and netpol_decide_pods agree. */
void test_batch(const netpol_engine *e) {
    static const uint16_t ports[] = {53, 80, 443, 5432, 8080, 9090, 9153, 9187};
    static const uint32_t protocols[] = {NETPOL_PROTOCOL_TCP, NETPOL_PROTOCOL_UDP, NETPOL_PROTOCOL_SCTP};
    enum { N = EXAMPLE_POD_COUNT * EXAMPLE_POD_COUNT * 8 * 3 + 2 };
    netpol_query *queries = calloc(N, sizeof *queries);
    netpol_verdict *verdicts = calloc(N, sizeof *verdicts);
    if (!CHECK(queries != NULL && verdicts != NULL)) {
        free(queries);
        free(verdicts);
        return;
    }
    size_t n = 0;
    for (uint32_t s = 0; s < EXAMPLE_POD_COUNT; s++) {
        for (uint32_t d = 0; d < EXAMPLE_POD_COUNT; d++) {
            for (size_t p = 0; p < 8; p++) {
                for (size_t t = 0; t < 3; t++) {
                    queries[n++] = make_query(pod_endpoint(s), pod_endpoint(d), ports[p], protocols[t]);
                }
            }
        }
    }
    queries[n++] = make_query(v4_endpoint(198, 51, 100, 7), pod_endpoint(5), 8080, NETPOL_PROTOCOL_TCP);
    queries[n++] = make_query(pod_endpoint(3), v4_endpoint(203, 0, 113, 200), 443, NETPOL_PROTOCOL_TCP);
    CHECK(n == N);
    CHECK_RESULT(netpol_decide_batch(e, queries, n, verdicts), NETPOL_RESULT_OK);
    size_t mismatches = 0, allowed = 0;
    for (size_t i = 0; i < n; i++) {
        netpol_verdict one, by_pods;
        bool ok = netpol_decide(e, &queries[i], &one) == NETPOL_RESULT_OK;
        if (queries[i].src.kind == NETPOL_ENDPOINT_KIND_POD && queries[i].dst.kind == NETPOL_ENDPOINT_KIND_POD) {
            ok = ok && netpol_decide_pods(e, queries[i].src.pod, queries[i].dst.pod, queries[i].port,
                                          queries[i].protocol, &by_pods) == NETPOL_RESULT_OK;
            ok = ok && memcmp(&one, &by_pods, sizeof one) == 0;
        }
        ok = ok && memcmp(&one, &verdicts[i], sizeof one) == 0;
        ok = ok && verdicts[i].allowed == (verdicts[i].egress_allowed && verdicts[i].ingress_allowed);
        mismatches += !ok;
        allowed += verdicts[i].allowed;
    }
    CHECK(mismatches == 0);
    /* The README's matrix: 12 of 64 pairs on 8080/TCP. */
    size_t on_8080 = 0;
    for (size_t i = 0; i < n; i++) {
        on_8080 += queries[i].port == 8080 && queries[i].protocol == NETPOL_PROTOCOL_TCP &&
                   queries[i].src.kind == NETPOL_ENDPOINT_KIND_POD && verdicts[i].allowed;
    }
    CHECK(on_8080 == 12);
    CHECK(allowed > on_8080);
    CHECK(verdict_is(verdicts[n - 2], true, true, true));
    CHECK(verdict_is(verdicts[n - 1], false, false, true));
    free(queries);
    free(verdicts);
}

void test_explain(const netpol_engine *e) {
    uint32_t api = pod(e, "shop/api-7f6d5c8b9-4kx8m"), db = pod(e, "shop/postgres-0");
    uint32_t frontend = pod(e, "shop/frontend-6c8f9b7d4-2lmnp");
    char *text = NULL;
    netpol_query q = make_query(pod_endpoint(api), pod_endpoint(db), 5432, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_OK);
    CHECK_CONTAINS(text, "ALLOWED: shop/api-7f6d5c8b9-4kx8m -> shop/postgres-0 on 5432/TCP");
    CHECK_CONTAINS(text, "admitted by shop/api-to-postgres spec.egress[0].to[0] + spec.egress[0].ports[0]");
    CHECK_CONTAINS(text, "admitted by shop/postgres-from-api spec.ingress[0].from[0] + spec.ingress[0].ports[0]");
    CHECK_CONTAINS(text, "isolated by: shop/allow-monitoring, shop/default-deny, shop/postgres-from-api");
    netpol_string_free(text);

    text = NULL;
    q = make_query(pod_endpoint(frontend), v4_endpoint(203, 0, 113, 10), 443, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_OK);
    CHECK_CONTAINS(text, "DENIED: shop/frontend-6c8f9b7d4-2lmnp -> 203.0.113.10 on 443/TCP");
    CHECK_CONTAINS(text, "no rule admits");
    CHECK_CONTAINS(text, "shop/default-deny: no egress rules (denies all egress)");
    CHECK_CONTAINS(text, "203.0.113.10 is an IP outside the cluster's pods: ingress is not checked");
    netpol_string_free(text);

    text = NULL;
    q = make_query(v4_endpoint(198, 51, 100, 7), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_OK);
    CHECK_CONTAINS(text, "ALLOWED: 198.51.100.7 -> shop/frontend-6c8f9b7d4-2lmnp on 8080/TCP");
    CHECK_CONTAINS(text, "shop/frontend-from-internet spec.ingress[0].from[0]");
    netpol_string_free(text);

    text = NULL;
    q = make_query(v6_endpoint(1), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_UDP);
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_OK);
    CHECK_CONTAINS(text, "DENIED: 2001:db8::1 -> shop/frontend-6c8f9b7d4-2lmnp on 8080/UDP");
    netpol_string_free(text);
}

void test_warnings(const netpol_engine *e) {
    size_t n = netpol_engine_warning_count(e);
    CHECK(n >= 1);
    bool migrate = false;
    for (size_t i = 0; i < n; i++) {
        const char *w = netpol_engine_warning(e, i);
        CHECK(w != NULL);
        if (w != NULL && strstr(w, "Pod shop/db-migrate-28571340-5xq2d") && strstr(w, "Succeeded")) {
            migrate = true;
        }
    }
    CHECK(migrate);
    CHECK(netpol_engine_warning(e, n) == NULL);
    CHECK(netpol_engine_warning(e, SIZE_MAX) == NULL);
    CHECK(netpol_engine_pod_index(e, "shop/db-migrate-28571340-5xq2d", &(uint32_t){0}) == NETPOL_RESULT_NOT_FOUND);

    /* The left-out pod is named as such, in the words of every face; other names are not. */
    char *text = NULL;
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, "shop/db-migrate-28571340-5xq2d", &text), NETPOL_RESULT_OK);
    CHECK(text != NULL && strcmp(text,
                                 "shop/db-migrate-28571340-5xq2d was left out: its phase is Succeeded (finished pods "
                                 "hold no connections); its IP is an outside address") == 0);
    netpol_string_free(text);
    text = NULL;
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, "shop/nope", &text), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, "shop/postgres-0", &text), NETPOL_RESULT_NOT_FOUND);
    CHECK(text == NULL);
}
