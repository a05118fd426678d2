/* Test tool: subscribes to a PUB endpoint of the internal bus (e.g.
 * ipc://RUN/job-events.ipc) and prints every message on its own line
 * (flushed at once) for SECONDS, then exits 0. With CMD, after printing a
 * message it runs CMD (/bin/sh -c, the message in env BUS_MSG) before
 * receiving the next, CMD's output going to the same stdout: what CMD
 * prints (say, a job's status in the database) is what held when the
 * message arrived. Exit 2 on bad usage or when the socket can not be set
 * up. */
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs cmd with BUS_MSG set to the message. */
static void run_cmd(const char *cmd, const char *buf, size_t len)
{
    char *msg = malloc(len + 1);
    if (!msg) {
        fprintf(stderr, "bus_sub: out of memory\n");
        return;
    }
    memcpy(msg, buf, len);
    msg[len] = '\0';
    if (setenv("BUS_MSG", msg, 1))
        perror("bus_sub: setenv");
    else if (system(cmd) == -1)
        perror("bus_sub: system");
    free(msg);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bus_sub URL SECONDS [CMD]\n");
        return 2;
    }
    const char *cmd = argc == 4 ? argv[3] : NULL;
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
        if (cmd)
            run_cmd(cmd, buf, len);
        nng_free(buf, len);
    }
    nng_close(s);
    return 0;
}
