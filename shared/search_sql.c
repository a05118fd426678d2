/* Search AST -> parameterized SQL (see search_sql.h). */
#include "shared/search_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* search_is_number() in SQL. */
#define STR2(x) #x
#define STR(x) STR2(x)
#define NUMBER_TEST(x) "octet_length(" x ") <= " STR(SEARCH_MAX_NUM_LEN) \
    " AND " x " ~ '^-?[0-9]+([.][0-9]+)?$'"

/* PostgreSQL accepts at most 65535 parameters per statement. */
#define MAX_PARAMS 65535

struct ctx {
    FILE *f;
    const char *col;
    int first;
    char **params;
    int n, cap;
    bool failed;
};

/* Adds a parameter; returns its number ($n), or 0 on failure. */
static int param(struct ctx *c, const char *value)
{
    if (c->failed)
        return 0;
    if (c->first + c->n > MAX_PARAMS) {
        c->failed = true;
        return 0;
    }
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        char **np = realloc(c->params, (size_t)cap * sizeof *np);
        if (!np) {
            c->failed = true;
            return 0;
        }
        c->params = np;
        c->cap = cap;
    }
    char *copy = strdup(value);
    if (!copy) {
        c->failed = true;
        return 0;
    }
    c->params[c->n] = copy;
    return c->first + c->n++;
}

/* The WHERE condition on one value (alias pushy_v.x) for a LIKE or range
 * term. */
static void value_cond(struct ctx *c, const struct search_node *t)
{
    if (t->term == SEARCH_LIKE) {
        fprintf(c->f, "pushy_v.x LIKE $%d::text", param(c, t->text));
        return;
    }
    const char *lo_op = t->lo_incl ? ">=" : ">", *hi_op = t->hi_incl ? "<=" : "<";
    if (t->numeric) {
        fputs("CASE WHEN " NUMBER_TEST("pushy_v.x") " THEN ", c->f);
        if (t->lo)
            fprintf(c->f, "pushy_v.x::numeric %s $%d::numeric", lo_op, param(c, t->lo));
        if (t->lo && t->hi)
            fputs(" AND ", c->f);
        if (t->hi)
            fprintf(c->f, "pushy_v.x::numeric %s $%d::numeric", hi_op, param(c, t->hi));
        fputs(" ELSE FALSE END", c->f);
        return;
    }
    if (t->lo)
        fprintf(c->f, "pushy_v.x COLLATE \"C\" %s $%d::text", lo_op, param(c, t->lo));
    if (t->lo && t->hi)
        fputs(" AND ", c->f);
    if (t->hi)
        fprintf(c->f, "pushy_v.x COLLATE \"C\" %s $%d::text", hi_op, param(c, t->hi));
}

static void emit_term(struct ctx *c, const struct search_node *t)
{
    if (!t->field) {
        switch (t->term) {
        case SEARCH_EXISTS:
            fputs("TRUE", c->f);
            return;
        case SEARCH_EXACT:
            fprintf(c->f, "EXISTS (SELECT 1 FROM jsonb_each(%s) AS pushy_f(k, v)"
                          " WHERE pushy_f.v @> jsonb_build_array($%d::text))",
                    c->col, param(c, t->text));
            return;
        case SEARCH_LIKE:
        case SEARCH_RANGE:
            fprintf(c->f, "EXISTS (SELECT 1 FROM jsonb_each(%s) AS pushy_f(k, v),"
                          " jsonb_array_elements_text(pushy_f.v) AS pushy_v(x) WHERE ",
                    c->col);
            value_cond(c, t);
            fputc(')', c->f);
            return;
        }
        return;
    }
    int f = param(c, t->field);
    switch (t->term) {
    case SEARCH_EXISTS:
        fprintf(c->f, "(%s ? $%d::text)", c->col, f);
        return;
    case SEARCH_EXACT:
        fprintf(c->f, "(%s @> jsonb_build_object($%d::text, jsonb_build_array($%d::text)))",
                c->col, f, param(c, t->text));
        return;
    case SEARCH_LIKE:
    case SEARCH_RANGE:
        fprintf(c->f, "EXISTS (SELECT 1 FROM jsonb_array_elements_text(%s -> $%d::text)"
                      " AS pushy_v(x) WHERE ",
                c->col, f);
        value_cond(c, t);
        fputc(')', c->f);
        return;
    }
}

static void emit(struct ctx *c, const struct search_node *n)
{
    switch (n->kind) {
    case SEARCH_ALL:
        fputs("TRUE", c->f);
        return;
    case SEARCH_AND:
    case SEARCH_OR:
        fputc('(', c->f);
        for (size_t i = 0; i < n->nkids; i++) {
            if (i > 0)
                fputs(n->kind == SEARCH_AND ? " AND " : " OR ", c->f);
            emit(c, n->kids[i]);
        }
        fputc(')', c->f);
        return;
    case SEARCH_NOT:
        fputs("(NOT ", c->f);
        emit(c, n->kids[0]);
        fputc(')', c->f);
        return;
    case SEARCH_TERM:
        emit_term(c, n);
        return;
    }
}

void search_sql_free(struct search_sql *s)
{
    if (!s)
        return;
    free(s->sql);
    for (int i = 0; i < s->nparams; i++)
        free(s->params[i]);
    free(s->params);
    memset(s, 0, sizeof *s);
}

int search_to_sql(const struct search_query *q, const char *column_expr, int first_param,
                  struct search_sql *out)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!q || !q->root || !column_expr || !*column_expr || first_param < 1)
        return -1;
    char *buf = NULL;
    size_t len = 0;
    struct ctx c = { .col = column_expr, .first = first_param };
    c.f = open_memstream(&buf, &len);
    if (!c.f)
        return -1;
    emit(&c, q->root);
    bool bad = c.failed || ferror(c.f);
    if (fclose(c.f) != 0 || bad) {
        free(buf);
        out->params = c.params;
        out->nparams = c.n;
        search_sql_free(out);
        return -1;
    }
    out->sql = buf;
    out->params = c.params;
    out->nparams = c.n;
    return 0;
}
