/* jobrunner: reports -> batch -> database -> events, and ending jobs that
 * have no live process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobrunner/event_notice.h"
#include "jobrunner/jobrunner.h"
#include "jobrunner/jr_store.h"
#include "shared/bus.h"
#include "shared/flatjson.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

int jr_apply_report(struct jobrunner *jr, struct jr_child *c, const char *line, size_t len,
                    int64_t now_ms)
{
    /* The most frequent report, read without jansson. */
    char node_name[WIRE_NAME_MAX + 1], node_status[32];
    int64_t node_at;
    if (job_link_parse_node_state(line, len, node_name, sizeof node_name, node_status,
                                  sizeof node_status, &node_at) == 0) {
        int st = job_node_state_from_name(node_status);
        if (st < 0 || batch_add_node(&jr->batch, c->job_id, node_name, (enum job_node_state)st,
                                     node_at, now_ms)) {
            LOG_ERROR("job=%s node=%s: node_state %s not recorded", c->job_id, node_name,
                      node_status);
            return -1;
        }
        LOG_DEBUG("job=%s node=%s status=%s", c->job_id, node_name, node_status);
        return 0;
    }
    /* The next most frequent: an event whose object is flat (plain
     * strings), stored and published as the very text the job wrote. */
    static const char ev_prefix[] = "{\"type\":\"event\",\"event\":";
    const size_t pl = sizeof ev_prefix - 1;
    struct flatjson f;
    if (len > pl + 1 && !memcmp(line, ev_prefix, pl) && line[len - 1] == '}' &&
        flatjson_scan(&f, line + pl, len - pl - 1) == 0) {
        if (batch_add_event(&jr->batch, line + pl, len - pl - 1, now_ms)) {
            LOG_ERROR("job=%s: event not recorded (out of memory)", c->job_id);
            return -1;
        }
        return 0;
    }
    json_error_t e;
    json_t *m = json_loadb(line, len, 0, &e);
    const char *type = json_string_value(json_object_get(m, "type"));
    int rc = -1;
    if (!type) {
        LOG_ERROR("job=%s: report is not a typed object: %s", c->job_id, m ? "" : e.text);
        goto out;
    }
    json_t *at = json_object_get(m, "at_us");
    int64_t at_us = json_is_integer(at) ? (int64_t)json_integer_value(at) : time_wall_us();
    const char *status = json_string_value(json_object_get(m, "status"));
    if (!strcmp(type, "job_state")) {
        int st = job_state_from_name(status);
        if (st < 0 || batch_add_job(&jr->batch, c->job_id, (enum job_state)st, at_us, now_ms))
            goto out;
        c->last = (enum job_state)st;
        if (job_state_is_terminal(c->last)) {
            c->terminal = true;
            if (jr->abort_wait.active && !strcmp(jr->abort_wait.job_id, c->job_id)) {
                jr->abort_wait.known = true;
                jr->abort_wait.final = c->last;
            }
        }
        LOG_INFO("job=%s org=%s status=%s", c->job_id, c->org, status);
    } else if (!strcmp(type, "node_state")) {
        const char *node = json_string_value(json_object_get(m, "node"));
        int st = job_node_state_from_name(status);
        if (!node || st < 0 ||
            batch_add_node(&jr->batch, c->job_id, node, (enum job_node_state)st, at_us, now_ms))
            goto out;
        LOG_DEBUG("job=%s node=%s status=%s", c->job_id, node, status);
    } else if (!strcmp(type, "node_output")) {
        /* Captured output (base64), stored with the batch (job_output). */
        const char *node = json_string_value(json_object_get(m, "node"));
        json_t *o = json_object_get(m, "stdout"), *er = json_object_get(m, "stderr");
        if (!node || !wire_valid_name(node, strlen(node)) || (o && !json_is_string(o)) ||
            (er && !json_is_string(er))) {
            LOG_ERROR("job=%s: malformed node_output report", c->job_id);
            goto out;
        }
        json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "job_id", c->job_id, "node",
                                node, "stdout", o ? json_string_value(o) : "", "stderr",
                                er ? json_string_value(er) : "", "stdout_truncated",
                                json_is_true(json_object_get(m, "stdout_truncated")),
                                "stderr_truncated",
                                json_is_true(json_object_get(m, "stderr_truncated")));
        int bad = !row || batch_add_output(&jr->batch, row, now_ms);
        json_decref(row);
        if (bad)
            goto out;
        LOG_DEBUG("job=%s node=%s: output captured", c->job_id, node);
    } else if (!strcmp(type, "event")) {
        json_t *ev = json_object_get(m, "event");
        char *text = json_is_object(ev) ? json_dumps(ev, JSON_COMPACT) : NULL;
        int bad = !text || batch_add_event(&jr->batch, text, strlen(text), now_ms);
        free(text);
        if (bad)
            goto out;
    } else {
        LOG_ERROR("job=%s: unknown report type '%.40s'", c->job_id, type);
        goto out;
    }
    rc = 0;
out:
    json_decref(m);
    return rc;
}

void jr_send_nodes(struct jobrunner *jr, const char *org, const json_t *nodes, json_t *message)
{
    size_t n = json_array_size(nodes);
    for (size_t from = 0, to; from < n; from = to) {
        to = job_send_chunk_end(nodes, from);
        json_t *m = job_send_msg(org, nodes, from, to, message);
        if (!m || bus_send_json(jr->commands, m, NNG_FLAG_NONBLOCK))
            LOG_ERROR("org=%s: could not queue a %s for %zu nodes to commandd", org,
                      json_string_value(json_object_get(message, "type")), to - from);
        json_decref(m);
    }
}

void jr_remove_job_socket(struct jobrunner *jr, const char *job_id)
{
    char path[CONFIG_STR_MAX + 64];
    int n = snprintf(path, sizeof path, "%s/jobs/%s.ipc", jr->cfg->run_dir, job_id);
    if (n < 0 || (size_t)n >= sizeof path)
        return;
    if (unlink(path) == 0)
        LOG_DEBUG("job=%s: removed its stale socket file", job_id);
    else if (errno != ENOENT)
        LOG_WARN("job=%s: unlink %s: %s", job_id, path, strerror(errno));
}

void jr_queue_end(struct jobrunner *jr, const char *job_id, enum recovery_kind kind)
{
    for (size_t i = 0; i < jr->nends; i++) {
        if (!strcmp(jr->ends[i].job_id, job_id)) {
            if (kind == RECOVERY_ABORT)
                jr->ends[i].kind = kind;
            return;
        }
    }
    if (jr->nends == jr->cap_ends) {
        size_t cap = jr->cap_ends ? jr->cap_ends * 2 : 16;
        struct jr_end *e = realloc(jr->ends, cap * sizeof *e);
        if (!e) {
            /* The periodic sweep finds it again. */
            LOG_ERROR("job=%s: out of memory queuing its end; the sweep will retry", job_id);
            return;
        }
        jr->ends = e;
        jr->cap_ends = cap;
    }
    struct jr_end *e = &jr->ends[jr->nends++];
    snprintf(e->job_id, sizeof e->job_id, "%s", job_id);
    e->kind = kind;
}

bool jr_end_queued(const struct jobrunner *jr, const char *job_id)
{
    for (size_t i = 0; i < jr->nends; i++)
        if (!strcmp(jr->ends[i].job_id, job_id))
            return true;
    return false;
}

/* After the commit: the notice of which feeds have new events (apid reads
 * the events themselves from the database), one message per flush. */
static void publish_events(struct jobrunner *jr)
{
    const struct batch *b = &jr->batch;
    if (b->nevents == 0)
        return;
    struct textbuf t = { 0 };
    size_t skipped;
    if (event_notices(b, &t, &skipped) < 0) {
        LOG_WARN("%zu events' notice not published (out of memory)", b->nevents);
        textbuf_free(&t);
        return;
    }
    if (skipped)
        LOG_DEBUG("%zu events without a job id left out of the notice", skipped);
    for (size_t off = 0; off < t.len;) {
        size_t n = strcspn(t.p + off, "\n");
        int rv = nng_send(jr->pub, t.p + off, n, NNG_FLAG_NONBLOCK);
        if (rv)
            LOG_WARN("job-events notice not published (%s): %.*s", nng_strerror(rv),
                     (int)(n < 120 ? n : 120), t.p + off);
        off += n + 1;
    }
    textbuf_free(&t);
}

void jr_flush(struct jobrunner *jr, int64_t now_ms, bool force)
{
    if (batch_empty(&jr->batch))
        return;
    if (!force && !batch_should_flush(&jr->batch, now_ms))
        return;
    if (now_ms < jr->next_flush_retry_ms && !jr->stopping)
        return;
    if (store_flush(&jr->db, &jr->batch)) {
        LOG_ERROR("flush: %zu updates not written; retrying in %d ms",
                  batch_updates(&jr->batch), JR_RETRY_MS);
        jr->next_flush_retry_ms = now_ms + JR_RETRY_MS;
        return;
    }
    jr->next_flush_retry_ms = 0;
    publish_events(jr);
    batch_clear(&jr->batch);
}

/* Ends one job from its database state. 0 done (or nothing to do), -1 to
 * retry later. */
static int end_job(struct jobrunner *jr, const struct jr_end *e, int64_t now_ms)
{
    struct store_job j;
    if (store_load_job(&jr->db, e->job_id, &j))
        return -1;
    if (!j.found) {
        LOG_WARN("job=%s: gone from the database; nothing to end", e->job_id);
        return 0;
    }
    const char *what = e->kind == RECOVERY_ABORT ? "abort" : "crash";
    jr_remove_job_socket(jr, e->job_id);
    struct job_ctx ctx = { .org = j.org, .job_id = e->job_id, .start_extra = NULL };
    struct job_outbox out;
    if (job_outbox_init(&out)) {
        store_job_free(&j);
        return -1;
    }
    char err[256];
    int64_t at_us = time_wall_us();
    int r = recovery_end_job(e->kind, &ctx, j.state, (const char *const *)j.nodes, j.states, j.n,
                             at_us, &out, err, sizeof err);
    int rc = 0;
    if (r < 0) {
        LOG_ERROR("job=%s %s: %s", e->job_id, what, err);
        rc = -1;
    } else if (r == 1) {
        LOG_INFO("job=%s: already %s; nothing to %s", e->job_id, job_state_name(j.state), what);
        if (jr->abort_wait.active && !strcmp(jr->abort_wait.job_id, e->job_id)) {
            jr->abort_wait.known = true;
            jr->abort_wait.final = j.state;
        }
    } else {
        /* The reports go through the same path as a live job's. */
        struct jr_child pseudo = { .pid = 0, .fd = -1, .last = j.state };
        memcpy(pseudo.job_id, e->job_id, JOB_ID_LEN + 1);
        snprintf(pseudo.org, sizeof pseudo.org, "%s", j.org);
        struct line_buf lb;
        line_buf_init(&lb);
        if (line_buf_append(&lb, out.reports.p, out.reports.len))
            LOG_ERROR("job=%s %s: could not record the transitions (memory)", e->job_id, what);
        char *line;
        size_t len;
        while ((line = line_buf_next(&lb, &len)) != NULL)
            if (jr_apply_report(jr, &pseudo, line, len, now_ms))
                LOG_ERROR("job=%s %s: could not record a transition", e->job_id, what);
        line_buf_free(&lb);
        size_t naborts = json_array_size(out.sends[JOB_SEND_ABORT]);
        if (naborts) {
            json_t *abort = wire_msg_abort(e->job_id);
            if (abort)
                jr_send_nodes(jr, j.org, out.sends[JOB_SEND_ABORT], abort);
            else
                LOG_ERROR("job=%s: out of memory building abort", e->job_id);
            json_decref(abort);
        }
        LOG_WARN("job=%s org=%s: %s from %s (%zu nodes, %zu sent abort)", e->job_id, j.org,
                 e->kind == RECOVERY_ABORT ? "aborted" : "crashed", job_state_name(j.state),
                 j.n, naborts);
    }
    job_outbox_free(&out);
    store_job_free(&j);
    return rc;
}

void jr_process_ends(struct jobrunner *jr, int64_t now_ms)
{
    if (jr->nends == 0 || !batch_empty(&jr->batch))
        return;
    if (now_ms < jr->next_end_ms && !jr->stopping)
        return;
    while (jr->nends > 0) {
        struct jr_end e = jr->ends[0];
        if (end_job(jr, &e, now_ms)) {
            jr->next_end_ms = now_ms + JR_RETRY_MS;
            break;
        }
        memmove(jr->ends, jr->ends + 1, (jr->nends - 1) * sizeof *jr->ends);
        jr->nends--;
        if (batch_updates(&jr->batch) >= BATCH_MAX_UPDATES)
            break; /* write these first */
    }
    jr_flush(jr, now_ms, true);
}

void jr_sweep(struct jobrunner *jr, int64_t now_ms)
{
    if (now_ms < jr->next_sweep_ms || !batch_empty(&jr->batch) || jr->nends > 0)
        return;
    char (*ids)[JOB_ID_LEN + 1];
    size_t n;
    if (store_unfinished_jobs(&jr->db, &ids, &n)) {
        jr->next_sweep_ms = now_ms + JR_RETRY_MS;
        return;
    }
    jr->next_sweep_ms = now_ms + JR_SWEEP_INTERVAL_MS;
    size_t queued = 0;
    for (size_t i = 0; i < n; i++) {
        if (jr_find_child(jr, ids[i]) || jr_end_queued(jr, ids[i]))
            continue;
        jr_queue_end(jr, ids[i], RECOVERY_CRASH);
        queued++;
    }
    free(ids);
    if (queued)
        LOG_WARN("%zu unfinished job(s) without a job process: crashing them", queued);
}
