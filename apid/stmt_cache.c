#include "apid/stmt_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/lru_cache.h"

static uint64_t text_hash(const char *sql) { return lru_hash(sql, strlen(sql)); }

void stmt_cache_reset(struct stmt_cache *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->e[i].sql);
    c->n = 0;
}

static int find(const struct stmt_cache *c, const char *sql, uint64_t h)
{
    for (int i = 0; i < c->n; i++)
        if (c->e[i].hash == h && !strcmp(c->e[i].sql, sql))
            return i;
    return -1;
}

const char *stmt_cache_find(const struct stmt_cache *c, const char *sql)
{
    int i = find(c, sql, text_hash(sql));
    return i < 0 ? NULL : c->e[i].name;
}

const char *stmt_cache_add(struct stmt_cache *c, const char *sql)
{
    if (c->n >= STMT_CACHE_MAX)
        return NULL;
    char *copy = strdup(sql);
    if (!copy)
        return NULL;
    struct stmt_cache_entry *e = &c->e[c->n++];
    e->hash = text_hash(sql);
    e->sql = copy;
    snprintf(e->name, sizeof e->name, "pushy_s%u", c->next_id++);
    return e->name;
}

void stmt_cache_remove(struct stmt_cache *c, const char *sql)
{
    int i = find(c, sql, text_hash(sql));
    if (i < 0)
        return;
    free(c->e[i].sql);
    c->e[i] = c->e[--c->n];
}
