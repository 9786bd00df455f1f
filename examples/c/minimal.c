// minimal.c: load a cluster, ask one question, print the verdict and why; a starting point
// for a dataplane that links libnetpol. The API and its ownership rules: ffi/include/netpol.h.
//
// Build libnetpol and target/pkgconfig/netpol.pc (ffi/tests/run_c_tests.sh does both), then:
//
//   export PKG_CONFIG_PATH=target/pkgconfig
//   cc examples/c/*.c $(pkg-config --cflags --libs netpol)
//   ./a.out examples/cluster.yaml
#include <stdio.h>
#include <stdlib.h>

#include "netpol.h"

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/cluster.yaml";
    FILE *f = fopen(path, "rb");
    if (f == NULL) { perror(path); return 2; }
    static unsigned char text[1 << 20];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    if (len == sizeof text) { fprintf(stderr, "%s: too large for this example\n", path); return 2; }

    netpol_engine *engine = NULL;
    netpol_error *error = NULL;
    if (netpol_engine_from_yaml(text, len, NULL, &engine, &error) != NETPOL_RESULT_OK) {
        fprintf(stderr, "%s: %s\n", path, netpol_error_message(error));
        netpol_error_free(error);
        return 2;
    }
    uint32_t api, db;
    if (netpol_engine_pod_index(engine, "shop/api-7f6d5c8b9-4kx8m", &api) != NETPOL_RESULT_OK ||
        netpol_engine_pod_index(engine, "shop/postgres-0", &db) != NETPOL_RESULT_OK) {
        fprintf(stderr, "%s: pods not found\n", path);
        netpol_engine_free(engine);
        return 2;
    }
    netpol_verdict verdict = {0};
    if (netpol_decide_pods(engine, api, db, 5432, NETPOL_PROTOCOL_TCP, &verdict) != NETPOL_RESULT_OK) {
        netpol_engine_free(engine);
        return 2;
    }
    printf("api -> postgres 5432/TCP: %s\n", verdict.allowed ? "allowed" : "denied");

    netpol_query query = {.src = {.kind = NETPOL_ENDPOINT_KIND_POD, .pod = api},
                          .dst = {.kind = NETPOL_ENDPOINT_KIND_POD, .pod = db},
                          .port = 5432, .protocol = NETPOL_PROTOCOL_TCP};
    char *why = NULL;
    if (netpol_explain(engine, &query, &why) == NETPOL_RESULT_OK) {
        printf("%s", why);
        netpol_string_free(why);
    }
    netpol_engine_free(engine);
    return verdict.allowed ? 0 : 1;
}
