/*
 * check.h: the tiny test harness of the C tests (defined in check.c, linked into every suite).
 * Each CHECK counts a pass or prints the failed condition with its place; check_summary() prints
 * the line CI reads, exactly "N passed, M failed", and gives the exit status. The counts are
 * shared by all the files of one program.
 */
#ifndef NETPOL_TEST_CHECK_H
#define NETPOL_TEST_CHECK_H

#include <stdbool.h>

#include "netpol.h"

bool check_at(bool ok, const char *what, const char *file, int line);
bool check_result_at(netpol_result got, netpol_result want, const char *what, const char *file, int line);
bool check_contains_at(const char *text, const char *needle, const char *what, const char *file, int line);

#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)
/* CHECK_RESULT(call, NETPOL_RESULT_X): the call returns exactly that result. */
#define CHECK_RESULT(call, want) check_result_at((call), (want), #call, __FILE__, __LINE__)
#define CHECK_CONTAINS(text, needle) check_contains_at((text), (needle), #text, __FILE__, __LINE__)

/* Prints "N passed, M failed"; returns the exit status (0 only if something passed and nothing
 * failed). */
int check_summary(void);

#endif /* NETPOL_TEST_CHECK_H */
