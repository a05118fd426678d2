/* Test tool: a real node-side protocol peer for commandd and heartbeatd,
 * without the config endpoint (the test registers the session key and the
 * CURVE key in the database itself). It connects a CURVE DEALER to the
 * command channel, sends HMAC-signed heartbeats, answers `abort` with
 * `aborted` (the availability handshake), optionally plays simple jobs,
 * subscribes to the server heartbeats and verifies their RSA signature, and
 * prints one line per event on stdout. It can also forge messages (bad
 * HMAC, stale timestamp, another org, a 3-frame or oversized message) to
 * test that the server drops them, and run many nodes in one process
 * (--nodes-file) for load experiments.
 *
 *   node_probe keygen           prints "PUBLIC SECRET" (Z85 CURVE key pair)
 *   node_probe keygen-batch N P prints N "NODE PUBLIC SECRET SESSIONKEYHEX" lines
 *   node_probe OPTIONS          see usage()
 */
#include <errno.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "shared/hex.h"
#include "shared/server_keys.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: node_probe keygen\n"
            "       node_probe keygen-batch N PREFIX   prints N lines \"PREFIXi PUBLIC SECRET SESSIONKEYHEX\"\n"
            "       node_probe --command URL --server-curve Z85 --org ORG --nodes-file FILE\n"
            "                  [--interval MS] [--duration S] [--report S] [--jobs ack|nack]\n"
            "                  N nodes in one process, from keygen-batch lines; prints counters\n"
            "       node_probe --command URL --server-curve Z85 --curve-public Z85 --curve-secret Z85\n"
            "                  --org ORG --node NODE --session-key HEX [options]\n"
            "  --heartbeat URL       also subscribe to server heartbeats on URL\n"
            "  --server-rsa FILE     server RSA public key (PEM) to verify them with\n"
            "  --incarnation ID      client incarnation id (default: a random UUID)\n"
            "  --interval MS         heartbeat interval (default 1000)\n"
            "  --duration S          stop after S seconds (default 10; 0: until SIGTERM)\n"
            "  --count N             stop after N heartbeats\n"
            "  --no-aborted          do not answer abort\n"
            "  --forge KIND          make every heartbeat bad: bad-hmac, stale, wrong-org,\n"
            "                        extra-frame (3 frames) or oversize (body > 65536 bytes)\n"
            "  --job-event TYPE:JOB  send one job event (e.g. ack_commit:JOBID) after the\n"
            "                        abort handshake\n"
            "  --jobs ack|nack       answer commit (ack_commit/nack_commit) and run\n"
            "                        (ack_run, then succeeded)\n"
            "output: one line per event (connected, recv TYPE, sent TYPE, server_heartbeat ok|bad, summary)\n");
}

struct probe {
    bool quiet;                 /* many-node mode: counters only */
    char node_name[WIRE_NAME_MAX + 1];
    char curve_pub[WIRE_Z85_KEY_LEN + 1], curve_sec[WIRE_Z85_KEY_LEN + 1];
    void *cmd, *sub;
    struct wire_node_ident id;
    unsigned char key[WIRE_SESSION_KEY_LEN];
    EVP_PKEY *server_rsa;
    const char *forge;
    const char *jobs;
    enum wire_msg_type event_type;  /* --job-event: sent once, after the handshake */
    const char *event_job;
    bool event_sent;
    bool answer_abort;
    int64_t seq;
    char job_id[WIRE_JOB_ID_MAX + 1];
    const char *job_state;
    unsigned long heartbeats, aborts, acks, hb_ok, hb_bad, invalid;
};

__attribute__((format(printf, 2, 3)))
static void say(const struct probe *p, const char *fmt, ...)
{
    if (p->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static EVP_PKEY *load_pub(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return wire_load_public_key(buf, n);
}

/* Seals and sends msg on the command channel (two frames). */
static int send_msg(struct probe *p, json_t *msg, const char *what)
{
    unsigned char key[WIRE_SESSION_KEY_LEN];
    memcpy(key, p->key, sizeof key);
    time_t now = time_wall();
    if (p->forge && strcmp(p->forge, "bad-hmac") == 0)
        key[0] ^= 0xff;
    if (p->forge && strcmp(p->forge, "stale") == 0)
        now -= 3600;
    struct wire_frames fr;
    if (!msg || wire_seal_hmac(msg, ++p->seq, now, key, &fr) != 0) {
        say(p, "error building %s\n", what);
        json_decref(msg);
        return -1;
    }
    json_decref(msg);
    int rc = 0;
    bool extra = p->forge && strcmp(p->forge, "extra-frame") == 0;
    if (zmq_send(p->cmd, fr.header, fr.header_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->cmd, fr.body, fr.body_len, ZMQ_DONTWAIT | (extra ? ZMQ_SNDMORE : 0)) < 0 ||
        (extra && zmq_send(p->cmd, "extra", 5, ZMQ_DONTWAIT) < 0)) {
        say(p, "send_failed %s err=%s\n", what, zmq_strerror(errno));
        rc = -1;
    } else {
        say(p, "sent %s seq=%lld\n", what, (long long)p->seq);
    }
    wire_frames_free(&fr);
    return rc;
}

static void send_event(struct probe *p, enum wire_msg_type t, const char *job_id)
{
    send_msg(p, wire_msg_node_event(&p->id, t, job_id, NULL, 0, NULL, 0), wire_msg_type_name(t));
}

static void on_command(struct probe *p, zmq_msg_t *f, int n)
{
    if (n != 2) {
        say(p, "recv_invalid frames=%d\n", n);
        p->invalid++;
        return;
    }
    struct wire_server_msg m;
    struct wire_error err;
    enum wire_err rc = wire_server_command_parse(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]),
                                                 zmq_msg_data(&f[1]), zmq_msg_size(&f[1]),
                                                 WIRE_DEFAULT_MAX_BODY_SIZE, p->key, time_wall(),
                                                 WIRE_DEFAULT_MAX_SKEW, &m, &err);
    if (rc != WIRE_OK) {
        say(p, "recv_invalid err=%s msg=%s\n", wire_err_name(rc), err.msg);
        p->invalid++;
        return;
    }
    say(p, "recv %s seq=%lld job_id=%s\n", wire_msg_type_name(m.type),
           m.has_sequence ? (long long)m.sequence : -1LL, m.has_job_id ? m.job_id : "null");
    switch (m.type) {
    case WIRE_MSG_ABORT:
        p->aborts++;
        if (p->answer_abort) {
            send_event(p, WIRE_MSG_ABORTED, p->job_id[0] ? p->job_id : NULL);
            p->job_id[0] = '\0';
            p->job_state = "idle";
        }
        break;
    case WIRE_MSG_ACK:
        p->acks++;
        break;
    case WIRE_MSG_COMMIT:
        if (!p->jobs)
            break;
        if (strcmp(p->jobs, "ack") == 0 && !m.invalid && !p->job_id[0]) {
            snprintf(p->job_id, sizeof p->job_id, "%s", m.job_id);
            p->job_state = "committed";
            send_event(p, WIRE_MSG_ACK_COMMIT, m.job_id);
        } else {
            send_event(p, WIRE_MSG_NACK_COMMIT, m.has_job_id ? m.job_id : NULL);
        }
        break;
    case WIRE_MSG_RUN:
        if (!p->jobs)
            break;
        if (p->job_id[0] && m.has_job_id && strcmp(p->job_id, m.job_id) == 0) {
            send_event(p, WIRE_MSG_ACK_RUN, m.job_id);
            send_event(p, WIRE_MSG_SUCCEEDED, m.job_id);
            p->job_id[0] = '\0';
            p->job_state = "idle";
        } else {
            send_event(p, WIRE_MSG_NACK_RUN, m.has_job_id ? m.job_id : NULL);
        }
        break;
    default:
        break;
    }
    wire_server_msg_clear(&m);
}

static void on_server_heartbeat(struct probe *p, zmq_msg_t *f, int n)
{
    if (n != 2) {
        printf("server_heartbeat bad err=frames(%d)\n", n);
        p->hb_bad++;
        return;
    }
    if (!p->server_rsa) {
        printf("server_heartbeat unverified bytes=%zu\n", zmq_msg_size(&f[1]));
        return;
    }
    struct wire_server_msg m;
    struct wire_error err;
    enum wire_err rc = wire_server_heartbeat_parse(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]),
                                                   zmq_msg_data(&f[1]), zmq_msg_size(&f[1]),
                                                   WIRE_DEFAULT_MAX_BODY_SIZE, p->server_rsa,
                                                   time_wall(), WIRE_DEFAULT_MAX_SKEW, &m, &err);
    if (rc != WIRE_OK) {
        printf("server_heartbeat bad err=%s msg=%s\n", wire_err_name(rc), err.msg);
        p->hb_bad++;
        return;
    }
    printf("server_heartbeat ok seq=%lld server=%s incarnation=%s\n", (long long)m.sequence,
           m.server, m.incarnation_id);
    p->hb_ok++;
    wire_server_msg_clear(&m);
}

/* Reads one whole message (up to 4 frames kept); returns the frame count or -1. */
static int recv_all(void *s, zmq_msg_t *f, int max)
{
    int n = 0, total = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            for (int i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            return -1;
        }
        more = zmq_msg_more(&m);
        total++;
        if (n < max)
            f[n++] = m;
        else
            zmq_msg_close(&m);
    }
    return total > max ? max + 1 : n;
}

static void heartbeat(struct probe *p)
{
    struct wire_node_ident id = p->id;
    char other[WIRE_NAME_MAX + 1];
    if (p->forge && strcmp(p->forge, "wrong-org") == 0) {
        snprintf(other, sizeof other, "x%.*s", WIRE_NAME_MAX - 1, p->id.org);
        id.org = other;
    }
    json_t *msg = wire_msg_node_heartbeat(&id, p->job_state, p->job_id[0] ? p->job_id : NULL);
    if (msg && p->forge && strcmp(p->forge, "oversize") == 0) {
        static char pad[WIRE_DEFAULT_MAX_BODY_SIZE + 1024];
        memset(pad, 'x', sizeof pad - 1);
        json_object_set_new(msg, "pad", json_string(pad));
    }
    if (send_msg(p, msg, "heartbeat") == 0)
        p->heartbeats++;
    if (p->event_type && p->aborts > 0 && !p->event_sent) {
        send_event(p, p->event_type, p->event_job);
        p->event_sent = true;
    }
}

/* ---- many nodes in one process (load tests) ------------------------------- */

struct common_opts {
    const char *cmd_url, *scurve, *org, *jobs;
    long interval, duration, report;
};

static int run_many(const char *file, const struct common_opts *o)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "node_probe: %s: %s\n", file, strerror(errno));
        return 2;
    }
    size_t cap = 1024, n = 0;
    struct probe *ps = calloc(cap, sizeof *ps);
    char line[512], node[WIRE_NAME_MAX + 1], pub[64], sec[64], hex[80];
    while (ps && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%255s %63s %63s %79s", node, pub, sec, hex) != 4)
            continue;
        if (n == cap) {
            struct probe *np = realloc(ps, 2 * cap * sizeof *ps);
            if (!np)
                break;
            memset(np + cap, 0, cap * sizeof *np);
            ps = np;
            cap *= 2;
        }
        struct probe *p = &ps[n];
        if (hex_decode(hex, p->key, sizeof p->key) != 0 || strlen(pub) != WIRE_Z85_KEY_LEN ||
            strlen(sec) != WIRE_Z85_KEY_LEN)
            continue;
        snprintf(p->node_name, sizeof p->node_name, "%s", node);
        memcpy(p->curve_pub, pub, sizeof p->curve_pub);
        memcpy(p->curve_sec, sec, sizeof p->curve_sec);
        n++;
    }
    fclose(f);
    if (!ps || n == 0) {
        fprintf(stderr, "node_probe: no nodes in %s\n", file);
        free(ps);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)n + 16);
    static char host[256] = "probe";
    gethostname(host, sizeof host - 1);
    int linger = 0, sndhwm = 3;
    for (size_t i = 0; i < n; i++) {
        struct probe *p = &ps[i];
        p->quiet = true;
        p->answer_abort = true;
        p->job_state = "idle";
        p->jobs = o->jobs;
        char *inc = malloc(37);
        if (!inc || uuid_v4(inc) != 0)
            return 1;
        p->id = (struct wire_node_ident){ .node = p->node_name, .client = host, .org = o->org,
                                          .incarnation_id = inc };
        p->cmd = zmq_socket(ctx, ZMQ_DEALER);
        if (!p->cmd || zmq_setsockopt(p->cmd, ZMQ_LINGER, &linger, sizeof linger) ||
            zmq_setsockopt(p->cmd, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) ||
            zmq_setsockopt(p->cmd, ZMQ_CURVE_SERVERKEY, o->scurve, strlen(o->scurve)) ||
            zmq_setsockopt(p->cmd, ZMQ_CURVE_PUBLICKEY, p->curve_pub, WIRE_Z85_KEY_LEN) ||
            zmq_setsockopt(p->cmd, ZMQ_CURVE_SECRETKEY, p->curve_sec, WIRE_Z85_KEY_LEN) ||
            zmq_connect(p->cmd, o->cmd_url)) {
            fprintf(stderr, "node_probe: node %zu socket: %s\n", i, zmq_strerror(errno));
            return 1;
        }
    }
    printf("connected nodes=%zu command=%s\n", n, o->cmd_url);
    int64_t start = time_now_ms(), next_report = start + o->report * 1000, next_scan = start;
    int64_t *next = calloc(n, sizeof *next);
    if (!next)
        return 1;
    for (size_t i = 0; i < n; i++)
        next[i] = start + (int64_t)((double)o->interval * (double)i / (double)n);
    size_t cursor = 0;
    while (!g_stop) {
        int64_t now = time_now_ms();
        if (o->duration > 0 && now - start >= o->duration * 1000)
            break;
        /* heartbeats are due in index order (spread over the interval) */
        for (size_t k = 0; k < n && next[cursor] <= now; k++) {
            heartbeat(&ps[cursor]);
            next[cursor] += o->interval;
            cursor = (cursor + 1) % n;
        }
        if (now >= next_scan) {
            for (size_t i = 0; i < n; i++) {
                zmq_msg_t fr[4];
                int m;
                while ((m = recv_all(ps[i].cmd, fr, 3)) >= 0) {
                    on_command(&ps[i], fr, m);
                    for (int j = 0; j < m && j < 3; j++)
                        zmq_msg_close(&fr[j]);
                }
            }
            next_scan = now + 20;
        }
        if (o->report > 0 && now >= next_report) {
            unsigned long hb = 0, ab = 0, ac = 0, inv = 0, avail = 0;
            for (size_t i = 0; i < n; i++) {
                hb += ps[i].heartbeats;
                ab += ps[i].aborts;
                ac += ps[i].acks;
                inv += ps[i].invalid;
                avail += ps[i].aborts > 0;
            }
            printf("report t=%llds heartbeats=%lu aborts=%lu acks=%lu invalid=%lu "
                   "nodes_aborted_once=%lu\n",
                   (long long)((now - start) / 1000), hb, ab, ac, inv, avail);
            next_report = now + o->report * 1000;
        }
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    unsigned long hb = 0, ab = 0, ac = 0, inv = 0;
    for (size_t i = 0; i < n; i++) {
        hb += ps[i].heartbeats;
        ab += ps[i].aborts;
        ac += ps[i].acks;
        inv += ps[i].invalid;
        zmq_close(ps[i].cmd);
        free((char *)ps[i].id.incarnation_id);
    }
    printf("summary nodes=%zu heartbeats=%lu aborts=%lu acks=%lu invalid=%lu\n", n, hb, ab, ac,
           inv);
    zmq_ctx_term(ctx);
    free(next);
    free(ps);
    return 0;
}

static int keygen_batch(long count, const char *prefix)
{
    for (long i = 0; i < count; i++) {
        char pub[41], sec[41];
        unsigned char key[WIRE_SESSION_KEY_LEN];
        if (zmq_curve_keypair(pub, sec) != 0 || RAND_bytes(key, sizeof key) != 1)
            return 1;
        printf("%s%ld %s %s ", prefix, i, pub, sec);
        for (size_t j = 0; j < sizeof key; j++)
            printf("%02x", key[j]);
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "keygen") == 0) {
        char pub[41], sec[41];
        if (zmq_curve_keypair(pub, sec) != 0) {
            fprintf(stderr, "node_probe: keygen: %s\n", zmq_strerror(errno));
            return 1;
        }
        printf("%s %s\n", pub, sec);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "keygen-batch") == 0)
        return keygen_batch(strtol(argv[2], NULL, 10), argv[3]);
    enum { O_CMD = 1, O_HB, O_SCURVE, O_SRSA, O_CPUB, O_CSEC, O_ORG, O_NODE, O_KEY, O_INC,
           O_INTERVAL, O_DURATION, O_COUNT, O_NOABORTED, O_FORGE, O_JOBS, O_NODESFILE, O_REPORT, O_JOBEVENT, O_HELP };
    static const struct option opts[] = {
        { "command", 1, NULL, O_CMD }, { "heartbeat", 1, NULL, O_HB },
        { "server-curve", 1, NULL, O_SCURVE }, { "server-rsa", 1, NULL, O_SRSA },
        { "curve-public", 1, NULL, O_CPUB }, { "curve-secret", 1, NULL, O_CSEC },
        { "org", 1, NULL, O_ORG }, { "node", 1, NULL, O_NODE }, { "session-key", 1, NULL, O_KEY },
        { "incarnation", 1, NULL, O_INC }, { "interval", 1, NULL, O_INTERVAL },
        { "duration", 1, NULL, O_DURATION }, { "count", 1, NULL, O_COUNT },
        { "no-aborted", 0, NULL, O_NOABORTED }, { "forge", 1, NULL, O_FORGE },
        { "jobs", 1, NULL, O_JOBS }, { "nodes-file", 1, NULL, O_NODESFILE },
        { "report", 1, NULL, O_REPORT }, { "job-event", 1, NULL, O_JOBEVENT },
        { "help", 0, NULL, O_HELP }, { NULL, 0, NULL, 0 },
    };
    const char *cmd_url = NULL, *hb_url = NULL, *scurve = NULL, *srsa = NULL, *cpub = NULL,
               *csec = NULL, *keyhex = NULL, *inc = NULL, *nodes_file = NULL;
    long report = 5;
    long interval = 1000, duration = 10, count = -1;
    static struct probe p;
    p.answer_abort = true;
    p.job_state = "idle";
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_CMD: cmd_url = optarg; break;
        case O_HB: hb_url = optarg; break;
        case O_SCURVE: scurve = optarg; break;
        case O_SRSA: srsa = optarg; break;
        case O_CPUB: cpub = optarg; break;
        case O_CSEC: csec = optarg; break;
        case O_ORG: p.id.org = optarg; break;
        case O_NODE: p.id.node = optarg; break;
        case O_KEY: keyhex = optarg; break;
        case O_INC: inc = optarg; break;
        case O_INTERVAL: interval = strtol(optarg, NULL, 10); break;
        case O_DURATION: duration = strtol(optarg, NULL, 10); break;
        case O_COUNT: count = strtol(optarg, NULL, 10); break;
        case O_NOABORTED: p.answer_abort = false; break;
        case O_FORGE: p.forge = optarg; break;
        case O_JOBS: p.jobs = optarg; break;
        case O_NODESFILE: nodes_file = optarg; break;
        case O_REPORT: report = strtol(optarg, NULL, 10); break;
        case O_JOBEVENT: {
            char *colon = strchr(optarg, ':');
            if (!colon)
                return usage(stderr), 2;
            *colon = '\0';
            p.event_type = wire_msg_type_parse(optarg);
            p.event_job = colon + 1;
            if (!wire_msg_type_is_job_event(p.event_type)) {
                fprintf(stderr, "node_probe: %s is not a job event type\n", optarg);
                return 2;
            }
            break;
        }
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (nodes_file) {
        if (!cmd_url || !scurve || !p.id.org || interval < 10) {
            usage(stderr);
            return 2;
        }
        struct common_opts co = { cmd_url, scurve, p.id.org, p.jobs, interval, duration, report };
        return run_many(nodes_file, &co);
    }
    if (!cmd_url || !scurve || !cpub || !csec || !p.id.org || !p.id.node || !keyhex ||
        hex_decode(keyhex, p.key, sizeof p.key) != 0 || interval < 10) {
        usage(stderr);
        return 2;
    }
    if (p.forge && strcmp(p.forge, "bad-hmac") && strcmp(p.forge, "stale") &&
        strcmp(p.forge, "wrong-org") && strcmp(p.forge, "extra-frame") &&
        strcmp(p.forge, "oversize")) {
        fprintf(stderr, "node_probe: unknown --forge %s\n", p.forge);
        return 2;
    }
    char uuid[37];
    if (!inc) {
        if (uuid_v4(uuid) != 0)
            return 1;
        inc = uuid;
    }
    char host[256] = "probe";
    gethostname(host, sizeof host - 1);
    p.id.client = host;
    p.id.incarnation_id = inc;
    if (srsa && !(p.server_rsa = load_pub(srsa))) {
        fprintf(stderr, "node_probe: cannot load server RSA public key %s\n", srsa);
        return 2;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    void *ctx = zmq_ctx_new();
    p.cmd = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, sndhwm = 3;
    if (!p.cmd || zmq_setsockopt(p.cmd, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(p.cmd, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) ||
        zmq_setsockopt(p.cmd, ZMQ_CURVE_SERVERKEY, scurve, strlen(scurve)) ||
        zmq_setsockopt(p.cmd, ZMQ_CURVE_PUBLICKEY, cpub, strlen(cpub)) ||
        zmq_setsockopt(p.cmd, ZMQ_CURVE_SECRETKEY, csec, strlen(csec)) ||
        zmq_connect(p.cmd, cmd_url)) {
        fprintf(stderr, "node_probe: command socket: %s\n", zmq_strerror(errno));
        return 1;
    }
    if (hb_url) {
        p.sub = zmq_socket(ctx, ZMQ_SUB);
        if (!p.sub || zmq_setsockopt(p.sub, ZMQ_LINGER, &linger, sizeof linger) ||
            zmq_setsockopt(p.sub, ZMQ_SUBSCRIBE, "", 0) || zmq_connect(p.sub, hb_url)) {
            fprintf(stderr, "node_probe: heartbeat socket: %s\n", zmq_strerror(errno));
            return 1;
        }
    }
    printf("connected command=%s incarnation=%s%s%s\n", cmd_url, inc, p.forge ? " forge=" : "",
           p.forge ? p.forge : "");
    int64_t start = time_now_ms(), next = start;
    while (!g_stop) {
        int64_t now = time_now_ms();
        if (duration > 0 && now - start >= duration * 1000)
            break;
        if (now >= next) {
            if (count >= 0 && (long)p.heartbeats >= count)
                break;
            heartbeat(&p);
            next += interval;
        }
        zmq_pollitem_t items[2] = { { .socket = p.cmd, .events = ZMQ_POLLIN },
                                    { .socket = p.sub, .events = ZMQ_POLLIN } };
        long timeout = next > now ? (long)(next - now) : 0;
        if (zmq_poll(items, p.sub ? 2 : 1, timeout) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        zmq_msg_t f[4];
        int n;
        if (items[0].revents & ZMQ_POLLIN) {
            while ((n = recv_all(p.cmd, f, 3)) >= 0) {
                on_command(&p, f, n);
                for (int i = 0; i < n && i < 3; i++)
                    zmq_msg_close(&f[i]);
            }
        }
        if (p.sub && (items[1].revents & ZMQ_POLLIN)) {
            while ((n = recv_all(p.sub, f, 3)) >= 0) {
                on_server_heartbeat(&p, f, n);
                for (int i = 0; i < n && i < 3; i++)
                    zmq_msg_close(&f[i]);
            }
        }
    }
    printf("summary heartbeats=%lu aborts=%lu acks=%lu server_heartbeats_ok=%lu "
           "server_heartbeats_bad=%lu invalid=%lu\n",
           p.heartbeats, p.aborts, p.acks, p.hb_ok, p.hb_bad, p.invalid);
    zmq_close(p.cmd);
    if (p.sub)
        zmq_close(p.sub);
    zmq_ctx_term(ctx);
    EVP_PKEY_free(p.server_rsa);
    return 0;
}
