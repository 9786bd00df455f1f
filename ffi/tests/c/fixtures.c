/* fixtures.c: the readers declared in fixtures.h. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

char *read_stream(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
            }
            buf = bigger;
        }
    }
    if (buf != NULL) {
        buf[n] = '\0'; /* the loop leaves n < cap */
    }
    *len = n;
    return buf;
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    char *buf = read_stream(f, len);
    fclose(f);
    return buf;
}

bool parse_ip(const char *text, netpol_endpoint *out) {
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->addr) == 1) {
        out->kind = NETPOL_ENDPOINT_KIND_IPV4;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->addr) == 1) {
        out->kind = NETPOL_ENDPOINT_KIND_IPV6;
        return true;
    }
    return false;
}
