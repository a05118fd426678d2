/* nodesim: one process that simulates N push-jobs nodes, so the server sees
 * what N pushy-clients would send (see bench/README.md for how the
 * benchmarks use it).
 *
 * Every simulated node has its own Chef client key (RSA, from a key cache
 * directory), its own CURVE key pair and client incarnation id, and does
 * what pushy-client does (client/client.c):
 *   - a signed GET config/NODE?ccpk=...&version=2.0 over
 *     HTTP, through one libcurl multi handle with bounded concurrency and
 *     connection reuse; the session key is RSA-decrypted with the node key.
 *     Signed with X-Ops-Sign 1.3: the cached node keys are 1024-bit (making
 *     20,000 2048-bit keys takes ~1.5 CPU-hours here) and a 1.1 canonical
 *     request does not fit a 1024-bit RSA block; pushy-client uses 1.1;
 *   - a DEALER (CURVE, the same socket options as the client) to the
 *     command port and a SUB to the server heartbeat PUB;
 *   - HMAC-signed heartbeats every interval, spread uniformly over the
 *     interval across nodes (node i's phase is i/N of the interval); the
 *     first one as soon as the connection is up, as the client does;
 *   - the job protocol: abort -> aborted, commit -> ack_commit (nack when
 *     busy or the server's heartbeats are silent), run -> ack_run, then
 *     succeeded or failed after --job-ms;
 *   - no verified command message within 3 s of connecting -> reconnect
 *     with a fresh config after a jittered exponential backoff (1 s .. 60 s),
 *     as the client does, and the same when sends fail for 3 s.
 * Server heartbeats (RSA) are verified for every --verify-every'th node
 * (default 50; 1 = all, 0 = none); the others are counted only.
 *
 * One thread: epoll over the ZMQ_FD of every socket, libcurl's sockets and a
 * signalfd; timers in a binary heap. Stops on SIGTERM/SIGINT or after
 * --max-seconds and prints a summary.
 *
 * usage:
 *   nodesim keygen --keys DIR --prefix P --count N [--first K] [--bits 1024]
 *                  [--csv FILE] [--workers 2]
 *   nodesim run --url CHEF_SERVER_URL --keys DIR --prefix P --count N
 *               [--first K] [--job-ms 0] [--outcome succeeded|failed]
 *               [--fetch-concurrency 32] [--verify-every 50] [--io-threads 1]
 *               [--report-ms 5000] [--status-file F] [--max-seconds 3600]
 * CHEF_SERVER_URL is http://HOST:PORT/organizations/ORG (as in client.rb).
 * Node names are P followed by the index in 5 digits (P00000, P00001...). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench/benchlib.h"
#include "bench/nodesim_cmd.h"
#include "bench/nodesim_text.h"
#include "shared/base64.h"
#include "shared/chef_auth.h"
#include "shared/fsutil.h"
#include "shared/wire.h"
#include "shared/textbuf.h"
#include "shared/timefmt.h"

#define NAME_LEN 48
#define FIRST_MSG_MS 3000
#define SEND_RETRY_MS 50
#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS 60000
#define QMAX 6
#define MAX_BODY (1 << 20)

enum tag { TAG_DEALER = 0, TAG_SUB = 1, TAG_CURL = 2, TAG_SIG = 3 };
#define TAG_SHIFT 62
#define MKTAG(t, v) (((uint64_t)(t) << TAG_SHIFT) | (uint64_t)(v))

enum phase { PH_WAIT = 0, PH_QUEUED, PH_FETCH, PH_CONN };
enum jstate { J_IDLE = 0, J_COMMITTED, J_RUNNING };
enum tkind { K_HB = 0, K_JOB, K_DEADLINE, K_RECONF, K_RETRY, K_NKINDS };

/* A job reply waiting for the socket: written and signed when sent. */
struct reply {
    enum wire_msg_type type;
    bool has_job_id, with_output;
    char job_id[WIRE_JOB_ID_MAX + 1];
};

struct node {
    char name[NAME_LEN];
    EVP_PKEY *key;
    char curve_pub[WIRE_Z85_KEY_LEN + 1], curve_sec[WIRE_Z85_KEY_LEN + 1];
    char inc[37];
    unsigned char skey[WIRE_SESSION_KEY_LEN];
    struct hmac256_key hmac; /* skey's pads, precomputed */
    void *dealer, *sub;
    enum phase phase;
    enum jstate job;
    char job_id[WIRE_JOB_ID_MAX + 1];
    bool capture;
    bool got_cmd, ready, hb_due;
    int64_t seq;
    int64_t next_tick;
    int64_t last_srv_hb;
    int64_t send_fail_since;
    int64_t conn_at, sent_at; /* this connection: zmq_connect, first message taken */
    int attempt; /* backoff */
    uint16_t gen[K_NKINDS];
    struct reply q[QMAX];
    int qn;
};

struct tev {
    int64_t at;
    uint32_t node;
    uint16_t kind, gen;
};

struct xfer {
    struct xfer *prev, *next; /* in-flight list */
    uint32_t node;
    CURL *e;
    struct curl_slist *hdrs;
    char *buf;
    size_t len, cap;
    bool too_big;
};

static struct {
    /* options */
    const char *url, *keys, *prefix, *status_file, *csv;
    long count, first, job_ms, conc, verify_every, io_threads, report_ms, max_s, bits, workers;
    bool fail_jobs;
    /* derived */
    char org[WIRE_NAME_MAX + 1];
    char path_prefix[512]; /* "/organizations/ORG" */
    char host[256];
    /* server config (the same for every node) */
    EVP_PKEY *server_pub;
    char server_pub_pem[4096];
    char out_addr[256], cmd_addr[256], curve_server[WIRE_Z85_KEY_LEN + 1], srv_inc[130];
    int64_t interval_ms;
    int offline_threshold, max_skew;
    /* runtime */
    struct node *nodes;
    struct tev *heap;
    size_t heap_n, heap_cap;
    uint32_t *fq; /* fetch queue (ring) */
    size_t fq_head, fq_n;
    long in_flight;
    struct xfer *xfers;
    CURLM *multi;
    int64_t curl_timeout_at; /* 0: none */
    int ep, sigfd;
    void *zctx;
    bool stop;
    int64_t t0;
    time_t ts_sec; /* wall second of ts_text, the RFC 1123 timestamp sent */
    char ts_text[TIME_RFC1123_SIZE];
    /* stats */
    unsigned long fetch_ok, fetch_fail, fetch_http_err, msgs_in, msgs_bad, msgs_out, hb_out,
        srv_hb_in, srv_hb_verified, srv_hb_bad, send_eagain, commits, nacks, runs, aborts,
        jobs_done, reconfigs, deadline_miss, connected, handshaken, ready;
    unsigned long fetch_lat_n;
    double fetch_lat_sum_ms;
    /* where a connection's first answer waits: connect -> the first message
     * taken by the DEALER (TCP + CURVE + ZAP, ZMQ_IMMEDIATE), then -> the
     * server's first command */
    unsigned long up_lat_n, cmd_lat_n;
    double up_lat_sum_ms, cmd_lat_sum_ms;
} g;

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nodesim[%.1fs]: ", (double)(bl_now_ms() - g.t0) / 1000.0);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static double rand01(void)
{
    return (double)random() / ((double)RAND_MAX + 1.0);
}

/* ---- timers -------------------------------------------------------------- */

static int heap_push(int64_t at, uint32_t node, int kind)
{
    if (g.heap_n == g.heap_cap) {
        size_t nc = g.heap_cap ? g.heap_cap * 2 : 1024;
        struct tev *nh = realloc(g.heap, nc * sizeof *nh);
        if (!nh)
            return -1;
        g.heap = nh;
        g.heap_cap = nc;
    }
    struct tev ev = { .at = at, .node = node, .kind = (uint16_t)kind,
                      .gen = g.nodes[node].gen[kind] };
    size_t i = g.heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (g.heap[p].at <= at)
            break;
        g.heap[i] = g.heap[p];
        i = p;
    }
    g.heap[i] = ev;
    return 0;
}

static struct tev heap_pop(void)
{
    struct tev top = g.heap[0];
    struct tev last = g.heap[--g.heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t mv = last.at;
        if (l < g.heap_n && g.heap[l].at < mv) {
            m = l;
            mv = g.heap[l].at;
        }
        if (r < g.heap_n && g.heap[r].at < mv)
            m = r;
        if (m == i)
            break;
        g.heap[i] = g.heap[m];
        i = m;
    }
    if (g.heap_n)
        g.heap[i] = last;
    return top;
}

/* Schedules kind for node at `at`, cancelling an earlier one of that kind. */
static void timer_set(uint32_t n, int kind, int64_t at)
{
    g.nodes[n].gen[kind]++;
    if (heap_push(at, n, kind) != 0)
        log_line("out of memory for a timer");
}

static void timer_cancel(uint32_t n, int kind) { g.nodes[n].gen[kind]++; }

/* ---- sending ------------------------------------------------------------- */

static void drain_dealer(uint32_t i);

/* The RFC 1123 text of now, formatted once per second. */
static const char *timestamp_now(void)
{
    time_t now = time(NULL);
    if (now != g.ts_sec || !g.ts_text[0]) {
        if (time_format_rfc1123(now, g.ts_text, sizeof g.ts_text) != 0)
            return NULL;
        g.ts_sec = now;
    }
    return g.ts_text;
}

/* 0 sent, 1 try later (EAGAIN), -1 dropped. A heartbeat (job_state set)
 * or a job reply. */
static int send_msg(uint32_t i, enum wire_msg_type type, const char *job_state,
                    const char *job_id, bool with_output)
{
    struct node *n = &g.nodes[i];
    if (n->phase != PH_CONN || !n->dealer)
        return 1;
    if (!n->sent_at || n->send_fail_since) {
        /* not yet taken a message on this connection (ZMQ_IMMEDIATE holds
         * sends until the handshake is done) or the last send failed: ask
         * before sealing, so a retry every SEND_RETRY_MS costs no JSON and
         * HMAC (nothing goes on the wire either way) */
        int ev = 0;
        size_t sz = sizeof ev;
        if (zmq_getsockopt(n->dealer, ZMQ_EVENTS, &ev, &sz) != 0 || !(ev & ZMQ_POLLOUT)) {
            g.send_eagain++;
            if (!n->send_fail_since)
                n->send_fail_since = bl_now_ms();
            return 1;
        }
    }
    char body[NST_BODY_MAX], header[NST_HEADER_MAX];
    struct nst_ident id = { .node = n->name, .client = g.host, .org = g.org,
                            .incarnation_id = n->inc };
    const char *ts = timestamp_now();
    long blen = ts ? nst_body(body, sizeof body, &id, type, job_state, job_id, with_output,
                              n->seq + 1, ts)
                   : -1;
    long hlen = blen < 0 ? -1
                         : wire_header_hmac_k(&n->hmac, body, (size_t)blen, header,
                                              sizeof header);
    if (hlen < 0)
        return -1;
    int rc = 0;
    if (zmq_send(n->dealer, header, (size_t)hlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        rc = zmq_errno() == EAGAIN ? 1 : -1;
    } else if (zmq_send(n->dealer, body, (size_t)blen, ZMQ_DONTWAIT) < 0) {
        rc = -1;
    }
    if (rc == 0) {
        n->seq++;
        g.msgs_out++;
        n->send_fail_since = 0;
        if (!n->sent_at) {
            n->sent_at = bl_now_ms();
            g.up_lat_n++;
            g.up_lat_sum_ms += (double)(n->sent_at - n->conn_at);
        }
    } else if (rc == 1) {
        g.send_eagain++;
        if (!n->send_fail_since)
            n->send_fail_since = bl_now_ms();
    }
    return rc;
}

static void reconfigure(uint32_t i, const char *why);

/* Sends queued job replies, then a due heartbeat; then reads the dealer
 * when drain (a send may have taken its read notification; not needed
 * from inside drain_dealer, which reads on until EAGAIN). */
static void flush_ex(uint32_t i, bool drain)
{
    struct node *n = &g.nodes[i];
    while (n->qn > 0) {
        const struct reply *r = &n->q[0];
        int rc = send_msg(i, r->type, NULL, r->has_job_id ? r->job_id : NULL, r->with_output);
        if (rc == 1)
            goto later;
        memmove(n->q, n->q + 1, (size_t)(n->qn - 1) * sizeof n->q[0]);
        n->qn--;
    }
    if (n->hb_due) {
        const char *st = n->job == J_IDLE ? "idle" : n->job == J_COMMITTED ? "committed"
                                                                            : "running";
        int rc = send_msg(i, WIRE_MSG_HEARTBEAT, st, n->job == J_IDLE ? NULL : n->job_id,
                          false);
        if (rc == 1)
            goto later;
        n->hb_due = false;
        if (rc == 0)
            g.hb_out++;
    }
    if (drain)
        drain_dealer(i);
    return;
later:
    if (n->send_fail_since && bl_now_ms() - n->send_fail_since >= 3000) {
        reconfigure(i, "sends failing");
        return;
    }
    timer_set(i, K_RETRY, bl_now_ms() + SEND_RETRY_MS);
    /* a real client reads whether or not it can send */
    if (drain)
        drain_dealer(i);
}

static void flush(uint32_t i) { flush_ex(i, true); }

static void reply(uint32_t i, enum wire_msg_type type, const char *job_id)
{
    struct node *n = &g.nodes[i];
    if (n->qn == QMAX) {
        memmove(n->q, n->q + 1, (QMAX - 1) * sizeof n->q[0]);
        n->qn--;
    }
    struct reply *r = &n->q[n->qn++];
    r->type = type;
    r->with_output = n->capture && (type == WIRE_MSG_SUCCEEDED || type == WIRE_MSG_FAILED);
    r->has_job_id = job_id != NULL;
    snprintf(r->job_id, sizeof r->job_id, "%s", job_id ? job_id : "");
}

/* ---- connection ---------------------------------------------------------- */

static void close_sockets(uint32_t i)
{
    struct node *n = &g.nodes[i];
    void *socks[2] = { n->dealer, n->sub };
    for (int k = 0; k < 2; k++) {
        if (!socks[k])
            continue;
        int fd;
        size_t sz = sizeof fd;
        if (zmq_getsockopt(socks[k], ZMQ_FD, &fd, &sz) == 0)
            epoll_ctl(g.ep, EPOLL_CTL_DEL, fd, NULL);
        zmq_close(socks[k]);
    }
    n->dealer = n->sub = NULL;
}

static void enqueue_fetch(uint32_t i)
{
    struct node *n = &g.nodes[i];
    n->phase = PH_QUEUED;
    g.fq[(g.fq_head + g.fq_n) % (size_t)g.count] = i;
    g.fq_n++;
}

static void reconfigure(uint32_t i, const char *why)
{
    struct node *n = &g.nodes[i];
    if (n->phase == PH_CONN)
        g.connected--;
    close_sockets(i);
    for (int k = 0; k < K_NKINDS; k++)
        timer_cancel(i, k);
    n->phase = PH_WAIT;
    n->got_cmd = false;
    n->hb_due = false;
    n->send_fail_since = 0;
    g.reconfigs++;
    int64_t d = BACKOFF_BASE_MS << (n->attempt < 6 ? n->attempt : 6);
    if (d > BACKOFF_MAX_MS)
        d = BACKOFF_MAX_MS;
    d = (int64_t)((double)d * (0.5 + rand01()));
    n->attempt++;
    if (g.reconfigs <= 20 || g.reconfigs % 1000 == 0)
        log_line("node %s: reconnecting in %lld ms (%s) [%lu reconnects so far]", n->name,
                 (long long)d, why, g.reconfigs);
    timer_set(i, K_RECONF, bl_now_ms() + d);
}

static int sockopt_int(void *s, int opt, int v) { return zmq_setsockopt(s, opt, &v, sizeof v); }

static int watch(void *sock, uint64_t tag)
{
    int fd;
    size_t sz = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &sz) != 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
    return epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev);
}

static int connect_node(uint32_t i)
{
    struct node *n = &g.nodes[i];
    int64_t spread = g.interval_ms / 4 < 1000 ? g.interval_ms / 4 : 1000;
    int reconnect = 50 + (int)(rand01() * (double)spread);
    n->sub = zmq_socket(g.zctx, ZMQ_SUB);
    n->dealer = zmq_socket(g.zctx, ZMQ_DEALER);
    if (!n->sub || !n->dealer)
        goto fail;
    if (sockopt_int(n->sub, ZMQ_LINGER, 0) || sockopt_int(n->sub, ZMQ_RCVHWM, 64) ||
        sockopt_int(n->sub, ZMQ_RECONNECT_IVL, reconnect) ||
        sockopt_int(n->sub, ZMQ_RECONNECT_IVL_MAX, 4000) ||
        zmq_setsockopt(n->sub, ZMQ_SUBSCRIBE, "", 0) || sockopt_int(n->dealer, ZMQ_LINGER, 0) ||
        sockopt_int(n->dealer, ZMQ_SNDHWM, 8) || sockopt_int(n->dealer, ZMQ_RCVHWM, 1000) ||
        sockopt_int(n->dealer, ZMQ_IMMEDIATE, 1) ||
        sockopt_int(n->dealer, ZMQ_RECONNECT_IVL, reconnect) ||
        sockopt_int(n->dealer, ZMQ_RECONNECT_IVL_MAX, 4000))
        goto fail;
    if (zmq_setsockopt(n->dealer, ZMQ_CURVE_SERVERKEY, g.curve_server, WIRE_Z85_KEY_LEN) ||
        zmq_setsockopt(n->dealer, ZMQ_CURVE_PUBLICKEY, n->curve_pub, WIRE_Z85_KEY_LEN) ||
        zmq_setsockopt(n->dealer, ZMQ_CURVE_SECRETKEY, n->curve_sec, WIRE_Z85_KEY_LEN))
        goto fail;
    if (zmq_connect(n->sub, g.out_addr) != 0 || zmq_connect(n->dealer, g.cmd_addr) != 0)
        goto fail;
    if (watch(n->dealer, MKTAG(TAG_DEALER, i)) != 0 || watch(n->sub, MKTAG(TAG_SUB, i)) != 0)
        goto fail;
    n->phase = PH_CONN;
    g.connected++;
    int64_t now = bl_now_ms();
    n->seq = 0;
    n->got_cmd = false;
    n->conn_at = now;
    n->sent_at = 0;
    n->last_srv_hb = now; /* liveness counted from the connection */
    /* first heartbeat at once (the client's next_tick = now), then on the
     * node's phase slot */
    n->hb_due = true;
    int64_t phase = (int64_t)((double)i / (double)g.count *
                              (double)g.interval_ms);
    int64_t k = (now - g.t0 - phase) / g.interval_ms + 1;
    n->next_tick = g.t0 + phase + k * g.interval_ms;
    if (n->next_tick < now + g.interval_ms / 2)
        n->next_tick += g.interval_ms;
    timer_set(i, K_HB, n->next_tick);
    timer_set(i, K_DEADLINE, now + FIRST_MSG_MS);
    flush(i);
    return 0;
fail:
    log_line("node %s: zmq setup failed: %s", n->name, zmq_strerror(zmq_errno()));
    reconfigure(i, "socket setup failed");
    return -1;
}

/* ---- config fetch -------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t k = size * nmemb;
    if (x->len + k + 1 > MAX_BODY) {
        x->too_big = true;
        return 0;
    }
    if (text_grow(&x->buf, &x->cap, x->len, k) != 0)
        return 0;
    memcpy(x->buf + x->len, p, k);
    x->len += k;
    x->buf[x->len] = '\0';
    return k;
}

static void start_fetch(uint32_t i)
{
    struct node *n = &g.nodes[i];
    char err[256] = "out of memory";
    struct xfer *x = calloc(1, sizeof *x);
    char *esc = NULL;
    char path[600], url[1200];
    if (!x)
        goto fail;
    x->node = i;
    if (!(x->e = curl_easy_init()))
        goto fail;
    if (!(esc = curl_easy_escape(x->e, n->curve_pub, WIRE_Z85_KEY_LEN)))
        goto fail;
    snprintf(path, sizeof path, "%s/pushy/config/%s", g.path_prefix, n->name);
    snprintf(url, sizeof url, "%s/pushy/config/%s?ccpk=%s&version=2.0", g.url, n->name, esc);
    if (bl_sign_curl(CHEF_AUTH_V1_3, n->key, n->name, "GET", path, NULL, 0, &x->hdrs, err, sizeof err) != 0)
        goto fail;
    if (curl_easy_setopt(x->e, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_PRIVATE, x) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_TIMEOUT_MS, 30000L) != CURLE_OK ||
        curl_easy_setopt(x->e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_multi_add_handle(g.multi, x->e) != CURLM_OK)
        goto fail;
    curl_free(esc);
    x->next = g.xfers;
    if (g.xfers)
        g.xfers->prev = x;
    g.xfers = x;
    n->phase = PH_FETCH;
    g.in_flight++;
    return;
fail:
    log_line("node %s: cannot start the config request: %s", n->name, err);
    if (esc)
        curl_free(esc);
    if (x) {
        curl_slist_free_all(x->hdrs);
        if (x->e)
            curl_easy_cleanup(x->e);
        free(x);
    }
    g.fetch_fail++;
    n->phase = PH_WAIT;
    reconfigure(i, "config request failed");
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int decrypt_session_key(EVP_PKEY *key, const char *b64, unsigned char out[32])
{
    unsigned char enc[1024];
    long n = base64_decode(b64, strlen(b64), enc, sizeof enc);
    if (n <= 0)
        return -1;
    int rc = -1;
    unsigned char plain[1024];
    size_t plen = sizeof plain;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_decrypt(ctx, plain, &plen, enc, (size_t)n) > 0 && plen == 32) {
        memcpy(out, plain, 32);
        rc = 0;
    }
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

/* Parses a config answer; 0 or -1 with err. Fills the node's session key
 * and (the same for all nodes) the server's addresses and keys. */
static int apply_config(uint32_t i, const char *body, size_t len, char *err, size_t errlen)
{
    struct node *n = &g.nodes[i];
    json_error_t je;
    json_t *j = json_loadb(body, len, 0, &je);
    if (!j) {
        snprintf(err, errlen, "not JSON: %s", je.text);
        return -1;
    }
    int rc = -1;
    json_t *hb = json_object_get(json_object_get(j, "push_jobs"), "heartbeat");
    const char *out = jstr(hb, "out_addr"), *cmd = jstr(hb, "command_addr");
    json_t *iv = json_object_get(hb, "interval");
    const char *pub = jstr(j, "public_key"), *curve = jstr(j, "curve_public_key");
    const char *inc = jstr(j, "incarnation_id");
    const char *skey = jstr(json_object_get(j, "encoded_session_key"), "key");
    if (!out || !cmd || !json_is_number(iv) || json_number_value(iv) <= 0 || !pub || !curve ||
        strlen(curve) != WIRE_Z85_KEY_LEN || !inc || !skey) {
        snprintf(err, errlen, "config lacks a required field");
        goto done;
    }
    if (decrypt_session_key(n->key, skey, n->skey) != 0) {
        snprintf(err, errlen, "cannot decrypt the session key");
        goto done;
    }
    if (hmac256_key_set(&n->hmac, n->skey, WIRE_SESSION_KEY_LEN) != 0) {
        snprintf(err, errlen, "cannot key HMAC-SHA256");
        goto done;
    }
    if (strcmp(pub, g.server_pub_pem) != 0) {
        EVP_PKEY *k = wire_load_public_key(pub, strlen(pub));
        if (!k || strlen(pub) >= sizeof g.server_pub_pem) {
            EVP_PKEY_free(k);
            snprintf(err, errlen, "bad server public key");
            goto done;
        }
        EVP_PKEY_free(g.server_pub);
        g.server_pub = k;
        snprintf(g.server_pub_pem, sizeof g.server_pub_pem, "%s", pub);
    }
    snprintf(g.out_addr, sizeof g.out_addr, "%s", out);
    snprintf(g.cmd_addr, sizeof g.cmd_addr, "%s", cmd);
    snprintf(g.curve_server, sizeof g.curve_server, "%s", curve);
    snprintf(g.srv_inc, sizeof g.srv_inc, "%s", inc);
    g.interval_ms = (int64_t)(json_number_value(iv) * 1000.0 + 0.5);
    if (g.interval_ms < 10)
        g.interval_ms = 10;
    json_t *ot = json_object_get(hb, "offline_threshold");
    g.offline_threshold = json_is_integer(ot) ? (int)json_integer_value(ot) : 3;
    json_t *sk = json_object_get(j, "max_message_skew");
    g.max_skew = json_is_integer(sk) ? (int)json_integer_value(sk) : 300;
    rc = 0;
done:
    json_decref(j);
    return rc;
}

static void fetch_done(CURL *e, CURLcode res)
{
    struct xfer *x = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(g.multi, e);
    g.in_flight--;
    if (x->prev)
        x->prev->next = x->next;
    else
        g.xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    uint32_t i = x->node;
    struct node *n = &g.nodes[i];
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    double tt = 0;
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &tt);
    char err[256];
    n->phase = PH_WAIT;
    if (res != CURLE_OK) {
        g.fetch_fail++;
        if (g.fetch_fail <= 20)
            log_line("node %s: config fetch: %s", n->name, curl_easy_strerror(res));
        reconfigure(i, "config fetch failed");
    } else if (status != 200) {
        g.fetch_fail++;
        g.fetch_http_err++;
        if (g.fetch_fail <= 20)
            log_line("node %s: config fetch: HTTP %ld: %.200s", n->name, status,
                     x->buf ? x->buf : "");
        reconfigure(i, "config fetch failed");
    } else if (apply_config(i, x->buf, x->len, err, sizeof err) != 0) {
        g.fetch_fail++;
        log_line("node %s: bad config: %s", n->name, err);
        reconfigure(i, "bad config");
    } else {
        g.fetch_ok++;
        g.fetch_lat_n++;
        g.fetch_lat_sum_ms += tt * 1000.0;
        connect_node(i);
    }
    curl_slist_free_all(x->hdrs);
    curl_easy_cleanup(e);
    free(x->buf);
    free(x);
}

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *up, void *sp)
{
    (void)e;
    (void)up;
    struct epoll_event ev = { .data.u64 = MKTAG(TAG_CURL, (uint64_t)s) };
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(g.ep, EPOLL_CTL_DEL, s, NULL); /* may already be closed */
        curl_multi_assign(g.multi, s, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (sp) {
        if (epoll_ctl(g.ep, EPOLL_CTL_MOD, s, &ev) != 0)
            log_line("epoll_ctl MOD curl fd %d: %s", (int)s, strerror(errno));
    } else {
        if (epoll_ctl(g.ep, EPOLL_CTL_ADD, s, &ev) != 0 &&
            (errno != EEXIST || epoll_ctl(g.ep, EPOLL_CTL_MOD, s, &ev) != 0))
            log_line("epoll_ctl ADD curl fd %d: %s", (int)s, strerror(errno));
        curl_multi_assign(g.multi, s, &g); /* any non-NULL marker */
    }
    return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *up)
{
    (void)m;
    (void)up;
    g.curl_timeout_at = timeout_ms < 0 ? 0 : bl_now_ms() + timeout_ms;
    if (timeout_ms == 0)
        g.curl_timeout_at = 1; /* as soon as possible */
    return 0;
}

static void curl_progress(void)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(g.multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            fetch_done(msg->easy_handle, msg->data.result);
}

/* ---- inbound ------------------------------------------------------------- */

/* Receives one two-frame message; 2 frames, another count, 0 none, -1 error. */
static int recv2(void *sock, zmq_msg_t *h, zmq_msg_t *b)
{
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *m = n == 0 ? h : n == 1 ? b : &scratch;
        if (n >= 2)
            zmq_msg_init(&scratch);
        if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
            if (n >= 2)
                zmq_msg_close(&scratch);
            return n == 0 && zmq_errno() == EAGAIN ? 0 : -1;
        }
        more = zmq_msg_more(m);
        if (n >= 2)
            zmq_msg_close(&scratch);
        n++;
    }
    return n;
}

static bool server_online(const struct node *n, int64_t now)
{
    return now - n->last_srv_hb < (int64_t)g.offline_threshold * g.interval_ms;
}

static void on_command(uint32_t i, const struct nsc_cmd *m)
{
    struct node *n = &g.nodes[i];
    int64_t now = bl_now_ms();
    const char *jid = m->has_job_id ? m->job_id : NULL;
    if (!n->got_cmd) {
        n->got_cmd = true;
        g.handshaken++;
        n->attempt = 0;
        if (n->sent_at) {
            g.cmd_lat_n++;
            g.cmd_lat_sum_ms += (double)(now - n->sent_at);
        }
        timer_cancel(i, K_DEADLINE);
    }
    switch (m->type) {
    case WIRE_MSG_COMMIT:
        g.commits++;
        if (m->invalid || n->job != J_IDLE || !server_online(n, now)) {
            g.nacks++;
            reply(i, WIRE_MSG_NACK_COMMIT, jid);
        } else {
            n->job = J_COMMITTED;
            snprintf(n->job_id, sizeof n->job_id, "%s", jid);
            n->capture = m->capture;
            reply(i, WIRE_MSG_ACK_COMMIT, jid);
        }
        break;
    case WIRE_MSG_RUN:
        g.runs++;
        if (n->job == J_COMMITTED && jid && !strcmp(jid, n->job_id)) {
            n->job = J_RUNNING;
            reply(i, WIRE_MSG_ACK_RUN, jid);
            if (g.job_ms <= 0) {
                n->job = J_IDLE;
                reply(i, g.fail_jobs ? WIRE_MSG_FAILED : WIRE_MSG_SUCCEEDED, n->job_id);
                g.jobs_done++;
                n->job_id[0] = '\0';
            } else {
                timer_set(i, K_JOB, now + g.job_ms);
            }
        } else {
            g.nacks++;
            reply(i, WIRE_MSG_NACK_RUN, jid);
        }
        break;
    case WIRE_MSG_ABORT:
        g.aborts++;
        reply(i, WIRE_MSG_ABORTED, n->job == J_IDLE ? NULL : n->job_id);
        n->job = J_IDLE;
        n->job_id[0] = '\0';
        timer_cancel(i, K_JOB);
        if (!n->ready) {
            n->ready = true;
            g.ready++;
        }
        break;
    default:
        break;
    }
    flush_ex(i, false); /* called from drain_dealer */
}

static void drain_dealer(uint32_t i)
{
    struct node *n = &g.nodes[i];
    for (int k = 0; k < 64 && n->phase == PH_CONN && n->dealer; k++) {
        zmq_msg_t h, b;
        zmq_msg_init(&h);
        zmq_msg_init(&b);
        int got = recv2(n->dealer, &h, &b);
        if (got == 2) {
            struct nsc_cmd m;
            struct wire_error e;
            g.msgs_in++;
            if (nsc_parse(zmq_msg_data(&h), zmq_msg_size(&h), zmq_msg_data(&b),
                          zmq_msg_size(&b), MAX_BODY, &n->hmac, n->skey, time(NULL), g.max_skew,
                          &m, &e) == WIRE_OK) {
                on_command(i, &m);
            } else {
                g.msgs_bad++;
                if (g.msgs_bad <= 10)
                    log_line("node %s: bad command message: %s: %s", n->name,
                             wire_err_name(e.code), e.msg);
            }
        } else if (got > 0) {
            g.msgs_bad++;
        }
        zmq_msg_close(&h);
        zmq_msg_close(&b);
        if (got <= 0)
            return;
    }
    /* stopped at the bound with messages maybe left: read on soon (the
     * descriptor will not signal them again) */
    if (n->phase == PH_CONN && n->dealer)
        timer_set(i, K_RETRY, bl_now_ms());
}

static void drain_sub(uint32_t i)
{
    struct node *n = &g.nodes[i];
    bool verify = g.verify_every > 0 && (i % (uint32_t)g.verify_every) == 0;
    for (int k = 0; k < 64 && n->sub; k++) {
        zmq_msg_t h, b;
        zmq_msg_init(&h);
        zmq_msg_init(&b);
        int got = recv2(n->sub, &h, &b);
        if (got == 2) {
            g.srv_hb_in++;
            if (verify) {
                struct wire_server_msg m;
                struct wire_error e;
                if (wire_server_heartbeat_parse(zmq_msg_data(&h), zmq_msg_size(&h),
                                                zmq_msg_data(&b), zmq_msg_size(&b), MAX_BODY,
                                                g.server_pub, time(NULL), g.max_skew, &m,
                                                &e) == WIRE_OK) {
                    g.srv_hb_verified++;
                    n->last_srv_hb = bl_now_ms();
                    wire_server_msg_clear(&m);
                } else {
                    g.srv_hb_bad++;
                    if (g.srv_hb_bad <= 10)
                        log_line("node %s: bad server heartbeat: %s: %s", n->name,
                                 wire_err_name(e.code), e.msg);
                }
            } else {
                n->last_srv_hb = bl_now_ms();
            }
        } else if (got > 0) {
            g.srv_hb_bad++;
        }
        zmq_msg_close(&h);
        zmq_msg_close(&b);
        if (got <= 0)
            break;
    }
}

/* ---- timers -------------------------------------------------------------- */

static void fire(const struct tev *t, int64_t now)
{
    uint32_t i = t->node;
    struct node *n = &g.nodes[i];
    switch (t->kind) {
    case K_HB:
        if (n->phase != PH_CONN)
            return;
        n->next_tick += g.interval_ms;
        if (n->next_tick <= now)
            n->next_tick = now + g.interval_ms;
        timer_set(i, K_HB, n->next_tick);
        n->hb_due = true;
        flush(i);
        break;
    case K_RETRY:
        if (n->phase == PH_CONN)
            flush(i);
        break;
    case K_JOB:
        if (n->job == J_RUNNING) {
            n->job = J_IDLE;
            reply(i, g.fail_jobs ? WIRE_MSG_FAILED : WIRE_MSG_SUCCEEDED, n->job_id);
            n->job_id[0] = '\0';
            g.jobs_done++;
            flush(i);
        }
        break;
    case K_DEADLINE:
        if (n->phase == PH_CONN && !n->got_cmd) {
            g.deadline_miss++;
            reconfigure(i, "no message on the command channel");
        }
        break;
    case K_RECONF:
        if (n->phase == PH_WAIT)
            enqueue_fetch(i);
        break;
    default:
        break;
    }
}

/* ---- reporting ------------------------------------------------------------ */

static void report(FILE *f, const char *sep)
{
    fprintf(f,
            "nodes=%ld%sconnected=%lu%shandshaken=%lu%sready=%lu%sfetch_ok=%lu%sfetch_fail=%lu"
            "%sfetch_in_flight=%ld%sfetch_queued=%zu%sfetch_avg_ms=%.1f%smsgs_out=%lu"
            "%sheartbeats_out=%lu%smsgs_in=%lu%smsgs_bad=%lu%sserver_hb_in=%lu"
            "%sserver_hb_verified=%lu%sserver_hb_bad=%lu%ssend_eagain=%lu%scommits=%lu"
            "%sruns=%lu%saborts=%lu%snacks=%lu%sjobs_done=%lu%sreconnects=%lu"
            "%sfirst_msg_timeouts=%lu%sup_avg_ms=%.1f%sfirst_cmd_avg_ms=%.1f\n",
            g.count, sep, g.connected, sep, g.handshaken, sep, g.ready, sep, g.fetch_ok, sep,
            g.fetch_fail, sep, g.in_flight, sep, g.fq_n, sep,
            g.fetch_lat_n ? g.fetch_lat_sum_ms / (double)g.fetch_lat_n : 0.0, sep, g.msgs_out,
            sep, g.hb_out, sep, g.msgs_in, sep, g.msgs_bad, sep, g.srv_hb_in, sep,
            g.srv_hb_verified, sep, g.srv_hb_bad, sep, g.send_eagain, sep, g.commits, sep,
            g.runs, sep, g.aborts, sep, g.nacks, sep, g.jobs_done, sep, g.reconfigs, sep,
            g.deadline_miss, sep, g.up_lat_n ? g.up_lat_sum_ms / (double)g.up_lat_n : 0.0, sep,
            g.cmd_lat_n ? g.cmd_lat_sum_ms / (double)g.cmd_lat_n : 0.0);
}

static void write_status(void)
{
    if (!g.status_file)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    fprintf(m, "elapsed_ms=%lld\n", (long long)(bl_now_ms() - g.t0));
    report(m, "\n");
    if (fclose(m) != 0) {
        free(buf);
        return;
    }
    if (write_file_atomic(g.status_file, buf, len, 0644) != 0)
        log_line("cannot write %s: %s", g.status_file, strerror(errno));
    free(buf);
}

/* ---- setup ---------------------------------------------------------------- */

static void node_name(long idx, char *out, size_t cap)
{
    snprintf(out, cap, "%s%05ld", g.prefix, idx);
}

static int load_nodes(void)
{
    g.nodes = calloc((size_t)g.count, sizeof *g.nodes);
    g.fq = calloc((size_t)g.count, sizeof *g.fq);
    if (!g.nodes || !g.fq)
        return -1;
    for (long k = 0; k < g.count; k++) {
        struct node *n = &g.nodes[k];
        node_name(g.first + k, n->name, sizeof n->name);
        char path[1024], err[256];
        snprintf(path, sizeof path, "%s/%s.pem", g.keys, n->name);
        if (!(n->key = chef_auth_load_private_key_file(path, err, sizeof err))) {
            fprintf(stderr, "nodesim: %s: %s (run nodesim keygen first)\n", path, err);
            return -1;
        }
        if (zmq_curve_keypair(n->curve_pub, n->curve_sec) != 0 || bl_uuid(n->inc) != 0) {
            fprintf(stderr, "nodesim: cannot make keys: %s\n", zmq_strerror(zmq_errno()));
            return -1;
        }
    }
    return 0;
}

static int parse_url(void)
{
    /* http://HOST:PORT/organizations/ORG */
    const char *p = strstr(g.url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    const char *o = p ? strstr(p, "/organizations/") : NULL;
    if (!o || strlen(o + 15) == 0 || strlen(o + 15) > WIRE_NAME_MAX || strchr(o + 15, '/')) {
        fprintf(stderr, "nodesim: --url must be http://HOST:PORT/organizations/ORG\n");
        return -1;
    }
    snprintf(g.org, sizeof g.org, "%s", o + 15);
    snprintf(g.path_prefix, sizeof g.path_prefix, "%s", p);
    return 0;
}

static int run(void)
{
    g.t0 = bl_now_ms();
    if (parse_url() != 0)
        return 2;
    /* "client" is a JSON string: valid UTF-8 (as jansson, and so the
     * client, requires) */
    json_t *hs = gethostname(g.host, sizeof g.host - 1) == 0 ? json_string(g.host) : NULL;
    if (!hs)
        snprintf(g.host, sizeof g.host, "nodesim");
    json_decref(hs);
    long want = 8 * g.count + 2048; /* sockets being reaped after a reconnect still hold fds */
    long have = bl_raise_nofile(want);
    if (have < want)
        log_line("warning: file descriptor limit %ld < %ld wanted", have, want);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    if ((g.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
        (g.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        perror("nodesim: signalfd/epoll");
        return 1;
    }
    struct epoll_event sev = { .events = EPOLLIN, .data.u64 = MKTAG(TAG_SIG, 0) };
    if (epoll_ctl(g.ep, EPOLL_CTL_ADD, g.sigfd, &sev) != 0)
        return 1;
    log_line("loading %ld node keys from %s", g.count, g.keys);
    if (load_nodes() != 0)
        return 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(g.multi = curl_multi_init()))
        return 1;
    curl_multi_setopt(g.multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(g.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(g.multi, CURLMOPT_MAX_HOST_CONNECTIONS, g.conc);
    curl_multi_setopt(g.multi, CURLMOPT_MAXCONNECTS, g.conc);
    if (!(g.zctx = zmq_ctx_new()) || zmq_ctx_set(g.zctx, ZMQ_MAX_SOCKETS, (int)(4 * g.count + 1024)) ||
        zmq_ctx_set(g.zctx, ZMQ_IO_THREADS, (int)g.io_threads)) {
        log_line("zmq context: %s", zmq_strerror(zmq_errno()));
        return 1;
    }
    for (long k = 0; k < g.count; k++)
        enqueue_fetch((uint32_t)k);
    log_line("%ld nodes %s%05ld..%s%05ld, org %s, job %ld ms -> %s, fetch concurrency %ld",
             g.count, g.prefix, g.first, g.prefix, g.first + g.count - 1, g.org, g.job_ms,
             g.fail_jobs ? "failed" : "succeeded", g.conc);
    int64_t next_report = g.t0 + g.report_ms, end = g.t0 + g.max_s * 1000;
    struct epoll_event evs[512];
    while (!g.stop) {
        int64_t now = bl_now_ms();
        if (now >= end) {
            log_line("--max-seconds %ld reached: stopping", g.max_s);
            break;
        }
        /* bounded work per pass so the loop stays responsive */
        for (int k = 0; k < 20000 && g.heap_n && g.heap[0].at <= now; k++) {
            struct tev t = heap_pop();
            if (t.gen == g.nodes[t.node].gen[t.kind])
                fire(&t, now);
        }
        while (g.fq_n > 0 && g.in_flight < g.conc) {
            uint32_t i = g.fq[g.fq_head];
            g.fq_head = (g.fq_head + 1) % (size_t)g.count;
            g.fq_n--;
            start_fetch(i);
        }
        if (now >= next_report) {
            fprintf(stderr, "nodesim[%.1fs]: ", (double)(now - g.t0) / 1000.0);
            report(stderr, " ");
            write_status();
            next_report = now + g.report_ms;
        }
        int64_t wake = next_report;
        if (g.heap_n && g.heap[0].at < wake)
            wake = g.heap[0].at;
        if (g.curl_timeout_at && g.curl_timeout_at < wake)
            wake = g.curl_timeout_at;
        now = bl_now_ms();
        int timeout = wake <= now ? 0 : (int)(wake - now > 1000 ? 1000 : wake - now);
        int ne = epoll_wait(g.ep, evs, 512, timeout);
        if (ne < 0) {
            if (errno == EINTR)
                continue;
            perror("nodesim: epoll_wait");
            break;
        }
        int running;
        for (int k = 0; k < ne; k++) {
            uint64_t tag = evs[k].data.u64 >> TAG_SHIFT;
            uint64_t v = evs[k].data.u64 & ((1ULL << TAG_SHIFT) - 1);
            if (tag == TAG_SIG) {
                struct signalfd_siginfo si;
                while (read(g.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                    g.stop = true;
            } else if (tag == TAG_CURL) {
                int flags = (evs[k].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                            (evs[k].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                            (evs[k].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
                curl_multi_socket_action(g.multi, (curl_socket_t)v, flags, &running);
            } else {
                uint32_t i = (uint32_t)v;
                struct node *n = &g.nodes[i];
                void *s = tag == TAG_DEALER ? n->dealer : n->sub;
                if (!s)
                    continue;
                /* no ZMQ_EVENTS first: reading until EAGAIN is what
                 * re-arms the descriptor anyway, and each of those calls
                 * costs libzmq a getpid() and a poll() */
                if (tag == TAG_DEALER)
                    drain_dealer(i);
                else
                    drain_sub(i);
            }
        }
        if (g.curl_timeout_at && bl_now_ms() >= g.curl_timeout_at) {
            g.curl_timeout_at = 0;
            curl_multi_socket_action(g.multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        curl_progress();
    }
    fprintf(stderr, "nodesim: summary after %.1f s: ", (double)(bl_now_ms() - g.t0) / 1000.0);
    report(stderr, " ");
    write_status();
    /* clean shutdown */
    for (long k = 0; k < g.count; k++) {
        close_sockets((uint32_t)k);
        hmac256_key_clear(&g.nodes[k].hmac);
        EVP_PKEY_free(g.nodes[k].key);
    }
    while (g.xfers) {
        struct xfer *x = g.xfers;
        g.xfers = x->next;
        curl_multi_remove_handle(g.multi, x->e);
        curl_easy_cleanup(x->e);
        curl_slist_free_all(x->hdrs);
        free(x->buf);
        free(x);
    }
    curl_multi_cleanup(g.multi);
    curl_global_cleanup();
    zmq_ctx_term(g.zctx);
    EVP_PKEY_free(g.server_pub);
    free(g.nodes);
    free(g.fq);
    free(g.heap);
    close(g.ep);
    close(g.sigfd);
    return 0;
}

/* ---- keygen --------------------------------------------------------------- */

static int keygen_range(long from, long to)
{
    for (long k = from; k < to; k++) {
        char name[NAME_LEN], path[1024];
        node_name(k, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s.pem", g.keys, name);
        struct stat st;
        if (stat(path, &st) == 0)
            continue;
        char *priv = NULL, *pub = NULL;
        if (chef_auth_generate_keypair((unsigned)g.bits, &priv, &pub) != 0) {
            fprintf(stderr, "nodesim: key generation failed\n");
            return -1;
        }
        int rc = write_file_atomic(path, priv, strlen(priv), 0600);
        free(priv);
        free(pub);
        if (rc != 0) {
            fprintf(stderr, "nodesim: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int keygen(void)
{
    if (mkdir_p(g.keys, 0700) != 0) {
        fprintf(stderr, "nodesim: %s: %s\n", g.keys, strerror(errno));
        return 1;
    }
    long per = (g.count + g.workers - 1) / g.workers;
    pid_t pids[64];
    int np = 0;
    for (long w = 0; w < g.workers && w < 64; w++) {
        long from = g.first + w * per, to = from + per;
        if (to > g.first + g.count)
            to = g.first + g.count;
        if (from >= to)
            break;
        pid_t p = fork();
        if (p < 0) {
            perror("nodesim: fork");
            return 1;
        }
        if (p == 0)
            _exit(keygen_range(from, to) == 0 ? 0 : 1);
        pids[np++] = p;
    }
    int bad = 0;
    for (int k = 0; k < np; k++) {
        int st;
        if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad = 1;
    }
    if (bad)
        return 1;
    if (!g.csv)
        return 0;
    /* name,public key PEM (CSV, quoted) for psql \copy */
    FILE *f = fopen(g.csv, "w");
    if (!f) {
        fprintf(stderr, "nodesim: %s: %s\n", g.csv, strerror(errno));
        return 1;
    }
    for (long k = g.first; k < g.first + g.count; k++) {
        char name[NAME_LEN], path[1024], err[256];
        node_name(k, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s.pem", g.keys, name);
        EVP_PKEY *key = chef_auth_load_private_key_file(path, err, sizeof err);
        char *pub = key ? chef_auth_public_key_pem(key) : NULL;
        EVP_PKEY_free(key);
        if (!pub) {
            fprintf(stderr, "nodesim: %s: %s\n", path, err);
            fclose(f);
            return 1;
        }
        fprintf(f, "%s,\"%s\"\n", name, pub);
        free(pub);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "nodesim: %s: %s\n", g.csv, strerror(errno));
        return 1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: nodesim keygen --keys DIR --prefix P --count N [--first K] [--bits 1024] "
            "[--csv FILE] [--workers 2]\n"
            "       nodesim run --url http://HOST:PORT/organizations/ORG --keys DIR --prefix P "
            "--count N [--first K] [--job-ms 0] [--outcome succeeded|failed] "
            "[--fetch-concurrency 32] [--verify-every 50] [--io-threads 1] [--report-ms 5000] "
            "[--status-file F] [--max-seconds 3600]\n");
    return 2;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
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
    g.prefix = "sim";
    g.conc = 32;
    g.verify_every = 50;
    g.io_threads = 1;
    g.report_ms = 5000;
    g.max_s = 3600;
    g.bits = 1024;
    g.workers = 2;
    g.interval_ms = 1000;
    g.offline_threshold = 3;
    g.max_skew = 300;
    static const struct option opts[] = {
        { "url", 1, 0, 'u' },         { "keys", 1, 0, 'k' },        { "prefix", 1, 0, 'p' },
        { "count", 1, 0, 'n' },       { "first", 1, 0, 'f' },       { "job-ms", 1, 0, 'j' },
        { "outcome", 1, 0, 'o' },     { "fetch-concurrency", 1, 0, 'c' },
        { "verify-every", 1, 0, 'v' }, { "io-threads", 1, 0, 'i' }, { "report-ms", 1, 0, 'r' },
        { "status-file", 1, 0, 's' }, { "max-seconds", 1, 0, 'm' }, { "bits", 1, 0, 'b' },
        { "csv", 1, 0, 'C' },         { "workers", 1, 0, 'w' },     { 0, 0, 0, 0 },
    };
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'u': g.url = optarg; break;
        case 'k': g.keys = optarg; break;
        case 'p': g.prefix = optarg; ok = strlen(optarg) < 30 && wire_valid_name(optarg, strlen(optarg)); break;
        case 'n': ok = parse_long(optarg, 1, 200000, &g.count); break;
        case 'f': ok = parse_long(optarg, 0, 99999, &g.first); break;
        case 'j': ok = parse_long(optarg, 0, 3600000, &g.job_ms); break;
        case 'o':
            ok = !strcmp(optarg, "succeeded") || !strcmp(optarg, "failed");
            g.fail_jobs = !strcmp(optarg, "failed");
            break;
        case 'c': ok = parse_long(optarg, 1, 1024, &g.conc); break;
        case 'v': ok = parse_long(optarg, 0, 1000000, &g.verify_every); break;
        case 'i': ok = parse_long(optarg, 1, 16, &g.io_threads); break;
        case 'r': ok = parse_long(optarg, 100, 3600000, &g.report_ms); break;
        case 's': g.status_file = optarg; break;
        case 'm': ok = parse_long(optarg, 1, 86400, &g.max_s); break;
        case 'b': ok = parse_long(optarg, 1024, 4096, &g.bits); break;
        case 'C': g.csv = optarg; break;
        case 'w': ok = parse_long(optarg, 1, 64, &g.workers); break;
        default: return usage();
        }
        if (!ok) {
            fprintf(stderr, "nodesim: bad value for option: %s\n", optarg);
            return 2;
        }
    }
    if (optind != argc || !g.keys || !g.count || g.first + g.count > 100000)
        return usage();
    srandom((unsigned)(getpid() ^ time(NULL)));
    if (!strcmp(mode, "keygen"))
        return keygen();
    if (!strcmp(mode, "run")) {
        if (!g.url)
            return usage();
        return run();
    }
    return usage();
}
