#include "jobrunner/job_proc.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/sub.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobrunner/job_actions.h"
#include "jobrunner/job_fsm.h"
#include "jobrunner/job_link.h"
#include "jobrunner/job_output.h"
#include "shared/bus.h"
#include "shared/flatjson.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

#define SEND_TIMEOUT_MS 1000
#define COMMANDS_SENDBUF 64
#define MAX_MSGS_PER_WAKE 1000 /* per socket, so no input starves the others */

struct jp {
    const struct pushy_config *cfg;
    struct job_spec *spec;
    struct job_fsm *fsm;
    json_t *start_extra;
    struct job_ctx ctx;
    struct job_outbox out;
    json_t *msg[JOB_SEND_KINDS]; /* commit, run, abort */
    nng_socket replies, events, commands;
    int link, sig;
    struct line_buf in;
    bool link_gone;
    bool capture;
    /* A nack's reason (Pushy's client sends one), added to that node's
     * quorum_vote/run_complete event of the same step. */
    char reason_node[256];
    char reason[256];
};

/* ---- setup ---- */

static const char *opt_str(const json_t *options, const char *key)
{
    return json_string_value(json_object_get(options, key));
}

static int build_messages(struct jp *p)
{
    const json_t *o = p->spec->options;
    const json_t *env = json_object_get(o, "env");
    struct wire_commit c = {
        .job_id = p->spec->job_id,
        .server = p->cfg->server_name,
        .command = p->spec->command,
        .user = opt_str(o, "user"),
        .dir = opt_str(o, "dir"),
        .env = json_is_object(env) && json_object_size(env) ? env : NULL,
        .file = opt_str(o, "file"),
        .capture = json_is_true(json_object_get(o, "capture_output")),
    };
    p->capture = c.capture;
    p->msg[JOB_SEND_COMMIT] = wire_msg_commit(&c);
    p->msg[JOB_SEND_RUN] = wire_msg_run(p->spec->job_id);
    p->msg[JOB_SEND_ABORT] = wire_msg_abort(p->spec->job_id);

    /* The `start` event: what the original puts there. */
    p->start_extra = json_pack("{s:s, s:I, s:I, s:I, s:s, s:b}", "command", p->spec->command,
                               "run_timeout", (json_int_t)p->spec->run_timeout_s, "quorum",
                               (json_int_t)p->spec->quorum, "node_count",
                               (json_int_t)p->spec->n_nodes, "user", p->spec->created_by,
                               "capture", c.capture);
    int rc = p->start_extra ? 0 : -1;
    if (!rc && c.user)
        rc = json_object_set_new(p->start_extra, "job_user", json_string(c.user));
    if (!rc && c.dir)
        rc = json_object_set_new(p->start_extra, "dir", json_string(c.dir));
    if (!rc && c.env)
        rc = json_object_set(p->start_extra, "env", (json_t *)c.env);
    if (!rc && c.file)
        rc = json_object_set_new(p->start_extra, "file_specified", json_true());
    p->ctx = (struct job_ctx){ .org = p->spec->org, .job_id = p->spec->job_id,
                               .start_extra = p->start_extra };
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        rc = rc || !p->msg[k];
    return rc ? -1 : 0;
}

static int open_bus(struct jp *p)
{
    char name[64];
    snprintf(name, sizeof name, "jobs/%s", p->spec->job_id);
    int rv;
    if ((rv = nng_pull0_open(&p->replies)) || (rv = nng_sub0_open(&p->events)) ||
        (rv = nng_push0_open(&p->commands)) ||
        (rv = nng_socket_set(p->events, NNG_OPT_SUB_SUBSCRIBE, "", 0)) ||
        (rv = nng_socket_set_int(p->commands, NNG_OPT_SENDBUF, COMMANDS_SENDBUF)) ||
        (rv = nng_socket_set_ms(p->commands, NNG_OPT_SENDTIMEO, SEND_TIMEOUT_MS))) {
        LOG_ERROR("job=%s bus: %s", p->spec->job_id, nng_strerror(rv));
        return -1;
    }
    /* Listen for replies before any node hears of the job. */
    if (bus_listen(p->replies, p->cfg, name) || bus_dial(p->events, p->cfg, BUS_NODE_EVENTS) ||
        bus_dial(p->commands, p->cfg, BUS_COMMANDS))
        return -1;
    return 0;
}

/* ---- output ---- */

static void send_kind(struct jp *p, enum job_send_kind k)
{
    const json_t *nodes = p->out.sends[k];
    size_t n = json_array_size(nodes);
    for (size_t from = 0, to; from < n; from = to) {
        to = job_send_chunk_end(nodes, from);
        json_t *m = job_send_msg(p->spec->org, nodes, from, to, p->msg[k]);
        size_t count = to - from;
        if (!m || bus_send_json(p->commands, m, 0))
            LOG_ERROR("job=%s: %s for %zu node(s) not handed to commandd", p->spec->job_id,
                      json_string_value(json_object_get(p->msg[k], "type")), count);
        else
            LOG_DEBUG("job=%s: %s sent to %zu node(s)", p->spec->job_id,
                      json_string_value(json_object_get(p->msg[k], "type")), count);
        json_decref(m);
    }
}

/* Collects what the last input did into the outbox (nothing is written
 * yet: a burst of replies goes out with one flush). -1 when out of memory. */
static int collect(struct jp *p)
{
    size_t n;
    const struct job_action *acts = job_fsm_actions(p->fsm, &n);
    if (n == 0)
        return 0;
    /* a nack's reason goes into that node's events of this input only */
    p->ctx.reason_node = p->reason[0] ? p->reason_node : NULL;
    p->ctx.reason = p->reason[0] ? p->reason : NULL;
    int rc = job_outbox_add(&p->out, &p->ctx, acts, n, time_wall_us());
    job_fsm_clear_actions(p->fsm);
    p->ctx.reason_node = p->ctx.reason = NULL;
    p->reason[0] = p->reason_node[0] = '\0';
    if (rc) {
        LOG_ERROR("job=%s: out of memory", p->spec->job_id);
        return -1;
    }
    return 0;
}

/* Executes what the collected inputs did: reports first (jobrunner must
 * know the job started before any node hears of it), all in one write,
 * then the node commands. -1 when jobrunner is gone: the process must end. */
static int flush(struct jp *p)
{
    if (p->out.reports.len && job_link_write_text(p->link, p->out.reports.p, p->out.reports.len)) {
        LOG_ERROR("job=%s: jobrunner link: %s", p->spec->job_id, strerror(errno));
        return -1;
    }
    send_kind(p, JOB_SEND_COMMIT);
    send_kind(p, JOB_SEND_RUN);
    send_kind(p, JOB_SEND_ABORT);
    job_outbox_clear(&p->out);
    return 0;
}

static int execute(struct jp *p)
{
    return collect(p) || flush(p) ? -1 : 0;
}

/* ---- input ---- */

static void log_result(struct jp *p, const char *what, const char *node, enum job_fsm_result r)
{
    if (r == JOB_FSM_OK || r == JOB_FSM_DUPLICATE)
        LOG_DEBUG("job=%s node=%s %s: %s", p->spec->job_id, node ? node : "-", what,
                  job_fsm_result_str(r));
    else if (r == JOB_FSM_NOMEM)
        LOG_ERROR("job=%s node=%s %s: out of memory", p->spec->job_id, node ? node : "-", what);
    else
        LOG_INFO("job=%s node=%s %s: %s", p->spec->job_id, node ? node : "-", what,
                 job_fsm_result_str(r));
}

/* A node reply's fields; m is its JSON tree when it was parsed as one
 * (needed for captured output), NULL when it was scanned flat. */
struct reply {
    const char *type, *org, *node, *reply, *job_id, *why;
    bool bad_job_id;
    json_t *m;
};

static void handle_reply(struct jp *p, const struct reply *x)
{
    const char *node = x->node, *reply = x->reply;
    if (!x->type || strcmp(x->type, "node_reply") || !node || !reply || x->bad_job_id) {
        LOG_WARN("job=%s: dropped a malformed node reply", p->spec->job_id);
        return;
    }
    if (!x->org || strcmp(x->org, p->spec->org)) {
        LOG_WARN("job=%s node=%s: reply from another org dropped", p->spec->job_id, node);
        return;
    }
    enum job_fsm_result r =
        job_fsm_reply(p->fsm, time_now_ms(), node, x->job_id, job_msg_from_type(reply));
    log_result(p, reply, node, r);
    if (r != JOB_FSM_OK)
        return;
    const char *why = x->why;
    if (why && (!strcmp(reply, "nack_commit") || !strcmp(reply, "nack_run"))) {
        LOG_INFO("job=%s node=%s %s: %.200s", p->spec->job_id, node, reply, why);
        snprintf(p->reason_node, sizeof p->reason_node, "%s", node);
        snprintf(p->reason, sizeof p->reason, "%.200s", why);
        /* Keep the event data clean text. */
        for (char *c = p->reason; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
    }
    if (p->capture && x->m && (!strcmp(reply, "succeeded") || !strcmp(reply, "failed"))) {
        /* Before the node's state report (written by execute): whoever sees
         * the node finished finds its output. */
        json_t *m = x->m;
        json_t *rep = job_output_report(node, m);
        if (rep && job_link_write(p->link, rep))
            LOG_ERROR("job=%s node=%s: output not handed to jobrunner", p->spec->job_id, node);
        else if (!rep && (json_object_get(m, "stdout") || json_object_get(m, "stdout_b64")))
            LOG_ERROR("job=%s node=%s: output dropped (out of memory)", p->spec->job_id, node);
        json_decref(rep);
    }
}

static void on_reply(struct jp *p, json_t *m)
{
    json_t *jid = json_object_get(m, "job_id");
    struct reply x = {
        .type = json_string_value(json_object_get(m, "type")),
        .org = json_string_value(json_object_get(m, "org")),
        .node = json_string_value(json_object_get(m, "node")),
        .reply = json_string_value(json_object_get(m, "reply")),
        .job_id = json_string_value(jid),
        .why = json_string_value(json_object_get(m, "reason")),
        .bad_job_id = jid && !json_is_string(jid) && !json_is_null(jid),
        .m = m,
    };
    handle_reply(p, &x);
}

#define FLAT_REPLY_MAX 1024

/* A string member copied NUL-terminated into *out (advanced), or NULL
 * when absent or not a string. */
static const char *flat_str(const struct flatjson *f, const char *key, char **out)
{
    const struct flatjson_member *mb = flatjson_get(f, key);
    if (!mb || mb->type != FLATJSON_STRING)
        return NULL;
    char *s = *out;
    memcpy(s, mb->str, mb->str_len);
    s[mb->str_len] = '\0';
    *out += mb->str_len + 1;
    return s;
}

/* The usual node reply (flat, from commandd) is read without a JSON tree;
 * anything else, and replies that may carry captured output, through
 * jansson. false: use jansson. */
static bool flat_reply(struct jp *p, const char *buf, size_t len)
{
    struct flatjson f;
    if (p->capture || len >= FLAT_REPLY_MAX || flatjson_scan(&f, buf, len))
        return false;
    char store[FLAT_REPLY_MAX + FLATJSON_MAX_MEMBERS], *w = store;
    const struct flatjson_member *jid = flatjson_get(&f, "job_id");
    struct reply x = {
        .type = flat_str(&f, "type", &w),
        .org = flat_str(&f, "org", &w),
        .node = flat_str(&f, "node", &w),
        .reply = flat_str(&f, "reply", &w),
        .job_id = flat_str(&f, "job_id", &w),
        .why = flat_str(&f, "reason", &w),
        .bad_job_id = jid && jid->type != FLATJSON_STRING && jid->type != FLATJSON_NULL,
        .m = NULL,
    };
    handle_reply(p, &x);
    return true;
}

static void one_reply(struct jp *p, const char *text, size_t len)
{
    if (flat_reply(p, text, len))
        return;
    json_error_t jerr;
    json_t *m = job_output_load_reply(text, len, &jerr);
    if (json_is_object(m))
        on_reply(p, m);
    else
        LOG_WARN("job=%s bus: dropped malformed message: %s", p->spec->job_id,
                 m ? "not an object" : jerr.text);
    json_decref(m);
}

/* Drains the replies socket; -1 when the job must end (execute failed). */
static int drain_replies(struct jp *p)
{
    for (int i = 0; i < MAX_MSGS_PER_WAKE; i++) {
        char *buf = NULL;
        size_t len = 0;
        int rv = nng_recv(p->replies, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC);
        if (rv) {
            if (rv != NNG_EAGAIN && rv != NNG_ETIMEDOUT && rv != NNG_ECLOSED)
                LOG_WARN("job=%s bus: recv failed: %s", p->spec->job_id, nng_strerror(rv));
            break;
        }
        /* one reply per line (commandd batches them, commandd/jobsocks.h) */
        int rc = 0;
        for (const char *line = buf, *end = buf + len; line < end && !rc;) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
            one_reply(p, line, n);
            rc = collect(p);
            line += n + 1;
        }
        nng_free(buf, len);
        if (rc)
            return -1;
    }
    return flush(p);
}

static void on_node_event(struct jp *p, json_t *m)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    const char *org = json_string_value(json_object_get(m, "org"));
    const char *node = json_string_value(json_object_get(m, "node"));
    if (!type || !org || !node || strcmp(org, p->spec->org))
        return;
    bool down = false;
    if (!strcmp(type, "node_restarted"))
        down = true;
    else if (!strcmp(type, "node_status"))
        down = json_string_value(json_object_get(m, "status")) &&
               !strcmp(json_string_value(json_object_get(m, "status")), "down");
    if (!down || job_fsm_node_index(p->fsm, node) == JOB_FSM_NO_NODE)
        return;
    LOG_INFO("job=%s node=%s: %s", p->spec->job_id, node,
             !strcmp(type, "node_restarted") ? "client restarted" : "went down");
    log_result(p, type, node, job_fsm_node_down(p->fsm, time_now_ms(), node));
}

/* Drains a socket; -1 when the job must end (execute failed). */
static int drain(struct jp *p, nng_socket s, void (*fn)(struct jp *, json_t *))
{
    for (int i = 0; i < MAX_MSGS_PER_WAKE; i++) {
        json_t *m = bus_recv_json(s, NNG_FLAG_NONBLOCK);
        if (!m)
            break;
        fn(p, m);
        json_decref(m);
        if (collect(p))
            return -1;
    }
    return flush(p);
}

/* Lines from jobrunner; -1 when it is gone. */
static int read_link(struct jp *p)
{
    char buf[4096];
    ssize_t n = recv(p->link, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    if (n == 0 || line_buf_append(&p->in, buf, (size_t)n))
        return -1;
    char *line;
    size_t len;
    while ((line = line_buf_next(&p->in, &len)) != NULL) {
        json_t *m = json_loadb(line, len, 0, NULL);
        const char *type = json_string_value(json_object_get(m, "type"));
        if (type && !strcmp(type, "abort")) {
            LOG_INFO("job=%s: aborted by request", p->spec->job_id);
            log_result(p, "abort", NULL, job_fsm_abort(p->fsm));
        } else {
            LOG_WARN("job=%s: unknown message from jobrunner ignored", p->spec->job_id);
        }
        json_decref(m);
        if (execute(p))
            return -1;
    }
    return 0;
}

/* ---- the loop ---- */

static int loop(struct jp *p)
{
    int fd_replies = bus_recv_fd(p->replies), fd_events = bus_recv_fd(p->events);
    if (fd_replies < 0 || fd_events < 0)
        return 1;
    int64_t linger_end = -1;
    for (;;) {
        int64_t now = time_now_ms();
        bool done = job_state_is_terminal(job_fsm_state(p->fsm));
        if (done && linger_end < 0)
            linger_end = now + JOB_PROC_LINGER_MS;
        if (done && now >= linger_end)
            return 0;
        int64_t due = done ? linger_end : job_fsm_deadline(p->fsm);
        int timeout = due < 0 ? -1 : due <= now ? 0 : (int)(due - now > 60000 ? 60000 : due - now);
        struct pollfd pfds[4] = {
            { .fd = p->sig, .events = POLLIN },
            { .fd = p->link, .events = POLLIN },
            { .fd = fd_replies, .events = POLLIN },
            { .fd = fd_events, .events = POLLIN },
        };
        int pr = poll(pfds, 4, timeout);
        if (pr < 0 && errno != EINTR) {
            LOG_ERROR("job=%s poll: %s", p->spec->job_id, strerror(errno));
            return 1;
        }
        if (pr > 0 && (pfds[1].revents & (POLLIN | POLLHUP | POLLERR)) && read_link(p)) {
            LOG_ERROR("job=%s: jobrunner is gone; exiting", p->spec->job_id);
            return 1;
        }
        if (pr > 0 && (pfds[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(p->sig, &si, sizeof si) == (ssize_t)sizeof si &&
                (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
                LOG_ERROR("job=%s: signal %u; crashing the job", p->spec->job_id, si.ssi_signo);
                log_result(p, "crash", NULL, job_fsm_crash(p->fsm));
                if (execute(p)) /* reports the crash, aborts the nodes */
                    return 1;
                continue;       /* the linger lets the aborts go out */
            }
        }
        if (pr > 0 && (pfds[2].revents & POLLIN) && drain_replies(p))
            return 1;
        if (pr > 0 && (pfds[3].revents & POLLIN) && drain(p, p->events, on_node_event))
            return 1;
        int64_t dl = job_fsm_deadline(p->fsm);
        if (dl >= 0 && time_now_ms() >= dl) {
            enum job_fsm_result r = job_fsm_timer(p->fsm, time_now_ms());
            if (r == JOB_FSM_OK)
                LOG_INFO("job=%s: %s", p->spec->job_id,
                         job_fsm_state(p->fsm) == JOB_STATE_TIMED_OUT ? "run_timeout expired"
                                                                      : "voting timeout");
            else
                log_result(p, "timer", NULL, r);
            if (execute(p))
                return 1;
        }
    }
}

int job_proc_run(const struct pushy_config *cfg, struct job_spec *spec, int sig_fd)
{
    struct jp p = { .cfg = cfg, .spec = spec, .link = JOB_LINK_FD, .sig = sig_fd,
                    .replies = NNG_SOCKET_INITIALIZER, .events = NNG_SOCKET_INITIALIZER,
                    .commands = NNG_SOCKET_INITIALIZER };
    line_buf_init(&p.in);
    int rc = 1;
    char err[256];
    if (job_outbox_init(&p.out)) {
        LOG_ERROR("job=%s: out of memory", spec->job_id);
        goto out;
    }
    struct job_fsm_params params = {
        .job_id = spec->job_id,
        .quorum = spec->quorum,
        .voting_timeout_ms = spec->voting_timeout_s * 1000,
        .run_timeout_ms = spec->run_timeout_s * 1000,
    };
    p.fsm = job_fsm_new(&params, spec->nodes, spec->n_nodes, err, sizeof err);
    if (!p.fsm) {
        LOG_ERROR("job=%s: %s", spec->job_id, err);
        goto out;
    }
    if (build_messages(&p)) {
        LOG_ERROR("job=%s: could not build the node messages", spec->job_id);
        goto out;
    }
    if (open_bus(&p))
        goto out;
    LOG_INFO("job=%s org=%s: starting '%s' on %zu node(s), quorum %zu", spec->job_id,
             spec->org, spec->command, spec->n_nodes, spec->quorum);
    enum job_fsm_result r = job_fsm_start(p.fsm, time_now_ms(), spec->available);
    if (r != JOB_FSM_OK) {
        LOG_ERROR("job=%s start: %s", spec->job_id, job_fsm_result_str(r));
        goto out;
    }
    if (execute(&p))
        goto out;
    rc = loop(&p);
out:
    job_fsm_free(p.fsm);
    job_outbox_free(&p.out);
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        json_decref(p.msg[k]);
    json_decref(p.start_extra);
    line_buf_free(&p.in);
    nng_close(p.replies);
    nng_close(p.events);
    nng_close(p.commands);
    return rc;
}
