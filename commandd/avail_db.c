#include "commandd/avail_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/pgarray.h"

int avail_flush(struct db *db, struct sessions *t)
{
    static struct cnode *batch[AVAIL_BATCH];
    size_t n = sess_collect_dirty(t, batch, AVAIL_BATCH);
    if (n == 0)
        return 0;
    static const char *ids[AVAIL_BATCH], *names[AVAIL_BATCH], *avail[AVAIL_BATCH];
    static const char *incs[AVAIL_BATCH];
    static char id_text[AVAIL_BATCH][24];
    for (size_t i = 0; i < n; i++) {
        struct cnode *c = batch[i];
        bool a = c->state == SESS_AVAILABLE;
        snprintf(id_text[i], sizeof id_text[i], "%lld", c->org_id);
        ids[i] = id_text[i];
        names[i] = cnode_node(c);
        avail[i] = a ? "t" : "f";
        incs[i] = a ? c->incarnation : NULL;
    }
    char *lits[4] = { pg_array_literal(ids, n), pg_array_literal(names, n),
                      pg_array_literal(avail, n), pg_array_literal(incs, n) };
    int rc = -1;
    if (!lits[0] || !lits[1] || !lits[2] || !lits[3]) {
        LOG_ERROR("availability: out of memory building a batch of %zu", n);
    } else {
        const char *p[4] = { lits[0], lits[1], lits[2], lits[3] };
        rc = db_command(db, "availability update",
                        "INSERT INTO nodes (org_id, name, availability, incarnation_id, search_keys) "
                        "SELECT u.org_id, u.name, "
                        "  CASE WHEN u.avail THEN 'available' ELSE 'unavailable' END, u.inc, "
                        "  jsonb_build_object('name', jsonb_build_array(u.name)) "
                        "FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[]) "
                        "  AS u(org_id, name, avail, inc) "
                        "JOIN orgs o ON o.id = u.org_id "
                        /* The same row order as heartbeatd's status batch
                         * (heartbeatd/persist.c): two batches locking rows
                         * in different orders deadlock. */
                        "ORDER BY u.org_id, u.name COLLATE \"C\" "
                        "ON CONFLICT (org_id, name) DO UPDATE SET "
                        "  availability = EXCLUDED.availability, "
                        "  incarnation_id = coalesce(EXCLUDED.incarnation_id, nodes.incarnation_id)",
                        4, p);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            bool a = batch[i]->state == SESS_AVAILABLE;
            sess_written(batch[i], a);
            if (n <= 10)
                LOG_INFO("node %s: availability %s", batch[i]->id, a ? "available" : "unavailable");
        } else {
            sess_mark_dirty(t, batch[i]);
        }
    }
    if (rc == 0 && n > 10)
        LOG_INFO("availability: %zu node transitions written", n);
    for (int k = 0; k < 4; k++)
        free(lits[k]);
    return rc == 0 ? (int)n : -1;
}
