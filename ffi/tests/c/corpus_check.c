/*
 * corpus_check.c: the shared case corpus (core/testdata/cases) through the C API. The fixtures
 * are written by `cargo test -p netpol-ffi --test corpus_fixtures` (see corpus_fixtures.rs for
 * the format) with the Rust engine's verdicts, per address family too; every verdict here must
 * equal them, through netpol_decide one query at a time and through netpol_decide_batch over the
 * whole case.
 *
 * Usage: corpus_check FIXTURE_DIR          (e.g. target/tmp/c-corpus)
 * Prints "N passed, M failed" last (one check per case loaded, per pod name, per query and per
 * batch); exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "netpol.h"

struct expected {
    bool allowed, egress, ingress;
    uint8_t families, allowed_families;
    unsigned line;
};

struct queries {
    netpol_query *items;
    struct expected *expected;
    size_t len, cap;
};

/* A pod index (digits only) or an IP literal. */
static bool parse_endpoint(const char *text, netpol_endpoint *out) {
    memset(out, 0, sizeof *out);
    bool digits = *text != '\0';
    for (const char *p = text; *p; p++) {
        digits &= isdigit((unsigned char)*p) != 0;
    }
    if (digits) {
        out->kind = NETPOL_ENDPOINT_KIND_POD;
        out->pod = (uint32_t)strtoul(text, NULL, 10);
        return true;
    }
    return parse_ip(text, out);
}

static bool push(struct queries *qs, const netpol_query *q, const struct expected *e) {
    if (qs->len == qs->cap) {
        size_t cap = qs->cap ? qs->cap * 2 : 256;
        netpol_query *items = realloc(qs->items, cap * sizeof *items);
        if (items == NULL) {
            return false;
        }
        qs->items = items;
        struct expected *expected = realloc(qs->expected, cap * sizeof *expected);
        if (expected == NULL) {
            return false;
        }
        qs->expected = expected;
        qs->cap = cap;
    }
    qs->items[qs->len] = *q;
    qs->expected[qs->len] = *e;
    qs->len++;
    return true;
}

static bool matches(const netpol_verdict *v, const struct expected *e) {
    return v->allowed == e->allowed && v->egress_allowed == e->egress && v->ingress_allowed == e->ingress &&
           v->families == e->families && v->allowed_families == e->allowed_families;
}

/* Checks one case; returns the number of queries checked. */
static size_t check_case(const char *dir, const char *id) {
    char path[4096];
    size_t json_len = 0, txt_len = 0;
    snprintf(path, sizeof path, "%s/%s.json", dir, id);
    char *json = read_file(path, &json_len);
    snprintf(path, sizeof path, "%s/%s.txt", dir, id);
    char *txt = read_file(path, &txt_len);
    netpol_engine *engine = NULL;
    struct queries qs = {0};
    size_t checked = 0;
    if (!CHECK(json != NULL && txt != NULL)) {
        goto done;
    }

    netpol_options options;
    CHECK_RESULT(netpol_options_default(&options), NETPOL_RESULT_OK);
    size_t pods = SIZE_MAX, declared_end = SIZE_MAX;
    unsigned line_no = 0;
    bool parsed = true;
    char *save = NULL;
    for (char *line = strtok_r(txt, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        char a[128], b[128], name[512];
        unsigned st, ipm, tie, lenient, port, proto, allowed, egress, ingress, families, allowing;
        size_t index;
        if (strncmp(line, "case ", 5) == 0) {
            continue;
        } else if (sscanf(line, "options %u %u %u %u", &st, &ipm, &tie, &lenient) == 4) {
            /* Options must be known before the engine is built: build it at the "pods" line. */
            options.self_traffic_evaluate = st != 0;
            options.ip_block_matches_pods = ipm != 0;
            options.tie = (netpol_tie)tie;
            options.lenient = lenient != 0;
        } else if (sscanf(line, "pods %zu", &pods) == 1) {
            netpol_error *error = NULL;
            if (!CHECK_RESULT(netpol_engine_from_yaml((const uint8_t *)json, json_len, &options, &engine, &error),
                              NETPOL_RESULT_OK)) {
                fprintf(stderr, "  %s: %s\n", id, netpol_error_message(error));
                netpol_error_free(error);
                parsed = false;
                break;
            }
            if (!CHECK(netpol_engine_pod_count(engine) == pods)) {
                fprintf(stderr, "  %s: %zu pods, fixture says %zu\n", id, netpol_engine_pod_count(engine), pods);
            }
        } else if (sscanf(line, "pod %zu %511s", &index, name) == 2) {
            const char *got = netpol_engine_pod_name(engine, (uint32_t)index);
            if (!CHECK(got != NULL && strcmp(got, name) == 0)) {
                fprintf(stderr, "  %s: pod %zu is %s, fixture says %s\n", id, index, got ? got : "(NULL)", name);
            }
        } else if (sscanf(line, "q %127s %127s %u %u %u %u %u %u %u", a, b, &port, &proto, &allowed, &egress, &ingress,
                          &families, &allowing) == 9) {
            netpol_query q;
            memset(&q, 0, sizeof q);
            struct expected e = {allowed != 0, egress != 0, ingress != 0, (uint8_t)families, (uint8_t)allowing, line_no};
            if (!parse_endpoint(a, &q.src) || !parse_endpoint(b, &q.dst) || port > 65535 || families > 3 ||
                allowing > 3) {
                parsed = false;
                fprintf(stderr, "  %s line %u: bad query: %s\n", id, line_no, line);
                break;
            }
            q.port = (uint16_t)port;
            q.protocol = proto;
            if (!push(&qs, &q, &e)) {
                parsed = false;
                break;
            }
        } else if (sscanf(line, "end %zu", &declared_end) == 1) {
            continue;
        } else {
            fprintf(stderr, "  %s line %u: cannot read: %s\n", id, line_no, line);
            parsed = false;
            break;
        }
    }
    if (!CHECK(parsed && engine != NULL && declared_end == qs.len)) {
        fprintf(stderr, "  %s: fixture unreadable or truncated\n", id);
        goto done;
    }

    /* One at a time. */
    for (size_t i = 0; i < qs.len; i++) {
        netpol_verdict v;
        netpol_result r = netpol_decide(engine, &qs.items[i], &v);
        if (!CHECK(r == NETPOL_RESULT_OK && matches(&v, &qs.expected[i]))) {
            bool ok = r == NETPOL_RESULT_OK;
            fprintf(stderr, "  %s line %u: result %u, C says %d/%d/%d families %u/%u, Rust says %d/%d/%d families %u/%u\n",
                    id, qs.expected[i].line, (unsigned)r, ok && v.allowed, ok && v.egress_allowed,
                    ok && v.ingress_allowed, ok ? (unsigned)v.families : 0u, ok ? (unsigned)v.allowed_families : 0u,
                    qs.expected[i].allowed, qs.expected[i].egress, qs.expected[i].ingress,
                    (unsigned)qs.expected[i].families, (unsigned)qs.expected[i].allowed_families);
        }
        checked++;
    }
    /* The whole case as one batch. */
    netpol_verdict *verdicts = calloc(qs.len ? qs.len : 1, sizeof *verdicts);
    if (CHECK(verdicts != NULL) &&
        CHECK_RESULT(netpol_decide_batch(engine, qs.items, qs.len, verdicts), NETPOL_RESULT_OK)) {
        size_t wrong = 0;
        for (size_t i = 0; i < qs.len; i++) {
            wrong += !matches(&verdicts[i], &qs.expected[i]);
        }
        if (!CHECK(wrong == 0)) {
            fprintf(stderr, "  %s: batch: %zu of %zu verdicts differ\n", id, wrong, qs.len);
        }
    }
    free(verdicts);

done:
    netpol_engine_free(engine);
    free(qs.items);
    free(qs.expected);
    free(json);
    free(txt);
    return checked;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/index.txt", argv[1]);
    FILE *index = fopen(path, "r");
    if (!CHECK(index != NULL)) {
        perror(path);
        return check_summary();
    }
    char line[1024], id[512], file[512];
    size_t cases = 0, queries = 0;
    while (fgets(line, sizeof line, index) != NULL) {
        if (sscanf(line, "%511s %511s", id, file) != 2) {
            continue;
        }
        queries += check_case(argv[1], id);
        cases++;
    }
    fclose(index);
    CHECK(cases >= 150);
    fprintf(stderr, "corpus: %zu cases, %zu queries\n", cases, queries);
    return check_summary();
}
