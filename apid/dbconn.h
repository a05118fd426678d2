/* One database connection per HTTP worker thread (libpq connections are
 * not thread-safe), made on first use and re-made after the database went
 * away. Queries report whether a failure means "database unavailable"
 * (503) or "query failed" (500). */
#ifndef PUSHY_APID_DBCONN_H
#define PUSHY_APID_DBCONN_H

#include <libpq-fe.h>

#include "shared/config.h"

enum api_db_status {
    API_DB_OK = 0,
    API_DB_UNAVAILABLE, /* no connection: answer 503 */
    API_DB_ERROR,       /* the query failed on a live connection: 500 */
};

/* Remembers cfg for connecting; call once before threads start. */
void api_db_setup(const struct pushy_config *cfg);

/* Runs a parameterized statement on this thread's connection. When the
 * connection turns out to be broken (the database restarted), reconnects
 * and tries once more: every statement apid runs is idempotent. On
 * API_DB_OK *res holds the result (PQclear it). */
enum api_db_status api_db_exec(const char *what, const char *sql, int nparams,
                               const char *const *params, PGresult **res);

/* A statement of a batch (api_db_exec_batch). */
struct api_db_stmt {
    const char *what; /* for logs */
    const char *sql;
    int nparams;
    const char *const *params;
};

#define API_DB_BATCH_MAX 4

/* Runs n (1..API_DB_BATCH_MAX) statements in one round trip and one
 * transaction (libpq pipeline mode, one Sync): a request that needs two
 * reads pays one wake-up of postgres and of the thread instead of two
 * (each statement still takes its own snapshot: READ COMMITTED).
 * Prepared and retried like api_db_exec; when a statement cannot be
 * prepared they run one by one instead. On
 * API_DB_OK res[0..n) hold the results (PQclear each); otherwise all are
 * NULL. */
enum api_db_status api_db_exec_batch(const struct api_db_stmt *b, int n, PGresult **res);

/* Closes every thread's connection; call after the HTTP server stopped. */
void api_db_close_all(void);

#endif
