/* apiload: signed load for the REST API (apid).
 *
 *   apiload get  --base URL --user U --key FILE --path P [--connections 16]
 *                [--threads 2] [--seconds 10]
 *       GET BASE/P as fast as the connections allow (keep-alive, one request
 *       in flight per connection; a small HTTP/1.1 client of its own over
 *       epoll, http:// only, every response's status checked and its body
 *       read to its Content-Length); prints requests/s and latency p50/p99.
 *       Each connection signs its request once and re-signs every 60 s: a
 *       Chef signature stays valid for auth_skew (900 s), and the server
 *       verifies it on every request whatever the client does, so the load
 *       generator does not spend a 2-core machine's CPU on RSA signing.
 *
 *   apiload jobs --base URL --user U --key FILE --prefix P --count N
 *                [--first K] [--jobs 20] [--concurrency 1] [--command true]
 *                [--poll-ms 20] [--timeout-s 120]
 *       POSTs jobs of N nodes, keeps `concurrency` jobs in flight (in-flight
 *       slot k targets its own nodes P<K+k*N>..P<K+k*N+N-1>), polls GET jobs/ID every poll-ms until the job is
 *       terminal; prints POST -> complete latency p50/p95/max and jobs/s.
 *
 * BASE is http://HOST:PORT/organizations/ORG. Output: one "key=value" line
 * at the end (for scripts), plus a human line. Exit 0 when every request /
 * job succeeded, 1 otherwise. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"
#include "bench/http_head.h"
#include "shared/chef_auth.h"
#include "shared/textbuf.h"

#define RESIGN_MS 60000

static struct {
    const char *base, *user, *keyfile, *path, *prefix, *command;
    long conns, threads, seconds, count, first, jobs, conc, poll_ms, timeout_s;
    EVP_PKEY *key;
    char path_prefix[512];
} o;

static pthread_mutex_t sign_lock = PTHREAD_MUTEX_INITIALIZER;

struct buf {
    char *p;
    size_t len, cap;
};

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t k = s * n;
    if (text_grow(&b->p, &b->cap, b->len, k) != 0)
        return 0;
    memcpy(b->p + b->len, p, k);
    b->len += k;
    b->p[b->len] = '\0';
    return k;
}

static struct curl_slist *sign(const char *method, const char *path, const char *body)
{
    struct curl_slist *l = NULL;
    char err[256];
    /* OpenSSL signing is thread-safe; the lock only keeps output tidy */
    pthread_mutex_lock(&sign_lock);
    int rc = bl_sign_curl(CHEF_AUTH_V1_1, o.key, o.user, method, path, body, body ? strlen(body) : 0, &l, err,
                          sizeof err);
    pthread_mutex_unlock(&sign_lock);
    if (rc != 0) {
        fprintf(stderr, "apiload: signing failed: %s\n", err);
        curl_slist_free_all(l);
        return NULL;
    }
    return l;
}

/* ---- get ------------------------------------------------------------------ */

/* One keep-alive connection of the get mode: its own small HTTP/1.1 client
 * (bench/http_head.h) instead of libcurl, which cost the load generator up
 * to half a core of the 2 it shares with the server. The request bytes are
 * built when the connection signs (every RESIGN_MS) and sent as they are. */
struct gconn {
    int fd;                 /* -1: not connected */
    char *req;              /* the signed request */
    size_t req_len, sent;
    int64_t signed_ms, started_us;
    bool busy;              /* a request is in flight */
    bool out;               /* out of the run: closed, counted, ignored */
    char head[HTTP_HEAD_MAX];
    size_t head_len;
    long long body_left;    /* -1 until the head is in */
    struct http_head h;
};

struct gthread {
    pthread_t th;
    long nconn;
    double *lat;   /* ms */
    size_t nlat, cap;
    unsigned long ok, bad;
    long first_bad_status; /* HTTP status, or a negative GFAIL_* */
};

enum { GFAIL_CONNECT = -1, GFAIL_TIMEOUT = -2, GFAIL_PROTOCOL = -3, GFAIL_CLOSED = -4 };

static const char *gfail_name(long code)
{
    switch (code) {
    case GFAIL_CONNECT: return "cannot connect or send";
    case GFAIL_TIMEOUT: return "no response within 10 s";
    case GFAIL_PROTOCOL: return "malformed response";
    case GFAIL_CLOSED: return "connection closed by the server during a request";
    default: return "?";
    }
}

#define GET_TIMEOUT_US 10000000LL

static int64_t g_end_ms;
static struct sockaddr_storage g_addr;
static socklen_t g_addr_len;
static char g_host[300];   /* Host header: HOST:PORT as in --base */
static char g_url_path[1024], g_sign_path[1024];

/* Builds c->req: request line, Host, the signed headers, blank line. */
static int gconn_sign(struct gconn *c)
{
    struct curl_slist *l = sign("GET", g_sign_path, NULL);
    if (!l)
        return -1;
    struct buf b = { 0 };
    char line[2048];
    int n = snprintf(line, sizeof line, "GET %s HTTP/1.1\r\nHost: %s\r\n", g_url_path, g_host);
    int rc = n > 0 && (size_t)n < sizeof line ? collect(line, 1, (size_t)n, &b) != (size_t)n : 1;
    for (struct curl_slist *i = l; i && !rc; i = i->next) {
        n = snprintf(line, sizeof line, "%s\r\n", i->data);
        rc = n <= 0 || (size_t)n >= sizeof line || collect(line, 1, (size_t)n, &b) != (size_t)n;
    }
    if (!rc)
        rc = collect("\r\n", 1, 2, &b) != 2;
    curl_slist_free_all(l);
    if (rc) {
        free(b.p);
        fprintf(stderr, "apiload: cannot build a request\n");
        return -1;
    }
    free(c->req);
    c->req = b.p;
    c->req_len = b.len;
    return 0;
}

static void gconn_close(int ep, struct gconn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->busy = false;
}

static int gconn_connect(int ep, struct gconn *c)
{
    int fd = socket(g_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (connect(fd, (struct sockaddr *)&g_addr, g_addr_len) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    return 0;
}

/* Sends what is left of c->req; waits for writability when the socket is
 * full. 0, or -1 when the connection failed. */
static int gconn_send(int ep, struct gconn *c)
{
    while (c->sent < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
            return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
        return -1;
    }
    return 0;
}

/* Starts the next request on c (connecting first if needed). 0 or -1. */
static int gconn_start(int ep, struct gconn *c)
{
    int64_t now = bl_now_ms();
    if ((!c->req || now - c->signed_ms > RESIGN_MS)) {
        if (gconn_sign(c) != 0)
            return -1;
        c->signed_ms = now;
    }
    if (c->fd < 0 && gconn_connect(ep, c) != 0)
        return -1;
    c->sent = 0;
    c->head_len = 0;
    c->body_left = -1;
    c->busy = true;
    c->started_us = bl_now_us();
    return gconn_send(ep, c);
}

static void gthread_fail(struct gthread *t, long code)
{
    t->bad++;
    if (!t->first_bad_status)
        t->first_bad_status = code;
}

/* Starts c's next request, or takes c out of the run (closed, so no late
 * event can count it twice) when the run is over or the start failed,
 * which counts as a failure. false when c is out. */
static bool gconn_next(int ep, struct gthread *t, struct gconn *c)
{
    if (bl_now_ms() < g_end_ms) {
        if (gconn_start(ep, c) == 0)
            return true;
        gthread_fail(t, GFAIL_CONNECT);
    }
    gconn_close(ep, c);
    c->out = true;
    return false;
}

static void gthread_done(struct gthread *t, struct gconn *c)
{
    if (c->h.status != 200) {
        gthread_fail(t, c->h.status);
        return;
    }
    t->ok++;
    if (t->nlat == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 65536;
        double *nl = realloc(t->lat, nc * sizeof *nl);
        if (nl) {
            t->lat = nl;
            t->cap = nc;
        }
    }
    if (t->nlat < t->cap)
        t->lat[t->nlat++] = (double)(bl_now_us() - c->started_us) / 1000.0;
}

/* Takes n received bytes of c's response. 1 when the response is
 * complete, 0 when more is needed, a negative GFAIL_* on a bad response. */
static int gconn_take(struct gconn *c, const char *p, size_t n)
{
    if (!c->busy)
        return GFAIL_PROTOCOL; /* bytes nobody asked for */
    if (c->body_left < 0) {
        size_t room = sizeof c->head - c->head_len, k = n < room ? n : room;
        memcpy(c->head + c->head_len, p, k);
        size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
        c->head_len += k;
        size_t e = http_head_end(c->head + from, c->head_len - from);
        if (!e)
            return c->head_len == sizeof c->head ? GFAIL_PROTOCOL : 0;
        e += from;
        if (http_head_parse(c->head, e, &c->h) != 0 || c->h.chunked || c->h.content_length < 0)
            return GFAIL_PROTOCOL;
        c->body_left = c->h.content_length;
        n = c->head_len - e + (n - k); /* the body bytes read so far */
    }
    if ((long long)n > c->body_left)
        return GFAIL_PROTOCOL; /* more than the response: nothing else was asked */
    c->body_left -= (long long)n;
    return c->body_left == 0;
}

/* Reads what c's socket holds. 1 when a response completed, 0 when more is
 * needed, a negative GFAIL_* when the connection must be dropped. */
static int gconn_read(struct gconn *c, char *scratch, size_t cap)
{
    for (;;) {
        ssize_t n = recv(c->fd, scratch, cap, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return n == 0 ? GFAIL_CLOSED : GFAIL_CONNECT;
        int r = gconn_take(c, scratch, (size_t)n);
        if (r != 0)
            return r;
    }
}

/* Handles an epoll event of c; false when c is out of the run. */
static bool gconn_event(int ep, struct gthread *t, struct gconn *c, uint32_t events,
                        char *scratch, size_t cap)
{
    int r = 0;
    if (c->out)
        return true; /* an event fetched before c left the run: already counted */
    if ((events & EPOLLOUT) && c->busy && c->sent < c->req_len) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0 || gconn_send(ep, c) != 0)
            r = GFAIL_CONNECT;
    }
    if (r == 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        r = gconn_read(c, scratch, cap);
    if (r == 0)
        return true;
    if (r == 1) {
        gthread_done(t, c);
        c->busy = false;
        if (c->h.close)
            gconn_close(ep, c);
    } else {
        if (c->busy || r != GFAIL_CLOSED)
            gthread_fail(t, r);
        gconn_close(ep, c);
    }
    return gconn_next(ep, t, c);
}

static void *get_thread(void *arg)
{
    struct gthread *t = arg;
    enum { SCRATCH = 65536, MAX_EVENTS = 64 };
    char *scratch = malloc(SCRATCH);
    struct gconn *cs = calloc((size_t)t->nconn, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    long active = 0;
    if (!scratch || !cs || ep < 0) {
        t->bad++;
        goto out;
    }
    for (long k = 0; k < t->nconn; k++)
        cs[k].fd = -1;
    for (long k = 0; k < t->nconn; k++, active++) {
        if (gconn_start(ep, &cs[k]) != 0) {
            gthread_fail(t, GFAIL_CONNECT);
            goto out;
        }
    }
    struct epoll_event evs[MAX_EVENTS];
    int64_t next_check_us = bl_now_us() + 100000;
    while (active > 0) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++)
            if (!gconn_event(ep, t, evs[i].data.ptr, evs[i].events, scratch, SCRATCH))
                active--;
        int64_t now = bl_now_us();
        if (now < next_check_us)
            continue;
        next_check_us = now + 100000;
        for (long k = 0; k < t->nconn; k++) {
            struct gconn *c = &cs[k];
            if (c->out || !c->busy || now - c->started_us < GET_TIMEOUT_US)
                continue;
            gthread_fail(t, GFAIL_TIMEOUT);
            gconn_close(ep, c);
            if (!gconn_next(ep, t, c))
                active--;
        }
    }
out:
    for (long k = 0; cs && k < t->nconn; k++) {
        if (cs[k].fd >= 0)
            close(cs[k].fd);
        free(cs[k].req);
    }
    if (ep >= 0)
        close(ep);
    free(cs);
    free(scratch);
    return NULL;
}

/* Resolves --base's http://HOST:PORT and the paths to send and to sign. */
static int get_setup(void)
{
    if (strncmp(o.base, "http://", 7) != 0) {
        fprintf(stderr, "apiload: get needs an http:// --base\n");
        return -1;
    }
    const char *h = o.base + 7, *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    if (hl == 0 || hl >= sizeof g_host) {
        fprintf(stderr, "apiload: bad --base host\n");
        return -1;
    }
    memcpy(g_host, h, hl);
    g_host[hl] = '\0';
    char host[300], port[16] = "80";
    snprintf(host, sizeof host, "%s", g_host);
    char *colon = strrchr(host, ':');
    if (host[0] == '[') { /* [v6]:port */
        char *rb = strchr(host, ']');
        if (!rb) {
            fprintf(stderr, "apiload: bad --base host\n");
            return -1;
        }
        *rb = '\0';
        if (rb[1] == ':')
            snprintf(port, sizeof port, "%s", rb + 2);
        memmove(host, host + 1, strlen(host));
    } else if (colon && colon == strchr(host, ':')) { /* host:port */
        *colon = '\0';
        snprintf(port, sizeof port, "%s", colon + 1);
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        fprintf(stderr, "apiload: %s: %s\n", g_host, gai_strerror(rc));
        return -1;
    }
    memcpy(&g_addr, ai->ai_addr, ai->ai_addrlen);
    g_addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    snprintf(g_url_path, sizeof g_url_path, "%s%s", o.path_prefix, o.path);
    snprintf(g_sign_path, sizeof g_sign_path, "%s", g_url_path);
    g_sign_path[strcspn(g_sign_path, "?")] = '\0';
    return 0;
}

static int run_get(void)
{
    if (get_setup() != 0)
        return 2;
    if (o.threads > o.conns)
        o.threads = o.conns;
    struct gthread *ts = calloc((size_t)o.threads, sizeof *ts);
    if (!ts)
        return 1;
    int64_t t0 = bl_now_us();
    g_end_ms = bl_now_ms() + o.seconds * 1000;
    long started = 0;
    for (long k = 0; k < o.threads; k++) {
        ts[k].nconn = o.conns / o.threads + (k < o.conns % o.threads ? 1 : 0);
        if (pthread_create(&ts[k].th, NULL, get_thread, &ts[k]) != 0) {
            fprintf(stderr, "apiload: pthread_create failed\n");
            break;
        }
        started++;
    }
    for (long k = 0; k < started; k++)
        pthread_join(ts[k].th, NULL);
    double secs = (double)(bl_now_us() - t0) / 1e6;
    unsigned long ok = 0, bad = 0;
    long bad_status = 0;
    size_t n = 0;
    for (long k = 0; k < started; k++) {
        ok += ts[k].ok;
        bad += ts[k].bad;
        n += ts[k].nlat;
        if (!bad_status)
            bad_status = ts[k].first_bad_status;
    }
    double *all = malloc((n ? n : 1) * sizeof *all);
    size_t at = 0;
    for (long k = 0; k < started && all; k++) {
        memcpy(all + at, ts[k].lat, ts[k].nlat * sizeof *all);
        at += ts[k].nlat;
        free(ts[k].lat);
    }
    double p50 = all ? bl_percentile(all, at, 50) : 0, p99 = all ? bl_percentile(all, at, 99) : 0;
    double mx = at && all ? all[at - 1] : 0;
    printf("GET %s: %lu ok, %lu failed in %.1f s with %ld connections: %.0f requests/s, "
           "latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%s\n",
           o.path, ok, bad, secs, o.conns, (double)ok / secs, p50, p99, mx,
           bad ? " (some requests failed)" : "");
    if (bad) {
        if (bad_status < 0)
            printf("first failure: %s\n", gfail_name(bad_status));
        else
            printf("first failure: HTTP status %ld\n", bad_status);
    }
    printf("RESULT mode=get connections=%ld ok=%lu failed=%lu seconds=%.2f rps=%.0f p50_ms=%.2f "
           "p99_ms=%.2f\n", o.conns, ok, bad, secs, (double)ok / secs, p50, p99);
    free(all);
    free(ts);
    return bad ? 1 : 0;
}

/* ---- jobs ----------------------------------------------------------------- */

enum jphase { J_FREE, J_POST, J_WAIT, J_POLL };

struct jslot {
    enum jphase ph;
    CURL *e;
    struct curl_slist *hdrs;
    struct buf body;
    char id[80];
    int64_t posted_us, next_poll_ms;
    long polls;
};

static bool terminal(const char *s)
{
    static const char *t[] = { "complete", "quorum_failed", "timed_out", "aborted", "crashed" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i]))
            return true;
    return false;
}

static int slot_request(CURLM *m, struct jslot *s, const char *method, const char *rel,
                        const char *body)
{
    char url[2048], path[1024];
    snprintf(url, sizeof url, "%s%s", o.base, rel);
    snprintf(path, sizeof path, "%s%s", o.path_prefix, rel);
    s->body.len = 0;
    if (!s->hdrs && !(s->hdrs = sign(method, path, body)))
        return -1;
    curl_easy_reset(s->e);
    if (curl_easy_setopt(s->e, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, collect) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_WRITEDATA, &s->body) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_PRIVATE, s) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_TIMEOUT_MS, 30000L) != CURLE_OK)
        return -1;
    if (body && (curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
                 curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) != CURLE_OK))
        return -1;
    return curl_multi_add_handle(m, s->e) == CURLM_OK ? 0 : -1;
}

/* The POST body for nodes P<first>..P<first+count-1>; malloc'd or NULL. */
static char *job_body(long first)
{
    json_t *nodes = json_array();
    for (long k = 0; k < o.count && nodes; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s%05ld", o.prefix, first + k);
        if (json_array_append_new(nodes, json_string(name)) != 0) {
            json_decref(nodes);
            nodes = NULL;
        }
    }
    json_t *req = nodes ? json_pack("{s:s, s:o, s:i}", "command", o.command, "nodes", nodes,
                                    "run_timeout", (int)o.timeout_s)
                        : NULL;
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    return body;
}

static int run_jobs(void)
{
    /* each concurrent slot has its own nodes (a busy node refuses a second
     * job): slot k targets P<first + k*count>.. */
    char **bodies = calloc((size_t)o.conc, sizeof *bodies);
    for (long k = 0; bodies && k < o.conc; k++)
        if (!(bodies[k] = job_body(o.first + k * o.count)))
            return 1;
    CURLM *m = curl_multi_init();
    struct jslot *slots = calloc((size_t)o.conc, sizeof *slots);
    double *lat = calloc((size_t)o.jobs, sizeof *lat);
    if (!bodies || !m || !slots || !lat) {
        fprintf(stderr, "apiload: out of memory\n");
        return 1;
    }
    long posted = 0, done = 0, failed = 0, nlat = 0;
    unsigned long polls = 0;
    int64_t t0 = bl_now_us(), deadline = bl_now_ms() + (o.timeout_s + 30) * 1000 * (o.jobs / o.conc + 1);
    for (long k = 0; k < o.conc; k++)
        if (!(slots[k].e = curl_easy_init()))
            return 1;
    char first_err[300] = "";
    while (done < o.jobs && bl_now_ms() < deadline) {
        int64_t now = bl_now_ms();
        for (long k = 0; k < o.conc; k++) {
            struct jslot *s = &slots[k];
            if (s->ph == J_FREE && posted < o.jobs) {
                curl_slist_free_all(s->hdrs);
                s->hdrs = NULL;
                s->posted_us = bl_now_us();
                s->polls = 0;
                if (slot_request(m, s, "POST", "/pushy/jobs", bodies[k]) != 0) {
                    fprintf(stderr, "apiload: cannot start a request\n");
                    return 1;
                }
                s->ph = J_POST;
                posted++;
            } else if (s->ph == J_WAIT && now >= s->next_poll_ms) {
                char rel[160];
                snprintf(rel, sizeof rel, "/pushy/jobs/%s", s->id);
                if (slot_request(m, s, "GET", rel, NULL) != 0)
                    return 1;
                s->ph = J_POLL;
                polls++;
            }
        }
        int running, nfds;
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct jslot *s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            CURLcode res = msg->data.result;
            curl_multi_remove_handle(m, s->e);
            json_t *j = res == CURLE_OK && s->body.p ? json_loads(s->body.p, 0, NULL) : NULL;
            if (s->ph == J_POST) {
                const char *id = json_string_value(json_object_get(j, "id"));
                if (status != 201 || !id) {
                    if (!first_err[0])
                        snprintf(first_err, sizeof first_err, "POST: HTTP %ld %s: %.200s",
                                 status, curl_easy_strerror(res), s->body.p ? s->body.p : "");
                    failed++;
                    done++;
                    s->ph = J_FREE;
                } else {
                    snprintf(s->id, sizeof s->id, "%s", id);
                    curl_slist_free_all(s->hdrs);
                    s->hdrs = NULL; /* signed once per job for its polls */
                    s->ph = J_WAIT;
                    s->next_poll_ms = bl_now_ms() + o.poll_ms;
                }
            } else if (s->ph == J_POLL) {
                const char *st = json_string_value(json_object_get(j, "status"));
                s->polls++;
                if (status == 200 && st && terminal(st)) {
                    double ms = (double)(bl_now_us() - s->posted_us) / 1000.0;
                    if (!strcmp(st, "complete")) {
                        lat[nlat++] = ms;
                    } else {
                        failed++;
                        if (!first_err[0])
                            snprintf(first_err, sizeof first_err, "job %s ended %s", s->id, st);
                    }
                    done++;
                    s->ph = J_FREE;
                } else if (status != 200 &&
                           (double)(bl_now_us() - s->posted_us) / 1e6 > (double)o.timeout_s) {
                    failed++;
                    done++;
                    s->ph = J_FREE;
                    if (!first_err[0])
                        snprintf(first_err, sizeof first_err, "GET job: HTTP %ld", status);
                } else {
                    s->ph = J_WAIT;
                    s->next_poll_ms = bl_now_ms() + o.poll_ms;
                }
            }
            json_decref(j);
        }
        if (curl_multi_poll(m, NULL, 0, 5, &nfds) != CURLM_OK)
            break;
    }
    double secs = (double)(bl_now_us() - t0) / 1e6;
    double p50 = bl_percentile(lat, (size_t)nlat, 50), p95 = bl_percentile(lat, (size_t)nlat, 95);
    double mx = nlat ? lat[nlat - 1] : 0, mn = nlat ? lat[0] : 0;
    if (done < o.jobs)
        failed += o.jobs - done;
    printf("%ld jobs of %ld nodes ('%s'), %ld at a time: %ld complete, %ld failed in %.2f s "
           "(%.2f jobs/s, %.0f node-runs/s); POST->complete p50 %.0f ms, p95 %.0f ms, min %.0f, "
           "max %.0f ms (polled every %ld ms, %lu polls)\n",
           o.jobs, o.count, o.command, o.conc, nlat, failed, secs, (double)nlat / secs,
           (double)nlat * (double)o.count / secs, p50, p95, mn, mx, o.poll_ms, polls);
    if (first_err[0])
        printf("first failure: %s\n", first_err);
    printf("RESULT mode=jobs nodes=%ld jobs=%ld concurrency=%ld complete=%ld failed=%ld "
           "seconds=%.2f jobs_per_s=%.2f p50_ms=%.0f p95_ms=%.0f max_ms=%.0f\n",
           o.count, o.jobs, o.conc, nlat, failed, secs, (double)nlat / secs, p50, p95, mx);
    for (long k = 0; k < o.conc; k++) {
        if (slots[k].ph == J_POST || slots[k].ph == J_POLL)
            curl_multi_remove_handle(m, slots[k].e);
        curl_easy_cleanup(slots[k].e);
        curl_slist_free_all(slots[k].hdrs);
        free(slots[k].body.p);
    }
    free(slots);
    free(lat);
    for (long k = 0; k < o.conc; k++)
        free(bodies[k]);
    free(bodies);
    curl_multi_cleanup(m);
    return failed ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: apiload get --base URL --user U --key FILE --path /pushy/node_states "
            "[--connections 16] [--threads 2] [--seconds 10]\n"
            "       apiload jobs --base URL --user U --key FILE --prefix P --count N [--first K] "
            "[--jobs 20] [--concurrency 1] [--command true] [--poll-ms 20] [--timeout-s 120]\n");
    return 2;
}

static bool num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    o.conns = 16;
    o.threads = 2;
    o.seconds = 10;
    o.jobs = 20;
    o.conc = 1;
    o.command = "true";
    o.poll_ms = 20;
    o.timeout_s = 120;
    o.prefix = "sim";
    static const struct option opts[] = {
        { "base", 1, 0, 'b' },    { "user", 1, 0, 'u' },        { "key", 1, 0, 'k' },
        { "path", 1, 0, 'p' },    { "connections", 1, 0, 'c' }, { "threads", 1, 0, 't' },
        { "seconds", 1, 0, 's' }, { "prefix", 1, 0, 'P' },      { "count", 1, 0, 'n' },
        { "first", 1, 0, 'f' },   { "jobs", 1, 0, 'j' },        { "concurrency", 1, 0, 'C' },
        { "command", 1, 0, 'x' }, { "poll-ms", 1, 0, 'q' },     { "timeout-s", 1, 0, 'T' },
        { 0, 0, 0, 0 },
    };
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'b': o.base = optarg; break;
        case 'u': o.user = optarg; break;
        case 'k': o.keyfile = optarg; break;
        case 'p': o.path = optarg; ok = optarg[0] == '/'; break;
        case 'c': ok = num(optarg, 1, 4096, &o.conns); break;
        case 't': ok = num(optarg, 1, 64, &o.threads); break;
        case 's': ok = num(optarg, 1, 3600, &o.seconds); break;
        case 'P': o.prefix = optarg; break;
        case 'n': ok = num(optarg, 1, 100000, &o.count); break;
        case 'f': ok = num(optarg, 0, 99999, &o.first); break;
        case 'j': ok = num(optarg, 1, 100000, &o.jobs); break;
        case 'C': ok = num(optarg, 1, 1000, &o.conc); break;
        case 'x': o.command = optarg; break;
        case 'q': ok = num(optarg, 1, 10000, &o.poll_ms); break;
        case 'T': ok = num(optarg, 1, 3600, &o.timeout_s); break;
        default: return usage();
        }
        if (!ok) {
            fprintf(stderr, "apiload: bad value: %s\n", optarg);
            return 2;
        }
    }
    if (optind != argc || !o.base || !o.user || !o.keyfile)
        return usage();
    const char *p = strstr(o.base, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p || strncmp(p, "/organizations/", 15) != 0) {
        fprintf(stderr, "apiload: --base must be http://HOST:PORT/organizations/ORG\n");
        return 2;
    }
    snprintf(o.path_prefix, sizeof o.path_prefix, "%s", p);
    char err[256];
    if (!(o.key = chef_auth_load_private_key_file(o.keyfile, err, sizeof err))) {
        fprintf(stderr, "apiload: %s: %s\n", o.keyfile, err);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    int rc;
    if (!strcmp(mode, "get") && o.path)
        rc = run_get();
    else if (!strcmp(mode, "jobs") && o.count > 0)
        rc = run_jobs();
    else
        rc = usage();
    EVP_PKEY_free(o.key);
    curl_global_cleanup();
    return rc;
}
