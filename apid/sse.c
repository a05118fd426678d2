/* SSE streams and their hub (apid/sse.h). */
#include "apid/sse.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/dbconn.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/textbuf.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- pure helpers ---- */

int sse_parse_last_id(const char *value, const char *prefix, long long *n)
{
    if (!value || !prefix)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t pl = strlen(prefix);
    if (strncmp(value, prefix, pl) || value[pl] != '-')
        return -1;
    const char *d = value + pl + 1;
    long long v = 0;
    size_t digits = 0;
    for (; *d >= '0' && *d <= '9'; d++, digits++) {
        if (v > (__LONG_LONG_MAX__ - (*d - '0')) / 10)
            return -1;
        v = v * 10 + (*d - '0');
    }
    while (*d == ' ' || *d == '\t')
        d++;
    if (!digits || *d)
        return -1;
    *n = v;
    return 0;
}

static int put(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 1024;
        while (c < *len + n + 1)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int puts_(char **buf, size_t *len, size_t *cap, const char *s)
{
    return put(buf, len, cap, s, strlen(s));
}

int sse_frame(char **buf, size_t *len, size_t *cap, const char *event, const char *id,
              const char *data)
{
    int rc = 0;
    if (event)
        rc |= puts_(buf, len, cap, "event: ") | puts_(buf, len, cap, event) |
              puts_(buf, len, cap, "\n");
    if (id)
        rc |= puts_(buf, len, cap, "id: ") | puts_(buf, len, cap, id) |
              puts_(buf, len, cap, "\n");
    const char *p = data ? data : "";
    for (;;) {
        size_t n = strcspn(p, "\r\n");
        rc |= puts_(buf, len, cap, "data: ") | put(buf, len, cap, p, n) |
              puts_(buf, len, cap, "\n");
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p++;
        if (!*p)
            break;
        p++;
    }
    rc |= puts_(buf, len, cap, "\n");
    return rc ? -1 : 0;
}

/* ---- streams ---- */

struct sse_stream {
    struct sse_stream *prev, *next;  /* registry, under g_mu */
    bool registered;
    struct MHD_Connection *conn;
    enum sse_kind kind;
    char org[256];
    char org_id[24];
    char job_id[40];
    long long after;                 /* last event number sent (or skipped) */
    /* Owned by the MHD thread running the reader: */
    char *buf;
    size_t len, off, cap;
    bool finished;                   /* end once buf is sent */
    int64_t last_write_ms;
    /* Under g_mu: */
    bool dirty;                      /* there may be new events in the database */
    bool suspended;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sse_stream *g_head;
static bool g_closing;
static bool g_running;
static pthread_t g_thread;
static nng_socket g_events;
static long g_keepalive_ms = -1;

long sse_keepalive_ms(void)
{
    if (g_keepalive_ms < 0) {
        const char *e = getenv("PUSHY_SSE_KEEPALIVE_MS");
        long v = e ? strtol(e, NULL, 10) : 0;
        g_keepalive_ms = v >= 100 && v <= 600000 ? v : SSE_DEFAULT_KEEPALIVE_MS;
    }
    return g_keepalive_ms;
}

bool sse_hub_closing(void)
{
    pthread_mutex_lock(&g_mu);
    bool c = g_closing;
    pthread_mutex_unlock(&g_mu);
    return c;
}

struct sse_stream *sse_stream_new(enum sse_kind kind, const char *org, const char *org_id,
                                  const char *job_id, long long after)
{
    struct sse_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->kind = kind;
    snprintf(s->org, sizeof s->org, "%s", org ? org : "");
    snprintf(s->org_id, sizeof s->org_id, "%s", org_id ? org_id : "");
    snprintf(s->job_id, sizeof s->job_id, "%s", job_id ? job_id : "");
    s->after = after;
    s->dirty = true;
    s->last_write_ms = time_now_ms();
    return s;
}

int sse_stream_push(struct sse_stream *s, const char *event, const char *id, const char *data)
{
    return sse_frame(&s->buf, &s->len, &s->cap, event, id, data);
}

void sse_stream_finish(struct sse_stream *s)
{
    s->finished = true;
}

void sse_stream_free(struct sse_stream *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s);
}

static bool job_state_terminal(const char *st)
{
    return strcmp(st, "new") && strcmp(st, "voting") && strcmp(st, "running");
}

size_t sse_json_compact(char *s, size_t n)
{
    size_t w = 0;
    bool in_str = false, esc = false;
    for (size_t r = 0; r < n; r++) {
        char c = s[r];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"') {
            in_str = true;
        }
        s[w++] = c;
    }
    return w;
}

/* Appends one event frame whose data is n bytes of stored JSON text, sent
 * compact (the rows migration 051 converted hold jsonb's text). */
static int frame_stored(struct sse_stream *s, char **tmp, size_t *tmp_cap, const char *name,
                        const char *id, const char *data, size_t n)
{
    if (text_grow(tmp, tmp_cap, 0, n))
        return -1;
    memcpy(*tmp, data, n);
    (*tmp)[sse_json_compact(*tmp, n)] = '\0';
    return sse_frame(&s->buf, &s->len, &s->cap, name, id, *tmp);
}

/* Frames the events of one job_event_batches row (first seq `first`, lines
 * "NAME DATA") that follow s->after, at most *room of them. */
static int frame_job_row(struct sse_stream *s, long long first, const char *text, char **tmp,
                         size_t *tmp_cap, int *room, bool *complete)
{
    long long seq = first;
    for (const char *p = text; *p && *room > 0; seq++) {
        size_t n = strcspn(p, "\n");
        const char *next = p[n] ? p + n + 1 : p + n;
        if (seq > s->after) {
            size_t name_len = strcspn(p, " ");
            char name[72], id[48];
            if (name_len >= n || name_len >= sizeof name) {
                LOG_WARN("sse: job %s: event %lld is unreadable; skipped", s->job_id, seq);
            } else {
                memcpy(name, p, name_len);
                name[name_len] = '\0';
                snprintf(id, sizeof id, "job-%lld", seq);
                if (frame_stored(s, tmp, tmp_cap, name, id, p + name_len + 1, n - name_len - 1))
                    return -1;
                if (!strcmp(name, "job_complete"))
                    *complete = true;
            }
            s->after = seq;
            (*room)--;
        }
        p = next;
    }
    return 0;
}

/* The rows holding the SSE_FETCH_BATCH events that follow $2: from the
 * first event after $2 (a = where the window starts: converted data may
 * have gaps wider than a window), and whether rows start past the window
 * (more: read on at once, a finished job's stream is not over). */
#define JOB_FETCH_SQL                                                                       \
    "WITH w AS (SELECT greatest($2::bigint, (SELECT f.first_seq - 1 FROM job_event_batches f" \
    "  WHERE f.job_id = $1 AND f.last_seq > $2::bigint ORDER BY f.last_seq LIMIT 1)) AS a),"  \
    " m AS (SELECT w.a, EXISTS (SELECT 1 FROM job_event_batches x WHERE x.job_id = $1"       \
    "  AND x.first_seq > w.a + " STR(SSE_FETCH_BATCH) ") AS more FROM w)"                    \
    " SELECT b.first_seq, b.events, m.more FROM job_event_batches b, m WHERE b.job_id = $1"   \
    " AND b.last_seq > $2::bigint AND b.first_seq <= m.a + " STR(SSE_FETCH_BATCH)             \
    " ORDER BY b.last_seq"

/* Reads the job's events after s->after into s->buf: the batch rows that
 * hold the next SSE_FETCH_BATCH events. *sent: how many; *more: whether
 * more may follow at once. */
static int fetch_job(struct sse_stream *s, char **tmp, size_t *tmp_cap, int *sent,
                     bool *complete, bool *more)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", s->after);
    const char *p[2] = { s->job_id, after };
    PGresult *r;
    if (api_db_exec("sse job events", JOB_FETCH_SQL, 2, p, &r) != API_DB_OK)
        return -1;
    int room = SSE_FETCH_BATCH, rc = 0;
    for (int i = 0; i < PQntuples(r) && room > 0 && rc == 0; i++)
        rc = frame_job_row(s, strtoll(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1), tmp,
                           tmp_cap, &room, complete);
    *more = room == 0 || (PQntuples(r) > 0 && PQgetvalue(r, 0, 2)[0] == 't');
    PQclear(r);
    *sent = SSE_FETCH_BATCH - room;
    return rc;
}

/* Reads the org's feed events after s->after into s->buf. */
static int fetch_org(struct sse_stream *s, char **tmp, size_t *tmp_cap, int *sent)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", s->after);
    const char *p[2] = { s->org_id, after };
    PGresult *r;
    if (api_db_exec("sse org events",
                    "SELECT org_seq, name, data FROM org_events WHERE org_id = $1::bigint "
                    "AND org_seq > $2::bigint ORDER BY org_seq LIMIT " STR(SSE_FETCH_BATCH),
                    2, p, &r) != API_DB_OK)
        return -1;
    int n = PQntuples(r), rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        long long seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        char id[48];
        snprintf(id, sizeof id, "org-%lld", seq);
        rc = frame_stored(s, tmp, tmp_cap, PQgetvalue(r, i, 1), id, PQgetvalue(r, i, 2),
                          (size_t)PQgetlength(r, i, 2));
        if (rc == 0)
            s->after = seq;
    }
    PQclear(r);
    *sent = n;
    return rc;
}

/* Reads the events after s->after into s->buf. -1 on a database error. */
static int fetch(struct sse_stream *s)
{
    char *tmp = NULL;
    size_t tmp_cap = 0;
    int sent = 0;
    bool complete = false, more = false;
    int rc = s->kind == SSE_JOB ? fetch_job(s, &tmp, &tmp_cap, &sent, &complete, &more)
                                : fetch_org(s, &tmp, &tmp_cap, &sent);
    free(tmp);
    if (rc)
        return -1;
    if (sent >= SSE_FETCH_BATCH)
        more = true;
    if (more && !complete) {
        pthread_mutex_lock(&g_mu);
        s->dirty = true; /* more to read */
        pthread_mutex_unlock(&g_mu);
    } else if (s->kind == SSE_JOB && !complete && sent == 0 && !more) {
        /* A job that ended without a job_complete event (or vanished):
         * its status and last events are written in one transaction, so
         * nothing more will come. */
        const char *p[1] = { s->job_id };
        PGresult *r;
        if (api_db_exec("sse job status", "SELECT status FROM jobs WHERE id = $1", 1, p, &r) !=
            API_DB_OK)
            return -1;
        if (PQntuples(r) == 0 || job_state_terminal(PQgetvalue(r, 0, 0)))
            complete = true;
        PQclear(r);
    }
    if (complete)
        s->finished = true;
    return 0;
}

static void unregister(struct sse_stream *s)
{
    if (!s->registered)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        g_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->registered = false;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct sse_stream *s = cls;
    for (int round = 0; round < 8; round++) {
        if (s->off < s->len) {
            size_t n = s->len - s->off;
            if (n > max)
                n = max;
            memcpy(out, s->buf + s->off, n);
            s->off += n;
            if (s->off == s->len)
                s->off = s->len = 0;
            s->last_write_ms = time_now_ms();
            return (ssize_t)n;
        }
        pthread_mutex_lock(&g_mu);
        bool closing = g_closing, dirty = s->dirty;
        s->dirty = false;
        pthread_mutex_unlock(&g_mu);
        if (s->finished || closing)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (dirty) {
            if (fetch(s)) {
                LOG_WARN("sse: %s %s: could not read events; retrying",
                         s->kind == SSE_JOB ? "job" : "org",
                         s->kind == SSE_JOB ? s->job_id : s->org);
                /* The backstop wakes it again. */
            }
            if (s->len || s->finished)
                continue;
        }
        if (time_now_ms() - s->last_write_ms >= sse_keepalive_ms()) {
            static const char ka[] = ": keepalive\n\n";
            if (put(&s->buf, &s->len, &s->cap, ka, sizeof ka - 1))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        pthread_mutex_lock(&g_mu);
        if (s->dirty || g_closing) {
            pthread_mutex_unlock(&g_mu);
            continue;
        }
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    return 0; /* unreachable in practice: more rounds than states */
}

static void reader_free(void *cls)
{
    struct sse_stream *s = cls;
    pthread_mutex_lock(&g_mu);
    unregister(s);
    pthread_mutex_unlock(&g_mu);
    sse_stream_free(s);
}

struct MHD_Response *sse_response(struct sse_stream *s, struct MHD_Connection *conn)
{
    s->conn = conn;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, s, reader_free);
    if (!r) {
        sse_stream_free(s);
        return NULL;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream") != MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES ||
        MHD_add_response_header(r, "X-Accel-Buffering", "no") != MHD_YES) {
        MHD_destroy_response(r); /* frees s */
        return NULL;
    }
    pthread_mutex_lock(&g_mu);
    s->next = g_head;
    s->prev = NULL;
    if (g_head)
        g_head->prev = s;
    g_head = s;
    s->registered = true;
    pthread_mutex_unlock(&g_mu);
    return r;
}

/* ---- the hub ---- */

/* Under g_mu. */
static void wake(struct sse_stream *s, bool dirty)
{
    if (dirty)
        s->dirty = true;
    if (s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
    }
}

/* ---- the job-events notice ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The strings of the array member key of o, each valid by ok, sorted, in
 * a malloc'd array (*out; NULL when empty). 0 or -1 with a message. */
static int notice_names(const json_t *o, const char *key, bool (*ok)(const char *, size_t),
                        const char ***out, size_t *n, size_t *skipped, char *err,
                        size_t errlen)
{
    const json_t *a = json_object_get(o, key);
    *out = NULL;
    *n = 0;
    if (!json_is_array(a)) {
        snprintf(err, errlen, "\"%s\" is not an array", key);
        return -1;
    }
    size_t k = json_array_size(a);
    if (k == 0)
        return 0;
    const char **v = calloc(k, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_string(e) || !ok(json_string_value(e), json_string_length(e))) {
            if ((*skipped)++ == 0)
                snprintf(err, errlen, "\"%s\"[%zu] is not a valid name", key, i);
            continue;
        }
        v[kept++] = json_string_value(e);
    }
    qsort(v, kept, sizeof *v, cmp_str);
    *out = v;
    *n = kept;
    return 0;
}

static bool notice_job_ok(const char *s, size_t n)
{
    return strlen(s) == n && wire_valid_job_id(s, n);
}

/* Any org name a stream can hold (struct sse_stream's org). */
static bool notice_org_ok(const char *s, size_t n)
{
    return n > 0 && n < 256 && strlen(s) == n;
}

void sse_notice_free(struct sse_notice *n)
{
    free(n->jobs);
    free(n->orgs);
    json_decref(n->root);
    memset(n, 0, sizeof *n);
}

int sse_notice_parse(const char *buf, size_t len, struct sse_notice *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    json_error_t je;
    n->root = json_loadb(buf, len, 0, &je);
    if (!n->root) {
        snprintf(err, errlen, "not JSON: %s", je.text);
        return -1;
    }
    const char *type = json_string_value(json_object_get(n->root, "type"));
    if (!json_is_object(n->root) || !type || strcmp(type, "job_events")) {
        snprintf(err, errlen, "not a job_events object");
        sse_notice_free(n);
        return -1;
    }
    if (notice_names(n->root, "jobs", notice_job_ok, &n->jobs, &n->njobs, &n->skipped, err,
                     errlen) ||
        notice_names(n->root, "orgs", notice_org_ok, &n->orgs, &n->norgs, &n->skipped, err,
                     errlen)) {
        sse_notice_free(n);
        return -1;
    }
    return 0;
}

static bool has(const char *const *v, size_t n, const char *s)
{
    return n && bsearch(&s, v, n, sizeof *v, cmp_str);
}

bool sse_notice_has_job(const struct sse_notice *n, const char *job_id)
{
    return has(n->jobs, n->njobs, job_id);
}

bool sse_notice_has_org(const struct sse_notice *n, const char *org)
{
    return has(n->orgs, n->norgs, org);
}

/* A bad notice or entry is jobrunner's bug, not the client's: logged at
 * most every 10 s (the backstop still wakes the feeds it would have). */
static void notice_dropped(const char *err)
{
    static int64_t last_ms;
    static unsigned long quiet;
    int64_t now = time_now_ms();
    if (last_ms && now - last_ms < 10000) {
        quiet++;
        return;
    }
    LOG_WARN("sse: job-events notice (or part) ignored: %s (%lu more since the last report)",
             err, quiet);
    last_ms = now;
    quiet = 0;
}

static void on_notice(const char *buf, size_t len)
{
    struct sse_notice n;
    char err[128];
    if (sse_notice_parse(buf, len, &n, err, sizeof err)) {
        notice_dropped(err);
        return;
    }
    if (n.skipped)
        notice_dropped(err);
    pthread_mutex_lock(&g_mu);
    for (struct sse_stream *s = g_head; s; s = s->next) {
        if (s->kind == SSE_JOB ? sse_notice_has_job(&n, s->job_id)
                               : sse_notice_has_org(&n, s->org))
            wake(s, true);
    }
    pthread_mutex_unlock(&g_mu);
    sse_notice_free(&n);
}

/* Handles one message of the bus: false when none came (timeout, closing). */
static bool recv_notice(int flags)
{
    char *buf;
    size_t len;
    if (bus_recv_bytes(g_events, flags, &buf, &len))
        return false;
    on_notice(buf, len);
    nng_free(buf, len);
    return true;
}

static void *hub(void *arg)
{
    (void)arg;
    int64_t next_backstop = time_now_ms() + SSE_BACKSTOP_MS;
    for (;;) {
        pthread_mutex_lock(&g_mu);
        bool closing = g_closing;
        pthread_mutex_unlock(&g_mu);
        if (closing)
            break;
        if (recv_notice(0)) { /* recv timeout: a tick */
            /* Drain what else is queued before the housekeeping. */
            while (recv_notice(NNG_FLAG_NONBLOCK))
                ;
        }
        int64_t now = time_now_ms();
        bool backstop = now >= next_backstop;
        if (backstop)
            next_backstop = now + SSE_BACKSTOP_MS;
        long ka = sse_keepalive_ms();
        pthread_mutex_lock(&g_mu);
        for (struct sse_stream *s = g_head; s; s = s->next) {
            if (!s->suspended)
                continue;
            if (backstop)
                wake(s, true);
            else if (now - s->last_write_ms >= ka)
                wake(s, false);
        }
        pthread_mutex_unlock(&g_mu);
    }
    return NULL;
}

int sse_hub_start(nng_socket events)
{
    g_events = events;
    long ka = sse_keepalive_ms();
    int tick = ka / 4 < 250 ? (int)(ka / 4) : 250;
    int rv;
    if ((rv = nng_socket_set(events, NNG_OPT_SUB_SUBSCRIBE, "", 0)) ||
        (rv = nng_socket_set_ms(events, NNG_OPT_RECVTIMEO, tick < 25 ? 25 : tick))) {
        LOG_ERROR("sse: job-events socket: %s", nng_strerror(rv));
        return -1;
    }
    int e = pthread_create(&g_thread, NULL, hub, NULL);
    if (e) {
        LOG_ERROR("sse: cannot start the hub thread: %s", strerror(e));
        return -1;
    }
    g_running = true;
    return 0;
}

void sse_hub_stop(void)
{
    pthread_mutex_lock(&g_mu);
    g_closing = true;
    for (struct sse_stream *s = g_head; s; s = s->next)
        wake(s, false);
    pthread_mutex_unlock(&g_mu);
    if (g_running) {
        pthread_join(g_thread, NULL);
        g_running = false;
    }
    /* Let the resumed streams end (their free callback unregisters them):
     * libmicrohttpd must not be stopped with suspended connections. */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&g_mu);
        bool empty = g_head == NULL;
        for (struct sse_stream *s = g_head; s; s = s->next)
            wake(s, false);
        pthread_mutex_unlock(&g_mu);
        if (empty)
            break;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}
