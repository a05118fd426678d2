#include "jobrunner/batch.h"
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

char *batch_events_array(const struct batch *b)
{
    size_t n = b->event_text.len;
    char *s = malloc(n + 3);
    if (!s)
        return NULL;
    s[0] = '[';
    if (n)
        memcpy(s + 1, b->event_text.p, n);
    s[n + 1] = ']';
    s[n + 2] = '\0';
    return s;
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
