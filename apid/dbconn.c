#include "apid/dbconn.h"

#include <pthread.h>
#include <stdlib.h>

#include "apid/metrics.h"
#include "apid/stmt_cache.h"
#include "shared/db.h"
#include "shared/log.h"

struct db_slot {
    struct db db;
    struct db_slot *next;
    struct stmt_cache stmts;  /* what is prepared on stmts_conn */
    PGconn *stmts_conn;
};

static const struct pushy_config *g_cfg;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db_slot *g_slots;          /* every thread's connection, for closing */
static _Thread_local struct db_slot *tl_slot;

void api_db_setup(const struct pushy_config *cfg) { g_cfg = cfg; }

static struct db_slot *thread_slot(void)
{
    if (tl_slot)
        return tl_slot;
    if (!g_cfg)
        return NULL;
    struct db_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    db_init(&s->db, g_cfg);
    pthread_mutex_lock(&g_lock);
    s->next = g_slots;
    g_slots = s;
    pthread_mutex_unlock(&g_lock);
    tl_slot = s;
    return s;
}

/* Runs sql as a statement prepared on this connection (preparing it on
 * first use); unprepared when it cannot be. The connection is live. */
static PGresult *run(struct db_slot *s, const char *what, const char *sql, int nparams,
                     const char *const *params)
{
    PGconn *c = s->db.conn;
    if (c != s->stmts_conn) { /* another connection: nothing is prepared on it */
        stmt_cache_reset(&s->stmts);
        s->stmts_conn = c;
    }
    const char *name = stmt_cache_find(&s->stmts, sql);
    if (!name && (name = stmt_cache_add(&s->stmts, sql)) != NULL) {
        PGresult *pr = PQprepare(c, name, sql, nparams, NULL);
        bool ok = pr && PQresultStatus(pr) == PGRES_COMMAND_OK;
        PQclear(pr);
        if (!ok) {
            stmt_cache_remove(&s->stmts, sql);
            name = NULL;
            if (PQstatus(c) != CONNECTION_OK) {
                /* Broken: let api_db_exec reconnect and forget the
                 * statements, rather than db_exec reconnecting silently
                 * under a cache that names statements of this one. */
                LOG_WARN("db: connection lost preparing %s", what);
                stmt_cache_reset(&s->stmts);
                db_close(&s->db);
                s->stmts_conn = NULL;
                return NULL;
            }
        }
    }
    if (!name)
        return db_exec(&s->db, what, sql, nparams, params); /* reports the error, if any */
    PGresult *r = db_exec_prepared(&s->db, what, name, nparams, params);
    if (!r) {
        if (s->db.conn != c) { /* db_exec_prepared dropped the broken connection */
            stmt_cache_reset(&s->stmts);
            s->stmts_conn = NULL;
            return NULL;
        }
        /* Maybe a schema change: prepare it anew next time, and drop the
         * server's copy so failing statements do not pile up there
         * (name is ours, "pushy_s<N>": no quoting needed). */
        char dealloc[16 + STMT_NAME_SIZE];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
        stmt_cache_remove(&s->stmts, sql);
        PGresult *d = PQexec(c, dealloc);
        if (PQresultStatus(d) != PGRES_COMMAND_OK)
            LOG_WARN("db: %s after a failed %s: %s", dealloc, what, PQerrorMessage(c));
        PQclear(d);
    }
    return r;
}

enum api_db_status api_db_exec(const char *what, const char *sql, int nparams,
                               const char *const *params, PGresult **res)
{
    *res = NULL;
    struct db_slot *slot = thread_slot();
    if (!slot) {
        metrics_db_error();
        return API_DB_UNAVAILABLE;
    }
    struct db *db = &slot->db;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool had_conn = db->conn != NULL;
        if (!had_conn || PQstatus(db->conn) != CONNECTION_OK) {
            stmt_cache_reset(&slot->stmts); /* db_get connects anew: nothing is prepared */
            slot->stmts_conn = NULL;
        }
        if (!db_get(db)) {
            metrics_db_error();
            return API_DB_UNAVAILABLE;
        }
        PGresult *r = run(slot, what, sql, nparams, params);
        if (r) {
            *res = r;
            return API_DB_OK;
        }
        metrics_db_error();
        if (db->conn)
            return API_DB_ERROR;      /* the statement failed, the connection is fine */
        if (!had_conn)
            return API_DB_UNAVAILABLE; /* a fresh connection broke at once */
        LOG_INFO("db: connection lost during %s; reconnecting", what);
    }
    return API_DB_UNAVAILABLE;
}

void api_db_close_all(void)
{
    pthread_mutex_lock(&g_lock);
    struct db_slot *s = g_slots;
    g_slots = NULL;
    pthread_mutex_unlock(&g_lock);
    while (s) {
        struct db_slot *next = s->next;
        db_close(&s->db);
        stmt_cache_reset(&s->stmts);
        free(s);
        s = next;
    }
}
