/* pushy-client's event loop (client/client.c) against a fake server in the
 * same process: a one-route HTTP server for config/NODE, a PUB socket for
 * RSA-signed server heartbeats and a CURVE ROUTER for commands. The client
 * runs in its own thread; the test plays the server: the abort handshake,
 * forged and malformed frames (dropped), a job with captured output, a
 * refused command, an abort that kills the command, a server that goes
 * silent (new work refused), and a server incarnation change (config
 * fetched again). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/rsa.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "client/client.h"
#include "client/options.h"
#include "shared/base64.h"
#include "shared/chef_auth.h"
#include "shared/fsutil.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

#define INTERVAL_MS 100

static const unsigned char SESSION[32] = "0123456789abcdef0123456789ABCDEF";
static const unsigned char WRONG[32] = "x123456789abcdef0123456789ABCDEF";

static struct {
    char dir[64], key_path[128], log_path[128];
    char *client_priv, *client_pub, *server_priv_pem, *server_pub_pem, *other_priv_pem;
    EVP_PKEY *server_priv, *other_priv;
    char curve_pub[41], curve_sec[41];
    void *zctx, *pub, *router;
    char pub_ep[64], router_ep[64];
    int http_fd, http_port;
    pthread_t http_thread, client_thread;
    atomic_int http_requests;   /* config fetches */
    atomic_int facts_reports;   /* well-formed facts PUTs */
    atomic_bool stop_http;
    char incarnation[64];
    bool beating;
    int64_t next_beat;
    int64_t hb_seq, cmd_seq;
    unsigned char rid[256];
    size_t rid_len;
    struct pc_settings set;
    int client_rc;
    /* node messages received, in order */
    json_t *got[256];
    int ngot;
} S;

/* ---- fake config endpoint --------------------------------------------------- */

static char *encrypt_b64(const char *pem, const unsigned char *data, size_t len)
{
    char err[128];
    EVP_PKEY *k = chef_auth_load_public_key_pem(pem, strlen(pem), err, sizeof err);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    unsigned char enc[512];
    size_t n = sizeof enc;
    char *out = NULL;
    if (ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(ctx, enc, &n, data, len) > 0) {
        out = malloc(BASE64_ENCODED_SIZE(n));
        base64_encode(enc, n, out, BASE64_ENCODED_SIZE(n));
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return out;
}

static char *config_body(void)
{
    char *key = encrypt_b64(S.client_pub, SESSION, 32);
    json_t *j = json_pack("{s:s, s:{s:{s:s, s:s, s:f, s:i, s:i}}, s:s, s:s,"
                          " s:{s:s, s:s}, s:i, s:i, s:i, s:s}",
                          "type", "config", "push_jobs", "heartbeat", "out_addr", S.pub_ep,
                          "command_addr", S.router_ep, "interval", INTERVAL_MS / 1000.0,
                          "offline_threshold", 3, "online_threshold", 2, "public_key",
                          S.server_pub_pem, "curve_public_key", S.curve_pub,
                          "encoded_session_key", "method", "hmac_sha256", "key", key, "lifetime",
                          3600, "max_message_skew", 300, "max_body_size", 65536,
                          "incarnation_id", S.incarnation);
    char *s = json_dumps(j, 0);
    json_decref(j);
    free(key);
    return s;
}

static void *http_main(void *arg)
{
    (void)arg;
    while (!S.stop_http) {
        struct pollfd p = { S.http_fd, POLLIN, 0 };
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(S.http_fd, NULL, NULL);
        if (fd < 0)
            continue;
        char req[8192];
        size_t n = 0;
        req[0] = '\0';
        while (n < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
            ssize_t r = read(fd, req + n, sizeof req - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            req[n] = '\0';
        }
        req[n] = '\0';
        /* the rest of a request body (the facts PUT's) */
        const char *cl = strstr(req, "Content-Length: ");
        const char *head_end = strstr(req, "\r\n\r\n");
        size_t want_total = cl && head_end ? (size_t)(head_end + 4 - req) + strtoul(cl + 16, NULL, 10)
                                           : n;
        while (n < want_total && n < sizeof req - 1) {
            ssize_t r = read(fd, req + n, sizeof req - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            req[n] = '\0';
        }
        const char *want = "GET /organizations/o/pushy/config/n1?ccpk=";
        const char *facts = "PUT /organizations/o/pushy/nodes/n1/facts ";
        bool is_config = strncmp(req, want, strlen(want)) == 0;
        bool is_facts = strncmp(req, facts, strlen(facts)) == 0 && head_end &&
                        strstr(head_end, "\"os\":\"linux\"") &&
                        strstr(req, "X-Ops-Content-Hash: ");
        char *body = (is_config || is_facts) && strstr(req, "X-Ops-Userid: n1")
                         ? (is_config ? config_body() : strdup("{\"node\":\"n1\",\"changed\":true}"))
                         : strdup("{\"error\":[\"bad request\"]}");
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
                          "%zu\r\nConnection: close\r\n\r\n",
                          body[2] != 'e' ? "200 OK" : "400 Bad Request", strlen(body));
        if (write(fd, head, (size_t)hl) < 0 || write(fd, body, strlen(body)) < 0)
            perror("http write");
        free(body);
        close(fd);
        if (is_facts)
            S.facts_reports++;
        else
            S.http_requests++;
    }
    return NULL;
}

/* ---- the client thread ------------------------------------------------------ */

static void *client_main(void *arg)
{
    (void)arg;
    S.client_rc = pc_client_main(&S.set);
    return NULL;
}

/* ---- playing the server ----------------------------------------------------- */

static void beat(void)
{
    json_t *m = wire_msg_server_heartbeat("fake-server", S.incarnation);
    struct wire_frames f;
    cr_assert_eq(wire_seal_rsa(m, S.hb_seq++, time_wall(), S.server_priv, &f), 0);
    zmq_send(S.pub, f.header, f.header_len, ZMQ_SNDMORE);
    zmq_send(S.pub, f.body, f.body_len, 0);
    wire_frames_free(&f);
    json_decref(m);
}

/* Runs the server side for ms: heartbeats (when beating) and collects node
 * messages (verified with the session key; anything else fails the test). */
static void pump(int ms)
{
    int64_t end = time_now_ms() + ms;
    for (;;) {
        int64_t now = time_now_ms();
        if (S.beating && now >= S.next_beat) {
            beat();
            S.next_beat = now + INTERVAL_MS;
        }
        if (now >= end)
            return;
        int64_t wait = end - now;
        if (S.beating && S.next_beat - now < wait)
            wait = S.next_beat - now;
        zmq_pollitem_t it = { .socket = S.router, .events = ZMQ_POLLIN };
        if (zmq_poll(&it, 1, (long)wait) <= 0)
            continue;
        zmq_msg_t f[3];
        int nf = 0;
        int more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            cr_assert(zmq_msg_recv(&m, S.router, 0) >= 0);
            more = zmq_msg_more(&m);
            if (nf < 3)
                f[nf++] = m;
            else
                zmq_msg_close(&m);
        }
        cr_assert_eq(nf, 3, "node sent %d frames", nf);
        S.rid_len = zmq_msg_size(&f[0]);
        memcpy(S.rid, zmq_msg_data(&f[0]), S.rid_len);
        struct wire_node_msg nm;
        struct wire_error e;
        enum wire_err rc = wire_node_msg_open(&nm, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]),
                                              zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), 65536, &e);
        if (rc == WIRE_OK)
            rc = wire_node_msg_verify(&nm, SESSION, time_wall(), 300, &e);
        cr_assert_eq(rc, WIRE_OK, "node message rejected: %s", e.msg);
        cr_assert_str_eq(nm.org, "o");
        cr_assert_str_eq(nm.node, "n1");
        cr_assert(S.ngot < 256);
        S.got[S.ngot++] = json_incref(nm.body);
        wire_node_msg_clear(&nm);
        for (int i = 0; i < 3; i++)
            zmq_msg_close(&f[i]);
    }
}

static void send_frames(const char *h, size_t hl, const char *b, size_t bl, bool extra)
{
    zmq_send(S.router, S.rid, S.rid_len, ZMQ_SNDMORE);
    zmq_send(S.router, h, hl, ZMQ_SNDMORE);
    zmq_send(S.router, b, bl, extra ? ZMQ_SNDMORE : 0);
    if (extra)
        zmq_send(S.router, "x", 1, 0);
}

/* Seals msg with key (the session key unless forging) at time ts. */
static void send_cmd_at(json_t *msg, const unsigned char *key, time_t ts)
{
    struct wire_frames f;
    cr_assert_eq(wire_seal_hmac(msg, ++S.cmd_seq, ts, key, &f), 0);
    send_frames(f.header, f.header_len, f.body, f.body_len, false);
    wire_frames_free(&f);
    json_decref(msg);
}

static void send_cmd(json_t *msg) { send_cmd_at(msg, SESSION, time_wall()); }

static json_t *commit(const char *job, const char *command, bool capture)
{
    struct wire_commit c = { .job_id = job, .server = "fake", .command = command,
                             .capture = capture };
    return wire_msg_commit(&c);
}

static const char *type_of(json_t *m) { return json_string_value(json_object_get(m, "type")); }

/* Index of the first job message (not a heartbeat) at or after *from of
 * type want, waiting up to ms; -1 if none. */
static int await(int *from, const char *want, int ms)
{
    int64_t end = time_now_ms() + ms;
    for (;;) {
        for (int i = *from; i < S.ngot; i++) {
            const char *t = type_of(S.got[i]);
            if (strcmp(t, "heartbeat") == 0)
                continue;
            *from = i + 1;
            return strcmp(t, want) == 0 ? i : -1 - i - 1000;
        }
        if (time_now_ms() >= end)
            return -1;
        pump(10);
    }
}

static void expect_reply(int *from, const char *type, const char *job_id)
{
    int i = await(from, type, 3000);
    cr_assert(i >= 0, "expected %s%s%s, got %s", type, job_id ? " for " : "", job_id ? job_id : "",
              i < -1 ? type_of(S.got[-i - 1000 - 1]) : "nothing");
    json_t *jid = json_object_get(S.got[i], "job_id");
    if (job_id)
        cr_assert_str_eq(json_string_value(jid), job_id, "%s job id", type);
    else
        cr_assert(json_is_null(jid), "%s job id should be null", type);
}

static void expect_silence(int *from, int ms)
{
    pump(ms);
    for (int i = *from; i < S.ngot; i++)
        cr_assert_str_eq(type_of(S.got[i]), "heartbeat", "unexpected %s", type_of(S.got[i]));
    *from = S.ngot;
}

static bool log_has(const char *text)
{
    size_t len;
    char *s = read_file(S.log_path, 1 << 24, &len);
    bool hit = s && strstr(s, text);
    free(s);
    return hit;
}

static int log_count(const char *text)
{
    size_t len;
    char *s = read_file(S.log_path, 1 << 24, &len);
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, text)); p++)
        n++;
    free(s);
    return n;
}

static void await_log(const char *text, int ms)
{
    int64_t end = time_now_ms() + ms;
    while (!log_has(text)) {
        cr_assert(time_now_ms() < end, "log never said: %s", text);
        pump(20);
    }
}

/* ---- set-up ------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    memset(&S, 0, sizeof S);
    /* the client thread handles these signals through its signalfd: they
     * must be blocked in every thread, libzmq's of this test included */
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP, SIGCHLD };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    snprintf(S.dir, sizeof S.dir, "/tmp/pushy-loop-XXXXXX");
    cr_assert_not_null(mkdtemp(S.dir));
    snprintf(S.key_path, sizeof S.key_path, "%s/n1.pem", S.dir);
    snprintf(S.log_path, sizeof S.log_path, "%s/client.log", S.dir);
    cr_assert_eq(chef_auth_generate_keypair(2048, &S.client_priv, &S.client_pub), 0);
    cr_assert_eq(chef_auth_generate_keypair(1024, &S.server_priv_pem, &S.server_pub_pem), 0);
    char *other_pub;
    cr_assert_eq(chef_auth_generate_keypair(1024, &S.other_priv_pem, &other_pub), 0);
    free(other_pub);
    write_file(S.key_path, S.client_priv);
    S.server_priv = wire_load_private_key(S.server_priv_pem, strlen(S.server_priv_pem));
    S.other_priv = wire_load_private_key(S.other_priv_pem, strlen(S.other_priv_pem));
    cr_assert(S.server_priv && S.other_priv);
    snprintf(S.incarnation, sizeof S.incarnation, "inc-1");

    /* the server's sockets */
    cr_assert_eq(zmq_curve_keypair(S.curve_pub, S.curve_sec), 0);
    S.zctx = zmq_ctx_new();
    S.pub = zmq_socket(S.zctx, ZMQ_PUB);
    S.router = zmq_socket(S.zctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    cr_assert_eq(zmq_setsockopt(S.router, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    cr_assert_eq(zmq_setsockopt(S.router, ZMQ_CURVE_SECRETKEY, S.curve_sec, 40), 0);
    zmq_setsockopt(S.router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(S.pub, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq(zmq_bind(S.pub, "tcp://127.0.0.1:*"), 0);
    cr_assert_eq(zmq_bind(S.router, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof S.pub_ep;
    zmq_getsockopt(S.pub, ZMQ_LAST_ENDPOINT, S.pub_ep, &len);
    len = sizeof S.router_ep;
    zmq_getsockopt(S.router, ZMQ_LAST_ENDPOINT, S.router_ep, &len);

    /* the config endpoint */
    S.http_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    cr_assert_eq(bind(S.http_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(S.http_fd, 8), 0);
    getsockname(S.http_fd, (struct sockaddr *)&a, &al);
    S.http_port = ntohs(a.sin_port);

    /* the client's settings, as from client.rb */
    char rb[1024];
    snprintf(rb, sizeof rb,
             "node_name 'n1'\nchef_server_url 'http://127.0.0.1:%d/organizations/o'\n"
             "client_key '%s'\nwhitelist({'echo' => '/bin/echo hello', 'sleep' => "
             "'sleep 31.25', 'ok' => 'true'})\n",
             S.http_port, S.key_path);
    struct pc_rbconf c;
    char err[256];
    cr_assert_eq(pc_rbconf_parse(rb, "client.rb", &c, err, sizeof err), 0, "%s", err);
    struct pc_options o = { 0 };
    cr_assert_eq(pc_settings_resolve(&o, &c, "host", &S.set, err, sizeof err), 0, "%s", err);
    pc_rbconf_free(&c);

    log_init("pushy-client", LOG_LVL_DEBUG, false);
    cr_assert_eq(log_open_file(S.log_path), 0);

    cr_assert_eq(pthread_create(&S.http_thread, NULL, http_main, NULL), 0);
    cr_assert_eq(pthread_create(&S.client_thread, NULL, client_main, NULL), 0);
}

static void teardown(void)
{
    for (int i = 0; i < S.ngot; i++)
        json_decref(S.got[i]);
    zmq_close(S.pub);
    zmq_close(S.router);
    zmq_ctx_term(S.zctx);
    close(S.http_fd);
    EVP_PKEY_free(S.server_priv);
    EVP_PKEY_free(S.other_priv);
    free(S.client_priv);
    free(S.client_pub);
    free(S.server_priv_pem);
    free(S.server_pub_pem);
    free(S.other_priv_pem);
    pc_settings_free(&S.set);
    log_open_file(NULL);
    unlink(S.key_path);
    unlink(S.log_path);
    rmdir(S.dir);
}

static void stop_client(void)
{
    pthread_kill(S.client_thread, SIGTERM);
    pthread_join(S.client_thread, NULL);
    S.stop_http = true;
    pthread_join(S.http_thread, NULL);
    cr_expect_eq(S.client_rc, 0);
}

/* ---- the test ------------------------------------------------------------------ */

TestSuite(client_loop, .init = setup, .fini = teardown, .timeout = 60);

Test(client_loop, protocol_end_to_end)
{
    int at = 0;
    S.beating = true;

    /* bootstrap: config fetched, first heartbeat on the command channel */
    int64_t end = time_now_ms() + 5000;
    while (S.ngot == 0) {
        if (time_now_ms() >= end) {
            size_t len;
            char *log = read_file(S.log_path, 1 << 20, &len);
            cr_assert_fail("no heartbeat from the client; its log:\n%s", log ? log : "");
        }
        pump(20);
    }
    cr_expect_eq(S.http_requests, 1);
    /* the facts report follows the config fetch, signed, with the gathered facts */
    end = time_now_ms() + 3000;
    while (S.facts_reports == 0) {
        cr_assert(time_now_ms() < end, "no facts report after the config fetch");
        pump(20);
    }
    json_t *hb = S.got[0];
    cr_expect_str_eq(type_of(hb), "heartbeat");
    cr_expect_str_eq(json_string_value(json_object_get(hb, "job_state")), "idle");
    cr_expect_str_eq(json_string_value(json_object_get(hb, "protocol_version")), "2.0");
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    cr_expect_str_eq(json_string_value(json_object_get(hb, "client")), host);
    cr_expect(json_is_null(json_object_get(hb, "job_id")));
    cr_expect_eq(json_string_length(json_object_get(hb, "incarnation_id")), 36);

    /* the availability handshake: abort while idle -> aborted, job_id null */
    send_cmd(wire_msg_abort(NULL));
    expect_reply(&at, "aborted", NULL);

    /* forged, replayed-from-the-future and malformed frames: dropped */
    send_cmd_at(commit("f1", "echo", false), WRONG, time_wall());
    send_cmd_at(commit("f2", "echo", false), SESSION, time_wall() + 3600);
    send_frames("Version:2.0;SigningMethod:hmac_sha256;Signature:AAAA", 52, "{}", 2, true);
    send_frames("garbage", 7, "not json", 8, false);
    json_t *bad = wire_msg_server_heartbeat("fake-server", "evil-incarnation");
    struct wire_frames f;
    cr_assert_eq(wire_seal_rsa(bad, 0, time_wall(), S.other_priv, &f), 0);
    zmq_send(S.pub, f.header, f.header_len, ZMQ_SNDMORE);
    zmq_send(S.pub, f.body, f.body_len, 0);
    wire_frames_free(&f);
    json_decref(bad);
    expect_silence(&at, 400);
    cr_expect(log_has("dropped a message on the command channel: bad_signature"));
    cr_expect(log_has("dropped a message on the heartbeat channel: bad_signature"));
    cr_expect_eq(S.http_requests, 1, "a forged heartbeat's incarnation must not reconfigure");

    /* a job with captured output */
    send_cmd(commit("j1", "echo", true));
    expect_reply(&at, "ack_commit", "j1");
    send_cmd(wire_msg_run("j1"));
    expect_reply(&at, "ack_run", "j1");
    expect_reply(&at, "succeeded", "j1");
    json_t *done = S.got[at - 1];
    cr_expect_str_eq(json_string_value(json_object_get(done, "stdout")), "hello\n");
    cr_expect_str_eq(json_string_value(json_object_get(done, "stderr")), "");

    /* not whitelisted, a user the node does not have, run without commit */
    send_cmd(commit("j2", "rm -rf /", false));
    expect_reply(&at, "nack_commit", "j2");
    struct wire_commit cu = { .job_id = "j3", .server = "s", .command = "ok", .user = "no-such-user-pushy" };
    send_cmd(wire_msg_commit(&cu));
    expect_reply(&at, "nack_commit", "j3");
    send_cmd(wire_msg_run("j4"));
    expect_reply(&at, "nack_run", "j4");
    await_log("user 'no-such-user-pushy' does not exist on this node", 1000);

    /* abort a running command: its process group is killed */
    send_cmd(commit("j5", "sleep", false));
    expect_reply(&at, "ack_commit", "j5");
    send_cmd(wire_msg_run("j5"));
    expect_reply(&at, "ack_run", "j5");
    pump(3 * INTERVAL_MS);
    bool saw_running = false;
    for (int i = 0; i < S.ngot; i++)
        if (strcmp(type_of(S.got[i]), "heartbeat") == 0 &&
            strcmp(json_string_value(json_object_get(S.got[i], "job_state")), "running") == 0)
            saw_running = strcmp(json_string_value(json_object_get(S.got[i], "job_id")), "j5") == 0;
    cr_expect(saw_running, "heartbeats report the running job");
    /* the spawn may lag on a loaded machine (sanitizers): poll, bounded */
    int running_rc = -1;
    for (int i = 0; i < 40 && running_rc != 0; i++) {
        running_rc = system("pgrep -f '^sleep 31.25$' > /dev/null");
        if (running_rc != 0)
            pump(50);
    }
    cr_expect_eq(running_rc, 0, "command running");
    send_cmd(wire_msg_abort("j5"));
    expect_reply(&at, "aborted", "j5");
    await_log("aborted job process", 3000);
    cr_expect_neq(system("pgrep -f '^sleep 31.25$' > /dev/null"), 0, "command killed");

    /* the server goes silent: offline after 3 intervals, new work refused */
    S.beating = false;
    await_log("server offline: no server heartbeat for 3 intervals", 2000);
    send_cmd(commit("j6", "ok", false));
    expect_reply(&at, "nack_commit", "j6");
    await_log("job=j6 nack_commit: server is offline", 1000);
    /* back after 2 heartbeats */
    S.beating = true;
    await_log("server is back online", 3000);
    send_cmd(commit("j7", "ok", false));
    expect_reply(&at, "ack_commit", "j7");
    send_cmd(wire_msg_abort(NULL));
    expect_reply(&at, "aborted", "j7");

    /* a new server incarnation: the config is fetched again within an interval */
    int before = S.http_requests, reports = S.facts_reports;
    snprintf(S.incarnation, sizeof S.incarnation, "inc-2");
    end = time_now_ms() + 3000;
    while (S.http_requests == before) {
        cr_assert(time_now_ms() < end, "no reconfigure after the incarnation change");
        pump(20);
    }
    await_log("server incarnation changed (inc-1 -> inc-2)", 1000);
    end = time_now_ms() + 3000;
    while (S.facts_reports == reports) {
        cr_assert(time_now_ms() < end, "no facts report after the re-fetch");
        pump(20);
    }
    /* the new connection's heartbeats give its routing id */
    end = time_now_ms() + 3000;
    while (log_count("connected: heartbeats") < 2) {
        cr_assert(time_now_ms() < end, "not connected again");
        pump(20);
    }
    pump(2 * INTERVAL_MS);
    send_cmd(wire_msg_abort(NULL));
    expect_reply(&at, "aborted", NULL);

    stop_client();
    cr_expect(log_has("node=n1 stopped"));
}
