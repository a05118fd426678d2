/* GET /pushy/_status (health: database and components, 200 or 503) and
 * GET /metrics (Prometheus text). Neither is authenticated. */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/dbconn.h"
#include "apid/handlers.h"
#include "apid/metrics.h"
#include "apid/response.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/server_keys.h"

#define PROBE_TIMEOUT_MS 1000
#define PROBE_CACHE_MS 1000

/* {"component": "state", ...} from pushyd's control socket, or NULL when
 * pushyd does not answer. */
static json_t *ask_pushyd(const struct pushy_config *cfg)
{
    nng_socket s;
    if (nng_req0_open(&s))
        return NULL;
    json_t *states = NULL, *reply = NULL;
    char url[CONFIG_STR_MAX + 64];
    if (bus_url(cfg, BUS_CONTROL, url, sizeof url))
        goto out;
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, PROBE_TIMEOUT_MS);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, PROBE_TIMEOUT_MS);
    if (nng_dial(s, url, NULL, 0))
        goto out;
    json_t *req = json_pack("{s:s}", "cmd", "status");
    int rc = req ? bus_send_json(s, req, 0) : -1;
    json_decref(req);
    if (rc || !(reply = bus_recv_json(s, 0)))
        goto out;
    states = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(reply, "components"), i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *state = json_string_value(json_object_get(c, "state"));
        if (name && state)
            json_object_set_new(states, name, json_string(state));
    }
out:
    json_decref(reply);
    nng_close(s);
    return states;
}

static pthread_mutex_t g_probe_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *g_probe;          /* last answer (NULL: pushyd did not answer) */
static int64_t g_probe_at_ms = -1;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A copy of the component states, at most PROBE_CACHE_MS old. */
static json_t *component_states(void)
{
    pthread_mutex_lock(&g_probe_lock);
    int64_t now = mono_ms();
    if (g_probe_at_ms < 0 || now - g_probe_at_ms >= PROBE_CACHE_MS) {
        json_decref(g_probe);
        g_probe = ask_pushyd(api_server->cfg);
        g_probe_at_ms = mono_ms();
    }
    json_t *copy = g_probe ? json_deep_copy(g_probe) : NULL;
    pthread_mutex_unlock(&g_probe_lock);
    return copy;
}

void h_status_get(struct api_request *req, struct api_reply *reply)
{
    (void)req;
    PGresult *r;
    enum api_db_status st = api_db_exec("status check", "SELECT 1", 0, NULL, &r);
    if (st == API_DB_OK)
        PQclear(r);
    bool ok = st == API_DB_OK;
    json_t *components = component_states();
    json_t *down = json_array();
    if (!ok)
        json_array_append_new(down, json_string("database"));
    if (!components) {
        ok = false;
        json_array_append_new(down, json_string("pushyd"));
    } else {
        const char *name;
        json_t *v;
        json_object_foreach(components, name, v) {
            if (strcmp(json_string_value(v), "running")) {
                ok = false;
                json_array_append_new(down, json_string(name));
            }
        }
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "status", ok ? "it's alive" : "fail",
                             "incarnation_id", server_incarnation_id(), "database",
                             st == API_DB_OK ? "ok" : st == API_DB_UNAVAILABLE ? "unavailable"
                                                                              : "error",
                             "components", components ? components : json_pack("{s:s}", "pushyd", "unreachable"));
    if (body && !ok)
        json_object_set_new(body, "down", down);
    else
        json_decref(down);
    api_reply_json(reply, ok ? 200 : 503, body);
}

static void db_gauges(struct metrics_db_gauges *g)
{
    memset(g, 0, sizeof *g);
    PGresult *r;
    if (api_db_exec("metrics gauges",
                    "SELECT count(*) FILTER (WHERE status = 'up'),"
                    "       count(*) FILTER (WHERE status = 'down'),"
                    "       count(*) FILTER (WHERE availability = 'available'),"
                    "       (SELECT count(*) FROM orgs) FROM nodes",
                    0, NULL, &r) != API_DB_OK)
        return;
    if (PQntuples(r) == 1) {
        g->nodes_up = atoll(PQgetvalue(r, 0, 0));
        g->nodes_down = atoll(PQgetvalue(r, 0, 1));
        g->nodes_available = atoll(PQgetvalue(r, 0, 2));
        g->orgs = atoll(PQgetvalue(r, 0, 3));
        g->db_ok = 1;
    }
    PQclear(r);
}

void h_metrics_get(struct api_request *req, struct api_reply *reply)
{
    (void)req;
    struct metrics_db_gauges g;
    db_gauges(&g);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    int rc = metrics_render(f, &g);
    if (fclose(f) || rc) {
        free(buf);
        api_reply_error(reply, 500, "could not render metrics");
        return;
    }
    api_reply_text(reply, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
    free(buf);
}
