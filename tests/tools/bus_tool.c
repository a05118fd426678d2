/* Test tool for the internal nng bus (docs/internals.md):
 *   bus_tool listen PATH pull|sub SECONDS [COUNT|TEXT]
 *       listens on ipc://PATH (mode 0777, so the service user can dial it),
 *       prints every message on its own line, exits after SECONDS, after
 *       COUNT messages or after a message containing TEXT (exit 0 if at
 *       least one arrived, or TEXT did; else 1);
 *   bus_tool dial PATH sub SECONDS [COUNT|TEXT]
 *       the same, dialing a PUB (e.g. RUN_DIR/node-events.ipc);
 *   bus_tool send PATH JSON
 *       dials a PULL at ipc://PATH with a PUSH and sends JSON once. */
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr, "usage: bus_tool listen PATH pull|sub SECONDS [COUNT|TEXT]\n"
                    "       bus_tool dial PATH sub SECONDS [COUNT|TEXT]\n"
                    "       bus_tool send PATH JSON\n");
    return 2;
}

static int receive(nng_socket s, int seconds, long count, const char *until)
{
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long got = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= seconds || (count > 0 && got >= count))
            break;
        char *buf = NULL;
        size_t len = 0;
        int rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv != 0) {
            fprintf(stderr, "bus_tool: recv: %s\n", nng_strerror(rv));
            break;
        }
        printf("%.*s\n", (int)len, buf);
        bool found = until && memmem(buf, len, until, strlen(until));
        nng_free(buf, len);
        got++;
        if (found)
            return 0;
    }
    return got > 0 && !until ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    char url[1024];
    snprintf(url, sizeof url, "ipc://%s", argv[2]);
    nng_socket s;
    int rv;
    if (strcmp(argv[1], "send") == 0) {
        if ((rv = nng_push0_open(&s)) != 0 || (rv = nng_dial(s, url, NULL, 0)) != 0) {
            fprintf(stderr, "bus_tool: %s: %s\n", url, nng_strerror(rv));
            return 1;
        }
        nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 2000);
        rv = nng_send(s, argv[3], strlen(argv[3]), 0);
        if (rv != 0)
            fprintf(stderr, "bus_tool: send: %s\n", nng_strerror(rv));
        struct timespec ts = { 0, 200 * 1000 * 1000 }; /* let it leave before closing */
        nanosleep(&ts, NULL);
        nng_close(s);
        return rv ? 1 : 0;
    }
    if (argc < 5)
        return usage();
    bool sub = strcmp(argv[3], "sub") == 0;
    if (!sub && strcmp(argv[3], "pull") != 0)
        return usage();
    rv = sub ? nng_sub0_open(&s) : nng_pull0_open(&s);
    if (rv == 0 && sub)
        rv = nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    if (rv == 0)
        rv = strcmp(argv[1], "listen") == 0 ? nng_listen(s, url, NULL, 0)
                                             : nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK);
    if (rv != 0) {
        fprintf(stderr, "bus_tool: %s: %s\n", url, nng_strerror(rv));
        return 1;
    }
    if (strcmp(argv[1], "listen") == 0)
        chmod(argv[2], 0777);
    const char *last = argc > 5 ? argv[5] : NULL;
    bool numeric = last && last[0] && strspn(last, "0123456789") == strlen(last);
    int rc = receive(s, atoi(argv[4]), numeric ? atol(last) : 0, numeric ? NULL : last);
    nng_close(s);
    return rc;
}
