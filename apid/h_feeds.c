/* GET job_status_feed/ID and GET job_status_feed: Server-Sent Events
 * (apid/sse.h; PROTOCOL-NOTES §3.7, docs/api.md).
 *
 * Job feed: every event of the job after Last-Event-ID "job-N" (or from
 * the first), then live ones; the server closes it after job_complete.
 * A job already finished when a reader connects without Last-Event-ID
 * gets one `summary` event (the GET jobs/ID shape plus timestamp, id
 * job-LAST) as the original does once its FSM is gone; `Last-Event-ID:
 * job-0` replays the whole history instead.
 * Org feed: start and job_complete events of the org's jobs (ids org-N,
 * data with "job"). Without Last-Event-ID nothing is sent until the next
 * event; with a known id, the events after it; with an unknown or expired
 * one, a `start_of_history` event and then every retained event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/h_jobs.h"
#include "apid/job_request.h"
#include "apid/response.h"
#include "apid/sse.h"
#include "shared/timefmt.h"

static const char *last_event_id(struct api_request *req)
{
    return req->header(req->header_ctx, "Last-Event-ID");
}

static bool terminal(const char *st)
{
    return strcmp(st, "new") && strcmp(st, "voting") && strcmp(st, "running");
}

static void now_ts(char *ts, size_t cap)
{
    if (time_format_event(time_wall_us(), ts, cap))
        ts[0] = '\0';
}

static void give(struct api_reply *reply, struct sse_stream *s)
{
    api_reply_clear(reply);
    reply->status = 200;
    reply->stream = s;
}

void h_job_feed(struct api_request *req, struct api_reply *reply)
{
    const char *id = route_param(&req->match, "job");
    if (!job_id_is_valid(id)) {
        api_reply_error(reply, 404, "job '%s' not found", id);
        return;
    }
    if (sse_hub_closing()) {
        api_reply_error(reply, 503, "the server is stopping");
        return;
    }
    const char *p[2] = { id, req->org_id };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "job feed",
        "SELECT status, "
        "coalesce((SELECT max(last_seq) FROM job_event_batches WHERE job_id = $1), 0) "
        "FROM jobs WHERE id = $1 AND org_id = $2::bigint",
        2, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        api_reply_error(reply, 404, "job '%s' not found", id);
        return;
    }
    bool done = terminal(PQgetvalue(r, 0, 0));
    long long last = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);

    const char *hdr = last_event_id(req);
    long long after = 0;
    if (hdr && (sse_parse_last_id(hdr, "job", &after) || after > last))
        after = 0; /* not one of this job's ids: from the start */
    struct sse_stream *s = sse_stream_new(SSE_JOB, req->org, req->org_id, id, after);
    if (!s) {
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    if (!hdr && done) {
        json_t *job = h_jobs_load(req, id, false, reply);
        if (!job) {
            sse_stream_free(s);
            return;
        }
        char ts[TIME_EVENT_SIZE], sid[48];
        now_ts(ts, sizeof ts);
        json_object_set_new(job, "timestamp", json_string(ts));
        snprintf(sid, sizeof sid, "job-%lld", last);
        char *data = json_dumps(job, JSON_COMPACT);
        json_decref(job);
        if (!data || sse_stream_push(s, "summary", sid, data)) {
            free(data);
            sse_stream_free(s);
            api_reply_error(reply, 500, "out of memory");
            return;
        }
        free(data);
        sse_stream_finish(s);
    }
    give(reply, s);
}

void h_org_feed(struct api_request *req, struct api_reply *reply)
{
    if (sse_hub_closing()) {
        api_reply_error(reply, 503, "the server is stopping");
        return;
    }
    const char *p[1] = { req->org_id };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "org feed",
        "SELECT coalesce((SELECT last_seq FROM org_event_counters WHERE org_id = $1::bigint), 0), "
        "coalesce((SELECT min(org_seq) FROM org_events WHERE org_id = $1::bigint), 0)",
        1, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    long long last = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    long long min = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);

    const char *hdr = last_event_id(req);
    long long after = last;
    bool history = false;
    if (hdr) {
        long long n;
        bool known = !sse_parse_last_id(hdr, "org", &n) && n <= last &&
                     (min > 0 ? n >= min - 1 : n == last);
        if (known) {
            after = n;
        } else {
            history = true;
            after = min > 0 ? min - 1 : last;
        }
    }
    struct sse_stream *s = sse_stream_new(SSE_ORG, req->org, req->org_id, NULL, after);
    if (!s) {
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    if (history) {
        char ts[TIME_EVENT_SIZE], data[96];
        now_ts(ts, sizeof ts);
        snprintf(data, sizeof data, "{\"timestamp\":\"%s\"}", ts);
        if (sse_stream_push(s, "start_of_history", NULL, data)) {
            sse_stream_free(s);
            api_reply_error(reply, 500, "out of memory");
            return;
        }
    }
    give(reply, s);
}
