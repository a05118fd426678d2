#include "shared/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/migrations.h"

void db_init(struct db *db, const struct pushy_config *cfg)
{
    memset(db, 0, sizeof *db);
    config_db_conninfo(cfg, NULL, db->conninfo, sizeof db->conninfo);
}

/* Keep server notices (e.g. "relation already exists, skipping") out of
 * the logs unless debugging. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    LOG_DEBUG("postgres notice: %s", message);
}

PGconn *db_get(struct db *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return db->conn;
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    PGconn *c = PQconnectdb(db->conninfo);
    if (!c) {
        LOG_ERROR("db: out of memory connecting");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        LOG_ERROR("db: connect failed: %s", msg);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    db->conn = c;
    return c;
}

void db_close(struct db *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

/* r when it succeeded; otherwise logs, frees r, drops a broken connection
 * and returns NULL. */
static PGresult *checked(struct db *db, PGconn *c, const char *what, PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    LOG_ERROR("db: %s failed: %s", what, msg);
    PQclear(r);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    return NULL;
}

PGresult *db_exec(struct db *db, const char *what, const char *sql, int nparams,
                  const char *const *params)
{
    PGconn *c = db_get(db);
    if (!c)
        return NULL;
    return checked(db, c, what, PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0));
}

PGresult *db_exec_prepared(struct db *db, const char *what, const char *name, int nparams,
                           const char *const *params)
{
    PGconn *c = db_get(db);
    if (!c)
        return NULL;
    return checked(db, c, what, PQexecPrepared(c, name, nparams, params, NULL, NULL, 0));
}

int db_command(struct db *db, const char *what, const char *sql, int nparams,
               const char *const *params)
{
    PGresult *r = db_exec(db, what, sql, nparams, params);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int db_script(struct db *db, const char *what, const char *sql)
{
    PGconn *c = db_get(db);
    if (!c)
        return -1;
    PGresult *r = checked(db, c, what, PQexec(c, sql));
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int exec_simple(PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        LOG_ERROR("db: %s: %s", what, msg);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

int db_schema_version(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        return -1;
    }
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* 1 if that migration version is recorded, 0 if not, -1 on error. */
static int migration_applied(PGconn *c, int version)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", version);
    const char *params[1] = { ver };
    PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1, NULL,
                               params, NULL, NULL, 0);
    int rc = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK)
        rc = PQntuples(r) > 0;
    PQclear(r);
    return rc;
}

int db_migrate(PGconn *c)
{
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    if (exec_simple(c, "SELECT pg_advisory_lock(7061737379)", "migration lock"))
        return -1;
    int version = -1;
    if (exec_simple(c,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY,"
                    " name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    "create schema_migrations"))
        goto out;
    version = db_schema_version(c);
    if (version < 0)
        goto out;
    /* Apply every migration not applied yet, not only those above the
     * newest: a lower-numbered file added later must not be skipped. */
    for (const struct pushy_migration *m = pushy_migrations; m->version; m++) {
        int applied = migration_applied(c, m->version);
        if (applied < 0)
            goto fail;
        if (applied)
            continue;
        if (exec_simple(c, "BEGIN", "begin migration"))
            goto fail;
        if (exec_simple(c, m->sql, m->name)) {
            exec_simple(c, "ROLLBACK", "rollback migration");
            goto fail;
        }
        char ver[16];
        snprintf(ver, sizeof ver, "%d", m->version);
        const char *params[2] = { ver, m->name };
        PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)",
                                   2, NULL, params, NULL, NULL, 0);
        bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok || exec_simple(c, "COMMIT", "commit migration")) {
            exec_simple(c, "ROLLBACK", "rollback migration");
            goto fail;
        }
        LOG_INFO("db: applied migration %s", m->name);
        if (m->version > version)
            version = m->version;
    }
    goto out;
fail:
    version = -1;
out:
    exec_simple(c, "SELECT pg_advisory_unlock(7061737379)", "migration unlock");
    return version;
}

int db_create_database(const struct pushy_config *cfg, const char *name)
{
    char conninfo[2 * CONFIG_STR_MAX];
    config_db_conninfo(cfg, "postgres", conninfo, sizeof conninfo);
    PGconn *c = PQconnectdb(conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        LOG_ERROR("db: connect to maintenance database failed: %s", c ? PQerrorMessage(c) : "oom");
        PQfinish(c);
        return -1;
    }
    const char *params[1] = { name };
    PGresult *r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params,
                               NULL, NULL, 0);
    int rc = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
        if (PQntuples(r) == 1) {
            rc = 0;
        } else {
            char *ident = PQescapeIdentifier(c, name, strlen(name));
            if (ident) {
                char sql[256];
                snprintf(sql, sizeof sql, "CREATE DATABASE %s", ident);
                PQfreemem(ident);
                rc = exec_simple(c, sql, "create database");
                if (rc == 0)
                    LOG_INFO("db: created database %s", name);
            }
        }
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}
