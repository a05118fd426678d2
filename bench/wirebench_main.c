/* wirebench: the per-message cost of commandd's wire work, without sockets,
 * COUNT times (default 100,000). Prints ns per message. MODE:
 *   verify    wire_node_msg_open_lean + wire_node_msg_verify of a signed
 *             heartbeat as nodesim and pushy-client send it, raw session
 *             key (the key's pads are hashed per call) — the default
 *   verify_k  the same with the key precomputed once (commandd's inbound)
 *   seal_k    a prepared 1-job commit sealed for one node: wire_seal_tail +
 *             wire_header_hmac_k (commandd's fan-out)
 * Meant to be run under `valgrind --tool=callgrind` for repeatable
 * instruction counts:
 *   valgrind --tool=callgrind build/bin/wirebench 20000 verify_k
 * (instructions per message = the difference of two runs' total Ir over
 * the difference of their COUNTs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/timefmt.h"
#include "shared/wire.h"

enum mode { VERIFY, VERIFY_K, SEAL_K };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int parse_args(int argc, char **argv, long *count, enum mode *mode)
{
    if (argc > 1) {
        char *end;
        errno = 0;
        *count = strtol(argv[1], &end, 10);
        if (errno || *end || *count <= 0)
            return -1;
    }
    if (argc > 2) {
        if (strcmp(argv[2], "verify") == 0)
            *mode = VERIFY;
        else if (strcmp(argv[2], "verify_k") == 0)
            *mode = VERIFY_K;
        else if (strcmp(argv[2], "seal_k") == 0)
            *mode = SEAL_K;
        else
            return -1;
    }
    return argc > 3 ? -1 : 0;
}

static int verify_loop(long count, enum mode mode, const unsigned char *key,
                       const struct hmac256_key *hkey, time_t now)
{
    struct wire_node_ident id = { .node = "sim01234", .client = "sim01234.bench.example",
                                  .org = "bench",
                                  .incarnation_id = "2b6d3f0e-8c1a-4f5e-9d7b-1a2b3c4d5e6f" };
    json_t *hb = wire_msg_node_heartbeat(&id, "idle", NULL);
    struct wire_frames fr;
    if (!hb || wire_seal_hmac(hb, 42, now, key, &fr) != 0) {
        fprintf(stderr, "wirebench: could not build a heartbeat\n");
        json_decref(hb);
        return 1;
    }
    json_decref(hb);
    double t0 = now_ns();
    for (long i = 0; i < count; i++) {
        struct wire_node_msg m;
        struct wire_error err;
        enum wire_err rc = wire_node_msg_open_lean(&m, fr.header, fr.header_len, fr.body,
                                                   fr.body_len, 65536, &err);
        if (rc == WIRE_OK)
            rc = mode == VERIFY_K ? wire_node_msg_verify_k(&m, hkey, now, 600, &err)
                                  : wire_node_msg_verify(&m, key, now, 600, &err);
        if (rc != WIRE_OK) {
            fprintf(stderr, "wirebench: message %ld: %s: %s\n", i, wire_err_name(rc), err.msg);
            wire_frames_free(&fr);
            return 1;
        }
        wire_node_msg_clear(&m);
    }
    double t1 = now_ns();
    printf("%ld heartbeats (%zu-byte body) opened and verified (%s): %.0f ns each\n", count,
           fr.body_len, mode == VERIFY_K ? "precomputed key" : "raw key", (t1 - t0) / (double)count);
    wire_frames_free(&fr);
    return 0;
}

static int seal_loop(long count, const struct hmac256_key *hkey, time_t now)
{
    struct wire_commit cm = { .job_id = "a2b87f87052d213c0703eadb21bdf20e", .server = "pushy",
                              .command = "true", .capture = false };
    json_t *msg = wire_msg_commit(&cm);
    struct wire_prepared p;
    char ts[TIME_RFC1123_SIZE];
    if (!msg || wire_prepare(msg, &p) != 0 || time_format_rfc1123(now, ts, sizeof ts) != 0) {
        fprintf(stderr, "wirebench: could not prepare a commit\n");
        json_decref(msg);
        return 1;
    }
    json_decref(msg);
    char body[4096], tail[WIRE_SEAL_TAIL_MAX], header[WIRE_HMAC_HEADER_LEN + 1];
    size_t blen = 0;
    double t0 = now_ns();
    for (long i = 0; i < count; i++) {
        long tn = wire_seal_tail(&p, i + 1, ts, tail, sizeof tail);
        if (tn < 0 || p.head_len + (size_t)tn > sizeof body) {
            fprintf(stderr, "wirebench: could not seal message %ld\n", i);
            wire_prepared_free(&p);
            return 1;
        }
        memcpy(body, p.head, p.head_len);
        memcpy(body + p.head_len, tail, (size_t)tn);
        blen = p.head_len + (size_t)tn;
        if (wire_header_hmac_k(hkey, body, blen, header, sizeof header) < 0) {
            fprintf(stderr, "wirebench: could not sign message %ld\n", i);
            wire_prepared_free(&p);
            return 1;
        }
    }
    double t1 = now_ns();
    printf("%ld commits (%zu-byte body) sealed (precomputed key): %.0f ns each\n", count, blen,
           (t1 - t0) / (double)count);
    wire_prepared_free(&p);
    return 0;
}

int main(int argc, char **argv)
{
    long count = 100000;
    enum mode mode = VERIFY;
    if (parse_args(argc, argv, &count, &mode) != 0) {
        fprintf(stderr, "usage: %s [COUNT [verify|verify_k|seal_k]]\n", argv[0]);
        return 2;
    }
    unsigned char key[WIRE_SESSION_KEY_LEN];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (unsigned char)(i * 7 + 3);
    struct hmac256_key hkey;
    if (hmac256_key_set(&hkey, key, sizeof key) != 0) {
        fprintf(stderr, "wirebench: HMAC key setup failed\n");
        return 1;
    }
    time_t now = time(NULL);
    int rc = mode == SEAL_K ? seal_loop(count, &hkey, now) : verify_loop(count, mode, key, &hkey, now);
    hmac256_key_clear(&hkey);
    return rc;
}
