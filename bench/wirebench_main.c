/* wirebench: the per-message cost of commandd's inbound heartbeat path,
 * without sockets: wire_node_msg_open_lean + wire_node_msg_verify of a signed
 * heartbeat, as nodesim and pushy-client send it, COUNT times (default
 * 100,000). Prints ns per message. Meant to be run under
 * `valgrind --tool=callgrind` for repeatable instruction counts:
 *   valgrind --tool=callgrind build/bin/wirebench 20000
 * (instructions per message = total Ir / COUNT, minus the setup). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/wire.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long count = 100000;
    if (argc > 1) {
        char *end;
        errno = 0;
        count = strtol(argv[1], &end, 10);
        if (errno || *end || count <= 0) {
            fprintf(stderr, "usage: %s [COUNT]\n", argv[0]);
            return 2;
        }
    }
    unsigned char key[WIRE_SESSION_KEY_LEN];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)(i * 7 + 3);
    struct wire_node_ident id = { .node = "sim01234", .client = "sim01234.bench.example",
                                  .org = "bench",
                                  .incarnation_id = "2b6d3f0e-8c1a-4f5e-9d7b-1a2b3c4d5e6f" };
    json_t *hb = wire_msg_node_heartbeat(&id, "idle", NULL);
    struct wire_frames fr;
    time_t now = time(NULL);
    if (!hb || wire_seal_hmac(hb, 42, now, key, &fr) != 0) {
        fprintf(stderr, "wirebench: could not build a heartbeat\n");
        json_decref(hb);
        return 1;
    }
    json_decref(hb);
    long good = 0;
    double t0 = now_ns();
    for (long i = 0; i < count; i++) {
        struct wire_node_msg m;
        struct wire_error err;
        enum wire_err rc = wire_node_msg_open_lean(&m, fr.header, fr.header_len, fr.body, fr.body_len,
                                              65536, &err);
        if (rc == WIRE_OK)
            rc = wire_node_msg_verify(&m, key, now, 600, &err);
        if (rc != WIRE_OK) {
            fprintf(stderr, "wirebench: message %ld: %s: %s\n", i, wire_err_name(rc), err.msg);
            wire_frames_free(&fr);
            return 1;
        }
        good++;
        wire_node_msg_clear(&m);
    }
    double t1 = now_ns();
    printf("%ld heartbeats (%zu-byte body) opened and verified: %.0f ns each\n", good,
           fr.body_len, (t1 - t0) / (double)count);
    wire_frames_free(&fr);
    return 0;
}
