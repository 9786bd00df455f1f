/*
 * test_api_input.c: what test_api loads besides the example cluster: inline YAML and JSON under
 * each option, bad input (strict and lenient, with its error messages) and empty input.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_api.h"

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

static size_t count_lines(const char *text) {
    size_t n = 1;
    for (const char *p = text; *p; p++) {
        n += *p == '\n';
    }
    return n;
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

void test_inline_yaml_and_options(void) {
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

void test_self_traffic_on_example(const char *yaml, size_t len) {
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

void test_bad_input(void) {
    netpol_error *err = load_fails(BAD_CIDR, strlen(BAD_CIDR), NULL);
    if (err != NULL) {
        CHECK(netpol_error_count(err) == 1);
        CHECK(one_line_per_problem(err));
        CHECK_CONTAINS(netpol_error_message(err), "NetworkPolicy x/bad");
        CHECK_CONTAINS(netpol_error_message(err), "spec.ingress[0].from[0].ipBlock.cidr");
        CHECK_CONTAINS(netpol_error_message(err), "10.0.0.0/99");
        /* The line of the cidr in BAD_CIDR; past the last problem, 0. */
        CHECK(netpol_error_line(err, 0) == 8);
        CHECK(netpol_error_line(err, 1) == 0);
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

void test_empty_input(void) {
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
