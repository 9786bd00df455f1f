/* check.c: the harness declared in check.h. */
#include "check.h"

#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

bool check_at(bool ok, const char *what, const char *file, int line) {
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

static const char *result_name(netpol_result r) {
    switch (r) {
    case NETPOL_RESULT_OK: return "OK";
    case NETPOL_RESULT_NULL_PARAMETER: return "NULL_PARAMETER";
    case NETPOL_RESULT_INVALID_INPUT: return "INVALID_INPUT";
    case NETPOL_RESULT_NOT_FOUND: return "NOT_FOUND";
    case NETPOL_RESULT_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case NETPOL_RESULT_PANIC: return "PANIC";
    default: return "(unknown result)";
    }
}

bool check_result_at(netpol_result got, netpol_result want, const char *what, const char *file, int line) {
    if (got == want) {
        check_passed++;
        return true;
    }
    check_failed++;
    fprintf(stderr, "FAIL %s:%d: %s: got %s, want %s\n", file, line, what, result_name(got), result_name(want));
    return false;
}

bool check_contains_at(const char *text, const char *needle, const char *what, const char *file, int line) {
    if (text != NULL && strstr(text, needle) != NULL) {
        check_passed++;
        return true;
    }
    check_failed++;
    fprintf(stderr, "FAIL %s:%d: %s: %s does not contain \"%s\"\n", file, line, what, text ? text : "(NULL)", needle);
    return false;
}

int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}
