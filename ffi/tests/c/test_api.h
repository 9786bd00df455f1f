/*
 * test_api.h: what the files of the test_api program share: the helpers defined in test_api.c
 * and the test functions of each area, run in order by test_api.c's main.
 */
#ifndef NETPOL_TEST_API_H
#define NETPOL_TEST_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "netpol.h"

/* Out-parameters are pre-filled with fill() and checked with untouched(), bytewise. */
void fill(void *p, size_t n);
bool untouched(const void *p, size_t n);

/* a.b.c.d as netpol_decide_ipv4 takes it (host order). */
uint32_t ipv4(unsigned a, unsigned b, unsigned c, unsigned d);
netpol_endpoint pod_endpoint(uint32_t index);
netpol_endpoint v4_endpoint(unsigned a, unsigned b, unsigned c, unsigned d);
/* 2001:db8::<last> */
netpol_endpoint v6_endpoint(uint8_t last);
netpol_query make_query(netpol_endpoint src, netpol_endpoint dst, uint16_t port, uint32_t protocol);
bool verdict_is(netpol_verdict v, bool allowed, bool egress, bool ingress);
/* The index of the pod named "namespace/name" (a failed check and UINT32_MAX if there is none). */
uint32_t pod(const netpol_engine *engine, const char *name);

/* test_api_decide.c: happy paths; all but the first two on the example cluster. */
void test_version(void);
void test_options_default(void);
void test_pods(const netpol_engine *e);
void test_decide_pods(const netpol_engine *e);
void test_decide_ipv4(const netpol_engine *e);
void test_decide_ip_bytes(const netpol_engine *e);
void test_decide_query(const netpol_engine *e);
void test_batch(const netpol_engine *e);
void test_explain(const netpol_engine *e);
void test_warnings(const netpol_engine *e);

/* test_api_misuse.c: NULLs and bad arguments on the example cluster. */
void test_null_parameters(const netpol_engine *e);
void test_bad_arguments(const netpol_engine *e);
void test_batch_edges(const netpol_engine *e);

/* test_api_families.c: address families (S9a) on an inline dual-stack cluster. */
void test_families(void);

/* test_api_input.c: options on the example's YAML, inline YAML, bad and empty input. */
void test_self_traffic_on_example(const char *yaml, size_t len);
void test_inline_yaml_and_options(void);
void test_bad_input(void);
void test_empty_input(void);

#endif /* NETPOL_TEST_API_H */
