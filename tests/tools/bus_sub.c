/* Test tool: subscribes to a PUB endpoint of the internal bus (e.g.
 * ipc://RUN/job-events.ipc) and prints every message on its own line
 * (flushed at once) for SECONDS, then exits 0. Exit 2 on bad usage or
 * when the socket can not be set up. */
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bus_sub URL SECONDS\n");
        return 2;
    }
    long long end = now_ms() + atoll(argv[2]) * 1000;
    nng_socket s;
    int rv;
    if ((rv = nng_sub0_open(&s)) || (rv = nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0)) ||
        (rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100)) ||
        (rv = nng_dial(s, argv[1], NULL, NNG_FLAG_NONBLOCK))) {
        fprintf(stderr, "bus_sub: %s: %s\n", argv[1], nng_strerror(rv));
        return 2;
    }
    while (now_ms() < end) {
        char *buf = NULL;
        size_t len = 0;
        rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv) {
            fprintf(stderr, "bus_sub: recv: %s\n", nng_strerror(rv));
            break;
        }
        fwrite(buf, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        nng_free(buf, len);
    }
    nng_close(s);
    return 0;
}
