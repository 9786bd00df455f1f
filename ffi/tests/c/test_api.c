/*
 * test_api.c: the C API of libnetpol, call by call: happy paths on the example cluster, inline
 * YAML, options, explanations, warnings, and misuse (NULL everywhere, unknown pods, bad
 * lengths, protocols and endpoint kinds, bad input), checking that out-parameters are left
 * untouched on failure. This file holds main and the shared helpers (test_api.h); the tests are
 * in test_api_decide.c (happy paths), test_api_families.c (address families), test_api_input.c
 * (inline, bad and empty input) and test_api_misuse.c.
 *
 * Usage: test_api [examples/cluster.yaml]
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "test_api.h"

#define SENTINEL_BYTE 0xA5

/* Out-parameters are pre-filled with a byte pattern and compared bytewise afterwards: reading
 * the bool fields of a never-written verdict would itself be undefined behaviour. */
void fill(void *p, size_t n) { memset(p, SENTINEL_BYTE, n); }

bool untouched(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != SENTINEL_BYTE) {
            return false;
        }
    }
    return true;
}

uint32_t ipv4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

netpol_endpoint pod_endpoint(uint32_t index) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_POD;
    e.pod = index;
    return e;
}

netpol_endpoint v4_endpoint(unsigned a, unsigned b, unsigned c, unsigned d) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    e.kind = NETPOL_ENDPOINT_KIND_IPV4;
    e.addr[0] = (uint8_t)a;
    e.addr[1] = (uint8_t)b;
    e.addr[2] = (uint8_t)c;
    e.addr[3] = (uint8_t)d;
    return e;
}

netpol_endpoint v6_endpoint(uint8_t last) {
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

netpol_query make_query(netpol_endpoint src, netpol_endpoint dst, uint16_t port, uint32_t protocol) {
    netpol_query q;
    memset(&q, 0, sizeof q);
    q.src = src;
    q.dst = dst;
    q.port = port;
    q.protocol = protocol;
    return q;
}

bool verdict_is(netpol_verdict v, bool allowed, bool egress, bool ingress) {
    return v.allowed == allowed && v.egress_allowed == egress && v.ingress_allowed == ingress;
}

uint32_t pod(const netpol_engine *engine, const char *name) {
    uint32_t index = UINT32_MAX;
    if (!CHECK_RESULT(netpol_engine_pod_index(engine, name, &index), NETPOL_RESULT_OK)) {
        fprintf(stderr, "  pod %s not found\n", name);
    }
    return index;
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
    test_families();
    test_bad_input();
    test_empty_input();
    free(yaml);
    return check_summary();
}
