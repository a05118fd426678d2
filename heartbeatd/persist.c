#include "heartbeatd/persist.h"

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

struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* Array elements here are names ([A-Za-z0-9_.:-]), numbers or NULL: no
 * quoting is needed, but names are quoted anyway. */
static void put_elem(struct buf *b, const char *s, bool quote)
{
    put(b, b->len > 1 ? "," : "");
    if (quote)
        put(b, "\"");
    put(b, s);
    if (quote)
        put(b, "\"");
}

int persist_flush(struct db *db, struct tracker *t)
{
    static struct tracker_write w[PERSIST_BATCH];
    size_t n = tracker_take_writes(t, w, PERSIST_BATCH);
    if (n == 0)
        return 0;
    struct buf orgs = { 0 }, nodes = { 0 }, status = { 0 }, at = { 0 }, heard = { 0 };
    struct buf *all[5] = { &orgs, &nodes, &status, &at, &heard };
    for (int k = 0; k < 5; k++)
        put(all[k], "{");
    for (size_t i = 0; i < n; i++) {
        char a[24], h[24];
        snprintf(a, sizeof a, "%lld", (long long)w[i].at_wall_ms);
        snprintf(h, sizeof h, "%lld", (long long)w[i].heard_wall_ms);
        put_elem(&orgs, w[i].org, true);
        put_elem(&nodes, w[i].node, true);
        put_elem(&status, w[i].up ? "up" : "down", false);
        put_elem(&at, a, false);
        put_elem(&heard, w[i].heard_wall_ms >= 0 ? h : "NULL", false);
    }
    bool failed = false;
    for (int k = 0; k < 5; k++) {
        put(all[k], "}");
        failed |= all[k]->failed;
    }
    int rc = -1;
    if (failed) {
        LOG_ERROR("node status: out of memory building a batch of %zu", n);
    } else {
        const char *p[5] = { orgs.p, nodes.p, status.p, at.p, heard.p };
        rc = db_command(db, "node status update",
                        "INSERT INTO nodes (org_id, name, status, updated_at, last_heard_at) "
                        "SELECT o.id, u.node, u.status, to_timestamp(u.at / 1000.0), "
                        "  to_timestamp(u.heard / 1000.0) "
                        "FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "
                        "  $5::bigint[]) AS u(org, node, status, at, heard) "
                        "JOIN orgs o ON o.name = u.org "
                        "ON CONFLICT (org_id, name) DO UPDATE SET status = EXCLUDED.status, "
                        "  updated_at = EXCLUDED.updated_at, "
                        "  last_heard_at = coalesce(EXCLUDED.last_heard_at, nodes.last_heard_at)",
                        5, p);
    }
    if (rc != 0)
        for (size_t i = 0; i < n; i++)
            tracker_write_failed(t, &w[i]);
    for (int k = 0; k < 5; k++)
        free(all[k]->p);
    return rc == 0 ? (int)n : -1;
}
