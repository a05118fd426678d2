/* Which SQL texts are prepared (PQprepare) on one database connection, so
 * that apid's statements are parsed and planned by PostgreSQL once per
 * connection instead of once per request. Pure bookkeeping: dbconn.c
 * prepares and executes. One per connection (per HTTP thread), not
 * thread-safe. Keys are the full SQL text, so dynamically built queries
 * work too; when the table is full further texts run unprepared. */
#ifndef PUSHY_APID_STMT_CACHE_H
#define PUSHY_APID_STMT_CACHE_H

#include <stdint.h>

#define STMT_CACHE_MAX 64
#define STMT_NAME_SIZE 24

struct stmt_cache_entry {
    uint64_t hash;
    char *sql;                    /* owned */
    char name[STMT_NAME_SIZE];    /* "pushy_s<N>", unique per connection */
};

struct stmt_cache {
    unsigned next_id;
    int n;
    struct stmt_cache_entry e[STMT_CACHE_MAX];
};

/* Forgets every entry (a new connection has no prepared statements). */
void stmt_cache_reset(struct stmt_cache *c);

/* The statement name sql is prepared under, or NULL. */
const char *stmt_cache_find(const struct stmt_cache *c, const char *sql);

/* Records sql under a fresh name and returns it (prepare it under that
 * name, and stmt_cache_remove it if that fails); NULL when the table is
 * full or out of memory. */
const char *stmt_cache_add(struct stmt_cache *c, const char *sql);

/* Forgets sql (its next use prepares it again under a new name). */
void stmt_cache_remove(struct stmt_cache *c, const char *sql);

#endif
