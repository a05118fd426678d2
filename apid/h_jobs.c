/* Jobs endpoints (apid/h_jobs.h). Starting and aborting go through
 * jobrunner (apid/jobrunner_client.h); reading is straight from the
 * database. Output: h_output.c; SSE feeds: h_feeds.c. */
#include "apid/h_jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/handlers.h"
#include "apid/job_request.h"
#include "apid/job_view.h"
#include "apid/jobrunner_client.h"
#include "apid/name_order.h"
#include "apid/node_search.h"
#include "apid/response.h"
#include "apid/search_reply.h"
#include "apid/validate.h"
#include "shared/log.h"
#include "shared/timefmt.h"

#define JOB_COLUMNS                                                                       \
    "id, command, status, quorum, run_timeout, options::text, "                           \
    EPOCH_SECONDS("created_at") ", " EPOCH_SECONDS("updated_at") ", "                       \
    "search_query"

static struct job_row row_of(PGresult *r, int i)
{
    return (struct job_row){
        .id = PQgetvalue(r, i, 0),
        .command = PQgetvalue(r, i, 1),
        .status = PQgetvalue(r, i, 2),
        .quorum = atol(PQgetvalue(r, i, 3)),
        .run_timeout = atol(PQgetvalue(r, i, 4)),
        .options_json = PQgetvalue(r, i, 5),
        .created_at = (time_t)strtoll(PQgetvalue(r, i, 6), NULL, 10),
        .updated_at = (time_t)strtoll(PQgetvalue(r, i, 7), NULL, 10),
        .search = PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8),
    };
}

/* ---- POST jobs ---- */

static bool host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 255)
        return false;
    for (; *h; h++)
        if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
              strchr(".-:[]", *h)))
            return false;
    return true;
}

/* The job's URL as the client reached us (knife GETs it as given). */
static void job_uri(struct api_request *req, const char *id, char *out, size_t cap)
{
    const char *proto = req->header(req->header_ctx, "X-Forwarded-Proto");
    const char *host = req->header(req->header_ctx, "X-Forwarded-Host");
    if (!host_ok(host))
        host = req->header(req->header_ctx, "Host");
    char fallback[300];
    if (!host_ok(host)) {
        snprintf(fallback, sizeof fallback, "%s:%d", api_server->cfg->server_name,
                 api_server->cfg->api_port);
        host = fallback;
    }
    if (!proto || (strcmp(proto, "https") && strcmp(proto, "http")))
        proto = "http";
    snprintf(out, cap, "%s://%s/organizations/%s/pushy/jobs/%s", proto, host, req->org, id);
}

/* jobrunner's {"ok":false,"status":S,"error":M} as an HTTP error. */
static void reply_jobrunner_error(struct api_reply *reply, const json_t *rep)
{
    json_int_t st = json_integer_value(json_object_get(rep, "status"));
    const char *msg = json_string_value(json_object_get(rep, "error"));
    if (st < 400 || st > 599)
        st = 500;
    api_reply_error(reply, (unsigned)st, "%s", msg ? msg : "job runner error");
}

/* Runs jr->search and adds its matches to the targets; -1 with reply set. */
static int add_search_matches(struct api_request *req, struct job_request *jr,
                              struct api_reply *reply)
{
    struct node_names found;
    char err[512];
    enum node_search_status st =
        node_search(req->org, req->org_id, jr->search, &found, err, sizeof err);
    if (st != NODE_SEARCH_OK) {
        char safe[256];
        LOG_INFO("org=%s search '%s' by %s refused: %s", req->org,
                 log_safe(jr->search, safe, sizeof safe), req->actor.name, err);
        search_reply_error(reply, st, jr->search, err);
        return -1;
    }
    int rc = job_request_add_matches(jr, (const char *const *)found.names, found.n, err,
                                     sizeof err);
    size_t matched = found.n;
    node_names_free(&found);
    if (rc) {
        api_reply_error(reply, 400, "%s", err);
        return -1;
    }
    char safe[256];
    LOG_INFO("org=%s search '%s' matched %zu nodes: %zu targets", req->org,
             log_safe(jr->search, safe, sizeof safe), matched, jr->n_nodes);
    return 0;
}

void h_jobs_start(struct api_request *req, struct api_reply *reply)
{
    struct job_request jr;
    char err[512];
    if (job_request_parse(req->json, api_server->cfg->default_run_timeout, &jr, err,
                          sizeof err)) {
        api_reply_error(reply, 400, "%s", err);
        return;
    }
    if (jr.search && add_search_matches(req, &jr, reply)) {
        job_request_free(&jr);
        return;
    }
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:I, s:I, s:O, s:I}", "type",
                          "start_job", "org", req->org, "org_id", req->org_id, "created_by",
                          req->actor.name, "command", jr.command, "nodes", jr.nodes, "quorum",
                          (json_int_t)jr.quorum, "run_timeout", (json_int_t)jr.run_timeout,
                          "options", jr.options, "expires_at_us",
                          (json_int_t)(time_wall_us() + JOBRUNNER_EXPIRY_MS * 1000LL));
    if (m && jr.search && json_object_set_new(m, "search", json_string(jr.search))) {
        json_decref(m);
        m = NULL;
    }
    job_request_free(&jr);
    if (!m) {
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    json_t *rep = jobrunner_call(m);
    json_decref(m);
    if (!rep) {
        api_reply_error(reply, 503, "job runner unavailable; no job was started");
        return;
    }
    const char *id = json_string_value(json_object_get(rep, "id"));
    if (!json_is_true(json_object_get(rep, "ok")) || !job_id_is_valid(id)) {
        reply_jobrunner_error(reply, rep);
        json_decref(rep);
        return;
    }
    char uri[1024];
    job_uri(req, id, uri, sizeof uri);
    if (api_reply_header(reply, "Location", uri))
        LOG_WARN("job=%s: Location header too long; only the body carries the uri", id);
    LOG_INFO("job=%s org=%s started by %s (%s)", id, req->org, req->actor.name, req->peer);
    api_reply_json(reply, 201, json_pack("{s:s, s:s}", "id", id, "uri", uri));
    json_decref(rep);
}

/* ---- GET jobs ---- */

void h_jobs_list(struct api_request *req, struct api_reply *reply)
{
    struct job_list_query q;
    char err[256];
    if (job_list_query_parse(req->query, &q, err, sizeof err)) {
        api_reply_error(reply, 400, "%s", err);
        return;
    }
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%ld", q.limit);
    snprintf(offset, sizeof offset, "%ld", q.offset);
    const char *p[4] = { req->org_id, q.status, limit, offset };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "jobs list",
        "SELECT " JOB_COLUMNS " FROM jobs WHERE org_id = $1::bigint "
        "AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id "
        "LIMIT $3::integer OFFSET $4::bigint",
        4, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    json_t *list = json_array();
    for (int i = 0; list && i < PQntuples(r); i++) {
        struct job_row row = row_of(r, i);
        if (json_array_append_new(list, job_view_summary(&row))) {
            json_decref(list);
            list = NULL;
        }
    }
    PQclear(r);
    api_reply_json(reply, 200, list);
}

/* ---- GET jobs/ID ---- */

/* The job's row (*job) and its nodes (*nodes: node_name, status) in no
 * particular order: node_columns sorts them by name and job_view groups
 * them by state, because a database sort cost postgres more than the rest
 * of the request (bench/RESULTS.md, sessions 3 and 4). 0, or -1 with
 * reply set (404, 500, 503). */
static int load_rows(struct api_request *req, const char *id, struct api_reply *reply,
                     PGresult **job, PGresult **nodes)
{
    *job = *nodes = NULL;
    if (!job_id_is_valid(id)) {
        api_reply_error(reply, 404, "job '%s' not found", id);
        return -1;
    }
    /* One round trip: the nodes of a job of another organization are
     * read but never shown (no job row: 404). */
    const char *p[2] = { id, req->org_id };
    const struct api_db_stmt b[2] = {
        { "job get", "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1 AND org_id = $2::bigint",
          2, p },
        { "job nodes", "SELECT node_name, status FROM job_nodes WHERE job_id = $1", 1, p },
    };
    PGresult *res[2];
    enum api_db_status st = api_db_exec_batch(b, 2, res);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return -1;
    }
    if (PQntuples(res[0]) != 1) {
        PQclear(res[0]);
        PQclear(res[1]);
        api_reply_error(reply, 404, "job '%s' not found", id);
        return -1;
    }
    *job = res[0];
    *nodes = res[1];
    return 0;
}

/* Column 0 and 1 of every row of r as parallel arrays sorted by column 0
 * (free both); -1 when out of memory. */
static int node_columns(PGresult *r, const char ***names, const char ***states, size_t *n)
{
    int rows = PQntuples(r);
    *n = (size_t)rows;
    *names = calloc(*n + 1, sizeof **names);
    *states = calloc(*n + 1, sizeof **states);
    if (!*names || !*states) {
        free(*names);
        free(*states);
        *names = *states = NULL; /* the callers free them too */
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        (*names)[i] = PQgetvalue(r, i, 0);
        (*states)[i] = PQgetvalue(r, i, 1);
    }
    return name_sort_pairs(*names, *states, *n);
}

json_t *h_jobs_load(struct api_request *req, const char *id, bool include_file,
                    struct api_reply *reply)
{
    PGresult *jr, *nr;
    if (load_rows(req, id, reply, &jr, &nr))
        return NULL;
    struct job_row row = row_of(jr, 0);
    json_t *job = job_view_detail(&row, include_file);
    const char **names = NULL, **states = NULL;
    size_t n = 0;
    if (job && (node_columns(nr, &names, &states, &n) ||
                job_view_add_nodes(job, names, states, n))) {
        json_decref(job);
        job = NULL;
    }
    free(names);
    free(states);
    PQclear(jr);
    PQclear(nr);
    if (!job)
        api_reply_error(reply, 500, "out of memory");
    return job;
}

void h_jobs_get(struct api_request *req, struct api_reply *reply)
{
    char val[8];
    bool include_file = query_get(req->query, "include_file", val, sizeof val) >= 0 &&
                        !strcmp(val, "true");
    PGresult *jr, *nr;
    if (load_rows(req, route_param(&req->match, "job"), reply, &jr, &nr))
        return;
    /* Written straight from the rows: a jansson string per node and an
     * array per state cost more than the rest of apid's work here. */
    struct job_row row = row_of(jr, 0);
    const char **names = NULL, **states = NULL;
    size_t n = 0;
    struct json_buf b = { 0 };
    if (node_columns(nr, &names, &states, &n))
        b.failed = true;
    else
        job_view_write_detail(&b, &row, include_file, names, states, n);
    free(names);
    free(states);
    PQclear(jr);
    PQclear(nr);
    api_reply_json_buf(reply, 200, &b);
}

/* ---- POST jobs/ID/abort ---- */

void h_jobs_abort(struct api_request *req, struct api_reply *reply)
{
    const char *id = route_param(&req->match, "job");
    if (!job_id_is_valid(id)) {
        api_reply_error(reply, 404, "job '%s' not found", id);
        return;
    }
    if (json_is_object(req->json) && json_object_size(req->json) > 0) {
        api_reply_error(reply, 400, "abort takes no parameters");
        return;
    }
    json_t *m = json_pack("{s:s, s:s, s:s}", "type", "abort_job", "org_id", req->org_id,
                          "job_id", id);
    json_t *rep = m ? jobrunner_call(m) : NULL;
    json_decref(m);
    if (!rep) {
        api_reply_error(reply, 503, "job runner unavailable; the job was not aborted");
        return;
    }
    if (!json_is_true(json_object_get(rep, "ok"))) {
        if (json_integer_value(json_object_get(rep, "status")) == 404)
            api_reply_error(reply, 404, "job '%s' not found", id);
        else
            reply_jobrunner_error(reply, rep);
        json_decref(rep);
        return;
    }
    json_decref(rep);
    LOG_INFO("job=%s org=%s aborted by %s (%s)", id, req->org, req->actor.name, req->peer);
    json_t *job = h_jobs_load(req, id, false, reply);
    if (job)
        api_reply_json(reply, 200, job);
}
