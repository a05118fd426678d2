/* apid: the HTTP REST API (/organizations/ORG/pushy/..., /pushy/_status,
 * /metrics), Chef signed-header authentication against the identity
 * store in PostgreSQL. Started and restarted by pushyd. */
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/api.h"
#include "apid/auth_cache.h"
#include "apid/chef_client.h"
#include "apid/dbconn.h"
#include "apid/http.h"
#include "apid/identity_listener.h"
#include "apid/key_cache.h"
#include "apid/metrics.h"
#include "apid/routes.h"
#include "apid/sse.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/worker.h"

#define PURGE_INTERVAL_S 600

static int open_bus(struct api_server *s)
{
    int rv;
    if ((rv = nng_req0_open(&s->jobrunner)) || (rv = nng_sub0_open(&s->node_events)) ||
        (rv = nng_sub0_open(&s->job_events))) {
        LOG_ERROR("bus: open: %s", nng_strerror(rv));
        return -1;
    }
    if (bus_dial(s->jobrunner, s->cfg, BUS_JOBRUNNER) ||
        bus_dial(s->node_events, s->cfg, BUS_NODE_EVENTS) ||
        bus_dial(s->job_events, s->cfg, BUS_JOB_EVENTS))
        return -1;
    return 0;
}

/* CURVE keys whose registration ran out long ago are of no use to
 * commandd: keep the table small. */
static void purge_expired_curve_keys(void)
{
    PGresult *r;
    if (api_db_exec("curve key purge",
                    "DELETE FROM curve_keys WHERE expires_at < now() - interval '1 hour'", 0,
                    NULL, &r) == API_DB_OK) {
        if (atoi(PQcmdTuples(r)) > 0)
            LOG_INFO("purged %s expired CURVE key registrations", PQcmdTuples(r));
        PQclear(r);
    }
}

int main(int argc, char **argv)
{
    static struct pushy_config cfg;
    worker_init("apid", "Pushy HTTP API (started by pushyd).", argc, argv, &cfg);

    static struct api_server server = {
        .jobrunner = NNG_SOCKET_INITIALIZER,
        .node_events = NNG_SOCKET_INITIALIZER,
        .job_events = NNG_SOCKET_INITIALIZER,
    };
    server.cfg = &cfg;
    server.started = time(NULL);
    char err[512];
    if (server_keys_load(&cfg, &server.keys, err, sizeof err)) {
        LOG_ERROR("server keys: %s", err);
        return 1;
    }
    if (chef_client_init(&cfg, err, sizeof err)) {
        LOG_ERROR("Chef-server mode: %s", err);
        server_keys_free(&server.keys);
        return 1;
    }
    (void)server_incarnation_id(); /* settle it before threads read it */
    api_server = &server;

    static const char *labels[METRICS_MAX_ROUTES];
    size_t nlabels = api_nroutes < METRICS_MAX_ROUTES ? api_nroutes : METRICS_MAX_ROUTES;
    for (size_t i = 0; i < nlabels; i++)
        labels[i] = api_routes[i].pattern;
    metrics_init(labels, nlabels);
    api_db_setup(&cfg);
    if (key_cache_init(KEY_CACHE_DEFAULT_CAPACITY))
        LOG_WARN("key cache: out of memory; public keys are decoded on every request");
    if (auth_cache_init(cfg.auth_cache_ttl, AUTH_CACHE_DEFAULT_CAPACITY))
        LOG_WARN("auth cache: out of memory; identity lookups go to the database every time");
    bool listen_identity = cfg.auth_cache_ttl > 0;
    if (listen_identity) {
        identity_listener_init(&cfg);
        identity_listener_service(); /* connect now: the cache stays off until it listens */
    }

    int rc = 1;
    struct MHD_Daemon *httpd = NULL;
    if (open_bus(&server))
        goto out;
    if (sse_hub_start(server.job_events))
        goto out;
    httpd = http_start(&cfg);
    if (!httpd)
        goto out;
    LOG_INFO("listening on %s:%d (%d threads, body limit %d bytes, auth skew %d s, auth cache "
             "ttl %d s)",
             cfg.api_listen_address, cfg.api_port, cfg.api_threads, cfg.api_max_body_size,
             cfg.auth_skew, cfg.auth_cache_ttl);
    worker_ready();

    time_t last_purge = 0;
    for (;;) {
        int lfd = listen_identity ? identity_listener_fd() : -1;
        struct pollfd pfd[2] = { { .fd = worker_signal_fd(), .events = POLLIN },
                                 { .fd = lfd, .events = POLLIN } };
        int timeout_ms = listen_identity && lfd < 0 ? IDENTITY_LISTENER_RETRY_MS : 60 * 1000;
        int pr = poll(pfd, lfd >= 0 ? 2 : 1, timeout_ms);
        if (pr < 0 && errno != EINTR) {
            LOG_ERROR("poll: %s", strerror(errno));
            goto out;
        }
        if (pr > 0 && (pfd[0].revents & POLLIN)) {
            if (worker_handle_signals(&cfg))
                break;
        }
        if (listen_identity && (lfd < 0 || (pr > 0 && pfd[1].revents)))
            identity_listener_service();
        time_t now = time(NULL);
        if (now - last_purge >= PURGE_INTERVAL_S) {
            last_purge = now;
            purge_expired_curve_keys();
        }
    }
    LOG_INFO("stopping");
    rc = 0;
out:
    sse_hub_stop(); /* event streams end before the daemon stops */
    http_stop(httpd);
    api_db_close_all();
    identity_listener_close();
    auth_cache_shutdown();
    key_cache_shutdown();
    nng_close(server.jobrunner);
    nng_close(server.node_events);
    nng_close(server.job_events);
    server_keys_free(&server.keys);
    chef_client_cleanup();
    return rc;
}
