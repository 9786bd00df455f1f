/*
 * bench_batch.c: C-side decision throughput, FFI crossing included. Not a pass/fail test.
 *
 * Builds N random pod -> pod queries on one port/TCP with the xorshift of `netpol bench` (same
 * seed, so the same pairs), plus N external-IPv4 -> pod queries, and times (CLOCK_MONOTONIC,
 * best of R repetitions):
 *   - netpol_decide_batch over all N queries at once,
 *   - netpol_decide_batch in batches of 64 (what dataplane.c does),
 *   - netpol_decide, one call per query,
 *   - netpol_decide_batch over the IP -> pod queries.
 *
 * Usage: bench_batch CLUSTER.yaml [N=1000000] [R=5] [PORT=8080]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netpol.h"

static uint64_t rng = 0x9e3779b97f4a7c15u; /* netpol bench's seed */

static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile size_t sink;

static size_t count_allowed(const netpol_verdict *v, size_t n) {
    size_t allowed = 0;
    for (size_t i = 0; i < n; i++) {
        allowed += v[i].allowed;
    }
    return allowed;
}

enum mode { WHOLE, CHUNKS_OF_64, ONE_BY_ONE };

/* Best nanoseconds per decision over `reps` runs; -1 on an error. */
static double measure(const netpol_engine *e, const netpol_query *q, netpol_verdict *v, size_t n, int reps,
                      enum mode mode) {
    double best = -1;
    for (int r = 0; r < reps; r++) {
        double start = now_ns();
        netpol_result result = NETPOL_RESULT_OK;
        switch (mode) {
        case WHOLE:
            result = netpol_decide_batch(e, q, n, v);
            break;
        case CHUNKS_OF_64:
            for (size_t at = 0; at < n && result == NETPOL_RESULT_OK; at += 64) {
                result = netpol_decide_batch(e, q + at, n - at < 64 ? n - at : 64, v + at);
            }
            break;
        case ONE_BY_ONE:
            for (size_t i = 0; i < n && result == NETPOL_RESULT_OK; i++) {
                result = netpol_decide(e, &q[i], &v[i]);
            }
            break;
        }
        double ns = (now_ns() - start) / (double)n;
        if (result != NETPOL_RESULT_OK) {
            fprintf(stderr, "decide failed: result %u\n", (unsigned)result);
            return -1;
        }
        sink += count_allowed(v, n);
        if (best < 0 || ns < best) {
            best = ns;
        }
    }
    return best;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CLUSTER.yaml [N=1000000] [R=5] [PORT=8080]\n", argv[0]);
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    uint16_t port = (uint16_t)(argc > 4 ? atoi(argv[4]) : 8080);
    if (n == 0 || reps <= 0) {
        fprintf(stderr, "N and R must be positive\n");
        return 2;
    }

    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *yaml = malloc(size > 0 ? (size_t)size : 1);
    size_t len = yaml != NULL && size > 0 ? fread(yaml, 1, (size_t)size, f) : 0;
    fclose(f);

    double t0 = now_ns();
    netpol_engine *e = NULL;
    netpol_error *error = NULL;
    netpol_result r = netpol_engine_from_yaml((const uint8_t *)yaml, len, NULL, &e, &error);
    double load_ms = (now_ns() - t0) / 1e6;
    free(yaml);
    if (r != NETPOL_RESULT_OK) {
        fprintf(stderr, "cannot load %s:\n%s\n", argv[1], netpol_error_message(error));
        netpol_error_free(error);
        return 2;
    }
    uint32_t pods = (uint32_t)netpol_engine_pod_count(e);
    if (pods == 0) {
        fprintf(stderr, "%s has no pods\n", argv[1]);
        netpol_engine_free(e);
        return 2;
    }

    netpol_query *pod_pairs = calloc(n, sizeof *pod_pairs);
    netpol_query *ip_to_pod = calloc(n, sizeof *ip_to_pod);
    netpol_verdict *verdicts = calloc(n, sizeof *verdicts);
    if (pod_pairs == NULL || ip_to_pod == NULL || verdicts == NULL) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        netpol_query *q = &pod_pairs[i];
        q->src.kind = NETPOL_ENDPOINT_KIND_POD;
        q->src.pod = (uint32_t)(next_random() % pods);
        q->dst.kind = NETPOL_ENDPOINT_KIND_POD;
        q->dst.pod = (uint32_t)(next_random() % pods);
        q->port = port;
        q->protocol = NETPOL_PROTOCOL_TCP;
    }
    for (size_t i = 0; i < n; i++) {
        /* External sources: 198.18.0.0/15 and beyond, never pod IPs (as netpol bench). */
        uint32_t ip = 0xc6120000u + ((uint32_t)next_random() & 0x00ffffffu);
        netpol_query *q = &ip_to_pod[i];
        q->src.kind = NETPOL_ENDPOINT_KIND_IPV4;
        q->src.addr[0] = (uint8_t)(ip >> 24);
        q->src.addr[1] = (uint8_t)(ip >> 16);
        q->src.addr[2] = (uint8_t)(ip >> 8);
        q->src.addr[3] = (uint8_t)ip;
        q->dst.kind = NETPOL_ENDPOINT_KIND_POD;
        q->dst.pod = (uint32_t)(next_random() % pods);
        q->port = port;
        q->protocol = NETPOL_PROTOCOL_TCP;
    }

    measure(e, pod_pairs, verdicts, n < 10000 ? n : 10000, 1, WHOLE); /* warm up */
    double batch = measure(e, pod_pairs, verdicts, n, reps, WHOLE);
    size_t allowed = count_allowed(verdicts, n);
    double batch64 = measure(e, pod_pairs, verdicts, n, reps, CHUNKS_OF_64);
    double single = measure(e, pod_pairs, verdicts, n, reps, ONE_BY_ONE);
    double ip_batch = measure(e, ip_to_pod, verdicts, n, reps, WHOLE);
    if (batch < 0 || batch64 < 0 || single < 0 || ip_batch < 0) {
        return 1;
    }
    printf("{\"pods\": %u, \"load_ms\": %.1f, \"queries\": %zu, \"repetitions\": %d, \"port\": %u, "
           "\"allowed\": %zu, \"c_decide_batch_ns\": %.2f, \"c_decide_batch64_ns\": %.2f, "
           "\"c_decide_ns\": %.2f, \"c_decide_batch_ip_ns\": %.2f}\n",
           pods, load_ms, n, reps, (unsigned)port, allowed, batch, batch64, single, ip_batch);

    free(pod_pairs);
    free(ip_to_pod);
    free(verdicts);
    netpol_engine_free(e);
    return 0;
}
