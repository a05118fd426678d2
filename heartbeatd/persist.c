#include "heartbeatd/persist.h"
#include "shared/pgarray.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

long persist_load(struct db *db, struct tracker *t, int64_t now_ms, int64_t wall_ms)
{
    PGresult *r = db_exec(db, "node state load",
                          "SELECT o.name, n.name, n.status = 'up', "
                          " coalesce((extract(epoch FROM n.last_heard_at) * 1000)::bigint, -1), "
                          " coalesce(n.incarnation_id, '') "
                          "FROM nodes n JOIN orgs o ON o.id = n.org_id",
                          0, NULL);
    if (!r)
        return -1;
    long up = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        bool is_up = PQgetvalue(r, i, 2)[0] == 't';
        int rc = tracker_load(t, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), is_up,
                              PQgetvalue(r, i, 4), strtoll(PQgetvalue(r, i, 3), NULL, 10), now_ms,
                              wall_ms);
        if (rc < 0)
            LOG_WARN("node %s/%s: not restored (bad name or out of memory)", PQgetvalue(r, i, 0),
                     PQgetvalue(r, i, 1));
        else if (rc == 1 && is_up)
            up++;
    }
    PQclear(r);
    return up;
}

int persist_flush(struct db *db, struct tracker *t)
{
    static struct tracker_write w[PERSIST_BATCH];
    size_t n = tracker_take_writes(t, w, PERSIST_BATCH);
    if (n == 0)
        return 0;
    /* One column per parameter: names, status words and epoch ms. */
    static const char *orgs[PERSIST_BATCH], *nodes[PERSIST_BATCH], *status[PERSIST_BATCH];
    static const char *at[PERSIST_BATCH], *heard[PERSIST_BATCH];
    static char at_text[PERSIST_BATCH][24], heard_text[PERSIST_BATCH][24];
    for (size_t i = 0; i < n; i++) {
        snprintf(at_text[i], sizeof at_text[i], "%lld", (long long)w[i].at_wall_ms);
        snprintf(heard_text[i], sizeof heard_text[i], "%lld", (long long)w[i].heard_wall_ms);
        orgs[i] = w[i].org;
        nodes[i] = w[i].node;
        status[i] = w[i].up ? "up" : "down";
        at[i] = at_text[i];
        heard[i] = w[i].heard_wall_ms >= 0 ? heard_text[i] : NULL;
    }
    char *lits[5] = { pg_array_literal(orgs, n), pg_array_literal(nodes, n),
                      pg_array_literal(status, n), pg_array_literal(at, n),
                      pg_array_literal(heard, n) };
    bool failed = false;
    for (int k = 0; k < 5; k++)
        failed |= lits[k] == NULL;
    int rc = -1;
    if (failed) {
        LOG_ERROR("node status: out of memory building a batch of %zu", n);
    } else {
        const char *p[5] = { lits[0], lits[1], lits[2], lits[3], lits[4] };
        rc = db_command(db, "node status update",
                        "INSERT INTO nodes (org_id, name, status, updated_at, last_heard_at, search_keys) "
                        "SELECT o.id, u.node, u.status, to_timestamp(u.at / 1000.0), "
                        "  to_timestamp(u.heard / 1000.0), jsonb_build_object('name', jsonb_build_array(u.node)) "
                        "FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "
                        "  $5::bigint[]) AS u(org, node, status, at, heard) "
                        "JOIN orgs o ON o.name = u.org "
                        /* The same row order as commandd's availability
                         * batch (avail_db.c): two batches locking rows in
                         * different orders deadlock. */
                        "ORDER BY o.id, u.node COLLATE \"C\" "
                        "ON CONFLICT (org_id, name) DO UPDATE SET status = EXCLUDED.status, "
                        "  updated_at = EXCLUDED.updated_at, "
                        "  last_heard_at = coalesce(EXCLUDED.last_heard_at, nodes.last_heard_at)",
                        5, p);
    }
    if (rc != 0)
        for (size_t i = 0; i < n; i++)
            tracker_write_failed(t, &w[i]);
    for (int k = 0; k < 5; k++)
        free(lits[k]);
    return rc == 0 ? (int)n : -1;
}
