/* commandd's batches of node replies to a job process (commandd/jobsocks.c):
 * at most one bus message per job per JOBSOCK_BATCH_MS, a reply after a
 * quiet moment at once, full batches at once, and everything at a final
 * flush. A real nng PULL listens where a job process would. */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/supplemental/util/platform.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commandd/jobsocks.h"
#include "shared/config.h"

#define JOB "a2b87f87052d213c0703eadb21bdf20e"

static struct pushy_config cfg;
static nng_socket pull;
static char dir[64];

static void setup(void)
{
    config_defaults(&cfg);
    snprintf(dir, sizeof dir, "/tmp/pushy-jobsocks.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cfg.run_dir, sizeof cfg.run_dir, "%s", dir);
    char jobs[128], url[256];
    snprintf(jobs, sizeof jobs, "%s/jobs", dir);
    cr_assert_eq(mkdir(jobs, 0700), 0);
    snprintf(url, sizeof url, "ipc://%s/jobs/" JOB ".ipc", dir);
    cr_assert_eq(nng_pull0_open(&pull), 0);
    cr_assert_eq(nng_listen(pull, url, NULL, 0), 0);
    cr_assert_eq(nng_socket_set_ms(pull, NNG_OPT_RECVTIMEO, 2000), 0);
}

static void teardown(void)
{
    nng_close(pull);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The next bus message: its number of lines (replies). */
static int recv_batch(char *out, size_t cap)
{
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(nng_recv(pull, &buf, &len, NNG_FLAG_ALLOC), 0, "a batch arrives");
    cr_assert_lt(len, cap);
    memcpy(out, buf, len);
    out[len] = '\0';
    nng_free(buf, len);
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += out[i] == '\n';
    return lines;
}

static bool nothing_waiting(void)
{
    char *buf = NULL;
    size_t len = 0;
    int rv = nng_recv(pull, &buf, &len, NNG_FLAG_ALLOC | NNG_FLAG_NONBLOCK);
    if (rv == 0)
        nng_free(buf, len);
    return rv == NNG_EAGAIN;
}

static void reply(struct jobsocks *j, int i, int64_t now)
{
    char text[64];
    int n = snprintf(text, sizeof text, "{\"reply\":%d}", i);
    cr_assert_eq(jobsocks_send_text(j, JOB, text, (size_t)n, now), JOBSOCK_SENT);
}

TestSuite(jobsocks, .init = setup, .fini = teardown);

Test(jobsocks, batches_at_most_once_per_interval)
{
    struct jobsocks *j = jobsocks_new(&cfg);
    cr_assert_not_null(j);
    char buf[4096];
    int64_t t = 1000000;
    cr_assert_eq(jobsocks_next_flush(j), -1);

    /* quiet before: the first reply goes at the first flush */
    reply(j, 1, t);
    cr_assert_leq(jobsocks_next_flush(j), t);
    cr_assert_eq(jobsocks_flush(j, t, false), 1);
    cr_assert_eq(recv_batch(buf, sizeof buf), 1);
    cr_assert_str_eq(buf, "{\"reply\":1}");

    /* the next ones within the interval wait for it */
    reply(j, 2, t);
    reply(j, 3, t + 1);
    cr_assert_eq(jobsocks_flush(j, t + 1, false), 0);
    cr_assert(nothing_waiting());
    cr_assert_eq(jobsocks_next_flush(j), t + JOBSOCK_BATCH_MS);
    cr_assert_eq(jobsocks_flush(j, t + JOBSOCK_BATCH_MS, false), 1);
    cr_assert_eq(recv_batch(buf, sizeof buf), 2);
    cr_assert_str_eq(buf, "{\"reply\":2}\n{\"reply\":3}");
    cr_assert_eq(jobsocks_next_flush(j), -1);

    /* a full batch does not wait */
    int64_t t2 = t + JOBSOCK_BATCH_MS + 1;
    for (int i = 0; i < JOBSOCK_BATCH_REPLIES; i++)
        reply(j, 100 + i, t2);
    cr_assert_eq(recv_batch(buf, sizeof buf), JOBSOCK_BATCH_REPLIES);

    /* a final flush takes everything, due or not */
    reply(j, 5, t2);
    cr_assert_eq(jobsocks_flush(j, t2, false), 0);
    cr_assert_eq(jobsocks_flush(j, t2, true), 1);
    cr_assert_eq(recv_batch(buf, sizeof buf), 1);
    cr_assert_eq(jobsocks_batch_count(j), 4);
    cr_assert_eq(jobsocks_next_flush(j), -1);
    jobsocks_free(j);
}

Test(jobsocks, no_job_process)
{
    struct jobsocks *j = jobsocks_new(&cfg);
    cr_assert_not_null(j);
    cr_assert_eq(jobsocks_send_text(j, "0123456789abcdef", "{}", 2, 5000), JOBSOCK_NO_JOB);
    cr_assert_eq(jobsocks_next_flush(j), -1);
    cr_assert_eq(jobsocks_flush(j, 5000, true), 0);
    jobsocks_free(j);
}

/* A live job process whose connection dropped gets the next replies:
 * commandd redials (backing off; a finished job's socket file is gone and
 * its socket is swept). A new listener on the same path stands in for the
 * job process here. Bounded wait, no timing asserted. */
Test(jobsocks, a_dropped_connection_is_dialed_again)
{
    struct jobsocks *j = jobsocks_new(&cfg);
    cr_assert_not_null(j);
    char buf[256];
    int64_t t = 1000000;
    reply(j, 1, t);
    cr_assert_eq(jobsocks_flush(j, t, true), 1);
    cr_assert_eq(recv_batch(buf, sizeof buf), 1, "connected at first");

    nng_close(pull);
    char url[256];
    snprintf(url, sizeof url, "ipc://%s/jobs/" JOB ".ipc", dir);
    cr_assert_eq(nng_pull0_open(&pull), 0);
    cr_assert_eq(nng_listen(pull, url, NULL, 0), 0);
    cr_assert_eq(nng_socket_set_ms(pull, NNG_OPT_RECVTIMEO, 100), 0);

    /* replies sent before the redial wait in the PUSH and come with it */
    bool arrived = false;
    for (int i = 0; i < 100 && !arrived; i++) {
        reply(j, 2 + i, t + 10 + i);
        jobsocks_flush(j, t + 10 + i, true);
        jobsocks_pump(j, t + 10 + i);
        char *m = NULL;
        size_t len = 0;
        if (nng_recv(pull, &m, &len, NNG_FLAG_ALLOC) == 0) {
            nng_free(m, len);
            arrived = true;
        }
    }
    cr_assert(arrived, "no reply reached the job process again within ~10 s");
    jobsocks_free(j);
}
