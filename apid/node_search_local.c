#include "apid/node_search_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/dbconn.h"
#include "apid/validate.h"
#include "shared/log.h"
#include "shared/search_query.h"
#include "shared/search_sql.h"

#define SELECT_HEAD "SELECT n.name FROM nodes n WHERE n.org_id = $1::bigint AND ("
#define SELECT_TAIL ") ORDER BY n.name COLLATE \"C\""

/* The statement's parameters: org_id, then the query's. */
static const char **params_of(const char *org_id, const struct search_sql *s)
{
    const char **p = calloc((size_t)s->nparams + 1, sizeof *p);
    if (!p)
        return NULL;
    p[0] = org_id;
    for (int i = 0; i < s->nparams; i++)
        p[i + 1] = s->params[i];
    return p;
}

static int copy_names(PGresult *r, struct node_names *out)
{
    int n = PQntuples(r);
    if (n == 0)
        return 0;
    out->names = calloc((size_t)n, sizeof *out->names);
    if (!out->names)
        return -1;
    for (int i = 0; i < n; i++) {
        out->names[i] = strdup(PQgetvalue(r, i, 0));
        if (!out->names[i])
            return -1;
        out->n++;
    }
    return 0;
}

enum node_search_status node_search_local(const char *org, const char *org_id,
                                          const char *query, struct node_names *out, char *err,
                                          size_t errlen)
{
    out->names = NULL;
    out->n = 0;
    struct search_query *q = search_parse(query, err, errlen);
    if (!q)
        return strcmp(err, "out of memory") ? NODE_SEARCH_BAD_QUERY : NODE_SEARCH_ERROR;
    struct search_sql s;
    int rc = search_to_sql(q, "n.search_keys", 2, &s);
    search_free(q);
    if (rc) {
        snprintf(err, errlen, "search: out of memory compiling the query");
        return NODE_SEARCH_ERROR;
    }
    enum node_search_status result = NODE_SEARCH_ERROR;
    size_t len = strlen(SELECT_HEAD) + strlen(s.sql) + strlen(SELECT_TAIL) + 1;
    char *sql = malloc(len);
    const char **p = params_of(org_id, &s);
    if (!sql || !p) {
        snprintf(err, errlen, "search: out of memory");
        goto out;
    }
    snprintf(sql, len, "%s%s%s", SELECT_HEAD, s.sql, SELECT_TAIL);
    PGresult *r;
    enum api_db_status st = api_db_exec("node search", sql, s.nparams + 1, p, &r);
    if (st != API_DB_OK) {
        char safe[200];
        LOG_ERROR("search: org=%s query '%s' failed (%s)", org, log_safe(query, safe, sizeof safe),
                  st == API_DB_UNAVAILABLE ? "database unavailable" : "query error");
        snprintf(err, errlen, st == API_DB_UNAVAILABLE ? "search: database unavailable"
                                                       : "search: the query failed to run");
        result = st == API_DB_UNAVAILABLE ? NODE_SEARCH_UNAVAILABLE : NODE_SEARCH_ERROR;
        goto out;
    }
    if (copy_names(r, out)) {
        node_names_free(out);
        snprintf(err, errlen, "search: out of memory");
    } else {
        result = NODE_SEARCH_OK;
    }
    PQclear(r);
out:
    free(p);
    free(sql);
    search_sql_free(&s);
    return result;
}
