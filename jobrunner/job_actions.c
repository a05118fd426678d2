#include "jobrunner/job_actions.h"

#include "jobrunner/job_link.h"
#include "shared/timefmt.h"

int job_outbox_init(struct job_outbox *o)
{
    o->reports = json_array();
    o->events = json_array();
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        o->sends[k] = json_array();
    int ok = o->reports && o->events;
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        ok = ok && o->sends[k];
    if (!ok) {
        job_outbox_free(o);
        return -1;
    }
    return 0;
}

void job_outbox_clear(struct job_outbox *o)
{
    json_array_clear(o->reports);
    json_array_clear(o->events);
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        json_array_clear(o->sends[k]);
}

void job_outbox_free(struct job_outbox *o)
{
    json_decref(o->reports);
    json_decref(o->events);
    o->reports = o->events = NULL;
    for (int k = 0; k < JOB_SEND_KINDS; k++) {
        json_decref(o->sends[k]);
        o->sends[k] = NULL;
    }
}

size_t job_outbox_sends(const struct job_outbox *o)
{
    size_t n = 0;
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        n += json_array_size(o->sends[k]);
    return n;
}

json_t *job_event_json(const struct job_ctx *ctx, const struct job_action *a, int64_t at_us)
{
    char ts[TIME_EVENT_SIZE];
    if (time_format_event(at_us, ts, sizeof ts))
        ts[0] = '\0';
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "job_event", "org", ctx->org,
                           "job_id", ctx->job_id, "event", job_event_name(a->event),
                           "timestamp", ts);
    if (!ev)
        return NULL;
    int rc = 0;
    if (a->node_name)
        rc |= json_object_set_new(ev, "node", json_string(a->node_name));
    if (a->status)
        rc |= json_object_set_new(ev, "status", json_string(a->status));
    if (a->event == JOB_EV_START && ctx->start_extra)
        rc |= json_object_update_missing(ev, ctx->start_extra);
    if (rc) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static int add_report(struct job_outbox *o, json_t *r)
{
    return r ? json_array_append_new(o->reports, r) : -1;
}

int job_outbox_add(struct job_outbox *o, const struct job_ctx *ctx,
                   const struct job_action *acts, size_t n, int64_t at_us)
{
    for (size_t i = 0; i < n; i++) {
        const struct job_action *a = &acts[i];
        int rc = 0;
        switch (a->kind) {
        case JOB_ACT_SEND_COMMIT:
            rc = json_array_append_new(o->sends[JOB_SEND_COMMIT], json_string(a->node_name));
            break;
        case JOB_ACT_SEND_RUN:
            rc = json_array_append_new(o->sends[JOB_SEND_RUN], json_string(a->node_name));
            break;
        case JOB_ACT_SEND_ABORT:
            rc = json_array_append_new(o->sends[JOB_SEND_ABORT], json_string(a->node_name));
            break;
        case JOB_ACT_NODE_STATE:
            rc = add_report(o, job_link_node_state(
                                   a->node_name, job_node_state_name(a->new_state), at_us));
            break;
        case JOB_ACT_JOB_STATE:
            rc = add_report(o, job_link_job_state(job_state_name(a->new_state), at_us));
            break;
        case JOB_ACT_EVENT: {
            json_t *ev = job_event_json(ctx, a, at_us);
            if (!ev || json_array_append(o->events, ev)) {
                json_decref(ev);
                return -1;
            }
            rc = add_report(o, job_link_event(ev));
            break;
        }
        case JOB_ACT_SET_TIMER:
        case JOB_ACT_CANCEL_TIMER:
            break;
        }
        if (rc)
            return -1;
    }
    return 0;
}

size_t job_send_chunk_end(const json_t *nodes, size_t from)
{
    size_t n = json_array_size(nodes), bytes = 0, i = from;
    for (; i < n && i - from < JOB_SEND_CHUNK; i++) {
        size_t len = json_string_length(json_array_get(nodes, i)) + 3; /* "", */
        if (i > from && bytes + len > JOB_SEND_CHUNK_BYTES)
            break;
        bytes += len;
    }
    return i;
}

json_t *job_send_msg(const char *org, const json_t *nodes, size_t from, size_t to,
                     json_t *message)
{
    json_t *list = json_array();
    if (!list)
        return NULL;
    for (size_t i = from; i < to && i < json_array_size(nodes); i++) {
        if (json_array_append(list, json_array_get(nodes, i))) {
            json_decref(list);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:o, s:O}", "type", "send", "org", org, "nodes", list,
                     "message", message);
}
