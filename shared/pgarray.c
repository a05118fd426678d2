#include "shared/pgarray.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct grow {
    char *p;
    size_t len, cap;
    bool oom;
};

static void put(struct grow *g, const char *s, size_t n)
{
    if (g->oom)
        return;
    if (g->len + n + 1 > g->cap) {
        size_t cap = (g->len + n + 1) * 2;
        char *p = realloc(g->p, cap);
        if (!p) {
            g->oom = true;
            return;
        }
        g->p = p;
        g->cap = cap;
    }
    memcpy(g->p + g->len, s, n);
    g->len += n;
    g->p[g->len] = '\0';
}

char *pg_array_literal(const char *const *elems, size_t n)
{
    struct grow g = { 0 };
    put(&g, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(&g, ",", 1);
        if (!elems[i]) {
            put(&g, "NULL", 4);
            continue;
        }
        put(&g, "\"", 1);
        for (const char *c = elems[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                put(&g, "\\", 1);
            put(&g, c, 1);
        }
        put(&g, "\"", 1);
    }
    put(&g, "}", 1);
    if (g.oom) {
        free(g.p);
        return NULL;
    }
    return g.p;
}
