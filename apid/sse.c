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
#include "shared/timefmt.h"

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

/* Reads the events after s->after into s->buf. -1 on a database error. */
static int fetch(struct sse_stream *s)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", s->after);
    PGresult *r;
    enum api_db_status st;
    if (s->kind == SSE_JOB) {
        const char *p[2] = { s->job_id, after };
        st = api_db_exec("sse job events",
                         "SELECT seq, name, data::text FROM job_events WHERE job_id = $1 "
                         "AND seq > $2::bigint ORDER BY seq LIMIT " "500",
                         2, p, &r);
    } else {
        const char *p[2] = { s->org_id, after };
        st = api_db_exec("sse org events",
                         "SELECT org_seq, name, (data || jsonb_build_object('job', job_id))::text "
                         "FROM job_events WHERE org_id = $1::bigint AND org_seq > $2::bigint "
                         "ORDER BY org_seq LIMIT " "500",
                         2, p, &r);
    }
    if (st != API_DB_OK)
        return -1;
    int n = PQntuples(r);
    bool complete = false;
    for (int i = 0; i < n; i++) {
        long long seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        const char *name = PQgetvalue(r, i, 1);
        char id[48];
        snprintf(id, sizeof id, "%s-%lld", s->kind == SSE_JOB ? "job" : "org", seq);
        /* jsonb's text has blanks after ':' and ','; send compact JSON. */
        json_t *data = json_loads(PQgetvalue(r, i, 2), 0, NULL);
        char *compact = data ? json_dumps(data, JSON_COMPACT) : NULL;
        json_decref(data);
        int bad = sse_frame(&s->buf, &s->len, &s->cap, name, id,
                            compact ? compact : PQgetvalue(r, i, 2));
        free(compact);
        if (bad) {
            PQclear(r);
            return -1;
        }
        s->after = seq;
        if (s->kind == SSE_JOB && !strcmp(name, "job_complete"))
            complete = true;
    }
    PQclear(r);
    if (n >= SSE_FETCH_BATCH) {
        pthread_mutex_lock(&g_mu);
        s->dirty = true; /* more to read */
        pthread_mutex_unlock(&g_mu);
    } else if (s->kind == SSE_JOB && !complete && n == 0) {
        /* A job that ended without a job_complete event (or vanished):
         * its status and last events are written in one transaction, so
         * nothing more will come. */
        const char *p[1] = { s->job_id };
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

static void on_event(json_t *m)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    const char *org = json_string_value(json_object_get(m, "org"));
    const char *job = json_string_value(json_object_get(m, "job_id"));
    const char *ev = json_string_value(json_object_get(m, "event"));
    if (!type || strcmp(type, "job_event") || !org || !job || !ev)
        return;
    bool org_event = !strcmp(ev, "start") || !strcmp(ev, "job_complete");
    pthread_mutex_lock(&g_mu);
    for (struct sse_stream *s = g_head; s; s = s->next) {
        if (s->kind == SSE_JOB ? !strcmp(s->job_id, job)
                               : org_event && !strcmp(s->org, org))
            wake(s, true);
    }
    pthread_mutex_unlock(&g_mu);
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
        json_t *m = bus_recv_json(g_events, 0); /* recv timeout: a tick */
        if (m) {
            on_event(m);
            json_decref(m);
            /* Drain what else is queued before the housekeeping. */
            while ((m = bus_recv_json(g_events, NNG_FLAG_NONBLOCK)) != NULL) {
                on_event(m);
                json_decref(m);
            }
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
