/*
 * netpol-nfq: a packet filter on libnetpol. The kernel hands it the first packet of every new
 * connection through NFQUEUE; it reads the addresses, protocol and destination port, asks
 * netpol_decide_ip, and tells the kernel to accept or drop. Replies and later packets of an
 * accepted connection never reach it (conntrack passes them).
 *
 * Set up (in the namespace that routes the pods' traffic, as `netpol lab --dataplane nfqueue`
 * does):
 *
 *     iptables  -A FORWARD -m conntrack --ctstate NEW -j NFQUEUE --queue-num 0
 *     ip6tables -A FORWARD -m conntrack --ctstate NEW -j NFQUEUE --queue-num 0
 *     netpol-nfq CLUSTER.yaml [--queue N] [--ipblock-pod-ips ignore] [--tie accept-wins|error] [--lenient]
 *                [--exit-with-parent]
 *
 * (--exit-with-parent: stop when the process that started it ends, as the lab wants.)
 *
 * Without this program running, queued packets are dropped (fail closed). It prints "ready" on
 * stdout once bound; on SIGINT or SIGTERM it stops and prints, on stdout,
 *
 *     verdicts N accepted A dropped D unparsed U mean_ns M
 *
 * where mean_ns is the mean time from receiving a packet's message to sending its verdict
 * (parse, decide, verdict): 1e9 / M connections per second on one core.
 *
 * Packets of other protocols than TCP, UDP and SCTP are accepted (NetworkPolicy decides only
 * these, as `netpol export nftables` does); a packet too short to read, or an IPv6 packet whose
 * extension headers do not lead to one of them within the captured bytes, is dropped.
 *
 * Build: cc -O2 -I ffi/include netpol-nfq.c libnetpol.a -lnetfilter_queue -lpthread -ldl -lm
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#include "netpol.h"

static volatile sig_atomic_t stop;

static void on_signal(int signal) {
    (void)signal;
    stop = 1;
}

struct filter {
    const netpol_engine *engine;
    unsigned long verdicts, accepted, dropped, unparsed;
    uint64_t busy_ns;
};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The verdict for one packet: NF_ACCEPT or NF_DROP. */
static int decide(struct filter *f, const unsigned char *p, int len) {
    const unsigned char *src, *dst, *l4;
    size_t addr_len;
    unsigned protocol;
    if (len >= 20 && (p[0] >> 4) == 4) {
        size_t header = (size_t)(p[0] & 0x0f) * 4;
        if (header < 20 || (size_t)len < header + 4) {
            return -1;
        }
        protocol = p[9];
        src = p + 12, dst = p + 16, addr_len = 4, l4 = p + header;
    } else if (len >= 40 && (p[0] >> 4) == 6) {
        size_t at = 40;
        protocol = p[6];
        /* Hop-by-hop, routing, destination options: skip; a fragment header: 8 bytes. */
        while (protocol == 0 || protocol == 43 || protocol == 60 || protocol == 44) {
            if ((size_t)len < at + 8) {
                return -1;
            }
            size_t next_len = protocol == 44 ? 8 : ((size_t)p[at + 1] + 1) * 8;
            protocol = p[at];
            at += next_len;
        }
        if ((size_t)len < at + 4 && (protocol == 6 || protocol == 17 || protocol == 132)) {
            return -1;
        }
        src = p + 8, dst = p + 24, addr_len = 16, l4 = p + at;
    } else {
        return -1;
    }
    if (protocol != NETPOL_PROTOCOL_TCP && protocol != NETPOL_PROTOCOL_UDP && protocol != NETPOL_PROTOCOL_SCTP) {
        return NF_ACCEPT; /* Not a protocol NetworkPolicy decides. */
    }
    uint16_t port = (uint16_t)((l4[2] << 8) | l4[3]);
    netpol_verdict verdict;
    if (netpol_decide_ip(f->engine, src, addr_len, dst, addr_len, port, protocol, &verdict) != NETPOL_RESULT_OK) {
        return NF_DROP;
    }
    return verdict.allowed ? NF_ACCEPT : NF_DROP;
}

static int on_packet(struct nfq_q_handle *queue, struct nfgenmsg *message, struct nfq_data *data, void *context) {
    (void)message;
    struct filter *f = context;
    uint64_t start = now_ns();
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(data);
    if (header == NULL) {
        return 0;
    }
    uint32_t id = ntohl(header->packet_id);
    unsigned char *payload;
    int len = nfq_get_payload(data, &payload);
    int verdict = len > 0 ? decide(f, payload, len) : -1;
    if (verdict < 0) {
        f->unparsed++;
        verdict = NF_DROP;
    }
    f->verdicts++;
    if (verdict == NF_ACCEPT) {
        f->accepted++;
    } else {
        f->dropped++;
    }
    int sent = nfq_set_verdict(queue, id, (uint32_t)verdict, 0, NULL);
    f->busy_ns += now_ns() - start;
    return sent;
}

static int usage(void) {
    fprintf(stderr, "usage: netpol-nfq CLUSTER.yaml [--queue N] [--ipblock-pod-ips ignore] "
                    "[--tie accept-wins|error] [--lenient] [--exit-with-parent]\n");
    return 2;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, file)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return usage();
    }
    netpol_options options;
    netpol_options_default(&options);
    unsigned queue_number = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--queue") == 0 && i + 1 < argc) {
            queue_number = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--ipblock-pod-ips") == 0 && i + 1 < argc) {
            options.ip_block_matches_pods = strcmp(argv[++i], "ignore") != 0;
        } else if (strcmp(argv[i], "--tie") == 0 && i + 1 < argc) {
            const char *tie = argv[++i];
            options.tie = strcmp(tie, "accept-wins") == 0 ? NETPOL_TIE_ACCEPT_WINS
                          : strcmp(tie, "error") == 0     ? NETPOL_TIE_ERROR
                                                          : NETPOL_TIE_DENY_WINS;
        } else if (strcmp(argv[i], "--lenient") == 0) {
            options.lenient = true;
        } else if (strcmp(argv[i], "--exit-with-parent") == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
        } else {
            return usage();
        }
    }
    size_t len = 0;
    unsigned char *text = read_file(argv[1], &len);
    if (text == NULL) {
        fprintf(stderr, "netpol-nfq: cannot read %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    netpol_engine *engine = NULL;
    netpol_error *error = NULL;
    netpol_result loaded = netpol_engine_from_yaml(text, len, &options, &engine, &error);
    free(text);
    if (loaded != NETPOL_RESULT_OK) {
        fprintf(stderr, "netpol-nfq: %s: %s\n", argv[1], error ? netpol_error_message(error) : "cannot load");
        netpol_error_free(error);
        return 2;
    }

    struct filter filter = {.engine = engine};
    struct nfq_handle *handle = nfq_open();
    struct nfq_q_handle *queue = handle ? nfq_create_queue(handle, (uint16_t)queue_number, on_packet, &filter) : NULL;
    if (queue == NULL || nfq_set_mode(queue, NFQNL_COPY_PACKET, 128) < 0) {
        fprintf(stderr, "netpol-nfq: cannot bind NFQUEUE %u: %s\n", queue_number, strerror(errno));
        if (handle) {
            nfq_close(handle);
        }
        netpol_engine_free(engine);
        return 2;
    }
    struct sigaction action = {.sa_handler = on_signal}; /* no SA_RESTART: recv returns EINTR */
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    /* A parent may have blocked them (the signal mask is inherited): take them. */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &wanted, NULL);
    printf("ready\n");
    fflush(stdout);

    int fd = nfq_fd(handle);
    static char buffer[1 << 16];
    while (!stop) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR || errno == ENOBUFS) {
                continue; /* ENOBUFS: the kernel dropped queued packets (fail closed) */
            }
            fprintf(stderr, "netpol-nfq: recv: %s\n", strerror(errno));
            break;
        }
        nfq_handle_packet(handle, buffer, (int)n);
    }
    printf("verdicts %lu accepted %lu dropped %lu unparsed %lu mean_ns %llu\n", filter.verdicts, filter.accepted,
           filter.dropped, filter.unparsed,
           (unsigned long long)(filter.verdicts ? filter.busy_ns / filter.verdicts : 0));
    fflush(stdout);
    nfq_destroy_queue(queue);
    nfq_close(handle);
    netpol_engine_free(engine);
    return 0;
}
