#include "apid/dbconn.h"

#include <pthread.h>
#include <stdlib.h>

#include "apid/metrics.h"
#include "shared/db.h"
#include "shared/log.h"

struct db_slot {
    struct db db;
    struct db_slot *next;
};

static const struct pushy_config *g_cfg;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db_slot *g_slots;          /* every thread's connection, for closing */
static _Thread_local struct db_slot *tl_slot;

void api_db_setup(const struct pushy_config *cfg) { g_cfg = cfg; }

static struct db *thread_db(void)
{
    if (tl_slot)
        return &tl_slot->db;
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
    return &s->db;
}

enum api_db_status api_db_exec(const char *what, const char *sql, int nparams,
                               const char *const *params, PGresult **res)
{
    *res = NULL;
    struct db *db = thread_db();
    if (!db) {
        metrics_db_error();
        return API_DB_UNAVAILABLE;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        bool had_conn = db->conn != NULL;
        if (!db_get(db)) {
            metrics_db_error();
            return API_DB_UNAVAILABLE;
        }
        PGresult *r = db_exec(db, what, sql, nparams, params);
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
        free(s);
        s = next;
    }
}
