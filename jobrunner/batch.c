#include "jobrunner/batch.h"
#include "shared/flatjson.h"
#include "shared/textbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int batch_init(struct batch *b)
{
    memset(b, 0, sizeof *b);
    b->outputs = json_array();
    return b->outputs ? 0 : -1;
}

void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->nnodes; i++)
        free(b->nodes[i].node);
    b->njobs = b->nnodes = 0;
    textbuf_reset(&b->event_text);
    b->nevents = 0;
    json_array_clear(b->outputs);
    b->first_ms = 0;
    b->seq = 0;
    b->urgent = false;
}

void batch_free(struct batch *b)
{
    batch_clear(b);
    free(b->jobs);
    free(b->nodes);
    textbuf_free(&b->event_text);
    free(b->ev_off);
    free(b->ev_len);
    json_decref(b->outputs);
    memset(b, 0, sizeof *b);
}

bool batch_empty(const struct batch *b)
{
    return b->njobs == 0 && b->nnodes == 0 && b->nevents == 0 &&
           json_array_size(b->outputs) == 0;
}

size_t batch_updates(const struct batch *b)
{
    /* An output weighs more: a batch of them is flushed sooner. */
    return b->njobs + b->nnodes + BATCH_OUTPUT_WEIGHT * json_array_size(b->outputs);
}

static void touch(struct batch *b, int64_t now_ms)
{
    if (batch_empty(b))
        b->first_ms = now_ms;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

int batch_add_job(struct batch *b, const char *job_id, enum job_state status, int64_t at_us,
                  int64_t now_ms)
{
    if (!job_id_valid(job_id) || (unsigned)status >= JOB_STATE_COUNT)
        return -1;
    if (grow((void **)&b->jobs, &b->cap_jobs, b->njobs + 1, sizeof *b->jobs))
        return -1;
    touch(b, now_ms);
    struct batch_job_upd *u = &b->jobs[b->njobs++];
    memcpy(u->job_id, job_id, JOB_ID_LEN + 1);
    u->status = status;
    u->at_us = at_us;
    u->seq = b->seq++;
    if (job_state_is_terminal(status))
        b->urgent = true; /* clients poll for this one: no batching delay */
    return 0;
}

int batch_add_node(struct batch *b, const char *job_id, const char *node,
                   enum job_node_state status, int64_t at_us, int64_t now_ms)
{
    if (!job_id_valid(job_id) || !node || !*node || (unsigned)status >= JOB_NODE_STATE_COUNT)
        return -1;
    if (grow((void **)&b->nodes, &b->cap_nodes, b->nnodes + 1, sizeof *b->nodes))
        return -1;
    char *copy = strdup(node);
    if (!copy)
        return -1;
    touch(b, now_ms);
    struct batch_node_upd *u = &b->nodes[b->nnodes++];
    memcpy(u->job_id, job_id, JOB_ID_LEN + 1);
    u->node = copy;
    u->status = status;
    u->at_us = at_us;
    u->seq = b->seq++;
    return 0;
}

int batch_add_event(struct batch *b, const char *event, size_t len, int64_t now_ms)
{
    if (!event || len == 0)
        return -1;
    if (b->nevents == b->cap_events) {
        size_t cap = b->cap_events ? b->cap_events * 2 : 256;
        size_t *off = realloc(b->ev_off, cap * sizeof *off);
        if (!off)
            return -1;
        b->ev_off = off;
        size_t *ln = realloc(b->ev_len, cap * sizeof *ln);
        if (!ln)
            return -1;
        b->ev_len = ln;
        b->cap_events = cap;
    }
    bool was_empty = batch_empty(b);
    size_t before = b->event_text.len;
    if (b->nevents)
        textbuf_put(&b->event_text, ",", 1);
    size_t off = b->event_text.len;
    textbuf_put(&b->event_text, event, len);
    if (b->event_text.oom) {
        /* undo: the text holds exactly the events counted */
        b->event_text.len = before;
        b->event_text.oom = false;
        if (b->event_text.p)
            b->event_text.p[before] = '\0';
        return -1;
    }
    b->ev_off[b->nevents] = off;
    b->ev_len[b->nevents] = len;
    b->nevents++;
    if (was_empty)
        b->first_ms = now_ms;
    return 0;
}

int batch_add_output(struct batch *b, json_t *output, int64_t now_ms)
{
    if (!output)
        return -1;
    bool was_empty = batch_empty(b);
    if (json_array_append(b->outputs, output))
        return -1;
    if (was_empty)
        b->first_ms = now_ms;
    return 0;
}

int64_t batch_due_ms(const struct batch *b)
{
    if (batch_empty(b))
        return -1;
    if (b->urgent || batch_updates(b) >= BATCH_MAX_UPDATES)
        return b->first_ms;
    return b->first_ms + BATCH_MAX_DELAY_MS;
}

bool batch_should_flush(const struct batch *b, int64_t now_ms)
{
    int64_t due = batch_due_ms(b);
    return due >= 0 && now_ms >= due;
}

static int cmp_job(const void *a, const void *b)
{
    const struct batch_job_upd *x = a, *y = b;
    int c = strcmp(x->job_id, y->job_id);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_node(const void *a, const void *b)
{
    const struct batch_node_upd *x = a, *y = b;
    int c = strcmp(x->job_id, y->job_id);
    if (!c)
        c = strcmp(x->node, y->node);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void batch_compact(struct batch *b)
{
    if (b->njobs > 1) {
        qsort(b->jobs, b->njobs, sizeof *b->jobs, cmp_job);
        size_t w = 0;
        for (size_t i = 0; i < b->njobs; i++) {
            bool last = i + 1 == b->njobs || strcmp(b->jobs[i].job_id, b->jobs[i + 1].job_id);
            if (last)
                b->jobs[w++] = b->jobs[i];
        }
        b->njobs = w;
    }
    if (b->nnodes > 1) {
        qsort(b->nodes, b->nnodes, sizeof *b->nodes, cmp_node);
        size_t w = 0;
        for (size_t i = 0; i < b->nnodes; i++) {
            bool last = i + 1 == b->nnodes ||
                        strcmp(b->nodes[i].job_id, b->nodes[i + 1].job_id) ||
                        strcmp(b->nodes[i].node, b->nodes[i + 1].node);
            if (last)
                b->nodes[w++] = b->nodes[i];
            else
                free(b->nodes[i].node);
        }
        b->nnodes = w;
    }
}

/* ---- array literals ---- */

/* The literal, or NULL when out of memory (t freed). */
static char *sb_done(struct textbuf *t)
{
    if (t->oom) {
        textbuf_free(t);
        return NULL;
    }
    return t->p;
}

static char *int_array(const int64_t *v, size_t n)
{
    struct textbuf s = { 0 };
    textbuf_put(&s, "{", 1);
    for (size_t i = 0; i < n; i++) {
        char num[32];
        int k = snprintf(num, sizeof num, "%s%" PRId64, i ? "," : "", v[i]);
        textbuf_put(&s, num, (size_t)k);
    }
    textbuf_put(&s, "}", 1);
    return sb_done(&s);
}

static void free_all(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i]);
        a[i] = NULL;
    }
}

int batch_job_params(const struct batch *b, char **ids, char **statuses, char **at_us)
{
    size_t n = b->njobs;
    const char **id = calloc(n + 1, sizeof *id);
    const char **st = calloc(n + 1, sizeof *st);
    int64_t *at = calloc(n + 1, sizeof *at);
    char *out[3] = { NULL, NULL, NULL };
    int rc = -1;
    if (id && st && at) {
        for (size_t i = 0; i < n; i++) {
            id[i] = b->jobs[i].job_id;
            st[i] = job_state_name(b->jobs[i].status);
            at[i] = b->jobs[i].at_us;
        }
        out[0] = pg_array_literal(id, n);
        out[1] = pg_array_literal(st, n);
        out[2] = int_array(at, n);
        rc = (out[0] && out[1] && out[2]) ? 0 : -1;
    }
    free(id);
    free(st);
    free(at);
    if (rc) {
        free_all(out, 3);
        return -1;
    }
    *ids = out[0];
    *statuses = out[1];
    *at_us = out[2];
    return 0;
}

int batch_node_params(const struct batch *b, char **job_ids, char **nodes, char **statuses,
                      char **at_us)
{
    size_t n = b->nnodes;
    const char **id = calloc(n + 1, sizeof *id);
    const char **nd = calloc(n + 1, sizeof *nd);
    const char **st = calloc(n + 1, sizeof *st);
    int64_t *at = calloc(n + 1, sizeof *at);
    char *out[4] = { NULL, NULL, NULL, NULL };
    int rc = -1;
    if (id && nd && st && at) {
        for (size_t i = 0; i < n; i++) {
            id[i] = b->nodes[i].job_id;
            nd[i] = b->nodes[i].node;
            st[i] = job_node_state_name(b->nodes[i].status);
            at[i] = b->nodes[i].at_us;
        }
        out[0] = pg_array_literal(id, n);
        out[1] = pg_array_literal(nd, n);
        out[2] = pg_array_literal(st, n);
        out[3] = int_array(at, n);
        rc = (out[0] && out[1] && out[2] && out[3]) ? 0 : -1;
    }
    free(id);
    free(nd);
    free(st);
    free(at);
    if (rc) {
        free_all(out, 4);
        return -1;
    }
    *job_ids = out[0];
    *nodes = out[1];
    *statuses = out[2];
    *at_us = out[3];
    return 0;
}

/* ---- events as stored ---- */

static bool event_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    return true;
}

/* The members a stored event leaves out: the bus envelope. */
static bool envelope_key(const char *k, size_t n)
{
    return (n == 4 && !memcmp(k, "type", 4)) || (n == 3 && !memcmp(k, "org", 3)) ||
           (n == 6 && !memcmp(k, "job_id", 6)) || (n == 5 && !memcmp(k, "event", 5));
}

static bool take_job_id(const char *s, size_t n, char job_id[JOB_ID_LEN + 1])
{
    if (!s || n != JOB_ID_LEN)
        return false;
    memcpy(job_id, s, JOB_ID_LEN);
    job_id[JOB_ID_LEN] = '\0';
    return job_id_valid(job_id);
}

/* The common case, without a parse tree: flatjson's strings need no
 * escaping, so the members are written back exactly. */
static int flat_line(const struct flatjson *f, char job_id[JOB_ID_LEN + 1], struct textbuf *line,
                     size_t *name_len)
{
    const struct flatjson_member *id = flatjson_get(f, "job_id");
    const struct flatjson_member *ev = flatjson_get(f, "event");
    if (!id || id->type != FLATJSON_STRING || !take_job_id(id->str, id->str_len, job_id) || !ev ||
        ev->type != FLATJSON_STRING || !event_name_ok(ev->str, ev->str_len))
        return -1;
    textbuf_put(line, ev->str, ev->str_len);
    textbuf_put(line, " {", 2);
    bool first = true;
    for (size_t i = 0; i < f->count; i++) {
        const struct flatjson_member *m = &f->members[i];
        if (envelope_key(m->key, m->key_len))
            continue;
        textbuf_put(line, first ? "\"" : ",\"", first ? 1 : 2);
        first = false;
        textbuf_put(line, m->key, m->key_len);
        textbuf_put(line, "\":", 2);
        switch (m->type) {
        case FLATJSON_STRING:
            textbuf_put(line, "\"", 1);
            textbuf_put(line, m->str, m->str_len);
            textbuf_put(line, "\"", 1);
            break;
        case FLATJSON_INT:
            textbuf_put_i64(line, (long long)m->num);
            break;
        case FLATJSON_NULL:
            textbuf_puts(line, "null");
            break;
        case FLATJSON_TRUE:
            textbuf_puts(line, "true");
            break;
        case FLATJSON_FALSE:
            textbuf_puts(line, "false");
            break;
        }
    }
    textbuf_put(line, "}", 1);
    *name_len = ev->str_len;
    return 0;
}

/* Anything else (the start event's options, escaped strings): jansson,
 * which keeps the members' order. */
static int full_line(const char *ev, size_t len, char job_id[JOB_ID_LEN + 1],
                     struct textbuf *line, size_t *name_len)
{
    json_t *o = json_loadb(ev, len, 0, NULL);
    const char *id = json_string_value(json_object_get(o, "job_id"));
    const char *name = json_string_value(json_object_get(o, "event"));
    int rc = -1;
    if (!json_is_object(o) || !id || !take_job_id(id, strlen(id), job_id) || !name ||
        !event_name_ok(name, strlen(name)))
        goto out;
    size_t n = strlen(name);
    textbuf_put(line, name, n);
    textbuf_put(line, " ", 1);
    /* name points into o: written before the members go */
    (void)json_object_del(o, "type");
    (void)json_object_del(o, "org");
    (void)json_object_del(o, "job_id");
    (void)json_object_del(o, "event");
    char *data = json_dumps(o, JSON_COMPACT);
    if (!data) {
        line->oom = true;
        goto out;
    }
    textbuf_puts(line, data);
    free(data);
    *name_len = n;
    rc = 0;
out:
    json_decref(o);
    return rc;
}

int batch_event_line(const char *ev, size_t len, char job_id[JOB_ID_LEN + 1],
                     struct textbuf *line, size_t *name_len)
{
    size_t start = line->len;
    struct flatjson f;
    int rc = flatjson_scan(&f, ev, len) == 0 ? flat_line(&f, job_id, line, name_len)
                                             : full_line(ev, len, job_id, line, name_len);
    if (rc || line->oom) {
        bool oom = line->oom;
        textbuf_truncate(line, start);
        line->oom = oom;
        return -1;
    }
    return 0;
}

struct ev_row {
    char job_id[JOB_ID_LEN + 1];
    size_t idx;              /* batch order */
    size_t off, len;         /* its line, in the lines buffer */
    size_t name_len;
    size_t pos;              /* among its job's events here, from 1 */
};

static int cmp_row(const void *a, const void *b)
{
    const struct ev_row *x = *(const struct ev_row *const *)a;
    const struct ev_row *y = *(const struct ev_row *const *)b;
    int c = strcmp(x->job_id, y->job_id);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

bool batch_org_feed_event(const char *name, size_t n)
{
    return (n == 5 && !memcmp(name, "start", 5)) || (n == 12 && !memcmp(name, "job_complete", 12));
}

void batch_event_params_free(struct batch_event_params *p)
{
    free(p->job_ids);
    free(p->offs);
    free(p->counts);
    free(p->bodies);
    free(p->org_job_ids);
    free(p->org_pos);
    free(p->org_names);
    free(p->org_data);
    memset(p, 0, sizeof *p);
}

/* Pointers to the n NUL-separated strings from buf (t->p) at offsets off. */
static char *literal_at(const struct textbuf *t, const size_t *off, size_t n, const char **tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = t->p + off[i];
    return pg_array_literal(tmp, n);
}

int batch_event_params(const struct batch *b, struct batch_event_params *p)
{
    memset(p, 0, sizeof *p);
    size_t n = b->nevents;
    struct ev_row *rows = calloc(n + 1, sizeof *rows);
    struct ev_row **order = calloc(n + 1, sizeof *order);
    size_t *org_off = calloc(n + 1, sizeof *org_off);
    size_t *name_off = calloc(n + 1, sizeof *name_off);
    int64_t *counts = calloc(n + 1, sizeof *counts), *pos = calloc(n + 1, sizeof *pos);
    int64_t *offs = calloc(n + 1, sizeof *offs);
    const char **tmp = calloc(n + 1, sizeof *tmp);
    const char **ids = calloc(n + 1, sizeof *ids), **org_ids = calloc(n + 1, sizeof *org_ids);
    struct textbuf lines = { 0 }, bodies = { 0 }, names = { 0 }, data = { 0 };
    int rc = -1;
    if (!rows || !order || !org_off || !name_off || !counts || !pos || !offs || !tmp || !ids ||
        !org_ids)
        goto out;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct ev_row *r = &rows[m];
        r->idx = i;
        r->off = lines.len;
        if (batch_event_line(b->event_text.p + b->ev_off[i], b->ev_len[i], r->job_id, &lines,
                             &r->name_len)) {
            if (lines.oom)
                goto out;
            p->skipped++;
            continue;
        }
        r->len = lines.len - r->off;
        order[m] = r;
        m++;
    }
    /* Per job, its lines in batch order, EVENT_ROW_MAX per body. */
    qsort(order, m, sizeof *order, cmp_row);
    size_t in_job = 0; /* the job's lines before this one */
    for (size_t i = 0; i < m; i++) {
        bool first = i == 0 || strcmp(order[i - 1]->job_id, order[i]->job_id);
        if (first)
            in_job = 0;
        if (first || in_job % EVENT_ROW_MAX == 0) {
            if (i)
                textbuf_put(&bodies, BATCH_BODY_SEP, 1);
            ids[p->nrows] = order[i]->job_id;
            offs[p->nrows] = (int64_t)in_job;
            p->nrows++;
        } else {
            textbuf_put(&bodies, "\n", 1);
        }
        counts[p->nrows - 1]++;
        order[i]->pos = ++in_job;
        textbuf_put(&bodies, lines.p + order[i]->off, order[i]->len);
    }
    /* The org feed's events, in batch order (rows are). */
    for (size_t i = 0; i < m; i++) {
        const struct ev_row *r = &rows[i];
        const char *line = lines.p + r->off;
        if (!batch_org_feed_event(line, r->name_len))
            continue;
        org_ids[p->norg] = r->job_id;
        pos[p->norg] = (int64_t)r->pos;
        name_off[p->norg] = names.len;
        textbuf_put(&names, line, r->name_len);
        textbuf_put(&names, "", 1);
        const char *d = line + r->name_len + 1;
        size_t dn = r->len - r->name_len - 1; /* "{...}" */
        org_off[p->norg] = data.len;
        textbuf_put(&data, d, dn - 1);
        textbuf_puts(&data, dn > 2 ? ",\"job\":\"" : "\"job\":\"");
        textbuf_puts(&data, r->job_id);
        textbuf_put(&data, "\"}", 3); /* with the NUL */
        p->norg++;
    }
    if (lines.oom || bodies.oom || names.oom || data.oom)
        goto out;
    p->job_ids = pg_array_literal(ids, p->nrows);
    p->offs = int_array(offs, p->nrows);
    p->counts = int_array(counts, p->nrows);
    p->bodies = bodies.p ? bodies.p : strdup("");
    bodies.p = NULL; /* now p's */
    p->org_job_ids = pg_array_literal(org_ids, p->norg);
    p->org_pos = int_array(pos, p->norg);
    p->org_names = literal_at(&names, name_off, p->norg, tmp);
    p->org_data = literal_at(&data, org_off, p->norg, tmp);
    if (p->job_ids && p->offs && p->counts && p->bodies && p->org_job_ids && p->org_pos && p->org_names &&
        p->org_data)
        rc = 0;
out:
    if (rc)
        batch_event_params_free(p);
    free(rows);
    free(order);
    free(org_off);
    free(name_off);
    free(counts);
    free(offs);
    free(pos);
    free(tmp);
    free(ids);
    free(org_ids);
    textbuf_free(&lines);
    textbuf_free(&bodies);
    textbuf_free(&names);
    textbuf_free(&data);
    return rc;
}
