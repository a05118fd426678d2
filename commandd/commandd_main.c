/* commandd: the ZeroMQ front door for nodes (docs/internals.md).
 *  - ROUTER on zeromq_listen_address:command_port, CURVE server with the
 *    server's CURVE key; ZAP handler thread admits registered node keys;
 *  - PUSH `heartbeats` (to heartbeatd), PUSH `jobs/ID` (to job processes,
 *    on demand), PULL `commands` (from job processes), SUB `node-events`
 *    (a node heartbeatd declares down loses its session). */
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

#include "commandd/avail_db.h"
#include "commandd/commandd.h"
#include "commandd/keystore.h"
#include "commandd/zap.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/server_keys.h"
#include "shared/timefmt.h"
#include "shared/worker.h"

#define ROUTER_BATCH 2000      /* messages handled per loop turn, per source */
#define BUS_BATCH 500
#define TICK_MS 100            /* availability flush and housekeeping */
#define SWEEP_MS 5000
#define STATS_MS 60000
#define HEARTBEAT_SENDBUF 32   /* heartbeat batches (one per 20 ms) in flight to heartbeatd */
#define COMMANDS_RECVBUF 1024
#define ROUTER_SNDHWM 64       /* per node connection */
#define ROUTER_RCVHWM 100
#define PACE_MS 10             /* a busy loop turns at most every PACE_MS: batches, not wakeups */
#define JOBQ_RETRY_MS 2         /* node replies queued for a busy job process are retried this often */
#define HB_FLUSH_MS 20         /* heartbeats go to heartbeatd in batches this often */

/* Many node connections need many descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            LOG_WARN("could not raise the open file limit: %s", strerror(errno));
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        LOG_INFO("open file limit %llu (node connections need one each)",
                 (unsigned long long)rl.rlim_cur);
}

static int setopt_int(void *s, int opt, int v, const char *name)
{
    if (zmq_setsockopt(s, opt, &v, sizeof v) != 0) {
        LOG_ERROR("router: setting %s: %s", name, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static int open_router(struct commandd *c, const struct server_keys *keys)
{
    const struct pushy_config *cfg = c->cfg;
    c->router = zmq_socket(c->zctx, ZMQ_ROUTER);
    if (!c->router) {
        LOG_ERROR("router: %s", zmq_strerror(errno));
        return -1;
    }
    int64_t maxmsg = 2 * (int64_t)cfg->max_body_size + 4096; /* larger: peer disconnected */
    if (setopt_int(c->router, ZMQ_LINGER, 0, "linger") ||
        setopt_int(c->router, ZMQ_ROUTER_MANDATORY, 0, "router_mandatory") ||
        setopt_int(c->router, ZMQ_SNDHWM, ROUTER_SNDHWM, "sndhwm") ||
        setopt_int(c->router, ZMQ_RCVHWM, ROUTER_RCVHWM, "rcvhwm") ||
        setopt_int(c->router, ZMQ_TCP_KEEPALIVE, 1, "tcp_keepalive") ||
        setopt_int(c->router, ZMQ_TCP_KEEPALIVE_IDLE, 120, "tcp_keepalive_idle") ||
        setopt_int(c->router, ZMQ_CURVE_SERVER, 1, "curve_server") ||
        zmq_setsockopt(c->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(c->router, ZMQ_CURVE_SECRETKEY, keys->curve_secret, CURVE_Z85_LEN) != 0 ||
        zmq_setsockopt(c->router, ZMQ_ZAP_DOMAIN, "pushy", 5) != 0) {
        LOG_ERROR("router: socket options: %s", zmq_strerror(errno));
        return -1;
    }
    char ep[256];
    snprintf(ep, sizeof ep, "%s:%d", cfg->zeromq_listen_address, cfg->command_port);
    if (zmq_bind(c->router, ep) != 0) {
        LOG_ERROR("router: bind %s: %s", ep, zmq_strerror(errno));
        return -1;
    }
    LOG_INFO("command channel listening on %s (CURVE)", ep);
    return 0;
}

static int open_bus(struct commandd *c)
{
    int rv;
    if ((rv = nng_pull0_open(&c->commands)) != 0 || (rv = nng_push0_open(&c->heartbeats)) != 0 ||
        (rv = nng_sub0_open(&c->events)) != 0) {
        LOG_ERROR("bus: open: %s", nng_strerror(rv));
        return -1;
    }
    nng_socket_set_int(c->commands, NNG_OPT_RECVBUF, COMMANDS_RECVBUF);
    nng_socket_set_int(c->heartbeats, NNG_OPT_SENDBUF, HEARTBEAT_SENDBUF);
    if ((rv = nng_socket_set(c->events, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0) {
        LOG_ERROR("bus: subscribe: %s", nng_strerror(rv));
        return -1;
    }
    if (bus_listen(c->commands, c->cfg, BUS_COMMANDS) || bus_dial(c->heartbeats, c->cfg, BUS_HEARTBEATS) ||
        bus_dial(c->events, c->cfg, BUS_NODE_EVENTS))
        return -1;
    return 0;
}

/* heartbeatd says a node is down: its session ends (its next message starts
 * a new one, with the abort handshake, as a new node FSM did originally). */
static void on_node_event(struct commandd *c, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *status = json_string_value(json_object_get(ev, "status"));
    const char *org = json_string_value(json_object_get(ev, "org"));
    const char *node = json_string_value(json_object_get(ev, "node"));
    if (!type || strcmp(type, "node_status") != 0 || !status || strcmp(status, "down") != 0 ||
        !org || !node)
        return;
    struct cnode *n = sessions_find(c->sessions, org, node);
    if (n && n->state != SESS_NONE) {
        sess_end(c->sessions, n);
        LOG_INFO("node %s: down (heartbeatd); session ended", n->id);
    }
}

static void drain_bus(struct commandd *c, nng_socket s, bool commands)
{
    for (int i = 0; i < BUS_BATCH; i++) {
        char *buf = NULL;
        size_t len = 0;
        int rv = nng_recv(s, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC);
        if (rv != 0) {
            if (rv != NNG_EAGAIN)
                LOG_WARN("bus: receive on %s: %s", commands ? BUS_COMMANDS : BUS_NODE_EVENTS,
                         nng_strerror(rv));
            return;
        }
        json_error_t jerr;
        json_t *m = json_loadb(buf, len, 0, &jerr);
        nng_free(buf, len);
        if (!json_is_object(m))
            LOG_WARN("bus: malformed message on %s dropped", commands ? BUS_COMMANDS : BUS_NODE_EVENTS);
        else if (commands)
            outbound_command(c, m);
        else
            on_node_event(c, m);
        json_decref(m);
    }
}

/* At stop: sends every pending reply batch and pumps the overflow queues
 * for at most JOB_DRAIN_MS, then gives the PUSH sockets a moment, because
 * nng has no linger and closing drops what a socket still holds. Bounded:
 * a stop never hangs on a stuck job process. */
#define JOB_DRAIN_MS 100
static void drain_job_replies(struct commandd *c)
{
    int64_t until = time_now_ms() + JOB_DRAIN_MS;
    jobsocks_flush(c->jobs, time_now_ms(), true);
    while (jobsocks_queued(c->jobs) && time_now_ms() < until) {
        jobsocks_pump(c->jobs, time_now_ms());
        nng_msleep(5);
    }
    if (jobsocks_queued(c->jobs))
        LOG_WARN("stopping with node replies still queued for job processes: they are lost");
    if (jobsocks_batch_count(c->jobs) > 0)
        nng_msleep(20);
}

static void log_stats(struct commandd *c, const struct zap_server *zap)
{
    struct sessions_stats ss;
    sessions_get_stats(c->sessions, &ss);
    LOG_INFO("stats: sessions=%zu rehab=%zu known=%zu received=%llu verified=%llu dropped=%llu "
             "throttled=%llu heartbeats=%llu hb_batches=%llu hb_not_forwarded=%llu job_replies=%llu "
             "job_batches=%llu sent=%llu "
             "send_failed=%llu not_connected=%llu zap_admitted=%llu zap_refused=%llu job_sockets=%zu",
             ss.sessions, ss.rehab, ss.nodes, (unsigned long long)c->st.received,
             (unsigned long long)c->st.verified, (unsigned long long)c->st.dropped,
             (unsigned long long)c->st.throttled, (unsigned long long)c->st.heartbeats,
             (unsigned long long)c->st.hb_batches, (unsigned long long)c->st.hb_forward_failed,
             (unsigned long long)c->st.job_replies,
             (unsigned long long)jobsocks_batch_count(c->jobs),
             (unsigned long long)c->st.sent, (unsigned long long)c->st.send_failed,
             (unsigned long long)c->st.unreachable, (unsigned long long)atomic_load(&zap->admitted),
             (unsigned long long)atomic_load(&zap->refused), jobsocks_open_count(c->jobs));
}

static int run(struct commandd *c, struct zap_server *zap)
{
    int cmd_fd = bus_recv_fd(c->commands), ev_fd = bus_recv_fd(c->events);
    if (cmd_fd < 0 || ev_fd < 0)
        return 1;
    int64_t now = time_now_ms();
    int64_t next_tick = now + TICK_MS, next_sweep = now + SWEEP_MS, next_stats = now + STATS_MS;
    int64_t next_hb_flush = now + HB_FLUSH_MS;
    for (;;) {
        now = time_now_ms();
        int64_t turn_start = now;
        int64_t wake = next_tick;
        if (c->hb_batch.count > 0 && next_hb_flush < wake)
            wake = next_hb_flush;
        int64_t due = sess_next_due_at(c->sessions);
        if (due >= 0 && due < wake)
            wake = due;
        if (jobsocks_queued(c->jobs) && now + JOBQ_RETRY_MS < wake)
            wake = now + JOBQ_RETRY_MS;
        int64_t batch_due = jobsocks_next_flush(c->jobs);
        if (batch_due >= 0 && batch_due < wake)
            wake = batch_due;
        long timeout = wake > now ? (long)(wake - now) : 0;
        zmq_pollitem_t items[4] = {
            { .socket = c->router, .events = ZMQ_POLLIN },
            { .fd = cmd_fd, .events = ZMQ_POLLIN },
            { .fd = ev_fd, .events = ZMQ_POLLIN },
            { .fd = worker_signal_fd(), .events = ZMQ_POLLIN },
        };
        if (zmq_poll(items, 4, timeout) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("poll: %s", zmq_strerror(errno));
            return 1;
        }
        if (items[3].revents & ZMQ_POLLIN) {
            if (worker_handle_signals((struct pushy_config *)c->cfg))
                return 0;
        }
        if (items[2].revents & ZMQ_POLLIN)
            drain_bus(c, c->events, false);
        int handled = 0;
        uint64_t job_replies = c->st.job_replies;
        if (items[0].revents & ZMQ_POLLIN)
            handled += inbound_drain(c, ROUTER_BATCH);
        /* node replies, one message per job (at most one per JOBSOCK_BATCH_MS) */
        jobsocks_flush(c->jobs, time_now_ms(), false);
        /* job traffic (node replies to a job, commands to nodes, a reply
         * batch waiting for its JOBSOCK_BATCH_MS) is never paced: each pace
         * is latency on a job's critical path */
        bool job_traffic = c->st.job_replies != job_replies || jobsocks_next_flush(c->jobs) >= 0;
        if (items[1].revents & ZMQ_POLLIN) {
            drain_bus(c, c->commands, true);
            job_traffic = true;
        }

        now = time_now_ms();
        jobsocks_pump(c->jobs, now);
        if (now >= next_hb_flush) {
            inbound_flush_heartbeats(c);
            next_hb_flush = now + HB_FLUSH_MS;
        }
        struct cnode *n;
        while ((n = sess_next_due(c->sessions, now)) != NULL)
            outbound_abort(c, n);
        if (now >= next_tick) {
            next_tick = now + TICK_MS;
            if (now >= c->db_retry_at && avail_flush(&c->db, c->sessions) < 0)
                c->db_retry_at = now + COMMANDD_DB_RETRY_MS;
        }
        if (now >= next_sweep) {
            jobsocks_sweep(c->jobs, now);
            next_sweep = now + SWEEP_MS;
        }
        if (now >= next_stats) {
            log_stats(c, zap);
            next_stats = now + STATS_MS;
        }
        /* Busy but not saturated: let heartbeats gather for a few ms so
         * that each turn handles a batch (an idle server still answers the
         * first message at once). A command from a job process ends the
         * pause: it used to wait up to PACE_MS before its fan-out. */
        if (handled > 0 && handled < ROUTER_BATCH && !job_traffic) {
            int64_t rest = turn_start + PACE_MS - time_now_ms();
            if (rest > 0) {
                zmq_pollitem_t cmd = { .fd = cmd_fd, .events = ZMQ_POLLIN };
                if (zmq_poll(&cmd, 1, (long)rest) < 0 && errno != EINTR)
                    LOG_WARN("pace: poll: %s", zmq_strerror(errno));
            }
        }
    }
}

int main(int argc, char **argv)
{
    static struct pushy_config cfg;
    worker_init("commandd", "Pushy node command channel (started by pushyd).", argc, argv, &cfg);
    raise_fd_limit();
    struct server_keys keys;
    char err[512];
    memset(&keys, 0, sizeof keys);
    if (server_keys_load(&cfg, &keys, err, sizeof err) != 0) {
        LOG_ERROR("server keys: %s", err);
        return 1;
    }
    static struct commandd c;
    static struct zap_server zap;
    int rc = 1;
    c.cfg = &cfg;
    db_init(&c.db, &cfg);
    c.sessions = sessions_new(COMMANDD_REHAB_MS);
    c.jobs = jobsocks_new(&cfg);
    tb_init(&c.admit, cfg.new_sessions_per_second, cfg.new_sessions_per_second, time_now_ms());
    c.zctx = zmq_ctx_new();
    hb_batch_init(&c.hb_batch);
    if (!c.sessions || !c.jobs || !c.zctx) {
        LOG_ERROR("out of memory at start");
        goto out;
    }
    if (open_bus(&c) != 0)
        goto out;
    /* the ZAP handler must be bound before the ROUTER takes connections */
    if (zap_server_start(&zap, c.zctx, &cfg) != 0 || open_router(&c, &keys) != 0)
        goto out;
    long pre = keystore_preload(&c.db, c.sessions, time_now_ms());
    if (pre >= 0)
        LOG_INFO("session keys of %ld up node(s) preloaded", pre);
    else
        LOG_WARN("session keys not preloaded (database); they load on first use");
    LOG_INFO("ready: new sessions limited to %d/s, ZAP cache %d s", cfg.new_sessions_per_second,
             cfg.zap_cache_ttl);
    worker_ready();
    rc = run(&c, &zap);
    drain_job_replies(&c);
    log_stats(&c, &zap);
    LOG_INFO("stopping");
    if (avail_flush(&c.db, c.sessions) < 0)
        LOG_WARN("availability changes of the last moment were not written");
out:
    if (c.router)
        zmq_close(c.router);
    zap_server_stop(&zap);
    if (c.zctx)
        zmq_ctx_term(c.zctx);
    nng_close(c.commands);
    nng_close(c.heartbeats);
    nng_close(c.events);
    jobsocks_free(c.jobs);
    sessions_free(c.sessions);
    hb_batch_free(&c.hb_batch);
    db_close(&c.db);
    server_keys_free(&keys);
    return rc;
}
