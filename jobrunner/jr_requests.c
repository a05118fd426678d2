/* jobrunner: apid's requests on REP `jobrunner` (docs/internals.md).
 *   start_job -> {"ok":true,"id":J} | {"ok":false,"status":HTTP,"error":MSG}
 *   abort_job -> {"ok":true,"status":"aborted"} once the abort is in the
 *                database | {"ok":false,"status":404|409|503,"error":MSG} */
#include <stdlib.h>
#include <string.h>

#include "jobrunner/jobrunner.h"
#include "jobrunner/jr_store.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

static void reply(struct jobrunner *jr, json_t *m)
{
    if (!m) {
        LOG_ERROR("request: out of memory building the reply");
        m = json_pack("{s:b, s:i, s:s}", "ok", 0, "status", 500, "error", "out of memory");
    }
    if (!m || bus_send_json(jr->rep, m, 0))
        LOG_ERROR("request: reply not sent");
    json_decref(m);
}

static void reply_error(struct jobrunner *jr, int status, const char *msg)
{
    reply(jr, json_pack("{s:b, s:i, s:s}", "ok", 0, "status", status, "error", msg));
}

/* 409 for an abort of a job that had already finished as st. */
static void reply_finished(struct jobrunner *jr, enum job_state st)
{
    char msg[96];
    snprintf(msg, sizeof msg, "job already finished: %s", job_state_name(st));
    reply(jr, json_pack("{s:b, s:i, s:s, s:s}", "ok", 0, "status", 409, "error", msg,
                        "job_status", job_state_name(st)));
}

/* ---- start_job ---- */

struct start_req {
    const char *org, *org_id, *created_by, *command;
    const char *search;   /* the query the targets came from, or NULL */
    json_t *nodes, *options;
    size_t n;
    const char **names;
    size_t quorum;
    long run_timeout;
};

static bool digits(const char *s)
{
    if (!s || !*s || strlen(s) > 20)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Checks what apid already validated, as a second line of defence. */
static const char *parse_start(json_t *m, struct start_req *r)
{
    memset(r, 0, sizeof *r);
    r->org = json_string_value(json_object_get(m, "org"));
    r->org_id = json_string_value(json_object_get(m, "org_id"));
    r->created_by = json_string_value(json_object_get(m, "created_by"));
    r->command = json_string_value(json_object_get(m, "command"));
    r->nodes = json_object_get(m, "nodes");
    r->options = json_object_get(m, "options");
    json_t *search = json_object_get(m, "search");
    r->search = json_string_value(search);
    json_t *q = json_object_get(m, "quorum"), *t = json_object_get(m, "run_timeout");
    if (!r->org || !wire_valid_name(r->org, strlen(r->org)))
        return "invalid org";
    if (!digits(r->org_id))
        return "invalid org_id";
    if (!r->created_by)
        return "invalid created_by";
    if (!r->command || !*r->command)
        return "invalid command";
    if (!json_is_array(r->nodes) || json_array_size(r->nodes) == 0)
        return "invalid nodes";
    if (r->options && !json_is_object(r->options))
        return "invalid options";
    if (search && (!r->search || !*r->search || strlen(r->search) != json_string_length(search)))
        return "invalid search";
    r->n = json_array_size(r->nodes);
    if (!json_is_integer(q) || json_integer_value(q) < 0 ||
        (unsigned long long)json_integer_value(q) > r->n)
        return "invalid quorum";
    r->quorum = (size_t)json_integer_value(q);
    if (!json_is_integer(t) || json_integer_value(t) <= 0 || json_integer_value(t) > 100000000)
        return "invalid run_timeout";
    r->run_timeout = (long)json_integer_value(t);
    r->names = calloc(r->n, sizeof *r->names);
    if (!r->names)
        return "out of memory";
    for (size_t i = 0; i < r->n; i++) {
        const char *name = json_string_value(json_array_get(r->nodes, i));
        if (!name || !wire_valid_name(name, strlen(name)))
            return "invalid node name";
        r->names[i] = name;
    }
    return NULL;
}

static json_t *build_spec(const struct start_req *r, const char *job_id, const bool *available,
                          int64_t voting_timeout)
{
    json_t *avail = json_array();
    for (size_t i = 0; avail && i < r->n; i++) {
        if (json_array_append_new(avail, json_boolean(available[i]))) {
            json_decref(avail);
            avail = NULL;
        }
    }
    json_t *options = r->options ? json_incref(r->options) : json_object();
    if (!avail || !options) {
        json_decref(avail);
        json_decref(options);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:I, s:I, s:I, s:o}", "job_id",
                     job_id, "org", r->org, "org_id", r->org_id, "created_by", r->created_by,
                     "command", r->command, "nodes", r->nodes, "available", avail, "quorum",
                     (json_int_t)r->quorum, "run_timeout", (json_int_t)r->run_timeout,
                     "voting_timeout", (json_int_t)voting_timeout, "options", options);
}

static void start_job(struct jobrunner *jr, json_t *m)
{
    struct start_req r;
    const char *bad = parse_start(m, &r);
    if (bad) {
        LOG_WARN("start_job refused: %s", bad);
        reply_error(jr, 400, bad);
        free(r.names);
        return;
    }
    json_t *exp = json_object_get(m, "expires_at_us");
    if (json_is_integer(exp) && time_wall_us() > (int64_t)json_integer_value(exp)) {
        LOG_WARN("org=%s start_job arrived after apid gave up; not starting it", r.org);
        reply_error(jr, 503, "request expired");
        free(r.names);
        return;
    }
    char job_id[JOB_ID_LEN + 1];
    bool *available = calloc(r.n, sizeof *available);
    json_t *spec = NULL;
    if (!available || job_id_generate(job_id)) {
        LOG_ERROR("org=%s start_job: out of memory or no randomness", r.org);
        reply_error(jr, 500, "could not create a job id");
        goto out;
    }
    if (store_node_availability(&jr->db, r.org_id, r.names, r.n, available)) {
        reply_error(jr, 503, "database unavailable");
        goto out;
    }
    struct store_new_job nj = { .job_id = job_id, .org_id = r.org_id, .command = r.command,
                                .created_by = r.created_by, .nodes = r.names, .n_nodes = r.n,
                                .quorum = r.quorum, .run_timeout_s = r.run_timeout,
                                .options = r.options, .search_query = r.search };
    json_t *empty = NULL;
    if (!nj.options)
        nj.options = empty = json_object();
    int inserted = nj.options ? store_insert_job(&jr->db, &nj) : -1;
    json_decref(empty);
    if (inserted) {
        reply_error(jr, 503, "could not record the job");
        goto out;
    }
    int64_t voting = job_voting_timeout_s(jr->cfg->voting_timeout,
                                          jr->cfg->voting_timeout_per_100_nodes, r.n);
    spec = build_spec(&r, job_id, available, voting);
    int64_t lifetime_ms = (voting + r.run_timeout) * 1000 + JR_WATCHDOG_GRACE_MS;
    if (!spec || jr_spawn(jr, job_id, r.org, r.org_id, spec, lifetime_ms)) {
        /* Recorded but never started: crash it (no node heard of it). */
        jr_queue_end(jr, job_id, RECOVERY_CRASH);
        reply_error(jr, 500, "could not start the job process");
        goto out;
    }
    size_t up = 0;
    for (size_t i = 0; i < r.n; i++)
        up += available[i];
    LOG_INFO("job=%s org=%s created by %s: %zu nodes (%zu available), quorum %zu, "
             "run_timeout %ld s, voting_timeout %lld s%s",
             job_id, r.org, r.created_by, r.n, up, r.quorum, r.run_timeout, (long long)voting,
             r.search ? " (targets from a search)" : "");
    reply(jr, json_pack("{s:b, s:s}", "ok", 1, "id", job_id));
out:
    json_decref(spec);
    free(available);
    free(r.names);
}

/* ---- abort_job ---- */

static void abort_job(struct jobrunner *jr, json_t *m, int64_t now_ms)
{
    const char *job_id = json_string_value(json_object_get(m, "job_id"));
    const char *org_id = json_string_value(json_object_get(m, "org_id"));
    if (!job_id_valid(job_id) || !digits(org_id)) {
        reply_error(jr, 404, "no such job");
        return;
    }
    struct jr_abort_wait *w = &jr->abort_wait;
    struct jr_child *c = jr_find_child(jr, job_id);
    if (c && strcmp(c->org_id, org_id) != 0) {
        reply_error(jr, 404, "no such job");
        return;
    }
    if (c && c->terminal) { /* finished; its process lingers a little */
        reply_finished(jr, c->last);
        return;
    }
    memset(w, 0, sizeof *w);
    snprintf(w->job_id, sizeof w->job_id, "%s", job_id);
    w->deadline_ms = now_ms + JR_ABORT_WAIT_MS;
    if (c) {
        LOG_INFO("job=%s org=%s: abort requested", job_id, c->org);
        w->active = true;
        if (jr_send_abort(jr, c))
            LOG_WARN("job=%s: abort not passed on; the job process is being killed", job_id);
        return;
    }
    bool found = false;
    enum job_state st = JOB_STATE_NEW;
    if (store_job_state(&jr->db, job_id, org_id, &found, &st)) {
        reply_error(jr, 503, "database unavailable");
        return;
    }
    if (found && jr_end_queued(jr, job_id)) {
        w->active = true; /* its end is under way: answered once written */
        return;
    }
    switch (recovery_abort_answer(found, st)) {
    case ABORT_NOT_FOUND:
        reply_error(jr, 404, "no such job");
        return;
    case ABORT_FINISHED:
        reply_finished(jr, st);
        return;
    case ABORT_END_IT:
        LOG_WARN("job=%s: abort requested for a %s job without a process; ending it", job_id,
                 job_state_name(st));
        jr_queue_end(jr, job_id, RECOVERY_ABORT);
        w->active = true;
        return;
    }
}

void jr_abort_wait_check(struct jobrunner *jr, int64_t now_ms)
{
    struct jr_abort_wait *w = &jr->abort_wait;
    if (!w->active)
        return;
    bool settled = w->known && batch_empty(&jr->batch) && !jr_end_queued(jr, w->job_id);
    if (settled) {
        if (w->final == JOB_STATE_ABORTED)
            reply(jr, json_pack("{s:b, s:s}", "ok", 1, "job_status", "aborted"));
        else
            reply_finished(jr, w->final);
        w->active = false;
    } else if (now_ms >= w->deadline_ms || jr->stopping) {
        LOG_WARN("job=%s: abort not confirmed within %d ms", w->job_id, JR_ABORT_WAIT_MS);
        reply_error(jr, 503, "abort not confirmed in time");
        w->active = false;
    }
}

void jr_handle_request(struct jobrunner *jr, int64_t now_ms)
{
    json_t *m = bus_recv_json(jr->rep, NNG_FLAG_NONBLOCK);
    if (!m)
        return; /* nothing, or malformed (logged; REP needs no answer to drop it) */
    const char *type = json_string_value(json_object_get(m, "type"));
    if (type && !strcmp(type, "start_job"))
        start_job(jr, m);
    else if (type && !strcmp(type, "abort_job"))
        abort_job(jr, m, now_ms);
    else
        reply_error(jr, 400, "unknown request type");
    json_decref(m);
}
