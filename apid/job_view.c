#include "apid/job_view.h"

#include <stdlib.h>
#include <string.h>

#include "shared/timefmt.h"

static int set_time(json_t *o, const char *key, time_t t)
{
    char buf[TIME_RFC1123_SIZE];
    if (time_format_rfc1123(t, buf, sizeof buf))
        buf[0] = '\0';
    return json_object_set_new(o, key, json_string(buf));
}

static json_t *base(const struct job_row *r, bool include_file)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "id", r->id, "command", r->command, "status",
                          r->status, "run_timeout", (int)r->run_timeout);
    if (!o)
        return NULL;
    int rc = set_time(o, "created_at", r->created_at) | set_time(o, "updated_at", r->updated_at);
    json_t *opts = NULL;
    if (r->options_json && *r->options_json)
        opts = json_loads(r->options_json, 0, NULL);
    if (json_is_object(opts)) {
        static const char *const copy[] = { "user", "dir", "env" };
        for (size_t i = 0; i < sizeof copy / sizeof *copy; i++) {
            json_t *v = json_object_get(opts, copy[i]);
            if (v)
                rc |= json_object_set(o, copy[i], v);
        }
        if (json_is_true(json_object_get(opts, "capture_output")))
            rc |= json_object_set_new(o, "capture_output", json_true());
        json_t *file = json_object_get(opts, "file");
        if (file && include_file)
            rc |= json_object_set(o, "file", file);
        else if (file)
            rc |= json_object_set_new(o, "file_specified", json_true());
    }
    json_decref(opts);
    if (r->search)
        rc |= json_object_set_new(o, "search", json_string(r->search));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *job_view_summary(const struct job_row *r)
{
    return base(r, false);
}

json_t *job_view_detail(const struct job_row *r, bool include_file)
{
    json_t *o = base(r, include_file);
    if (o && json_object_set_new(o, "quorum", json_integer(r->quorum))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Row indices ordered by state, rows of one state in their given order;
 * states compare with strcmp (byte order, which for the fixed lower-case
 * state names is also their order under the usual collations). There are
 * few distinct states (job_nodes' CHECK allows 11): each row gets the
 * number of its state among those seen (consecutive rows mostly share
 * one), then a counting sort by the states' order. malloc'd; NULL when out
 * of memory or n is 0. */
static size_t *order_by_state(const char *const *states, size_t n)
{
    size_t *order = n ? malloc(n * sizeof *order) : NULL;
    size_t *group = n ? malloc(n * sizeof *group) : NULL;
    const char **distinct = NULL;
    size_t *count = NULL;
    size_t nd = 0, cap = 0;
    if (!order || !group)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(states[i], states[i - 1])) {
            group[i] = group[i - 1];
            continue;
        }
        size_t g = 0;
        while (g < nd && strcmp(states[i], distinct[g]))
            g++;
        if (g == nd) {
            if (nd == cap) {
                cap = cap ? 2 * cap : 16;
                const char **d = realloc(distinct, cap * sizeof *d);
                if (!d)
                    goto fail;
                distinct = d;
            }
            distinct[nd++] = states[i];
        }
        group[i] = g;
    }
    /* start[g]: where group g's rows begin = the rows of states before it */
    count = calloc(nd, sizeof *count);
    size_t *start = calloc(nd, sizeof *start);
    if (!count || !start) {
        free(start);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        count[group[i]]++;
    for (size_t g = 0; g < nd; g++)
        for (size_t h = 0; h < nd; h++)
            if (strcmp(distinct[h], distinct[g]) < 0)
                start[g] += count[h];
    for (size_t i = 0; i < n; i++)
        order[start[group[i]]++] = i;
    free(start);
    free(count);
    free(distinct);
    free(group);
    return order;
fail:
    free(count);
    free(distinct);
    free(group);
    free(order);
    return NULL;
}

int job_view_add_nodes(json_t *job, const char *const *names, const char *const *states,
                       size_t n)
{
    json_t *groups = json_object();
    size_t *order = order_by_state(states, n);
    if (!groups || (n && !order)) {
        json_decref(groups);
        return -1;
    }
    json_t *list = NULL;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (k == 0 || strcmp(states[i], states[order[k - 1]])) {
            list = json_array();
            if (!list || json_object_set_new(groups, states[i], list)) {
                free(order);
                json_decref(groups);
                return -1;
            }
        }
        if (json_array_append_new(list, json_string(names[i]))) {
            free(order);
            json_decref(groups);
            return -1;
        }
    }
    free(order);
    return json_object_set_new(job, "nodes", groups);
}

void job_view_write_nodes(struct json_buf *b, const char *const *names,
                          const char *const *states, size_t n)
{
    size_t *order = order_by_state(states, n);
    if (n && !order) {
        b->failed = true;
        return;
    }
    json_buf_lit(b, "{");
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (k == 0 || strcmp(states[i], states[order[k - 1]])) {
            if (k)
                json_buf_lit(b, "],");
            json_buf_string(b, states[i]);
            json_buf_lit(b, ":[");
        } else {
            json_buf_lit(b, ",");
        }
        json_buf_string(b, names[i]);
    }
    if (n)
        json_buf_lit(b, "]");
    json_buf_lit(b, "}");
    free(order);
}

void job_view_write_detail(struct json_buf *b, const struct job_row *r, bool include_file,
                           const char *const *names, const char *const *states, size_t n)
{
    json_t *o = job_view_detail(r, include_file);
    if (!o) {
        b->failed = true;
        return;
    }
    json_buf_lit(b, "{");
    json_buf_members(b, o); /* never empty: "id" comes first */
    json_buf_lit(b, ",\"nodes\":");
    job_view_write_nodes(b, names, states, n);
    json_buf_lit(b, "}");
    json_decref(o);
}
