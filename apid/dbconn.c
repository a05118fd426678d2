#include "apid/dbconn.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Forgets the statements prepared on s when its connection changed. */
static void sync_stmts(struct db_slot *s)
{
    if (s->db.conn != s->stmts_conn) { /* another connection: nothing is prepared on it */
        stmt_cache_reset(&s->stmts);
        s->stmts_conn = s->db.conn;
    }
}

/* Drops s's connection and what was prepared on it. */
static void drop_conn(struct db_slot *s)
{
    stmt_cache_reset(&s->stmts);
    db_close(&s->db);
    s->stmts_conn = NULL;
}

/* The name sql is prepared under on s's live connection (preparing it on
 * first use), or NULL when it cannot be prepared; *lost is set when the
 * connection broke meanwhile (it is then dropped). */
static const char *prepared(struct db_slot *s, const char *what, const char *sql, int nparams,
                            bool *lost)
{
    PGconn *c = s->db.conn;
    *lost = false;
    sync_stmts(s);
    const char *name = stmt_cache_find(&s->stmts, sql);
    if (name || (name = stmt_cache_add(&s->stmts, sql)) == NULL)
        return name;
    PGresult *pr = PQprepare(c, name, sql, nparams, NULL);
    bool ok = pr && PQresultStatus(pr) == PGRES_COMMAND_OK;
    PQclear(pr);
    if (ok)
        return name;
    stmt_cache_remove(&s->stmts, sql);
    if (PQstatus(c) != CONNECTION_OK) {
        /* Broken: let api_db_exec reconnect and forget the statements,
         * rather than db_exec reconnecting silently under a cache that
         * names statements of this one. */
        LOG_WARN("db: connection lost preparing %s", what);
        drop_conn(s);
        *lost = true;
    }
    return NULL;
}

/* After sql (prepared as name) failed on a live connection: maybe a
 * schema change, so prepare it anew next time, and drop the server's copy
 * so failing statements do not pile up there (name is ours, "pushy_s<N>":
 * no quoting needed). */
static void unprepare(struct db_slot *s, const char *sql, const char *name)
{
    char dealloc[16 + STMT_NAME_SIZE];
    snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
    stmt_cache_remove(&s->stmts, sql);
    PGresult *d = PQexec(s->db.conn, dealloc);
    if (PQresultStatus(d) != PGRES_COMMAND_OK)
        LOG_WARN("db: %s after a failed statement: %s", dealloc, PQerrorMessage(s->db.conn));
    PQclear(d);
}

/* Runs sql as a statement prepared on this connection (preparing it on
 * first use); unprepared when it cannot be. The connection is live. */
static PGresult *run(struct db_slot *s, const char *what, const char *sql, int nparams,
                     const char *const *params)
{
    PGconn *c = s->db.conn;
    bool lost;
    const char *name = prepared(s, what, sql, nparams, &lost);
    if (lost)
        return NULL;
    if (!name)
        return db_exec(&s->db, what, sql, nparams, params); /* reports the error, if any */
    char saved[STMT_NAME_SIZE];
    snprintf(saved, sizeof saved, "%s", name);
    PGresult *r = db_exec_prepared(&s->db, what, saved, nparams, params);
    if (!r) {
        if (s->db.conn != c) { /* db_exec_prepared dropped the broken connection */
            stmt_cache_reset(&s->stmts);
            s->stmts_conn = NULL;
            return NULL;
        }
        unprepare(s, sql, saved);
    }
    return r;
}

/* The thread's slot for one attempt, its connection made anew (with an
 * empty statement cache) when it was missing or broken; NULL when the
 * database is unavailable (counted). *had_conn: whether a connection
 * existed before. */
static struct db_slot *attempt_slot(bool *had_conn)
{
    struct db_slot *slot = thread_slot();
    *had_conn = false;
    if (!slot) {
        metrics_db_error();
        return NULL;
    }
    struct db *db = &slot->db;
    *had_conn = db->conn != NULL;
    if (!*had_conn || PQstatus(db->conn) != CONNECTION_OK) {
        stmt_cache_reset(&slot->stmts); /* db_get connects anew: nothing is prepared */
        slot->stmts_conn = NULL;
    }
    if (!db_get(db)) {
        metrics_db_error();
        return NULL;
    }
    return slot;
}

enum api_db_status api_db_exec(const char *what, const char *sql, int nparams,
                               const char *const *params, PGresult **res)
{
    *res = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool had_conn;
        struct db_slot *slot = attempt_slot(&had_conn);
        if (!slot)
            return API_DB_UNAVAILABLE;
        PGresult *r = run(slot, what, sql, nparams, params);
        if (r) {
            *res = r;
            return API_DB_OK;
        }
        metrics_db_error();
        if (slot->db.conn)
            return API_DB_ERROR;      /* the statement failed, the connection is fine */
        if (!had_conn)
            return API_DB_UNAVAILABLE; /* a fresh connection broke at once */
        LOG_INFO("db: connection lost during %s; reconnecting", what);
    }
    return API_DB_UNAVAILABLE;
}

/* Results of a pipeline, each statement's result then the end of its
 * results, then the Sync. -1 when the connection is out of step (res[]
 * may hold some results: the caller clears them). */
static int collect(PGconn *c, int n, PGresult **res)
{
    for (int i = 0; i < n; i++) {
        res[i] = PQgetResult(c);
        if (!res[i])
            return -1;
        PGresult *extra;
        while ((extra = PQgetResult(c)) != NULL) /* a statement's results end with NULL */
            PQclear(extra);
    }
    PGresult *sync = PQgetResult(c);
    bool ok = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    return ok && PQexitPipelineMode(c) == 1 ? 0 : -1;
}

static void clear_all(PGresult **res, int n)
{
    for (int i = 0; i < n; i++) {
        PQclear(res[i]);
        res[i] = NULL;
    }
}

/* Runs the statements of b in one pipeline (one round trip, one
 * transaction). 0 with every res[i] set; 1 when a statement failed on a
 * live connection (logged); -1 when the connection broke (dropped);
 * 2 when pipeline mode could not be used (nothing was sent). */
static int run_pipeline(struct db_slot *s, const struct api_db_stmt *b, int n, PGresult **res)
{
    char names[API_DB_BATCH_MAX][STMT_NAME_SIZE];
    for (int i = 0; i < n; i++) {
        bool lost;
        const char *name = prepared(s, b[i].what, b[i].sql, b[i].nparams, &lost);
        if (lost)
            return -1;
        if (!name)
            return 2;
        snprintf(names[i], sizeof names[i], "%s", name);
    }
    PGconn *c = s->db.conn;
    if (PQenterPipelineMode(c) != 1)
        return 2;
    for (int i = 0; i < n; i++)
        if (PQsendQueryPrepared(c, names[i], b[i].nparams, b[i].params, NULL, NULL, 0) != 1)
            goto lost;
    if (PQpipelineSync(c) != 1 || collect(c, n, res) != 0)
        goto lost;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        ExecStatusType st = PQresultStatus(res[i]);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            continue;
        if (st != PGRES_PIPELINE_ABORTED) { /* aborted: an earlier one failed */
            char msg[512];
            snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res[i]));
            msg[strcspn(msg, "\n")] = '\0';
            LOG_ERROR("db: %s failed: %s", b[i].what, msg);
            unprepare(s, b[i].sql, names[i]);
        }
        rc = 1;
    }
    if (rc)
        clear_all(res, n);
    return rc;
lost:
    LOG_WARN("db: connection lost during %s: %s", b[0].what, PQerrorMessage(c));
    clear_all(res, n);
    drop_conn(s);
    return -1;
}

enum api_db_status api_db_exec_batch(const struct api_db_stmt *b, int n, PGresult **res)
{
    for (int i = 0; i < n; i++)
        res[i] = NULL;
    if (n < 1 || n > API_DB_BATCH_MAX)
        return API_DB_ERROR;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool had_conn;
        struct db_slot *slot = attempt_slot(&had_conn);
        if (!slot)
            return API_DB_UNAVAILABLE;
        int rc = run_pipeline(slot, b, n, res);
        if (rc == 0)
            return API_DB_OK;
        if (rc == 2) /* one by one, as api_db_exec would */
            break;
        metrics_db_error();
        if (rc == 1)
            return API_DB_ERROR;
        if (!had_conn)
            return API_DB_UNAVAILABLE;
        LOG_INFO("db: connection lost during %s; reconnecting", b[0].what);
    }
    for (int i = 0; i < n; i++) {
        enum api_db_status st = api_db_exec(b[i].what, b[i].sql, b[i].nparams, b[i].params,
                                            &res[i]);
        if (st != API_DB_OK) {
            clear_all(res, n);
            return st;
        }
    }
    return API_DB_OK;
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
