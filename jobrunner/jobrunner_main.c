/* jobrunner: the job supervisor (see jobrunner/jobrunner.h). Started and
 * restarted by pushyd. */
#include <errno.h>
#include <libgen.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobrunner/jobrunner.h"
#include "jobrunner/jr_store.h"
#include "shared/bus.h"
#include "shared/fsutil.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/worker.h"

#define COMMANDS_SENDBUF 1024 /* messages kept while commandd restarts */

static int open_bus(struct jobrunner *jr)
{
    int rv;
    if ((rv = nng_rep0_open(&jr->rep)) || (rv = nng_pub0_open(&jr->pub)) ||
        (rv = nng_push0_open(&jr->commands))) {
        LOG_ERROR("bus: open: %s", nng_strerror(rv));
        return -1;
    }
    /* A start_job names every target: as large as an API request body. */
    size_t max_req = (size_t)jr->cfg->api_max_body_size + (64u << 10);
    if ((rv = nng_socket_set_int(jr->commands, NNG_OPT_SENDBUF, COMMANDS_SENDBUF)) ||
        (rv = nng_socket_set_size(jr->rep, NNG_OPT_RECVMAXSZ, max_req))) {
        LOG_ERROR("bus: socket options: %s", nng_strerror(rv));
        return -1;
    }
    if (bus_listen(jr->rep, jr->cfg, BUS_JOBRUNNER) || bus_listen(jr->pub, jr->cfg, BUS_JOB_EVENTS) ||
        bus_dial(jr->commands, jr->cfg, BUS_COMMANDS))
        return -1;
    return 0;
}

/* pushy-job lives next to this binary. */
static int find_job_bin(struct jobrunner *jr)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        LOG_ERROR("readlink /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    self[n] = '\0';
    if (config_path(jr->job_bin, sizeof jr->job_bin, dirname(self), "pushy-job")) {
        LOG_ERROR("job binary path too long");
        return -1;
    }
    if (access(jr->job_bin, X_OK)) {
        LOG_ERROR("job binary %s: %s (jobs can not start)", jr->job_bin, strerror(errno));
        return -1;
    }
    return 0;
}

/* Job processes listen on RUN_DIR/jobs/JOB_ID.ipc. */
static int make_jobs_dir(const struct pushy_config *cfg)
{
    char dir[CONFIG_STR_MAX + 8];
    if (config_path(dir, sizeof dir, cfg->run_dir, "jobs") || mkdir_p(dir, 0755)) {
        LOG_ERROR("jobs socket directory %s/jobs: %s", cfg->run_dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void purge(struct jobrunner *jr, int64_t now_ms)
{
    if (now_ms < jr->next_purge_ms)
        return;
    jr->next_purge_ms = now_ms + JR_PURGE_INTERVAL_MS;
    if (jr->cfg->job_retention_days <= 0)
        return;
    long n = store_purge(&jr->db, jr->cfg->job_retention_days);
    if (n < 0)
        jr->next_purge_ms = now_ms + 60000;
    else if (n > 0)
        LOG_INFO("purged %ld job(s) older than %d days", n, jr->cfg->job_retention_days);
}

static int64_t min_due(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* Milliseconds poll may sleep. */
static int poll_timeout(const struct jobrunner *jr, int64_t now)
{
    int64_t due = batch_due_ms(&jr->batch);
    if (due >= 0 && jr->next_flush_retry_ms > due)
        due = jr->next_flush_retry_ms;
    /* Ends and the sweep wait for an empty batch, the sweep also for the
     * ends: only count them when they can run. */
    bool empty = batch_empty(&jr->batch);
    if (empty && jr->nends)
        due = min_due(due, jr->next_end_ms);
    if (empty && !jr->nends)
        due = min_due(due, jr->next_sweep_ms);
    due = min_due(due, jr->next_purge_ms);
    if (jr->abort_wait.active)
        due = min_due(due, jr->abort_wait.deadline_ms);
    for (size_t i = 0; i < jr->nchildren; i++)
        if (!jr->children[i].terminal && !jr->children[i].killed)
            due = min_due(due, jr->children[i].deadline_ms);
    int64_t t = due - now;
    if (t < 0)
        t = 0;
    return t > 60000 ? 60000 : (int)t;
}

/* The periodic work after every wake-up. */
static void housekeeping(struct jobrunner *jr)
{
    int64_t now = time_now_ms();
    jr_watchdog(jr, now);
    jr_flush(jr, now, jr->abort_wait.active && jr->abort_wait.known);
    jr_process_ends(jr, now);
    jr_abort_wait_check(jr, now);
    jr_sweep(jr, now);
    jr_process_ends(jr, now);
    purge(jr, now);
}

static int run(struct jobrunner *jr)
{
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    int rep_fd = bus_recv_fd(jr->rep);
    if (rep_fd < 0)
        return -1;
    for (;;) {
        size_t need = jr->nchildren + 2;
        if (need > cap) {
            struct pollfd *p = realloc(pfds, need * sizeof *p);
            if (!p) {
                LOG_ERROR("out of memory");
                free(pfds);
                return -1;
            }
            pfds = p;
            cap = need;
        }
        size_t n = 0;
        pfds[n++] = (struct pollfd){ .fd = worker_signal_fd(), .events = POLLIN };
        /* A REP socket holds one request at a time: while an abort waits
         * for its outcome, further requests wait in the socket. */
        pfds[n++] = (struct pollfd){ .fd = jr->abort_wait.active ? -1 : rep_fd, .events = POLLIN };
        size_t first_child = n;
        for (size_t i = 0; i < jr->nchildren; i++)
            pfds[n++] = (struct pollfd){ .fd = jr->children[i].fd, .events = POLLIN };

        int pr = poll(pfds, (nfds_t)n, poll_timeout(jr, time_now_ms()));
        if (pr < 0 && errno != EINTR) {
            LOG_ERROR("poll: %s", strerror(errno));
            free(pfds);
            return -1;
        }
        int64_t now = time_now_ms();
        bool reap = false;
        if (pr > 0) {
            /* Children first: their reports are older than any request. */
            size_t nkids = jr->nchildren;
            for (size_t i = 0; i < nkids && first_child + i < n; i++)
                if (pfds[first_child + i].revents & (POLLIN | POLLHUP | POLLERR))
                    jr_read_child(jr, &jr->children[i], now);
            if (pfds[0].revents & POLLIN) {
                enum worker_signal s;
                while ((s = worker_read_signal()) != WORKER_SIG_NONE) {
                    if (s == WORKER_SIG_STOP) {
                        free(pfds);
                        return 0;
                    }
                    if (s == WORKER_SIG_RELOAD)
                        worker_reload(jr->cfg);
                    if (s == WORKER_SIG_CHILD)
                        reap = true;
                }
            }
            if (reap)
                jr_reap(jr, now);
            if (pfds[1].fd >= 0 && (pfds[1].revents & POLLIN))
                jr_handle_request(jr, now);
        }
        housekeeping(jr);
    }
}

/* Stop: the jobs of this jobrunner crash now (their nodes get `abort`)
 * rather than at the next start. */
static void shutdown_jobs(struct jobrunner *jr)
{
    jr->stopping = true;
    int64_t now = time_now_ms();
    jr_kill_all(jr, now);
    jr_flush(jr, now, true);
    jr_process_ends(jr, now);
    jr_flush(jr, now, true);
    jr_abort_wait_check(jr, now);
    if (!batch_empty(&jr->batch) || jr->nends)
        LOG_WARN("stopping with %zu updates unwritten and %zu jobs not ended; the next start "
                 "crashes them", batch_updates(&jr->batch), jr->nends);
    /* Let queued node aborts reach commandd before the socket closes. */
    struct timespec ts = { 0, 200 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    static struct pushy_config cfg;
    worker_init("jobrunner", "Pushy job supervisor (started by pushyd).", argc, argv, &cfg);
    static struct jobrunner jr = {
        .rep = NNG_SOCKET_INITIALIZER,
        .pub = NNG_SOCKET_INITIALIZER,
        .commands = NNG_SOCKET_INITIALIZER,
    };
    jr.cfg = &cfg;
    db_init(&jr.db, &cfg);
    int rc = 1;
    if (batch_init(&jr.batch)) {
        LOG_ERROR("out of memory");
        return 1;
    }
    if (make_jobs_dir(&cfg) || open_bus(&jr))
        goto out;
    (void)find_job_bin(&jr); /* logged; start_job then fails with 500 */
    /* The first job id would load OpenSSL's configuration and seed its
     * generator (a few ms on the first job's path): do it now. */
    char warm_id[JOB_ID_LEN + 1];
    if (job_id_generate(warm_id))
        LOG_WARN("random generator not ready yet; job ids are tried again per job");
    if (!db_get(&jr.db))
        LOG_WARN("database not reachable yet; unfinished jobs are crashed once it is");
    /* First thing: crash what a previous jobrunner left unfinished. */
    int64_t now = time_now_ms();
    jr.next_sweep_ms = now;
    jr.next_purge_ms = now;
    jr_sweep(&jr, now);
    jr_process_ends(&jr, now);
    worker_ready();
    LOG_INFO("ready: voting_timeout %d s + %d s per 100 nodes, retention %d days",
             cfg.voting_timeout, cfg.voting_timeout_per_100_nodes, cfg.job_retention_days);
    rc = run(&jr) ? 1 : 0;
    LOG_INFO("stopping");
    shutdown_jobs(&jr);
out:
    nng_close(jr.rep);
    nng_close(jr.pub);
    nng_close(jr.commands);
    db_close(&jr.db);
    batch_free(&jr.batch);
    for (size_t i = 0; i < jr.nchildren; i++)
        line_buf_free(&jr.children[i].in);
    free(jr.children);
    free(jr.ends);
    return rc;
}
