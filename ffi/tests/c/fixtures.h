/*
 * fixtures.h: reading the test programs' inputs (cluster YAML, corpus fixtures) whole. Defined in
 * fixtures.c.
 */
#ifndef NETPOL_TEST_FIXTURES_H
#define NETPOL_TEST_FIXTURES_H

#include <stddef.h>
#include <stdio.h>

/* Reads the rest of `f` into a NUL-terminated buffer (the NUL not counted in *len) for the
 * caller to free; NULL when out of memory. */
char *read_stream(FILE *f, size_t *len);

/* read_stream on the file at `path`; NULL, after perror(path), when it cannot be opened. */
char *read_file(const char *path, size_t *len);

#endif /* NETPOL_TEST_FIXTURES_H */
