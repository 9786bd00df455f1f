/*
 * test_api.c: the C API of libnetpol, call by call: happy paths on the example cluster, inline
 * YAML, options, explanations, warnings, and misuse (NULL everywhere, unknown pods, bad
 * lengths, protocols and endpoint kinds, bad input), checking that out-parameters are left
 * untouched on failure.
 *
 * Usage: test_api [examples/cluster.yaml]
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "netpol.h"

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

#define SENTINEL_BYTE 0xA5

/* Out-parameters are pre-filled with a byte pattern and compared bytewise afterwards: reading
 * the bool fields of a never-written verdict would itself be undefined behaviour. */
static void fill(void *p, size_t n) { memset(p, SENTINEL_BYTE, n); }

static bool untouched(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != SENTINEL_BYTE) {
            return false;
        }
    }
    return true;
}

static uint32_t ipv4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static netpol_endpoint pod_endpoint(uint32_t index) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_POD;
    e.pod = index;
    return e;
}

static netpol_endpoint v4_endpoint(unsigned a, unsigned b, unsigned c, unsigned d) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_IPV4;
    e.addr[0] = (uint8_t)a;
    e.addr[1] = (uint8_t)b;
    e.addr[2] = (uint8_t)c;
    e.addr[3] = (uint8_t)d;
    return e;
}

/* 2001:db8::<last> */
static netpol_endpoint v6_endpoint(uint8_t last) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_IPV6;
    e.addr[0] = 0x20;
    e.addr[1] = 0x01;
    e.addr[2] = 0x0d;
    e.addr[3] = 0xb8;
    e.addr[15] = last;
    return e;
}

static netpol_query make_query(netpol_endpoint src, netpol_endpoint dst, uint16_t port, uint32_t protocol) {
    netpol_query q;
    memset(&q, 0, sizeof q);
    q.src = src;
    q.dst = dst;
    q.port = port;
    q.protocol = protocol;
    return q;
}

static bool verdict_is(netpol_verdict v, bool allowed, bool egress, bool ingress) {
    return v.allowed == allowed && v.egress_allowed == egress && v.ingress_allowed == ingress;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
            }
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Loads inline YAML; NULL (and a failed check) if it does not load. */
static netpol_engine *load(const char *yaml, const netpol_options *options) {
    netpol_engine *engine = NULL;
    netpol_error *error = NULL;
    netpol_result r = netpol_engine_from_yaml((const uint8_t *)yaml, strlen(yaml), options, &engine, &error);
    if (!CHECK_RESULT(r, NETPOL_RESULT_OK)) {
        fprintf(stderr, "  error: %s\n", netpol_error_message(error));
        netpol_error_free(error);
        return NULL;
    }
    CHECK(error == NULL);
    return engine;
}

static uint32_t pod(const netpol_engine *engine, const char *name) {
    uint32_t index = UINT32_MAX;
    if (!CHECK_RESULT(netpol_engine_pod_index(engine, name, &index), NETPOL_RESULT_OK)) {
        fprintf(stderr, "  pod %s not found\n", name);
    }
    return index;
}

static size_t count_lines(const char *text) {
    size_t n = 1;
    for (const char *p = text; *p; p++) {
        n += *p == '\n';
    }
    return n;
}

/* ---- happy paths ---------------------------------------------------------------------------- */

static void test_version(void) {
    const char *v = netpol_version();
    CHECK(v != NULL);
    CHECK(v != NULL && strlen(v) >= 5);
    unsigned major, minor, patch;
    CHECK(v != NULL && sscanf(v, "%u.%u.%u", &major, &minor, &patch) == 3);
#ifdef NETPOL_EXPECTED_VERSION
    CHECK(v != NULL && strcmp(v, NETPOL_EXPECTED_VERSION) == 0);
#endif
    CHECK(netpol_version() == v); /* static */
}

static void test_options_default(void) {
    netpol_options o;
    fill(&o, sizeof o);
    CHECK_RESULT(netpol_options_default(&o), NETPOL_RESULT_OK);
    CHECK(o.self_traffic_evaluate == false);
    CHECK(o.ip_block_matches_pods == true);
    CHECK(o.lenient == false);
    CHECK_RESULT(netpol_options_default(NULL), NETPOL_RESULT_NULL_PARAMETER);
}

static void test_pods(const netpol_engine *e) {
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

static void test_decide_pods(const netpol_engine *e) {
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

static void test_decide_ipv4(const netpol_engine *e) {
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

static void test_decide_ip_bytes(const netpol_engine *e) {
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
    /* ipBlocks never cross families: 0.0.0.0/0 does not admit an IPv6 source. */
    CHECK_RESULT(netpol_decide_ip(e, v6, 16, frontend, 4, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    CHECK_RESULT(netpol_decide_ip(e, v6, 16, v6b, 16, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ip(e, api, 4, v6, 16, 443, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true));
}

static void test_decide_query(const netpol_engine *e) {
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
    q = make_query(v6_endpoint(7), pod_endpoint(frontend), 8080, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    q = make_query(pod_endpoint(api), v6_endpoint(7), 443, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, true));
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
static void test_batch(const netpol_engine *e) {
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

static void test_explain(const netpol_engine *e) {
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

static void test_warnings(const netpol_engine *e) {
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
}

/* ---- inline YAML and options ----------------------------------------------------------------- */

static const char *const TWO_PODS_IPBLOCK =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: a, namespace: default, labels: {app: a}}\n"
    "status: {phase: Running, podIP: 10.0.0.1}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: b, namespace: default, labels: {app: b}}\n"
    "status: {phase: Running, podIP: 10.0.0.2}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata: {name: b-from-block, namespace: default}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: b}}\n"
    "  policyTypes: [Ingress, Egress]\n"
    "  ingress:\n"
    "  - from:\n"
    "    - ipBlock: {cidr: 10.0.0.0/24}\n";

static void test_inline_yaml_and_options(void) {
    netpol_options o;
    CHECK_RESULT(netpol_options_default(&o), NETPOL_RESULT_OK);
    netpol_engine *e = load(TWO_PODS_IPBLOCK, &o);
    if (e == NULL) {
        return;
    }
    netpol_verdict v;
    CHECK(netpol_engine_pod_count(e) == 2);
    CHECK(netpol_engine_pod_name(e, 0) != NULL && strcmp(netpol_engine_pod_name(e, 0), "default/a") == 0);
    /* Default: ipBlocks match pod IPs; self traffic allowed even though b denies all egress. */
    CHECK_RESULT(netpol_decide_pods(e, 0, 1, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_pods(e, 1, 1, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 0, 0, 9), ipv4(10, 0, 0, 2), 80, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 0, 1, 9), ipv4(10, 0, 0, 2), 80, NETPOL_PROTOCOL_TCP, &v),
                 NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, true, false));
    netpol_engine_free(e);

    /* Options NULL means the defaults. */
    e = load(TWO_PODS_IPBLOCK, NULL);
    if (e != NULL) {
        CHECK_RESULT(netpol_decide_pods(e, 0, 1, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
        CHECK(verdict_is(v, true, true, true));
        netpol_engine_free(e);
    }

    o.ip_block_matches_pods = false;
    o.self_traffic_evaluate = true;
    e = load(TWO_PODS_IPBLOCK, &o);
    if (e != NULL) {
        CHECK_RESULT(netpol_decide_pods(e, 0, 1, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
        CHECK(verdict_is(v, false, true, false));
        CHECK_RESULT(netpol_decide_pods(e, 1, 1, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
        CHECK(verdict_is(v, false, false, false));
        CHECK_RESULT(netpol_decide_pods(e, 0, 0, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
        CHECK(verdict_is(v, true, true, true)); /* a is not isolated */
        CHECK_RESULT(netpol_decide_ipv4(e, ipv4(10, 0, 0, 9), ipv4(10, 0, 0, 2), 80, NETPOL_PROTOCOL_TCP, &v),
                     NETPOL_RESULT_OK);
        CHECK(verdict_is(v, true, true, true)); /* still an IP outside the pods */
        netpol_engine_free(e);
    }

    /* JSON works as well as YAML. */
    e = load("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
             "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"status\":{\"podIP\":\"10.1.0.1\"}}]}",
             NULL);
    if (e != NULL) {
        CHECK(netpol_engine_pod_count(e) == 1);
        CHECK(pod(e, "shop/web") == 0);
        netpol_engine_free(e);
    }
}

static void test_self_traffic_on_example(const char *yaml, size_t len) {
    netpol_options o;
    CHECK_RESULT(netpol_options_default(&o), NETPOL_RESULT_OK);
    o.self_traffic_evaluate = true;
    netpol_engine *e = NULL;
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)yaml, len, &o, &e, NULL), NETPOL_RESULT_OK);
    if (e == NULL) {
        return;
    }
    netpol_verdict v;
    uint32_t frontend = pod(e, "shop/frontend-6c8f9b7d4-2lmnp");
    CHECK_RESULT(netpol_decide_pods(e, frontend, frontend, 8080, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, false, false, false));
    netpol_engine_free(e);
}

/* ---- bad input ------------------------------------------------------------------------------- */

static const char *const BAD_CIDR =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata: {name: bad, namespace: x}\n"
    "spec:\n"
    "  podSelector: {}\n"
    "  ingress:\n"
    "  - from:\n"
    "    - ipBlock: {cidr: 10.0.0.0/99}\n";

static const char *const BAD_TWICE_AND_GOOD =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: a, namespace: x, labels: {app: a}}\n"
    "status: {podIP: 10.0.0.1}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata: {name: bad, namespace: x}\n"
    "spec:\n"
    "  podSelector: {}\n"
    "  ingress:\n"
    "  - from:\n"
    "    - ipBlock: {cidr: 10.0.0.0/99}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata: {name: bad-port, namespace: x}\n"
    "spec:\n"
    "  podSelector: {}\n"
    "  ingress:\n"
    "  - ports: [{port: 70000}]\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata: {name: deny-all, namespace: x}\n"
    "spec: {podSelector: {}, policyTypes: [Ingress]}\n";

/* Loads `len` bytes expecting INVALID_INPUT; returns the error (caller frees). */
static netpol_error *load_fails(const void *text, size_t len, const netpol_options *o) {
    netpol_engine *engine;
    netpol_error *error;
    fill(&engine, sizeof engine);
    fill(&error, sizeof error);
    CHECK_RESULT(netpol_engine_from_yaml(text, len, o, &engine, &error), NETPOL_RESULT_INVALID_INPUT);
    CHECK(untouched(&engine, sizeof engine));
    if (!CHECK(!untouched(&error, sizeof error) && error != NULL)) {
        return NULL;
    }
    CHECK(netpol_error_count(error) >= 1);
    const char *m = netpol_error_message(error);
    CHECK(m != NULL && strlen(m) > 0);
    CHECK(m == netpol_error_message(error));
    return error;
}

/* netpol.h: the message has "one line per problem" and netpol_error_count counts them. */
static bool one_line_per_problem(const netpol_error *error) {
    const char *m = netpol_error_message(error);
    bool ok = m != NULL && count_lines(m) == netpol_error_count(error);
    if (!ok) {
        fprintf(stderr, "  %zu problem(s), message of %zu line(s):\n%s\n", netpol_error_count(error),
                m ? count_lines(m) : 0, m ? m : "(NULL)");
    }
    return ok;
}

static void test_bad_input(void) {
    netpol_error *err = load_fails(BAD_CIDR, strlen(BAD_CIDR), NULL);
    if (err != NULL) {
        CHECK(netpol_error_count(err) == 1);
        CHECK(one_line_per_problem(err));
        CHECK_CONTAINS(netpol_error_message(err), "NetworkPolicy x/bad");
        CHECK_CONTAINS(netpol_error_message(err), "spec.ingress[0].from[0].ipBlock.cidr");
        CHECK_CONTAINS(netpol_error_message(err), "10.0.0.0/99");
        netpol_error_free(err);
    }

    /* Strict mode lists every problem. */
    err = load_fails(BAD_TWICE_AND_GOOD, strlen(BAD_TWICE_AND_GOOD), NULL);
    if (err != NULL) {
        CHECK(netpol_error_count(err) == 2);
        CHECK(one_line_per_problem(err));
        CHECK_CONTAINS(netpol_error_message(err), "NetworkPolicy x/bad: spec.ingress[0].from[0].ipBlock.cidr");
        CHECK_CONTAINS(netpol_error_message(err), "NetworkPolicy x/bad-port: spec.ingress[0].ports[0].port");
        netpol_error_free(err);
    }

    /* Malformed YAML and JSON. */
    static const char *const malformed[] = {"kind: [Pod\n", "{\"kind\": \"Pod\",", "- a\n- : : b\n  c", "42\n"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        err = load_fails(malformed[i], strlen(malformed[i]), NULL);
        netpol_error_free(err);
    }
    err = load_fails("kind: [Pod\n", 11, NULL);
    if (err != NULL) {
        CHECK(netpol_error_count(err) == 1);
        CHECK_CONTAINS(netpol_error_message(err), "<input>: malformed YAML");
        CHECK(one_line_per_problem(err));
        CHECK_CONTAINS(netpol_error_message(err), "line 1 column 7");
        netpol_error_free(err);
    }
    err = load_fails("{\"kind\": \"Pod\",", 15, NULL);
    if (err != NULL) {
        CHECK(netpol_error_count(err) == 1);
        CHECK(one_line_per_problem(err));
        CHECK_CONTAINS(netpol_error_message(err), "<input>: malformed JSON");
        netpol_error_free(err);
    }

    /* Not UTF-8. */
    static const uint8_t latin1[] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n";
    err = load_fails(latin1, sizeof latin1 - 1, NULL);
    if (err != NULL) {
        CHECK_CONTAINS(netpol_error_message(err), "not UTF-8");
        CHECK_CONTAINS(netpol_error_message(err), "line 3");
        netpol_error_free(err);
    }
    /* An embedded NUL is text the loader sees, not a terminator. */
    static const char with_nul[] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a\0b}\n";
    err = load_fails(with_nul, sizeof with_nul - 1, NULL);
    netpol_error_free(err);

    /* Invalid input without error_out: still INVALID_INPUT, nothing leaks. */
    netpol_engine *engine;
    fill(&engine, sizeof engine);
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)BAD_CIDR, strlen(BAD_CIDR), NULL, &engine, NULL),
                 NETPOL_RESULT_INVALID_INPUT);
    CHECK(untouched(&engine, sizeof engine));

    /* Lenient: the bad policies are skipped and reported; the good one applies. */
    netpol_options o;
    CHECK_RESULT(netpol_options_default(&o), NETPOL_RESULT_OK);
    o.lenient = true;
    netpol_engine *e = load(BAD_TWICE_AND_GOOD, &o);
    if (e != NULL) {
        CHECK(netpol_engine_pod_count(e) == 1);
        size_t n = netpol_engine_warning_count(e);
        bool bad = false, bad_port = false;
        for (size_t i = 0; i < n; i++) {
            const char *w = netpol_engine_warning(e, i);
            bad |= w != NULL && strstr(w, "NetworkPolicy x/bad: spec.ingress[0].from[0].ipBlock.cidr") != NULL;
            bad_port |= w != NULL && strstr(w, "NetworkPolicy x/bad-port:") != NULL;
        }
        CHECK(bad);
        CHECK(bad_port);
        netpol_verdict v;
        /* deny-all applies; bad-port (which would admit all ports) was skipped. */
        CHECK_RESULT(netpol_decide_ipv4(e, ipv4(192, 0, 2, 1), ipv4(10, 0, 0, 1), 80, NETPOL_PROTOCOL_TCP, &v),
                     NETPOL_RESULT_OK);
        CHECK(verdict_is(v, false, true, false));
        netpol_engine_free(e);
    }
    /* Lenient still fails on text that does not parse. */
    err = load_fails("kind: [Pod\n", 11, &o);
    netpol_error_free(err);
}

static void test_empty_input(void) {
    netpol_engine *e = NULL;
    netpol_error *err = NULL;
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)"", 0, NULL, &e, &err), NETPOL_RESULT_OK);
    CHECK(err == NULL);
    CHECK(e != NULL && netpol_engine_pod_count(e) == 0);
    CHECK(netpol_engine_pod_name(e, 0) == NULL);
    netpol_verdict v;
    CHECK_RESULT(netpol_decide_pods(e, 0, 0, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_decide_ipv4(e, 1, 2, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_OK);
    CHECK(verdict_is(v, true, true, true));
    netpol_engine_free(e);

    e = NULL;
    CHECK_RESULT(netpol_engine_from_yaml(NULL, 0, NULL, &e, NULL), NETPOL_RESULT_OK);
    CHECK(e != NULL && netpol_engine_pod_count(e) == 0);
    netpol_engine_free(e);

    e = NULL;
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)"---\n# nothing\n---\n", 18, NULL, &e, NULL),
                 NETPOL_RESULT_OK);
    CHECK(e != NULL && netpol_engine_pod_count(e) == 0);
    netpol_engine_free(e);
}

/* ---- misuse ---------------------------------------------------------------------------------- */

static void test_null_parameters(const netpol_engine *e) {
    netpol_query q = make_query(pod_endpoint(0), pod_endpoint(1), 53, NETPOL_PROTOCOL_UDP);
    netpol_verdict v;
    const uint8_t ip[4] = {10, 244, 1, 31};
    char *text;
    uint32_t index;

    fill(&v, sizeof v);
    CHECK_RESULT(netpol_decide(NULL, &q, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide(e, NULL, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide(e, &q, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide(NULL, NULL, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_pods(NULL, 0, 1, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_pods(e, 0, 1, 53, NETPOL_PROTOCOL_UDP, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ipv4(NULL, 1, 2, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ipv4(e, 1, 2, 53, NETPOL_PROTOCOL_UDP, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ip(NULL, ip, 4, ip, 4, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ip(e, NULL, 4, ip, 4, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ip(e, ip, 4, NULL, 4, 53, NETPOL_PROTOCOL_UDP, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_ip(e, ip, 4, ip, 4, 53, NETPOL_PROTOCOL_UDP, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_batch(NULL, &q, 1, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_batch(NULL, NULL, 0, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_batch(e, NULL, 1, &v), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_decide_batch(e, &q, 1, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK(untouched(&v, sizeof v));

    fill(&text, sizeof text);
    CHECK_RESULT(netpol_explain(NULL, &q, &text), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_explain(e, NULL, &text), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_explain(e, &q, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK(untouched(&text, sizeof text));

    fill(&index, sizeof index);
    CHECK_RESULT(netpol_engine_pod_index(NULL, "shop/postgres-0", &index), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_pod_index(e, NULL, &index), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_pod_index(e, "shop/postgres-0", NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK(untouched(&index, sizeof index));

    netpol_engine *engine;
    netpol_error *error;
    fill(&engine, sizeof engine);
    fill(&error, sizeof error);
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)"", 0, NULL, NULL, &error), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_from_yaml(NULL, 10, NULL, &engine, &error), NETPOL_RESULT_NULL_PARAMETER);
    CHECK(untouched(&engine, sizeof engine));
    CHECK(untouched(&error, sizeof error));
    CHECK_RESULT(netpol_options_default(NULL), NETPOL_RESULT_NULL_PARAMETER);

    /* Getters answer NULL/0, frees do nothing. */
    CHECK(netpol_engine_pod_count(NULL) == 0);
    CHECK(netpol_engine_pod_name(NULL, 0) == NULL);
    CHECK(netpol_engine_warning_count(NULL) == 0);
    CHECK(netpol_engine_warning(NULL, 0) == NULL);
    CHECK(netpol_error_message(NULL) == NULL);
    CHECK(netpol_error_count(NULL) == 0);
    netpol_engine_free(NULL);
    netpol_error_free(NULL);
    netpol_string_free(NULL);
    CHECK(true); /* survived the frees */
}

static void test_bad_arguments(const netpol_engine *e) {
    netpol_verdict v;
    uint32_t index;
    char *text;
    const uint8_t ip16[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    const uint8_t *ip = ip16;

    fill(&v, sizeof v);
    fill(&index, sizeof index);
    fill(&text, sizeof text);

    /* Unknown pods. */
    CHECK_RESULT(netpol_engine_pod_index(e, "shop/nope", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_pod_index(e, "postgres-0", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_pod_index(e, "", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_pod_index(e, "10.244.2.41", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_pod_index(e, "shop/postgres-0 ", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_engine_pod_index(e, "shop/\xff\xfe", &index), NETPOL_RESULT_NOT_FOUND);
    CHECK(untouched(&index, sizeof index));

    /* Pod indices out of range. */
    uint32_t n = (uint32_t)netpol_engine_pod_count(e);
    CHECK_RESULT(netpol_decide_pods(e, n, 0, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_decide_pods(e, 0, n, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_decide_pods(e, UINT32_MAX, 0, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_NOT_FOUND);
    netpol_query q = make_query(pod_endpoint(0), pod_endpoint(n), 80, NETPOL_PROTOCOL_TCP);
    CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_NOT_FOUND);
    CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_NOT_FOUND);

    /* IP lengths other than 4 and 16. */
    static const size_t bad_lengths[] = {0, 3, 5, 15, 17};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++) {
        size_t len = bad_lengths[i];
        CHECK_RESULT(netpol_decide_ip(e, ip, len, ip, 4, 80, NETPOL_PROTOCOL_TCP, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_decide_ip(e, ip, 16, ip, len, 80, NETPOL_PROTOCOL_TCP, &v),
                     NETPOL_RESULT_INVALID_ARGUMENT);
    }

    /* Unknown protocols. */
    static const uint32_t bad_protocols[] = {0, 1, 7, 58, 131, 133, 255, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_protocols / sizeof bad_protocols[0]; i++) {
        uint32_t p = bad_protocols[i];
        CHECK_RESULT(netpol_decide_pods(e, 0, 1, 53, p, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_decide_ipv4(e, 1, 2, 53, p, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_decide_ip(e, ip, 16, ip, 16, 53, p, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        q = make_query(pod_endpoint(0), pod_endpoint(1), 53, p);
        CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_INVALID_ARGUMENT);
    }

    /* Unknown endpoint kinds, on either side. */
    static const uint32_t bad_kinds[] = {1, 2, 3, 5, 7, 46, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++) {
        q = make_query(pod_endpoint(0), pod_endpoint(1), 53, NETPOL_PROTOCOL_UDP);
        q.src.kind = bad_kinds[i];
        CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_explain(e, &q, &text), NETPOL_RESULT_INVALID_ARGUMENT);
        q = make_query(pod_endpoint(0), pod_endpoint(1), 53, NETPOL_PROTOCOL_UDP);
        q.dst.kind = bad_kinds[i];
        CHECK_RESULT(netpol_decide(e, &q, &v), NETPOL_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(netpol_decide_batch(e, &q, 1, &v), NETPOL_RESULT_INVALID_ARGUMENT);
    }
    CHECK(untouched(&v, sizeof v));
    CHECK(untouched(&text, sizeof text));
}

static void test_batch_edges(const netpol_engine *e) {
    /* Zero-length batch: OK, arrays may be NULL. */
    CHECK_RESULT(netpol_decide_batch(e, NULL, 0, NULL), NETPOL_RESULT_OK);
    netpol_query q = make_query(pod_endpoint(0), pod_endpoint(1), 53, NETPOL_PROTOCOL_UDP);
    netpol_verdict one;
    fill(&one, sizeof one);
    CHECK_RESULT(netpol_decide_batch(e, &q, 0, &one), NETPOL_RESULT_OK);
    CHECK(untouched(&one, sizeof one));

    /* One invalid query anywhere: its error, and nothing written. */
    enum { N = 16 };
    netpol_query queries[N];
    netpol_verdict verdicts[N];
    for (uint32_t i = 0; i < N; i++) {
        queries[i] = make_query(pod_endpoint(i % 8), pod_endpoint((i * 3) % 8), 8080, NETPOL_PROTOCOL_TCP);
    }
    for (size_t at = 0; at < N; at += 5) {
        netpol_query saved = queries[at];
        for (int how = 0; how < 3; how++) {
            queries[at] = saved;
            netpol_result want;
            switch (how) {
            case 0:
                queries[at].protocol = 1;
                want = NETPOL_RESULT_INVALID_ARGUMENT;
                break;
            case 1:
                queries[at].dst.kind = 9;
                want = NETPOL_RESULT_INVALID_ARGUMENT;
                break;
            default:
                queries[at].src.pod = 1000;
                want = NETPOL_RESULT_NOT_FOUND;
                break;
            }
            fill(verdicts, sizeof verdicts);
            CHECK_RESULT(netpol_decide_batch(e, queries, N, verdicts), want);
            CHECK(untouched(verdicts, sizeof verdicts));
        }
        queries[at] = saved;
    }
    fill(verdicts, sizeof verdicts);
    CHECK_RESULT(netpol_decide_batch(e, queries, N, verdicts), NETPOL_RESULT_OK);
    bool all_written = true;
    for (size_t i = 0; i < N; i++) {
        all_written &= !untouched(&verdicts[i], sizeof verdicts[i]);
    }
    CHECK(all_written);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/cluster.yaml";
    size_t len = 0;
    char *yaml = read_file(path, &len);
    if (!CHECK(yaml != NULL)) {
        return check_summary();
    }

    test_version();
    test_options_default();

    netpol_engine *e = NULL;
    netpol_error *error;
    fill(&error, sizeof error);
    CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)yaml, len, NULL, &e, &error), NETPOL_RESULT_OK);
    CHECK(untouched(&error, sizeof error)); /* error_out is written only on INVALID_INPUT */
    if (e != NULL) {
        test_pods(e);
        test_decide_pods(e);
        test_decide_ipv4(e);
        test_decide_ip_bytes(e);
        test_decide_query(e);
        test_batch(e);
        test_explain(e);
        test_warnings(e);
        test_null_parameters(e);
        test_bad_arguments(e);
        test_batch_edges(e);
        netpol_engine_free(e);
    }
    test_self_traffic_on_example(yaml, len);
    test_inline_yaml_and_options();
    test_bad_input();
    test_empty_input();
    free(yaml);
    return check_summary();
}
