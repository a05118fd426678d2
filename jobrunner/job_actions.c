#include "jobrunner/job_actions.h"

#include "jobrunner/job_link.h"
#include "shared/timefmt.h"

#include <string.h>

int job_outbox_init(struct job_outbox *o)
{
    memset(o, 0, sizeof *o);
    for (int k = 0; k < JOB_SEND_KINDS; k++) {
        o->sends[k] = json_array();
        if (!o->sends[k]) {
            job_outbox_free(o);
            return -1;
        }
    }
    return 0;
}

void job_outbox_clear(struct job_outbox *o)
{
    textbuf_reset(&o->reports);
    o->nreports = 0;
    for (int k = 0; k < JOB_SEND_KINDS; k++)
        json_array_clear(o->sends[k]);
}

void job_outbox_free(struct job_outbox *o)
{
    textbuf_free(&o->reports);
    o->nreports = 0;
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

json_t *job_outbox_reports_json(const struct job_outbox *o)
{
    json_t *arr = json_array();
    const char *s = o->reports.p, *end = s ? s + o->reports.len : s;
    while (arr && s && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        json_t *m = json_loadb(s, n, 0, NULL);
        if (!m || json_array_append_new(arr, m)) {
            json_decref(arr);
            return NULL;
        }
        s += n + 1;
    }
    return arr;
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

static bool gets_reason(const struct job_ctx *ctx, const struct job_action *a)
{
    return ctx->reason && ctx->reason_node && a->node_name &&
           (a->event == JOB_EV_QUORUM_VOTE || a->event == JOB_EV_RUN_COMPLETE) &&
           !strcmp(a->node_name, ctx->reason_node);
}

int job_event_line(struct textbuf *t, const struct job_ctx *ctx, const struct job_action *a,
                   int64_t at_us)
{
    const char *name = job_event_name(a->event);
    bool extra = a->event == JOB_EV_START && ctx->start_extra;
    char ts[TIME_EVENT_SIZE];
    if (time_format_event(at_us, ts, sizeof ts))
        ts[0] = '\0';
    if (!extra && !gets_reason(ctx, a) && textbuf_is_plain(ctx->org) &&
        textbuf_is_plain(ctx->job_id) && textbuf_is_plain(name) && textbuf_is_plain(ts) &&
        (!a->node_name || textbuf_is_plain(a->node_name)) &&
        (!a->status || textbuf_is_plain(a->status))) {
        /* what json_dumps writes for job_event_json's object (members in
         * insertion order), without building it */
        textbuf_puts(t, "{\"type\":\"event\",\"event\":{\"type\":\"job_event\",\"org\":\"");
        textbuf_puts(t, ctx->org);
        textbuf_puts(t, "\",\"job_id\":\"");
        textbuf_puts(t, ctx->job_id);
        textbuf_puts(t, "\",\"event\":\"");
        textbuf_puts(t, name);
        textbuf_puts(t, "\",\"timestamp\":\"");
        textbuf_puts(t, ts);
        textbuf_put(t, "\"", 1);
        if (a->node_name) {
            textbuf_puts(t, ",\"node\":\"");
            textbuf_puts(t, a->node_name);
            textbuf_put(t, "\"", 1);
        }
        if (a->status) {
            textbuf_puts(t, ",\"status\":\"");
            textbuf_puts(t, a->status);
            textbuf_put(t, "\"", 1);
        }
        textbuf_put(t, "}}\n", 3);
        return t->oom ? -1 : 0;
    }
    json_t *ev = job_event_json(ctx, a, at_us);
    if (!ev)
        return -1;
    /* a reason that is not valid UTF-8 (cut at 200 bytes) is left out */
    if (gets_reason(ctx, a))
        (void)json_object_set_new(ev, "reason", json_string(ctx->reason));
    json_t *rep = job_link_event(ev);
    int rc = rep ? job_link_json_line(t, rep) : -1;
    json_decref(rep);
    return rc;
}

int job_outbox_add(struct job_outbox *o, const struct job_ctx *ctx,
                   const struct job_action *acts, size_t n, int64_t at_us)
{
    for (size_t i = 0; i < n; i++) {
        const struct job_action *a = &acts[i];
        int rc = 0;
        bool report = false;
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
            rc = job_link_node_state_line(&o->reports, a->node_name,
                                          job_node_state_name(a->new_state), at_us);
            report = true;
            break;
        case JOB_ACT_JOB_STATE:
            rc = job_link_job_state_line(&o->reports, job_state_name(a->new_state), at_us);
            report = true;
            break;
        case JOB_ACT_EVENT:
            rc = job_event_line(&o->reports, ctx, a, at_us);
            report = true;
            break;
        case JOB_ACT_SET_TIMER:
        case JOB_ACT_CANCEL_TIMER:
            break;
        }
        if (rc)
            return -1;
        /* counted only once its line is in reports */
        if (report)
            o->nreports++;
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
