/*
 * test_api_misuse.c: test_api's misuse of the example engine: NULL everywhere, unknown pods, bad
 * lengths, protocols and endpoint kinds, invalid queries inside batches; out-parameters must be
 * left untouched on failure.
 */
#include <stdint.h>

#include "test_api.h"

void test_null_parameters(const netpol_engine *e) {
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

    fill(&text, sizeof text);
    CHECK_RESULT(netpol_engine_unknown_endpoint(NULL, "shop/nope", &text), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, NULL, &text), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, "shop/nope", NULL), NETPOL_RESULT_NULL_PARAMETER);
    CHECK_RESULT(netpol_engine_unknown_endpoint(e, "shop/nope", &text), NETPOL_RESULT_NOT_FOUND);
    CHECK(untouched(&text, sizeof text));

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
    CHECK(netpol_error_line(NULL, 0) == 0);
    netpol_engine_free(NULL);
    netpol_error_free(NULL);
    netpol_string_free(NULL);
    CHECK(true); /* survived the frees */
}

void test_bad_arguments(const netpol_engine *e) {
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

void test_batch_edges(const netpol_engine *e) {
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
