#include "cli/format.h"

#include <stdlib.h>
#include <string.h>

#include "cli/strbuf.h"

static bool is_scalar(const json_t *v) { return !json_is_object(v) && !json_is_array(v); }

static bool scalar_array(const json_t *v)
{
    size_t i;
    json_t *item;
    if (!json_is_array(v))
        return false;
    json_array_foreach(v, i, item) {
        if (!is_scalar(item))
            return false;
    }
    return true;
}

static int scalar_text(const json_t *v, struct strbuf *b)
{
    switch (json_typeof(v)) {
    case JSON_STRING: return sb_append(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL: return sb_printf(b, "%.15g", json_real_value(v));
    case JSON_TRUE: return sb_puts(b, "true");
    case JSON_FALSE: return sb_puts(b, "false");
    default: return 0; /* null: nothing */
    }
}

/* A scalar, or an array of scalars joined with spaces. */
static int value_text(const json_t *v, struct strbuf *b)
{
    if (!json_is_array(v))
        return scalar_text(v, b);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        if ((i && sb_putc(b, ' ')) || scalar_text(item, b))
            return -1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted; *n set. NULL (and *n = 0) for an empty object
 * or when out of memory (*oom set). */
static const char **sorted_keys(const json_t *obj, size_t *n, bool *oom)
{
    *n = json_object_size(obj);
    *oom = false;
    if (!*n)
        return NULL;
    const char **keys = malloc(*n * sizeof *keys);
    if (!keys) {
        *oom = true;
        *n = 0;
        return NULL;
    }
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        (void)v;
        keys[i++] = k;
    }
    qsort(keys, *n, sizeof *keys, cmp_str);
    return keys;
}

static int knife_object(FILE *out, const json_t *obj, int indent);

static int knife_array(FILE *out, const json_t *arr, int indent)
{
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item) {
        if (json_is_object(item)) {
            if ((i && fprintf(out, "\n") < 0) || knife_object(out, item, indent))
                return -1;
        } else if (json_is_array(item)) {
            if (knife_array(out, item, indent + 2))
                return -1;
        } else {
            struct strbuf b = { 0 };
            int rc = scalar_text(item, &b) ? -1 :
                     fprintf(out, "%*s%s\n", indent, "", b.p ? b.p : "") < 0 ? -1 : 0;
            sb_free(&b);
            if (rc)
                return -1;
        }
    }
    return 0;
}

static int knife_object(FILE *out, const json_t *obj, int indent)
{
    size_t n;
    bool oom;
    const char **keys = sorted_keys(obj, &n, &oom);
    if (oom)
        return -1;
    int width = 0;
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(keys[i]) + 1;
        if (w > width)
            width = w;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const json_t *v = json_object_get(obj, keys[i]);
        if (is_scalar(v) || scalar_array(v)) {
            struct strbuf b = { 0 };
            if (value_text(v, &b))
                rc = -1;
            else if (b.len)
                rc = fprintf(out, "%*s%s:%*s %s\n", indent, "", keys[i],
                             width - (int)strlen(keys[i]) - 1, "", b.p) < 0;
            else
                rc = fprintf(out, "%*s%s:\n", indent, "", keys[i]) < 0;
            sb_free(&b);
        } else {
            rc = fprintf(out, "%*s%s:\n", indent, "", keys[i]) < 0;
            if (!rc)
                rc = json_is_object(v) ? knife_object(out, v, indent + 2)
                                       : knife_array(out, v, indent + 2);
        }
    }
    free(keys);
    return rc ? -1 : 0;
}

int cli_fmt_knife(FILE *out, const json_t *obj)
{
    if (json_is_object(obj))
        return knife_object(out, obj, 0);
    if (json_is_array(obj))
        return knife_array(out, obj, 0);
    struct strbuf b = { 0 };
    int rc = scalar_text(obj, &b) || fprintf(out, "%s\n", b.p ? b.p : "") < 0 ? -1 : 0;
    sb_free(&b);
    return rc;
}

int cli_fmt_table(FILE *out, const char *const *cells, size_t nrows, size_t ncols)
{
    if (!ncols)
        return 0;
    size_t *w = calloc(ncols, sizeof *w);
    if (!w)
        return -1;
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            size_t l = strlen(cells[r * ncols + c]);
            if (l > w[c])
                w[c] = l;
        }
    int rc = 0;
    for (size_t r = 0; !rc && r < nrows; r++) {
        for (size_t c = 0; !rc && c < ncols; c++) {
            const char *cell = cells[r * ncols + c];
            if (c + 1 < ncols)
                rc = fprintf(out, "%-*s  ", (int)w[c], cell) < 0;
            else
                rc = fprintf(out, "%s\n", cell) < 0;
        }
    }
    free(w);
    return rc ? -1 : 0;
}

/* A string field of obj, or "" (numbers and booleans as text are not
 * needed here: these fields are strings). */
static const char *field(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

int cli_fmt_job_list(FILE *out, const json_t *jobs)
{
    if (!json_is_array(jobs))
        return -1;
    size_t n = json_array_size(jobs);
    const char **cells = malloc((n + 1) * 4 * sizeof *cells);
    if (!cells)
        return -1;
    const char *head[4] = { "Job ID", "Status", "Command", "Created at" };
    memcpy(cells, head, sizeof head);
    for (size_t i = 0; i < n; i++) {
        const json_t *j = json_array_get(jobs, i);
        const char **row = cells + (i + 1) * 4;
        row[0] = field(j, "id");
        row[1] = field(j, "status");
        row[2] = field(j, "command");
        row[3] = field(j, "created_at");
    }
    int rc = cli_fmt_table(out, cells, n + 1, 4);
    free(cells);
    return rc;
}

struct node_row {
    const char *name, *status, *when;
};

static int cmp_node_row(const void *a, const void *b)
{
    const struct node_row *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->status, y->status);
}

int cli_fmt_job_status(FILE *out, const json_t *job)
{
    const json_t *nodes = json_object_get(job, "nodes");
    if (!json_is_object(job) || (nodes && !json_is_object(nodes)))
        return -1;
    const json_t *times = json_object_get(job, "node_updated_at");
    const char *job_time = field(job, "updated_at");
    size_t n = 0;
    const char *state;
    json_t *names;
    json_object_foreach((json_t *)nodes, state, names) {
        if (!json_is_array(names))
            return -1;
        n += json_array_size(names);
    }
    struct node_row *rows = malloc((n ? n : 1) * sizeof *rows);
    const char **cells = malloc((n + 1) * 3 * sizeof *cells);
    int rc = -1;
    if (!rows || !cells)
        goto out;
    size_t k = 0;
    json_object_foreach((json_t *)nodes, state, names) {
        size_t i;
        json_t *name;
        json_array_foreach(names, i, name) {
            const char *nm = json_string_value(name);
            if (!nm)
                goto out;
            const char *t = json_string_value(json_object_get(times, nm));
            rows[k++] = (struct node_row){ nm, state, t ? t : job_time };
        }
    }
    qsort(rows, n, sizeof *rows, cmp_node_row);
    const char *head[3] = { "Node name", "Status", "Last updated" };
    memcpy(cells, head, sizeof head);
    for (size_t i = 0; i < n; i++) {
        cells[(i + 1) * 3] = rows[i].name;
        cells[(i + 1) * 3 + 1] = rows[i].status;
        cells[(i + 1) * 3 + 2] = rows[i].when;
    }
    const char *summary[] = {
        "Job ID:", field(job, "id"), "Command:", field(job, "command"),
        "Status:", field(job, "status"),
    };
    if (cli_fmt_table(out, summary, 3, 2) || fprintf(out, "\n") < 0 ||
        cli_fmt_table(out, cells, n + 1, 3))
        goto out;
    rc = 0;
out:
    free(rows);
    free(cells);
    return rc;
}

int cli_fmt_node_status(FILE *out, const json_t *nodes, bool long_form)
{
    size_t n = json_is_array(nodes) ? json_array_size(nodes) : 1;
    if (!json_is_array(nodes) && !json_is_object(nodes))
        return -1;
    if (!long_form) {
        for (size_t i = 0; i < n; i++) {
            const json_t *o = json_is_array(nodes) ? json_array_get(nodes, i) : nodes;
            if (!json_is_object(o))
                return -1;
            if (fprintf(out, "%s\t%s\n", field(o, "node_name"), field(o, "availability")) < 0)
                return -1;
        }
        return 0;
    }
    const char **cells = malloc((n + 1) * 4 * sizeof *cells);
    if (!cells)
        return -1;
    const char *head[4] = { "NODE", "STATUS", "AVAILABILITY", "UPDATED_AT" };
    memcpy(cells, head, sizeof head);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_is_array(nodes) ? json_array_get(nodes, i) : nodes;
        if (!json_is_object(o)) {
            free(cells);
            return -1;
        }
        const char **row = cells + (i + 1) * 4;
        row[0] = field(o, "node_name");
        row[1] = field(o, "status");
        row[2] = field(o, "availability");
        row[3] = field(o, "updated_at");
    }
    int rc = cli_fmt_table(out, cells, n + 1, 4);
    free(cells);
    return rc;
}
