#include "commandd/jobsocks.h"

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commandd/keymap.h"
#include "commandd/overflow.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/textbuf.h"
#include "shared/wire.h"

#define MAX_ENTRIES 20000
#ifndef JOB_SENDBUF /* overridable (-DJOB_SENDBUF=64) to exercise the overflow queue */
#define JOB_SENDBUF 8192 /* nng maximum: a 1,000-node job answers commit in one burst */
#endif

struct jobsock {
    nng_socket sock;
    bool open;
    bool exists;
    int64_t checked_ms;
    int64_t used_ms;
    /* Replies the PUSH did not take at once (its JOB_SENDBUF was full),
     * in arrival order; later replies queue behind them. */
    struct overflow q;
    size_t q_peak;        /* deepest the queue got since it was last empty */
    /* The batch being filled: replies joined by '\n' (jobsocks.h). */
    struct textbuf pend;
    size_t pend_count;
    bool dirty;           /* listed in jobsocks.dirty */
    int64_t flushed_ms;   /* when the last batch went out (JOBSOCK_BATCH_MS) */
    uint64_t q_dropped;   /* replies in batches the queue's bounds refused since then */
    char job_id[WIRE_JOB_ID_MAX + 1];
};

struct jobsocks {
    const struct pushy_config *cfg;
    struct keymap *map;
    size_t n_open;
    size_t n_queued; /* entries with a non-empty overflow queue */
    uint64_t batches;  /* batches handed to send_msg (sent or queued), for the stats */
    struct jobsock **dirty; /* entries with a pending batch */
    size_t n_dirty, cap_dirty;
};

struct jobsocks *jobsocks_new(const struct pushy_config *cfg)
{
    struct jobsocks *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->cfg = cfg;
    j->map = keymap_new();
    if (!j->map) {
        free(j);
        return NULL;
    }
    return j;
}

/* Forgets what waits for a job process that is gone (logged). */
static void drop_queue(struct jobsocks *j, struct jobsock *e)
{
    if (overflow_empty(&e->q))
        return;
    LOG_WARN("job %s: job process gone with %zu batch%s of node replies still queued; dropped",
             e->job_id, overflow_count(&e->q), overflow_count(&e->q) == 1 ? "" : "es");
    overflow_free(&e->q);
    overflow_init(&e->q, 0, 0);
    j->n_queued--;
}

static void drop_pending(struct jobsock *e)
{
    if (e->pend_count)
        LOG_WARN("job %s: job process gone with %zu node repl%s not yet sent; dropped",
                 e->job_id, e->pend_count, e->pend_count == 1 ? "y" : "ies");
    textbuf_reset(&e->pend);
    e->pend_count = 0;
}

static void close_sock(struct jobsocks *j, struct jobsock *e)
{
    drop_queue(j, e);
    drop_pending(e);
    if (!e->open)
        return;
    nng_close(e->sock);
    e->open = false;
    j->n_open--;
}

struct sweep_ctx {
    struct jobsocks *j;
    int64_t now;
    bool all;
};

static int sweep_one(void *ctx, const void *key, size_t len, void *val)
{
    (void)key, (void)len;
    struct sweep_ctx *s = ctx;
    struct jobsock *e = val;
    int64_t last = e->used_ms > e->checked_ms ? e->used_ms : e->checked_ms;
    if (!s->all && (s->now - last < JOBSOCK_IDLE_MS || !overflow_empty(&e->q) || e->dirty))
        return 0;
    close_sock(s->j, e);
    overflow_free(&e->q);
    textbuf_free(&e->pend);
    free(e);
    return 1;
}

void jobsocks_free(struct jobsocks *j)
{
    if (!j)
        return;
    struct sweep_ctx s = { .j = j, .all = true };
    keymap_sweep(j->map, sweep_one, &s);
    keymap_free(j->map);
    free(j->dirty);
    free(j);
}

void jobsocks_sweep(struct jobsocks *j, int64_t now_ms)
{
    struct sweep_ctx s = { .j = j, .now = now_ms };
    keymap_sweep(j->map, sweep_one, &s);
}

size_t jobsocks_open_count(const struct jobsocks *j)
{
    return j->n_open;
}

static struct jobsock *entry(struct jobsocks *j, const char *job_id, int64_t now)
{
    struct jobsock *e = keymap_gets(j->map, job_id);
    if (e)
        return e;
    if (!wire_valid_job_id(job_id, strlen(job_id)))
        return NULL;
    if (keymap_count(j->map) >= MAX_ENTRIES)
        jobsocks_sweep(j, now);
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->checked_ms = INT64_MIN / 2;
    e->flushed_ms = INT64_MIN / 2;
    overflow_init(&e->q, 0, 0);
    snprintf(e->job_id, sizeof e->job_id, "%s", job_id);
    if (keymap_put(j->map, job_id, strlen(job_id), e) != 0) {
        free(e);
        return NULL;
    }
    return e;
}

/* Stats the socket file; updates e. */
static bool check(struct jobsocks *j, struct jobsock *e, const char *job_id, int64_t now)
{
    char path[CONFIG_STR_MAX + 128];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/jobs/%s.ipc", j->cfg->run_dir, job_id);
    e->exists = n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
    e->checked_ms = now;
    if (!e->exists)
        close_sock(j, e);
    return e->exists;
}

bool jobsocks_exists(struct jobsocks *j, const char *job_id, int64_t now_ms)
{
    struct jobsock *e = entry(j, job_id, now_ms);
    if (!e)
        return false;
    if (now_ms - e->checked_ms < JOBSOCK_CHECK_MS)
        return e->exists;
    return check(j, e, job_id, now_ms);
}

static int dial(struct jobsocks *j, struct jobsock *e, const char *job_id)
{
    char name[WIRE_JOB_ID_MAX + 8];
    char url[CONFIG_STR_MAX + 128];
    snprintf(name, sizeof name, "jobs/%s", job_id);
    if (bus_url(j->cfg, name, url, sizeof url) != 0)
        return -1;
    int rv = nng_push0_open(&e->sock);
    if (rv != 0) {
        LOG_ERROR("job %s: push socket: %s", job_id, nng_strerror(rv));
        return -1;
    }
    /* When the pipe ends the job process has almost always exited, but a
     * live one whose connection dropped must get the next replies: redial
     * soon, then back off. nng's default (up to 1 s, no back-off) kept
     * every finished job's socket trying until the idle sweep closed it
     * 30 s later: most of commandd's nng CPU with a few jobs a second.
     * None of these is needed to deliver: a failure is only logged. */
    if ((rv = nng_socket_set_int(e->sock, NNG_OPT_SENDBUF, JOB_SENDBUF)) ||
        (rv = nng_socket_set_ms(e->sock, NNG_OPT_RECONNMINT, JOBSOCK_REDIAL_MIN_MS)) ||
        (rv = nng_socket_set_ms(e->sock, NNG_OPT_RECONNMAXT, JOBSOCK_REDIAL_MAX_MS)))
        LOG_WARN("job %s: push socket options: %s", job_id, nng_strerror(rv));
    /* synchronous: an ipc connect succeeds or fails at once, and a refused
     * one means the job process is gone (a stale socket file) */
    rv = nng_dial(e->sock, url, NULL, 0);
    if (rv != 0) {
        LOG_INFO("job %s: no job process (%s)", job_id, nng_strerror(rv));
        nng_close(e->sock);
        return -1;
    }
    e->open = true;
    j->n_open++;
    return 0;
}

/* Hands the queue's head messages to the PUSH until it refuses one.
 * Returns how many were sent. */
static size_t pump_one(struct jobsocks *j, struct jobsock *e)
{
    size_t sent = 0;
    const struct overflow_item *it;
    while (e->open && (it = overflow_peek(&e->q)) != NULL) {
        int rv = nng_send(e->sock, it->data, it->len, NNG_FLAG_NONBLOCK);
        if (rv == NNG_EAGAIN)
            break;
        if (rv != 0)
            LOG_WARN("job %s: batch of node replies not sent: %s", e->job_id, nng_strerror(rv));
        overflow_pop(&e->q);
        sent++;
    }
    if (sent && overflow_empty(&e->q)) {
        j->n_queued--;
        LOG_INFO("job %s: overflow queue drained (peak %zu batches of node replies; %llu "
                 "replies dropped)",
                 e->job_id, e->q_peak, (unsigned long long)e->q_dropped);
        e->q_peak = 0;
        e->q_dropped = 0;
    }
    return sent;
}

/* Queues text, a batch of nreplies replies (takes it), behind what
 * already waits for e. */
static enum jobsock_rc enqueue(struct jobsocks *j, struct jobsock *e, char *text, size_t len,
                               size_t nreplies)
{
    bool was_empty = overflow_empty(&e->q);
    if (overflow_push(&e->q, text, len) != 0) {
        free(text);
        /* Those replies were already reported sent to inbound (and counted
         * there): the drop says how many were lost. */
        if (e->q_dropped == 0)
            LOG_ERROR("job %s: overflow queue full (%zu batches, %zu bytes); batch of %zu node "
                      "repl%s dropped (further drops for this burst are counted, not logged)",
                      e->job_id, overflow_count(&e->q), overflow_bytes(&e->q), nreplies,
                      nreplies == 1 ? "y" : "ies");
        e->q_dropped += nreplies;
        return JOBSOCK_BUSY;
    }
    if (was_empty) {
        j->n_queued++;
        LOG_INFO("job %s: job process is not keeping up; node reply batches queued in commandd",
                 e->job_id);
    }
    if (overflow_count(&e->q) > e->q_peak)
        e->q_peak = overflow_count(&e->q);
    return JOBSOCK_SENT;
}

/* Sends (or queues) one ready batch of nreplies replies; takes text. */
static enum jobsock_rc send_msg(struct jobsocks *j, struct jobsock *e, char *text, size_t len,
                                size_t nreplies)
{
    j->batches++;
    /* Order: nothing overtakes what already waits. */
    if (!overflow_empty(&e->q) && (pump_one(j, e), !overflow_empty(&e->q)))
        return enqueue(j, e, text, len, nreplies);
    int rv = nng_send(e->sock, text, len, NNG_FLAG_NONBLOCK);
    if (rv == NNG_EAGAIN)
        return enqueue(j, e, text, len, nreplies);
    free(text);
    if (rv != 0) {
        LOG_WARN("job %s: batch of %zu node repl%s not sent: %s", e->job_id, nreplies,
                 nreplies == 1 ? "y" : "ies", nng_strerror(rv));
        return JOBSOCK_BUSY;
    }
    return JOBSOCK_SENT;
}

/* Hands e's pending batch to send_msg. */
static enum jobsock_rc flush_one(struct jobsocks *j, struct jobsock *e, int64_t now_ms)
{
    if (e->pend_count == 0)
        return JOBSOCK_SENT;
    e->flushed_ms = now_ms;
    size_t n = e->pend_count;
    char *text = malloc(e->pend.len);
    e->pend_count = 0;
    if (!text) {
        LOG_ERROR("job %s: out of memory sending %zu node replies; dropped", e->job_id, n);
        textbuf_reset(&e->pend);
        return JOBSOCK_BUSY;
    }
    memcpy(text, e->pend.p, e->pend.len);
    size_t len = e->pend.len;
    textbuf_reset(&e->pend);
    if (!e->open) {
        LOG_WARN("job %s: job process gone; batch of %zu node repl%s dropped", e->job_id, n,
                 n == 1 ? "y" : "ies");
        free(text);
        return JOBSOCK_NO_JOB;
    }
    return send_msg(j, e, text, len, n);
}

static bool flush_due(const struct jobsock *e, int64_t now_ms)
{
    return now_ms - e->flushed_ms >= JOBSOCK_BATCH_MS;
}

size_t jobsocks_flush(struct jobsocks *j, int64_t now_ms, bool all)
{
    size_t sent = 0, kept = 0;
    for (size_t i = 0; i < j->n_dirty; i++) {
        struct jobsock *e = j->dirty[i];
        if (e->pend_count && !all && !flush_due(e, now_ms)) {
            j->dirty[kept++] = e; /* its turn comes at jobsocks_next_flush */
            continue;
        }
        e->dirty = false;
        if (e->pend_count) {
            flush_one(j, e, now_ms);
            sent++;
        }
    }
    j->n_dirty = kept;
    return sent;
}

int64_t jobsocks_next_flush(const struct jobsocks *j)
{
    int64_t next = -1;
    for (size_t i = 0; i < j->n_dirty; i++) {
        const struct jobsock *e = j->dirty[i];
        int64_t at = e->flushed_ms + JOBSOCK_BATCH_MS;
        if (e->pend_count && (next < 0 || at < next))
            next = at;
    }
    return next;
}

/* Appends text to e's batch ('\n' between replies). -1 out of memory. */
static int append(struct jobsocks *j, struct jobsock *e, const char *text, size_t len)
{
    size_t before = e->pend.len;
    if (e->pend_count)
        textbuf_put(&e->pend, "\n", 1);
    textbuf_put(&e->pend, text, len);
    if (e->pend.oom) {
        /* the batch stays as it was, without this reply */
        textbuf_truncate(&e->pend, before);
        return -1;
    }
    if (!e->dirty) {
        if (j->n_dirty == j->cap_dirty) {
            size_t cap = j->cap_dirty ? j->cap_dirty * 2 : 16;
            struct jobsock **d = realloc(j->dirty, cap * sizeof *d);
            if (!d) {
                textbuf_truncate(&e->pend, before);
                return -1;
            }
            j->dirty = d;
            j->cap_dirty = cap;
        }
        j->dirty[j->n_dirty++] = e;
        e->dirty = true;
    }
    e->pend_count++;
    return 0;
}

enum jobsock_rc jobsocks_send_text(struct jobsocks *j, const char *job_id, const char *text,
                                   size_t len, int64_t now_ms)
{
    struct jobsock *e = entry(j, job_id, now_ms);
    if (!e)
        return JOBSOCK_NO_JOB;
    /* A finished job is noticed at once: its socket file is looked at
     * when a batch starts (replies within one batch arrive together). */
    if (e->pend_count == 0) {
        if (!check(j, e, job_id, now_ms))
            return JOBSOCK_NO_JOB;
        if (!e->open && dial(j, e, job_id) != 0) {
            e->exists = false;
            return JOBSOCK_NO_JOB;
        }
    }
    e->used_ms = now_ms;
    /* a big reply (captured output) does not share a message */
    if (e->pend_count && e->pend.len + 1 + len > JOBSOCK_BATCH_BYTES)
        flush_one(j, e, now_ms);
    if (append(j, e, text, len) != 0) {
        LOG_ERROR("job %s: out of memory batching a node reply; dropped", job_id);
        return JOBSOCK_BUSY;
    }
    if (e->pend_count >= JOBSOCK_BATCH_REPLIES || e->pend.len >= JOBSOCK_BATCH_BYTES)
        return flush_one(j, e, now_ms);
    return JOBSOCK_SENT;
}

enum jobsock_rc jobsocks_send(struct jobsocks *j, const char *job_id, const json_t *msg,
                              int64_t now_ms)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text) {
        LOG_ERROR("job %s: out of memory serializing a node reply; dropped", job_id);
        return JOBSOCK_BUSY;
    }
    enum jobsock_rc rc = jobsocks_send_text(j, job_id, text, strlen(text), now_ms);
    free(text);
    return rc;
}

struct pump_ctx {
    struct jobsocks *j;
    int64_t now;
    size_t sent;
};

static int pump_visit(void *ctx, const void *key, size_t len, void *val)
{
    (void)key, (void)len;
    struct pump_ctx *p = ctx;
    struct jobsock *e = val;
    if (overflow_empty(&e->q))
        return 0;
    /* a job process that ended drops what waits for it (check logs it) */
    if (p->now - e->checked_ms >= JOBSOCK_CHECK_MS && !check(p->j, e, e->job_id, p->now))
        return 0;
    p->sent += pump_one(p->j, e);
    return 0;
}

size_t jobsocks_pump(struct jobsocks *j, int64_t now_ms)
{
    if (j->n_queued == 0)
        return 0;
    struct pump_ctx p = { .j = j, .now = now_ms };
    keymap_sweep(j->map, pump_visit, &p);
    return p.sent;
}

uint64_t jobsocks_batch_count(const struct jobsocks *j)
{
    return j->batches;
}

bool jobsocks_queued(const struct jobsocks *j)
{
    return j->n_queued > 0;
}
