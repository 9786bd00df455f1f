/*
 * live.c: netpol_live, the incremental engine, from C (issue 20).
 *
 * 1. Single-threaded: events change the answers of new snapshots, never of old ones; a pod
 *    event that joins an existing identity patches; bad events (malformed JSON, a deletion of an
 *    object not held, an ERROR event, a rejected object, two documents) return
 *    NETPOL_RESULT_INVALID_INPUT with a message and leave the state as it was; a full listing
 *    resyncs.
 * 2. One writer thread toggles an allow-all policy (ADDED, DELETED, ...) and replaces a pod while
 *    reader threads take snapshots and decide on them: every snapshot answers exactly as one of
 *    the two states does, never a mix, and both are seen.
 *
 * Usage: live CLUSTER.yaml [ROUNDS]
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixtures.h"
#include "netpol.h"

enum { READERS = 4, QUERIES = 2048 };

static const char ALLOW_ADDED[] =
    "{\"type\": \"ADDED\", \"object\": {\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\","
    " \"metadata\": {\"name\": \"live-allow-all\", \"namespace\": \"%s\"},"
    " \"spec\": {\"podSelector\": {}, \"ingress\": [{}], \"egress\": [{}]}}}";
static const char ALLOW_DELETED[] =
    "{\"type\": \"DELETED\", \"object\": {\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\","
    " \"metadata\": {\"name\": \"live-allow-all\", \"namespace\": \"%s\"}}}";

static netpol_live *live;
static netpol_query queries[QUERIES];
static netpol_verdict open_state[QUERIES], opened_state[QUERIES];
static char allow_added[512], allow_deleted[512];
static atomic_bool writing_done;
static atomic_size_t opened_snapshots, open_snapshots;
static int rounds = 50;

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool same(const netpol_verdict *a, const netpol_verdict *b) {
    return a->allowed == b->allowed && a->egress_allowed == b->egress_allowed &&
           a->ingress_allowed == b->ingress_allowed && a->families == b->families &&
           a->allowed_families == b->allowed_families;
}

static netpol_result apply(const char *event, netpol_live_applied *applied, netpol_error **error) {
    return netpol_live_apply_json(live, (const uint8_t *)event, strlen(event), applied, error);
}

/* Answers every query on a new snapshot into `out`. */
static void answers(netpol_verdict *out) {
    netpol_engine *snapshot = NULL;
    CHECK_RESULT(netpol_live_snapshot(live, &snapshot), NETPOL_RESULT_OK);
    for (size_t i = 0; i < QUERIES; i++) {
        CHECK_RESULT(netpol_decide(snapshot, &queries[i], &out[i]), NETPOL_RESULT_OK);
    }
    netpol_engine_free(snapshot);
}

/* Applies `event` expecting INVALID_INPUT with `needle` in the message. */
static void refused(const char *event, const char *needle) {
    netpol_error *error = NULL;
    netpol_live_applied applied = NETPOL_LIVE_APPLIED_IGNORED;
    if (CHECK_RESULT(apply(event, &applied, &error), NETPOL_RESULT_INVALID_INPUT) && CHECK(error != NULL)) {
        CHECK_CONTAINS(netpol_error_message(error), needle);
    }
    netpol_error_free(error);
}

static void single_threaded(const char *ns, const char *pod_event, const char *pod_name) {
    netpol_live_applied applied = NETPOL_LIVE_APPLIED_IGNORED;
    netpol_engine *before = NULL;
    CHECK_RESULT(netpol_live_snapshot(live, &before), NETPOL_RESULT_OK);
    CHECK_RESULT(apply(allow_added, &applied, NULL), NETPOL_RESULT_OK);
    CHECK(applied == NETPOL_LIVE_APPLIED_RECOMPILED);
    answers(opened_state);
    size_t changed = 0;
    for (size_t i = 0; i < QUERIES; i++) {
        netpol_verdict v;
        /* The snapshot taken before still answers as before. */
        CHECK_RESULT(netpol_decide(before, &queries[i], &v), NETPOL_RESULT_OK);
        CHECK(same(&v, &open_state[i]));
        changed += !same(&open_state[i], &opened_state[i]);
    }
    CHECK(changed > 0);
    netpol_engine_free(before);
    CHECK_RESULT(apply(allow_added, &applied, NULL), NETPOL_RESULT_OK);
    CHECK(applied == NETPOL_LIVE_APPLIED_UNCHANGED);
    CHECK_RESULT(apply(allow_deleted, &applied, NULL), NETPOL_RESULT_OK);
    netpol_verdict back[QUERIES];
    answers(back);
    size_t differ = 0;
    for (size_t i = 0; i < QUERIES; i++) {
        differ += !same(&back[i], &open_state[i]);
    }
    CHECK(differ == 0);

    /* A pod replaced by itself with another label nobody selects joins its identity. */
    CHECK_RESULT(apply(pod_event, &applied, NULL), NETPOL_RESULT_OK);
    CHECK(applied == NETPOL_LIVE_APPLIED_PATCHED || applied == NETPOL_LIVE_APPLIED_RECOMPILED);
    netpol_engine *after = NULL;
    uint32_t index = UINT32_MAX;
    CHECK_RESULT(netpol_live_snapshot(live, &after), NETPOL_RESULT_OK);
    CHECK_RESULT(netpol_engine_pod_index(after, pod_name, &index), NETPOL_RESULT_OK);
    netpol_engine_free(after);
    netpol_verdict kept[QUERIES];
    answers(kept);

    /* Bad events: refused with a message, state kept. */
    refused("{\"type\": \"ADDED\" \"object\": {}}", "malformed JSON");
    refused("{\"type\": \"DELETED\", \"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"nobody\","
            " \"namespace\": \"default\"}}}",
            "not held");
    refused("{\"type\": \"ERROR\", \"object\": {\"kind\": \"Status\", \"code\": 410, \"reason\": \"Expired\","
            " \"message\": \"too old resource version\"}}",
            "410");
    refused("{\"type\": \"ADDED\", \"object\": {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\":"
            " {\"name\": \"typo\", \"namespace\": \"default\", \"lables\": {}}}}",
            "lables");
    refused("{\"type\": \"BOOKMARK\", \"object\": {}} {\"type\": \"BOOKMARK\", \"object\": {}}", "one event at a time");
    refused("", "empty");
    CHECK_RESULT(apply("{\"type\": \"BOOKMARK\", \"object\": {\"kind\": \"Pod\"}}", &applied, NULL), NETPOL_RESULT_OK);
    CHECK(applied == NETPOL_LIVE_APPLIED_IGNORED);
    CHECK_RESULT(netpol_live_apply_json(NULL, (const uint8_t *)"{}", 2, NULL, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_live_apply_json(live, NULL, 3, NULL, NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_live_snapshot(live, NULL), NETPOL_RESULT_NULL_PARAMETER);
    answers(back);
    differ = 0;
    for (size_t i = 0; i < QUERIES; i++) {
        differ += !same(&back[i], &kept[i]);
    }
    CHECK(differ == 0);
    (void)ns;
}

struct reader {
    pthread_t thread;
    size_t snapshots, open_seen, opened_seen, mixed, errors;
};

static void *read_snapshots(void *arg) {
    struct reader *r = arg;
    while (!atomic_load(&writing_done) || r->snapshots < 4) {
        netpol_engine *snapshot = NULL;
        if (netpol_live_snapshot(live, &snapshot) != NETPOL_RESULT_OK) {
            r->errors++;
            continue;
        }
        bool is_open = true, is_opened = true;
        for (size_t i = 0; i < QUERIES; i++) {
            netpol_verdict v;
            if (netpol_decide(snapshot, &queries[i], &v) != NETPOL_RESULT_OK) {
                r->errors++;
                break;
            }
            is_open = is_open && same(&v, &open_state[i]);
            is_opened = is_opened && same(&v, &opened_state[i]);
        }
        r->open_seen += is_open;
        r->opened_seen += is_opened;
        if (is_opened && !is_open) {
            atomic_fetch_add(&opened_snapshots, 1);
        }
        if (is_open && !is_opened) {
            atomic_fetch_add(&open_snapshots, 1);
        }
        r->mixed += !is_open && !is_opened;
        r->snapshots++;
        netpol_engine_free(snapshot);
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
    netpol_error *error = NULL;
    if (!CHECK_RESULT(netpol_live_new((const uint8_t *)yaml, len, NULL, &live, &error), NETPOL_RESULT_OK)) {
        fprintf(stderr, "%s\n", netpol_error_message(error));
        netpol_error_free(error);
        free(yaml);
        return check_summary();
    }
    free(yaml);
    CHECK_RESULT(netpol_live_new(NULL, 4, NULL, &live, NULL), NETPOL_RESULT_NULL_PARAMETER);

    /* Queries between pods (indices are stable: the writer below replaces a pod by itself). */
    netpol_engine *first = NULL;
    CHECK_RESULT(netpol_live_snapshot(live, &first), NETPOL_RESULT_OK);
    uint32_t pods = (uint32_t)netpol_engine_pod_count(first);
    CHECK(pods > 1);
    for (size_t i = 0; i < QUERIES; i++) {
        netpol_query *q = &queries[i];
        memset(q, 0, sizeof *q);
        q->src.kind = NETPOL_ENDPOINT_KIND_POD;
        q->dst.kind = NETPOL_ENDPOINT_KIND_POD;
        q->src.pod = (uint32_t)(next_random() % pods);
        q->dst.pod = (uint32_t)(next_random() % pods);
        q->port = (uint16_t)(next_random() % 2 ? 8080 : 5432);
        q->protocol = NETPOL_PROTOCOL_TCP;
    }
    answers(open_state);
    /* The allow-all goes to the namespace of the destination of a denied connection. */
    uint32_t target = pods / 2;
    for (size_t i = 0; i < QUERIES; i++) {
        if (!open_state[i].ingress_allowed && queries[i].src.pod != queries[i].dst.pod) {
            target = queries[i].dst.pod;
            break;
        }
    }
    const char *name = netpol_engine_pod_name(first, target);
    char ns[128] = {0}, pod_name[256] = {0};
    snprintf(pod_name, sizeof pod_name, "%s", name != NULL ? name : "default/x");
    snprintf(ns, sizeof ns, "%.*s", (int)strcspn(pod_name, "/"), pod_name);
    netpol_engine_free(first);
    snprintf(allow_added, sizeof allow_added, ALLOW_ADDED, ns);
    snprintf(allow_deleted, sizeof allow_deleted, ALLOW_DELETED, ns);
    /* The same pod again, with one more label nobody selects (no IP: only labels matter here). */
    char pod_event[1024];
    snprintf(pod_event, sizeof pod_event,
             "{\"type\": \"MODIFIED\", \"object\": {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\":"
             " {\"name\": \"%s\", \"namespace\": \"%s\", \"labels\": {\"live-test\": \"x\"}}}}",
             strchr(pod_name, '/') != NULL ? strchr(pod_name, '/') + 1 : pod_name, ns);
    single_threaded(ns, pod_event, pod_name);
    /* The pod event may have moved the pod's answers: take the open state afresh. */
    answers(open_state);
    CHECK_RESULT(netpol_live_apply_json(live, (const uint8_t *)allow_added, strlen(allow_added), NULL, NULL),
                 NETPOL_RESULT_OK);
    answers(opened_state);
    CHECK_RESULT(netpol_live_apply_json(live, (const uint8_t *)allow_deleted, strlen(allow_deleted), NULL, NULL),
                 NETPOL_RESULT_OK);

    /* One writer (this thread), several readers. */
    struct reader readers[READERS];
    atomic_store(&writing_done, false);
    for (unsigned t = 0; t < READERS; t++) {
        memset(&readers[t], 0, sizeof readers[t]);
        CHECK(pthread_create(&readers[t].thread, NULL, read_snapshots, &readers[t]) == 0);
    }
    size_t write_errors = 0;
    /* At least `rounds` rounds, and on until readers have seen both states (at most ten times
     * as many): each lasts a millisecond each round (under valgrind, threads take turns, and
     * two rounds could pass with the readers seeing only one of them). */
    for (int round = 0; round < rounds || ((atomic_load(&opened_snapshots) == 0 || atomic_load(&open_snapshots) == 0)
                                           && round < 10 * rounds);
         round++) {
        write_errors += apply(allow_added, NULL, NULL) != NETPOL_RESULT_OK;
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 1000000}, NULL);
        write_errors += apply(pod_event, NULL, NULL) != NETPOL_RESULT_OK;
        write_errors += apply(allow_deleted, NULL, NULL) != NETPOL_RESULT_OK;
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 1000000}, NULL);
    }
    atomic_store(&writing_done, true);
    CHECK(write_errors == 0);
    size_t snapshots = 0, open_seen = 0, opened_seen = 0;
    for (unsigned t = 0; t < READERS; t++) {
        struct reader *r = &readers[t];
        CHECK(pthread_join(r->thread, NULL) == 0);
        CHECK(r->errors == 0);
        CHECK(r->mixed == 0);
        snapshots += r->snapshots;
        open_seen += r->open_seen;
        opened_seen += r->opened_seen;
    }
    CHECK(open_seen > 0);
    CHECK(opened_seen > 0);
    printf("live: %d writer rounds, %zu snapshots read (%zu open, %zu opened)\n", rounds, snapshots, open_seen,
           opened_seen);
    netpol_live_free(live);
    netpol_live_free(NULL);
    return check_summary();
}
