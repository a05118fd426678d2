/* The job-events notice (jobrunner/event_notice.h). */
#include "jobrunner/event_notice.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/flatjson.h"

/* One job of the batch. */
struct notice_job {
    char job_id[JOB_ID_LEN + 1];
    bool org_feed;           /* has an org-feed event here */
    size_t org_off, org_len; /* its org as a JSON string (quotes included) in the
                                orgs text; org_len 0: not known */
};

/* A stretch of the orgs text. */
struct span {
    const char *p;
    size_t n;
};

/* Fills j from the event's job id and name; for an org-feed event, its org
 * (org_json: a JSON string with its quotes, or the n bytes of a plain
 * string's contents when plain) goes to the orgs text. 0 or -1 (no valid
 * job id). */
static int keep(struct notice_job *j, struct textbuf *orgs, const char *id, size_t id_n,
                const char *name, size_t name_n, const char *org, size_t org_n, bool plain)
{
    if (id_n != JOB_ID_LEN)
        return -1;
    memcpy(j->job_id, id, JOB_ID_LEN);
    j->job_id[JOB_ID_LEN] = '\0';
    if (!job_id_valid(j->job_id))
        return -1;
    j->org_feed = batch_org_feed_event(name, name_n);
    j->org_off = j->org_len = 0;
    if (j->org_feed && org) {
        j->org_off = orgs->len;
        if (plain)
            textbuf_put(orgs, "\"", 1);
        textbuf_put(orgs, org, org_n);
        if (plain)
            textbuf_put(orgs, "\"", 1);
        j->org_len = orgs->len - j->org_off;
    }
    return 0;
}

static const char *expect(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return p && (size_t)(end - p) >= n && !memcmp(p, lit, n) ? p + n : NULL;
}

/* Anything but the shape jobrunner writes (escaped strings, other member
 * order): jansson. */
static int keys_parsed(const char *ev, size_t len, struct notice_job *j, struct textbuf *orgs)
{
    json_t *o = json_loadb(ev, len, 0, NULL);
    json_t *id = json_object_get(o, "job_id"), *name = json_object_get(o, "event");
    json_t *org = json_object_get(o, "org");
    int rc = -1;
    if (!json_is_string(id) || !json_is_string(name))
        goto out;
    char *org_json = json_is_string(org) ? json_dumps(org, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    if (json_is_string(org) && !org_json)
        orgs->oom = true;
    rc = keep(j, orgs, json_string_value(id), json_string_length(id), json_string_value(name),
              json_string_length(name), org_json, org_json ? strlen(org_json) : 0, false);
    free(org_json);
out:
    json_decref(o);
    return rc;
}

/* The job id, name and org of one event: read in place when the event
 * starts as jobrunner's events do, {"type":"job_event","org":O,"job_id":J,
 * "event":E, (job_actions.c) with plain strings. */
static int event_keys(const char *ev, size_t len, struct notice_job *j, struct textbuf *orgs)
{
    const char *end = ev + len, *org = NULL, *id = NULL, *name = NULL;
    size_t org_n = 0, id_n = 0, name_n = 0;
    const char *p = expect(ev, end, "{\"type\":\"job_event\",\"org\":");
    p = p ? flatjson_plain_string(p, end, &org, &org_n) : NULL;
    p = expect(p, end, ",\"job_id\":");
    p = p ? flatjson_plain_string(p, end, &id, &id_n) : NULL;
    p = expect(p, end, ",\"event\":");
    p = p ? flatjson_plain_string(p, end, &name, &name_n) : NULL;
    if (!p)
        return keys_parsed(ev, len, j, orgs);
    return keep(j, orgs, id, id_n, name, name_n, org, org_n, true);
}

/* Folds src (the same job) into dst. */
static void merge(struct notice_job *dst, const struct notice_job *src)
{
    if (src->org_feed && !dst->org_len) {
        dst->org_off = src->org_off;
        dst->org_len = src->org_len;
    }
    dst->org_feed = dst->org_feed || src->org_feed;
}

static int cmp_job(const void *a, const void *b)
{
    return strcmp(((const struct notice_job *)a)->job_id, ((const struct notice_job *)b)->job_id);
}

static int cmp_span(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* One notice for n jobs (sorted, distinct); tmp: room for n spans. */
static void write_notice(struct textbuf *out, const struct notice_job *jobs, size_t n,
                         const struct textbuf *orgs, struct span *tmp)
{
    textbuf_puts(out, "{\"type\":\"job_events\",\"jobs\":[");
    size_t norg = 0;
    for (size_t i = 0; i < n; i++) {
        textbuf_put(out, i ? ",\"" : "\"", i ? 2 : 1);
        textbuf_put(out, jobs[i].job_id, JOB_ID_LEN);
        textbuf_put(out, "\"", 1);
        if (jobs[i].org_feed && jobs[i].org_len)
            tmp[norg++] = (struct span){ orgs->p + jobs[i].org_off, jobs[i].org_len };
    }
    textbuf_puts(out, "],\"orgs\":[");
    qsort(tmp, norg, sizeof *tmp, cmp_span);
    for (size_t i = 0, w = 0; i < norg; i++) {
        if (i && !cmp_span(&tmp[i - 1], &tmp[i]))
            continue;
        if (w++)
            textbuf_put(out, ",", 1);
        textbuf_put(out, tmp[i].p, tmp[i].n);
    }
    textbuf_put(out, "]}\n", 3);
}

int event_notices(const struct batch *b, struct textbuf *out, size_t *skipped)
{
    *skipped = 0;
    size_t start = out->len;
    if (b->nevents == 0)
        return 0;
    struct notice_job *jobs = calloc(b->nevents, sizeof *jobs);
    struct span *tmp = calloc(b->nevents < EVENT_NOTICE_MAX_JOBS ? b->nevents
                                                                 : EVENT_NOTICE_MAX_JOBS,
                              sizeof *tmp);
    struct textbuf orgs = { 0 };
    int count = -1;
    if (!jobs || !tmp)
        goto out;
    size_t n = 0;
    for (size_t i = 0; i < b->nevents; i++) {
        struct notice_job cur;
        if (event_keys(b->event_text.p + b->ev_off[i], b->ev_len[i], &cur, &orgs)) {
            (*skipped)++;
            continue;
        }
        /* a job's events mostly come together: most merge here */
        if (n && !strcmp(jobs[n - 1].job_id, cur.job_id))
            merge(&jobs[n - 1], &cur);
        else
            jobs[n++] = cur;
    }
    if (orgs.oom)
        goto out;
    qsort(jobs, n, sizeof *jobs, cmp_job);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && !strcmp(jobs[w - 1].job_id, jobs[i].job_id))
            merge(&jobs[w - 1], &jobs[i]);
        else
            jobs[w++] = jobs[i];
    }
    count = 0;
    for (size_t from = 0; from < w; from += EVENT_NOTICE_MAX_JOBS, count++) {
        size_t k = w - from < EVENT_NOTICE_MAX_JOBS ? w - from : EVENT_NOTICE_MAX_JOBS;
        write_notice(out, jobs + from, k, &orgs, tmp);
    }
out:
    if (count < 0 || out->oom) {
        textbuf_truncate(out, start);
        out->oom = true;
        count = -1;
    }
    free(jobs);
    free(tmp);
    textbuf_free(&orgs);
    return count;
}
