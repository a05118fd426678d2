#include "apid/identity_listener.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apid/auth_cache.h"
#include "shared/log.h"

static char g_conninfo[2 * CONFIG_STR_MAX];
static PGconn *g_conn;
static time_t g_last_failure_log;

void identity_listener_init(const struct pushy_config *cfg)
{
    config_db_conninfo(cfg, NULL, g_conninfo, sizeof g_conninfo);
}

int identity_listener_fd(void) { return g_conn ? PQsocket(g_conn) : -1; }

static void first_line(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in ? in : "");
    out[strcspn(out, "\n")] = '\0';
}

/* Drops the connection and suspends the cache (changes may go unseen). */
static void lose(const char *why)
{
    char msg[256];
    first_line(why, msg, sizeof msg);
    if (g_conn)
        LOG_WARN("identity listener: connection lost (%s); auth cache suspended until it is back",
                 msg);
    PQfinish(g_conn);
    g_conn = NULL;
    auth_cache_set_suspended(true);
}

static void connect_and_listen(void)
{
    PGconn *c = PQconnectdb(g_conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        time_t now = time(NULL);
        if (now - g_last_failure_log >= 60) { /* at most once a minute while down */
            char msg[256];
            first_line(c ? PQerrorMessage(c) : "out of memory", msg, sizeof msg);
            LOG_WARN("identity listener: cannot connect (%s); auth cache suspended", msg);
            g_last_failure_log = now;
        }
        PQfinish(c);
        return;
    }
    PGresult *r = PQexec(c, "LISTEN pushy_identity");
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[256];
        first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c), msg, sizeof msg);
        LOG_ERROR("identity listener: LISTEN failed: %s; auth cache suspended", msg);
        PQclear(r);
        PQfinish(c);
        return;
    }
    PQclear(r);
    if (PQsetnonblocking(c, 1)) {
        LOG_ERROR("identity listener: cannot make the connection non-blocking");
        PQfinish(c);
        return;
    }
    g_conn = c;
    g_last_failure_log = 0;
    /* Anything cached before this point may predate a change nobody heard
     * about: resuming starts a new generation. */
    auth_cache_set_suspended(false);
    LOG_INFO("identity listener: listening for identity changes; auth cache active");
}

void identity_listener_service(void)
{
    if (!g_conn) {
        connect_and_listen();
        return;
    }
    if (!PQconsumeInput(g_conn) || PQstatus(g_conn) != CONNECTION_OK) {
        lose(PQerrorMessage(g_conn));
        return;
    }
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(g_conn)) != NULL) {
        n++;
        PQfreemem(note);
    }
    if (n) {
        auth_cache_invalidate();
        LOG_DEBUG("identity listener: %d identity change(s); auth cache invalidated", n);
    }
}

void identity_listener_close(void)
{
    PQfinish(g_conn);
    g_conn = NULL;
}
