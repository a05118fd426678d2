/* PostgreSQL helpers: connecting (embedded socket or database_url),
 * checked query execution with logged errors, schema migrations. */
#ifndef PUSHY_DB_H
#define PUSHY_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "shared/config.h"

/* A connection that reconnects on demand after the server went away. */
struct db {
    char conninfo[2 * CONFIG_STR_MAX];
    PGconn *conn;
};

void db_init(struct db *db, const struct pushy_config *cfg);
/* Returns a live connection or NULL (logged); reconnects if needed. */
PGconn *db_get(struct db *db);
void db_close(struct db *db);

/* Runs a parameterized statement. Returns the result when its status is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, else logs (with what) and returns
 * NULL. Marks the connection for reconnect when it broke. */
PGresult *db_exec(struct db *db, const char *what, const char *sql, int nparams,
                  const char *const *params);
/* Like db_exec for a statement prepared on db->conn under `name`. */
PGresult *db_exec_prepared(struct db *db, const char *what, const char *name, int nparams,
                           const char *const *params);
/* Like db_exec for statements whose result is not needed: 0 or -1. */
int db_command(struct db *db, const char *what, const char *sql, int nparams,
               const char *const *params);
/* Runs constant SQL of one or more statements (`;` between them, no
 * parameters) in one round trip: 0 or -1 (logged with what). */
int db_script(struct db *db, const char *what, const char *sql);

/* Applies every embedded migration not yet recorded in schema_migrations
 * (in version order, each in its own transaction) under an advisory lock
 * so concurrent starters serialize. Idempotent. Returns the highest version
 * applied, or -1. */
int db_migrate(PGconn *conn);

/* Creates database `name` if it does not exist (connects to "postgres"). */
int db_create_database(const struct pushy_config *cfg, const char *name);

/* Schema version recorded in the database, 0 for none, -1 on error. */
int db_schema_version(PGconn *conn);

#endif
