/* GET node_states and node_states/NODE: liveness as heartbeatd last
 * wrote it, for every node the org has seen (a config fetch creates the
 * row, so nodes that never came up are listed as down);
 * node_states?search=QUERY lists only the nodes matching the query. */
#include <stdlib.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/handlers.h"
#include "apid/name_order.h"
#include "apid/node_search.h"
#include "apid/node_view.h"
#include "apid/response.h"
#include "apid/search_reply.h"
#include "shared/pgarray.h"
#include "shared/search_query.h"

/* EPOCH_SECONDS (apid/api.h): whole seconds as extract(epoch)::bigint
 * gives them, without numeric arithmetic per row. */
#define NODE_COLUMNS "name, status, availability, " EPOCH_SECONDS("updated_at")

/* Row row of r as a node state (apid/node_view.h). */
static void node_write(struct json_buf *b, PGresult *r, int row, struct node_view_when *when)
{
    node_view_write(b, PQgetvalue(r, row, 0), PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                    PQgetvalue(r, row, 3), when);
}

/* The row numbers of r (n rows) in node name order; malloc'd, NULL when
 * out of memory. */
static size_t *sorted_rows(PGresult *r, size_t n)
{
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < n; i++)
        names[i] = PQgetvalue(r, (int)i, 0);
    size_t *order = name_order(names, n);
    free(names);
    return order;
}

/* ?search=QUERY: the names of the matching nodes as a PostgreSQL array
 * literal (*names, malloc'd), or "" (*names NULL) without the parameter;
 * -1 with reply set. */
static int search_param(struct api_request *req, struct api_reply *reply, char **names)
{
    *names = NULL;
    char query[SEARCH_MAX_QUERY_BYTES + 1];
    long n = query_get(req->query, "search", query, sizeof query);
    if (n == -1)
        return 0;
    if (n == -2) {
        api_reply_error(reply, 400, "search: the query is not validly %%-encoded or is longer "
                                    "than %d bytes", SEARCH_MAX_QUERY_BYTES);
        return -1;
    }
    struct node_names found;
    char err[512];
    enum node_search_status st = node_search(req->org, req->org_id, query, &found, err,
                                             sizeof err);
    if (st != NODE_SEARCH_OK) {
        search_reply_error(reply, st, query, err);
        return -1;
    }
    *names = pg_array_literal((const char *const *)found.names, found.n);
    node_names_free(&found);
    if (!*names) {
        api_reply_error(reply, 500, "out of memory");
        return -1;
    }
    return 0;
}

void h_node_states_list(struct api_request *req, struct api_reply *reply)
{
    char *names;
    if (search_param(req, reply, &names))
        return;
    const char *p[2] = { req->org_id, names };
    PGresult *r;
    enum api_db_status st =
        names ? api_db_exec("node_states search",
                            "SELECT " NODE_COLUMNS " FROM nodes "
                            "WHERE org_id = $1::bigint AND name = ANY ($2::text[])",
                            2, p, &r)
              : api_db_exec("node_states list",
                            "SELECT " NODE_COLUMNS " FROM nodes "
                            "WHERE org_id = $1::bigint",
                            1, p, &r);
    free(names);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    /* Written straight from the rows: a jansson object per node cost
     * more than the rest of apid's work for this request. Sorted by name
     * here: postgres' sort cost it more than the sort costs apid. */
    struct json_buf b = { 0 };
    struct node_view_when when = { 0 };
    size_t n = (size_t)PQntuples(r);
    size_t *order = sorted_rows(r, n);
    if (!order)
        b.failed = true;
    json_buf_lit(&b, "[");
    for (size_t i = 0; order && i < n; i++) {
        if (i)
            json_buf_lit(&b, ",");
        node_write(&b, r, (int)order[i], &when);
    }
    json_buf_lit(&b, "]");
    free(order);
    PQclear(r);
    api_reply_json_buf(reply, 200, &b);
}

void h_node_state_get(struct api_request *req, struct api_reply *reply)
{
    const char *node = route_param(&req->match, "node");
    const char *p[2] = { req->org_id, node };
    PGresult *r;
    enum api_db_status st = api_db_exec("node_states get",
                                        "SELECT " NODE_COLUMNS " FROM nodes "
                                        "WHERE org_id = $1::bigint AND name = $2",
                                        2, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    if (PQntuples(r) != 1)
        api_reply_error(reply, 404, "node '%s' not found in organization '%s'", node, req->org);
    else {
        struct json_buf b = { 0 };
        struct node_view_when when = { 0 };
        node_write(&b, r, 0, &when);
        api_reply_json_buf(reply, 200, &b);
    }
    PQclear(r);
}
