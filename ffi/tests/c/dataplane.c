/*
 * dataplane.c: what a dataplane does with libnetpol. Reads a stream of 5-tuples, one flow per
 * line,
 *
 *     src_ip src_port dst_ip dst_port proto        e.g. 10.244.1.21 40000 10.244.1.31 8080 tcp
 *
 * (IPv4 or IPv6; proto tcp, udp, sctp or its IANA number; blank lines and # comments skipped),
 * classifies them in batches of 64 with netpol_decide_batch and prints ALLOW or DENY per flow,
 * then a summary. A pod's IP means that pod; the source port plays no part in NetworkPolicy. A
 * flow whose two addresses are of different families (IPv6 to IPv4) cannot exist: it is denied
 * as "no common address family".
 *
 * Usage: dataplane CLUSTER.yaml [FLOWS|-]      (stdin when FLOWS is - or missing)
 * Exit: 0 when every line was classified, 1 if some line was malformed, 2 on bad usage or input.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixtures.h"
#include "netpol.h"

enum { BATCH = 64, LINE_MAX_LEN = 512 };

struct flow {
    char text[LINE_MAX_LEN]; /* the tuple as printed back */
};

struct stats {
    unsigned long flows, allowed, denied_egress, denied_ingress, denied_family, denied, malformed;
};

static bool parse_port(const char *text, long min, uint16_t *out) {
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < min || v > 65535) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

static bool parse_protocol(const char *text, uint32_t *out) {
    static const struct {
        const char *name;
        uint32_t number;
    } names[] = {{"tcp", NETPOL_PROTOCOL_TCP}, {"udp", NETPOL_PROTOCOL_UDP}, {"sctp", NETPOL_PROTOCOL_SCTP}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *out = names[i].number;
            return true;
        }
    }
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    bool known = v == NETPOL_PROTOCOL_TCP || v == NETPOL_PROTOCOL_UDP || v == NETPOL_PROTOCOL_SCTP;
    if (*text == '\0' || *end != '\0' || !known) {
        return false; /* NetworkPolicy speaks of TCP, UDP and SCTP only */
    }
    *out = (uint32_t)v;
    return true;
}

static const char *protocol_name(uint32_t p) {
    switch (p) {
    case NETPOL_PROTOCOL_TCP: return "tcp";
    case NETPOL_PROTOCOL_UDP: return "udp";
    case NETPOL_PROTOCOL_SCTP: return "sctp";
    default: return "unknown";
    }
}

/* Decides and prints the pending flows. */
static int flush(const netpol_engine *engine, const netpol_query *queries, const struct flow *flows, size_t n,
                 struct stats *stats) {
    netpol_verdict verdicts[BATCH];
    netpol_result r = netpol_decide_batch(engine, queries, n, verdicts);
    if (r != NETPOL_RESULT_OK) {
        fprintf(stderr, "dataplane: netpol_decide_batch failed with result %u\n", (unsigned)r);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const netpol_verdict *v = &verdicts[i];
        stats->flows++;
        if (v->allowed) {
            stats->allowed++;
            printf("ALLOW %s\n", flows[i].text);
            continue;
        }
        stats->denied++;
        if (v->families == 0) {
            stats->denied_family++;
            printf("DENY  %s (no common address family)\n", flows[i].text);
            continue;
        }
        stats->denied_egress += !v->egress_allowed;
        stats->denied_ingress += !v->ingress_allowed;
        const char *why = !v->egress_allowed && !v->ingress_allowed ? "egress and ingress"
                          : !v->egress_allowed                      ? "egress"
                                                                    : "ingress";
        printf("DENY  %s (%s)\n", flows[i].text, why);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s CLUSTER.yaml [FLOWS|-]\n", argv[0]);
        return 2;
    }
    FILE *cluster_file = fopen(argv[1], "rb");
    if (cluster_file == NULL) {
        perror(argv[1]);
        return 2;
    }
    size_t len;
    char *yaml = read_stream(cluster_file, &len);
    fclose(cluster_file);
    if (yaml == NULL) {
        fprintf(stderr, "%s: out of memory\n", argv[1]);
        return 2;
    }

    netpol_engine *engine = NULL;
    netpol_error *error = NULL;
    netpol_result r = netpol_engine_from_yaml((const uint8_t *)yaml, len, NULL, &engine, &error);
    free(yaml);
    if (r != NETPOL_RESULT_OK) {
        fprintf(stderr, "%s: cannot load (result %u):\n%s\n", argv[1], (unsigned)r,
                error ? netpol_error_message(error) : "");
        netpol_error_free(error);
        return 2;
    }
    for (size_t i = 0; i < netpol_engine_warning_count(engine); i++) {
        fprintf(stderr, "warning: %s\n", netpol_engine_warning(engine, i));
    }

    FILE *in = stdin;
    if (argc == 3 && strcmp(argv[2], "-") != 0) {
        in = fopen(argv[2], "r");
        if (in == NULL) {
            perror(argv[2]);
            netpol_engine_free(engine);
            return 2;
        }
    }

    static netpol_query queries[BATCH];
    static struct flow flows[BATCH];
    struct stats stats = {0};
    size_t pending = 0;
    unsigned long line_no = 0;
    char line[LINE_MAX_LEN];
    int status = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        line_no++;
        char *hash = strchr(line, '#');
        if (hash != NULL) {
            *hash = '\0';
        }
        char src[64], dst[64], sport[16], dport[16], proto[16], extra;
        int fields = sscanf(line, "%63s %15s %63s %15s %15s %c", src, sport, dst, dport, proto, &extra);
        if (fields <= 0) {
            continue; /* blank or comment */
        }
        netpol_query *q = &queries[pending];
        memset(q, 0, sizeof *q);
        uint16_t source_port;
        if (fields != 5 || !parse_ip(src, &q->src) || !parse_ip(dst, &q->dst) || !parse_port(sport, 0, &source_port) ||
            !parse_port(dport, 1, &q->port) || !parse_protocol(proto, &q->protocol)) {
            fprintf(stderr, "line %lu: malformed flow (want: src_ip src_port dst_ip dst_port tcp|udp|sctp)\n", line_no);
            stats.malformed++;
            continue;
        }
        /* IPv6 in brackets, as in [2001:db8::7]:443 */
        bool v6src = q->src.kind == NETPOL_ENDPOINT_KIND_IPV6, v6dst = q->dst.kind == NETPOL_ENDPOINT_KIND_IPV6;
        snprintf(flows[pending].text, sizeof flows[pending].text, "%s%s%s:%u -> %s%s%s:%u/%s", v6src ? "[" : "", src,
                 v6src ? "]" : "", (unsigned)source_port, v6dst ? "[" : "", dst, v6dst ? "]" : "", (unsigned)q->port,
                 protocol_name(q->protocol));
        if (++pending == BATCH) {
            if (flush(engine, queries, flows, pending, &stats) != 0) {
                status = 2;
                break;
            }
            pending = 0;
        }
    }
    if (status == 0 && flush(engine, queries, flows, pending, &stats) != 0) {
        status = 2;
    }
    if (in != stdin) {
        fclose(in);
    }
    printf("%lu flows: %lu allowed, %lu denied (%lu at egress, %lu at ingress, %lu across families), %lu malformed "
           "lines\n",
           stats.flows, stats.allowed, stats.denied, stats.denied_egress, stats.denied_ingress, stats.denied_family,
           stats.malformed);
    netpol_engine_free(engine);
    if (status == 0 && stats.malformed > 0) {
        status = 1;
    }
    return status;
}
