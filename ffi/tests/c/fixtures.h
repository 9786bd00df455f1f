/*
 * fixtures.h: reading the test programs' inputs (cluster YAML, corpus fixtures) whole, and IP
 * literals as endpoints. Defined in fixtures.c.
 */
#ifndef NETPOL_TEST_FIXTURES_H
#define NETPOL_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "netpol.h"

/* Reads the rest of `f` into a NUL-terminated buffer (the NUL not counted in *len) for the
 * caller to free; NULL when out of memory. */
char *read_stream(FILE *f, size_t *len);

/* read_stream on the file at `path`; NULL, after perror(path), when it cannot be opened. */
char *read_file(const char *path, size_t *len);

/* An IPv4 or IPv6 literal as an endpoint (`out` zeroed first); false when `text` is neither. */
bool parse_ip(const char *text, netpol_endpoint *out);

#endif /* NETPOL_TEST_FIXTURES_H */
