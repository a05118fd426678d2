/* heartbeatd: node liveness (docs/internals.md).
 *  - publishes RSA-signed server heartbeats (publisher.h);
 *  - PULL `heartbeats`: verified node heartbeats forwarded by commandd,
 *    judged by the decayed-average rule (tracker.h, liveness.h);
 *  - PUB `node-events`: node_status up/down and node_restarted;
 *  - nodes.status/updated_at written per tick for that tick's transitions
 *    (persist.h), and reloaded at start. */
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "heartbeatd/hbscan.h"
#include "heartbeatd/persist.h"
#include "heartbeatd/publisher.h"
#include "heartbeatd/tracker.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/server_keys.h"
#include "shared/timefmt.h"
#include "shared/wire.h"
#include "shared/worker.h"

#define HB_BATCH 5000           /* bus messages handled per loop turn */
#define HB_RECVBUF 64           /* batches (one per 20 ms from commandd): about a second */
#define STATS_MS 60000
#define DB_RETRY_MS 1000
#define BAD_LOGS_PER_S 10

struct heartbeatd {
    struct pushy_config *cfg;
    nng_socket in;              /* PULL heartbeats */
    nng_socket events;          /* PUB node-events */
    struct tracker *tracker;
    struct db db;
    struct hb_publisher pub;
    bool loaded;                /* database state restored */
    int64_t hold_since;         /* restored nodes wait for heartbeats (tracker.h); else -1 */
    int64_t db_retry_at;
    uint64_t bad, published;
    int64_t bad_second;
    int bad_logged;
};

static void bad_input(struct heartbeatd *h, const char *why)
{
    h->bad++;
    int64_t sec = time_now_ms() / 1000;
    if (sec != h->bad_second) {
        h->bad_second = sec;
        h->bad_logged = 0;
    }
    if (h->bad_logged++ < BAD_LOGS_PER_S)
        LOG_WARN("bus: dropped a heartbeat message: %s", why);
}

static void track(struct heartbeatd *h, const char *org, const char *node, const char *inc,
                  int64_t now, int64_t wall)
{
    if (!org || !node || !wire_valid_name(org, strlen(org)) || !wire_valid_name(node, strlen(node)) ||
        !inc || !*inc || strlen(inc) > WIRE_INCARNATION_MAX) {
        bad_input(h, "bad org, node or incarnation_id");
        return;
    }
    if (tracker_heartbeat(h->tracker, org, node, inc, now, wall) != 0)
        LOG_ERROR("node %s/%s: heartbeat not tracked (out of memory)", org, node);
}

/* One heartbeat: {"type":"heartbeat","org","node","incarnation_id",...}. */
static void on_heartbeat(struct heartbeatd *h, json_t *m, int64_t now, int64_t wall)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type || strcmp(type, "heartbeat") != 0) {
        bad_input(h, "type is not heartbeat");
        return;
    }
    track(h, json_string_value(json_object_get(m, "org")),
          json_string_value(json_object_get(m, "node")),
          json_string_value(json_object_get(m, "incarnation_id")), now, wall);
}

/* commandd's batch: {"type":"heartbeats","items":[[ORG,NODE,INCARNATION,
 * JOB_STATE,JOB_ID],...]} (docs/internals.md). */
static void on_batch(struct heartbeatd *h, json_t *items, int64_t now, int64_t wall)
{
    size_t k;
    json_t *it;
    if (!json_is_array(items)) {
        bad_input(h, "heartbeats without an items array");
        return;
    }
    json_array_foreach(items, k, it) {
        if (!json_is_array(it) || json_array_size(it) < 3) {
            bad_input(h, "heartbeat item is not [org, node, incarnation_id, ...]");
            continue;
        }
        track(h, json_string_value(json_array_get(it, 0)), json_string_value(json_array_get(it, 1)),
              json_string_value(json_array_get(it, 2)), now, wall);
    }
}

struct scan_ctx {
    struct heartbeatd *h;
    int64_t now, wall;
};

static void track_scanned(void *ctx, const char *org, const char *node, const char *inc)
{
    struct scan_ctx *c = ctx;
    track(c->h, org, node, inc, c->now, c->wall);
}

static void drain(struct heartbeatd *h)
{
    int64_t now = time_now_ms(), wall = time_wall_us() / 1000;
    for (int i = 0; i < HB_BATCH; i++) {
        char *buf = NULL;
        size_t len = 0;
        int rv = nng_recv(h->in, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC);
        if (rv != 0) {
            if (rv != NNG_EAGAIN)
                LOG_WARN("bus: receive: %s", nng_strerror(rv));
            return;
        }
        /* the usual batch without a JSON tree (heartbeatd/hbscan.h) */
        struct scan_ctx sc = { .h = h, .now = now, .wall = wall };
        if (hb_scan_batch(buf, len, track_scanned, &sc) >= 0) {
            nng_free(buf, len);
            continue;
        }
        json_t *m = json_loadb(buf, len, 0, NULL);
        nng_free(buf, len);
        const char *type = json_string_value(json_object_get(m, "type"));
        if (!json_is_object(m))
            bad_input(h, "not a JSON object");
        else if (type && strcmp(type, "heartbeats") == 0)
            on_batch(h, json_object_get(m, "items"), now, wall);
        else
            on_heartbeat(h, m, now, wall);
        json_decref(m);
    }
}

static void publish_events(struct heartbeatd *h)
{
    const struct tracker_event *ev;
    size_t n = tracker_events(h->tracker, &ev);
    for (size_t i = 0; i < n; i++) {
        json_t *m;
        if (ev[i].kind == TRACKER_RESTARTED) {
            m = json_pack("{s:s, s:s, s:s}", "type", "node_restarted", "org", ev[i].org, "node",
                          ev[i].node);
            LOG_INFO("node %s/%s: client restarted (new incarnation)", ev[i].org, ev[i].node);
        } else {
            const char *st = ev[i].kind == TRACKER_UP ? "up" : "down";
            m = json_pack("{s:s, s:s, s:s, s:s}", "type", "node_status", "org", ev[i].org, "node",
                          ev[i].node, "status", st);
            LOG_INFO("node %s/%s: %s", ev[i].org, ev[i].node, st);
        }
        if (!m || bus_send_json(h->events, m, NNG_FLAG_NONBLOCK) != 0)
            LOG_WARN("node %s/%s: event not published", ev[i].org, ev[i].node);
        else
            h->published++;
        json_decref(m);
    }
    tracker_clear_events(h->tracker);
}

static void try_load(struct heartbeatd *h, int64_t now)
{
    long up = persist_load(&h->db, h->tracker, now, time_wall_us() / 1000);
    if (up < 0) {
        LOG_WARN("node states not loaded (database); retrying");
        h->db_retry_at = now + DB_RETRY_MS;
        return;
    }
    h->loaded = true;
    h->hold_since = tracker_holding(h->tracker) ? now : -1;
    if (h->hold_since >= 0)
        LOG_INFO("restored %ld up node(s); their grace window starts with the first heartbeat "
                 "(held at most %lld ms)", up,
                 (long long)tracker_hold_ms(h->cfg->heartbeat_interval));
    else
        LOG_INFO("restored %ld up node(s) with a fresh grace window", up);
}

static void log_hold_end(struct heartbeatd *h, int64_t now)
{
    if (h->hold_since < 0 || tracker_holding(h->tracker))
        return;
    struct tracker_stats s;
    tracker_get_stats(h->tracker, &s);
    if (s.heartbeats > 0)
        LOG_INFO("first heartbeats %lld ms after the restore: restored nodes judged from now",
                 (long long)(now - h->hold_since));
    else
        LOG_WARN("no heartbeats %lld ms after the restore (is commandd running?): restored "
                 "nodes judged from their restored windows", (long long)(now - h->hold_since));
    h->hold_since = -1;
}

static void flush(struct heartbeatd *h, int64_t now)
{
    if (now < h->db_retry_at)
        return;
    if (!h->loaded) {
        try_load(h, now);
        if (!h->loaded)
            return;
    }
    while (tracker_pending_writes(h->tracker) > 0) {
        int n = persist_flush(&h->db, h->tracker);
        if (n < 0) {
            h->db_retry_at = now + DB_RETRY_MS;
            LOG_WARN("%zu node status change(s) not written yet; retrying",
                     tracker_pending_writes(h->tracker));
            return;
        }
        if (n > 10)
            LOG_INFO("node status: %d transition(s) written", n);
    }
}

static void log_stats(struct heartbeatd *h)
{
    struct tracker_stats s;
    tracker_get_stats(h->tracker, &s);
    LOG_INFO("stats: nodes=%zu up=%zu heartbeats=%llu ups=%llu downs=%llu restarts=%llu "
             "events=%llu bad=%llu server_heartbeats=%llu pending_writes=%zu",
             s.nodes, s.up, (unsigned long long)s.heartbeats, (unsigned long long)s.ups,
             (unsigned long long)s.downs, (unsigned long long)s.restarts,
             (unsigned long long)h->published, (unsigned long long)h->bad,
             (unsigned long long)h->pub.sent, tracker_pending_writes(h->tracker));
}

static int run(struct heartbeatd *h)
{
    int in_fd = bus_recv_fd(h->in);
    if (in_fd < 0)
        return 1;
    int64_t interval = h->cfg->heartbeat_interval;
    int64_t tick_ms = interval / 10 < 10 ? 10 : (interval / 10 > 100 ? 100 : interval / 10);
    int64_t now = time_now_ms();
    int64_t next_beat = now, next_tick = now + tick_ms, next_stats = now + STATS_MS;
    for (;;) {
        now = time_now_ms();
        int64_t wake = next_beat < next_tick ? next_beat : next_tick;
        long timeout = wake > now ? (long)(wake - now) : 0;
        zmq_pollitem_t items[2] = {
            { .fd = in_fd, .events = ZMQ_POLLIN },
            { .fd = worker_signal_fd(), .events = ZMQ_POLLIN },
        };
        if (zmq_poll(items, 2, timeout) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("poll: %s", zmq_strerror(errno));
            return 1;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            if (worker_handle_signals(h->cfg))
                return 0;
        }
        if (items[0].revents & ZMQ_POLLIN)
            drain(h);
        now = time_now_ms();
        log_hold_end(h, now);
        if (now >= next_beat) {
            hb_publisher_beat(&h->pub);
            next_beat += interval;
            if (next_beat <= now) /* we were late: keep the cadence, skip the missed ones */
                next_beat = now + interval;
        }
        bool ticked = false;
        if (now >= next_tick) {
            tracker_tick(h->tracker, now, time_wall_us() / 1000);
            log_hold_end(h, now);
            next_tick = now + tick_ms;
            ticked = true;
        }
        publish_events(h);
        if (ticked)
            flush(h, now);
        if (now >= next_stats) {
            log_stats(h);
            next_stats = now + STATS_MS;
        }
    }
}

int main(int argc, char **argv)
{
    static struct pushy_config cfg;
    worker_init("heartbeatd", "Pushy node liveness (started by pushyd).", argc, argv, &cfg);
    struct server_keys keys;
    char err[512];
    memset(&keys, 0, sizeof keys);
    if (server_keys_load(&cfg, &keys, err, sizeof err) != 0) {
        LOG_ERROR("server keys: %s", err);
        return 1;
    }
    static struct heartbeatd h;
    int rc = 1;
    h.cfg = &cfg;
    h.hold_since = -1;
    db_init(&h.db, &cfg);
    struct liveness_params lp = { .interval_ms = cfg.heartbeat_interval,
                                  .window = cfg.decay_window,
                                  .threshold = cfg.down_threshold };
    h.tracker = tracker_new(&lp);
    if (!h.tracker) {
        LOG_ERROR("bad liveness parameters: heartbeat_interval=%d decay_window=%d "
                  "down_threshold=%g (need window >= 2 and 1/window < threshold < 1)",
                  cfg.heartbeat_interval, cfg.decay_window, cfg.down_threshold);
        server_keys_free(&keys);
        return 2;
    }
    void *zctx = zmq_ctx_new();
    int rv;
    if (!zctx) {
        LOG_ERROR("zmq context: %s", zmq_strerror(errno));
        goto out;
    }
    if ((rv = nng_pull0_open(&h.in)) != 0 || (rv = nng_pub0_open(&h.events)) != 0) {
        LOG_ERROR("bus: open: %s", nng_strerror(rv));
        goto out;
    }
    nng_socket_set_int(h.in, NNG_OPT_RECVBUF, HB_RECVBUF);
    if (bus_listen(h.in, &cfg, BUS_HEARTBEATS) || bus_listen(h.events, &cfg, BUS_NODE_EVENTS))
        goto out;
    if (hb_publisher_open(&h.pub, zctx, &cfg, keys.rsa, server_incarnation_id()) != 0)
        goto out;
    try_load(&h, time_now_ms());
    worker_ready();
    rc = run(&h);
    LOG_INFO("stopping");
    publish_events(&h);
    h.db_retry_at = 0;
    flush(&h, time_now_ms());
out:
    hb_publisher_close(&h.pub);
    if (zctx)
        zmq_ctx_term(zctx);
    nng_close(h.in);
    nng_close(h.events);
    tracker_free(h.tracker);
    db_close(&h.db);
    server_keys_free(&keys);
    return rc;
}
