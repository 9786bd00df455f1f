/*
 * threads.c: one netpol_engine shared by 8 pthreads, with no locking, as netpol.h promises.
 *
 * The answers (verdicts and explanation texts) are computed single-threaded first; then every
 * thread, released together by a barrier, runs decides, batch decides of varying sizes,
 * explains and pod lookups over the same queries from different offsets and compares.
 *
 * Usage: threads CLUSTER.yaml [ROUNDS]
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "netpol.h"

enum { THREADS = 8, QUERIES = 4096, EXPLAINED = 32, MAX_BATCH = 97 };

static const netpol_engine *engine;
static netpol_query queries[QUERIES];
static netpol_verdict expected[QUERIES];
static char *expected_text[EXPLAINED];
static pthread_barrier_t start;
static int rounds = 20;

struct worker {
    pthread_t thread;
    unsigned id;
    size_t decides, batched, explained, looked_up;
    size_t mismatches, errors;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static netpol_endpoint random_endpoint(uint32_t pods) {
    netpol_endpoint e;
    memset(&e, 0, sizeof e);
    uint64_t r = next_random();
    switch (r % 10) {
    case 0: /* an external IPv4 address (198.18.0.0/15 and up), or a private one */
        e.kind = NETPOL_ENDPOINT_KIND_IPV4;
        e.addr[0] = (r >> 8) & 1 ? 198 : 10;
        e.addr[1] = (uint8_t)(r >> 16);
        e.addr[2] = (uint8_t)(r >> 24);
        e.addr[3] = (uint8_t)(r >> 32);
        break;
    case 1: /* IPv6 */
        e.kind = NETPOL_ENDPOINT_KIND_IPV6;
        e.addr[0] = 0x20;
        e.addr[1] = 0x01;
        e.addr[2] = 0x0d;
        e.addr[3] = 0xb8;
        e.addr[15] = (uint8_t)(r >> 8);
        break;
    default:
        e.kind = NETPOL_ENDPOINT_KIND_POD;
        e.pod = (uint32_t)((r >> 8) % pods);
    }
    return e;
}

static bool same(const netpol_verdict *a, const netpol_verdict *b) {
    return a->allowed == b->allowed && a->egress_allowed == b->egress_allowed &&
           a->ingress_allowed == b->ingress_allowed && a->families == b->families &&
           a->allowed_families == b->allowed_families;
}

static void *work(void *arg) {
    struct worker *w = arg;
    netpol_verdict batch[MAX_BATCH];
    pthread_barrier_wait(&start);
    for (int round = 0; round < rounds; round++) {
        size_t offset = (w->id * 517u + (unsigned)round * 131u) % QUERIES;
        for (size_t i = 0; i < QUERIES; i++) {
            size_t k = (offset + i) % QUERIES;
            netpol_verdict v;
            if (netpol_decide(engine, &queries[k], &v) != NETPOL_RESULT_OK) {
                w->errors++;
            } else if (!same(&v, &expected[k])) {
                w->mismatches++;
            }
            w->decides++;
        }
        for (size_t at = 0, size = 1 + (w->id + (unsigned)round) % MAX_BATCH; at < QUERIES;
             at += size, size = 1 + (size * 7 + w->id) % MAX_BATCH) {
            size_t n = at + size <= QUERIES ? size : QUERIES - at;
            if (netpol_decide_batch(engine, &queries[at], n, batch) != NETPOL_RESULT_OK) {
                w->errors++;
                continue;
            }
            for (size_t i = 0; i < n; i++) {
                w->mismatches += !same(&batch[i], &expected[at + i]);
            }
            w->batched += n;
        }
        for (size_t i = 0; i < EXPLAINED; i++) {
            size_t k = (i + w->id) % EXPLAINED;
            char *text = NULL;
            if (netpol_explain(engine, &queries[k], &text) != NETPOL_RESULT_OK) {
                w->errors++;
                continue;
            }
            w->mismatches += strcmp(text, expected_text[k]) != 0;
            netpol_string_free(text);
            w->explained++;
        }
        uint32_t pods = (uint32_t)netpol_engine_pod_count(engine);
        for (uint32_t i = w->id % 4; i < pods; i += 4) {
            uint32_t index = UINT32_MAX;
            const char *name = netpol_engine_pod_name(engine, i);
            if (name == NULL || netpol_engine_pod_index(engine, name, &index) != NETPOL_RESULT_OK) {
                w->errors++;
            } else {
                w->mismatches += index != i;
            }
            w->looked_up++;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CLUSTER.yaml [ROUNDS]\n", argv[0]);
        return 2;
    }
    if (argc > 2) {
        rounds = atoi(argv[2]);
    }
    size_t len;
    char *yaml = read_file(argv[1], &len);
    if (!CHECK(yaml != NULL)) {
        return check_summary();
    }
    netpol_engine *owned = NULL;
    netpol_error *error = NULL;
    if (!CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)yaml, len, NULL, &owned, &error), NETPOL_RESULT_OK)) {
        fprintf(stderr, "%s\n", netpol_error_message(error));
        netpol_error_free(error);
        free(yaml);
        return check_summary();
    }
    free(yaml);
    engine = owned;
    uint32_t pods = (uint32_t)netpol_engine_pod_count(engine);
    CHECK(pods > 0);

    /* The answers, single-threaded. */
    static const uint16_t ports[] = {53, 80, 443, 5432, 8080, 8443, 9090, 9153, 9100, 9150};
    static const uint32_t protocols[] = {NETPOL_PROTOCOL_TCP, NETPOL_PROTOCOL_TCP, NETPOL_PROTOCOL_UDP,
                                         NETPOL_PROTOCOL_SCTP};
    size_t allowed = 0, failed = 0;
    for (size_t i = 0; i < QUERIES; i++) {
        netpol_query *q = &queries[i];
        memset(q, 0, sizeof *q);
        q->src = random_endpoint(pods);
        q->dst = random_endpoint(pods);
        q->port = ports[next_random() % (sizeof ports / sizeof ports[0])];
        q->protocol = protocols[next_random() % (sizeof protocols / sizeof protocols[0])];
        failed += netpol_decide(engine, q, &expected[i]) != NETPOL_RESULT_OK;
        allowed += expected[i].allowed;
    }
    CHECK(failed == 0);
    CHECK(allowed > 0 && allowed < QUERIES); /* both answers occur */
    for (size_t i = 0; i < EXPLAINED; i++) {
        char *text = NULL;
        CHECK_RESULT(netpol_explain(engine, &queries[i], &text), NETPOL_RESULT_OK);
        expected_text[i] = strdup(text != NULL ? text : "");
        netpol_string_free(text);
    }

    struct worker workers[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (unsigned t = 0; t < THREADS; t++) {
        memset(&workers[t], 0, sizeof workers[t]);
        workers[t].id = t;
        CHECK(pthread_create(&workers[t].thread, NULL, work, &workers[t]) == 0);
    }
    size_t decisions = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        struct worker *w = &workers[t];
        CHECK(pthread_join(w->thread, NULL) == 0);
        CHECK(w->errors == 0);
        CHECK(w->mismatches == 0);
        CHECK(w->decides == (size_t)rounds * QUERIES);
        CHECK(w->batched == (size_t)rounds * QUERIES);
        CHECK(w->explained == (size_t)rounds * EXPLAINED);
        CHECK(w->looked_up > 0 || rounds == 0);
        if (w->errors || w->mismatches) {
            fprintf(stderr, "thread %u: %zu errors, %zu mismatches\n", t, w->errors, w->mismatches);
        }
        decisions += w->decides + w->batched;
    }
    pthread_barrier_destroy(&start);
    fprintf(stderr, "threads: %d threads, %zu pods, %zu decisions, %zu of %d sample queries allowed\n", THREADS,
            (size_t)pods, decisions, allowed, QUERIES);

    for (size_t i = 0; i < EXPLAINED; i++) {
        free(expected_text[i]);
    }
    netpol_engine_free(owned);
    return check_summary();
}
