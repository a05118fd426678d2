#include "commandd/avail_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
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
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* Appends one element of a PostgreSQL array literal (NULL for s == NULL). */
static void put_elem(struct buf *b, const char *s)
{
    if (b->len > 1)
        put(b, ",", 1);
    if (!s) {
        puts_(b, "NULL");
        return;
    }
    put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(b, "\\", 1);
        put(b, s, 1);
    }
    put(b, "\"", 1);
}

int avail_flush(struct db *db, struct sessions *t)
{
    static struct cnode *batch[AVAIL_BATCH];
    size_t n = sess_collect_dirty(t, batch, AVAIL_BATCH);
    if (n == 0)
        return 0;
    struct buf ids = { 0 }, names = { 0 }, avail = { 0 }, incs = { 0 };
    puts_(&ids, "{");
    puts_(&names, "{");
    puts_(&avail, "{");
    puts_(&incs, "{");
    for (size_t i = 0; i < n; i++) {
        struct cnode *c = batch[i];
        bool a = c->state == SESS_AVAILABLE;
        char id[24];
        snprintf(id, sizeof id, "%lld", c->org_id);
        put_elem(&ids, id);
        put_elem(&names, cnode_node(c));
        put_elem(&avail, a ? "t" : "f");
        put_elem(&incs, a ? c->incarnation : NULL);
    }
    puts_(&ids, "}");
    puts_(&names, "}");
    puts_(&avail, "}");
    puts_(&incs, "}");
    int rc = -1;
    if (ids.failed || names.failed || avail.failed || incs.failed) {
        LOG_ERROR("availability: out of memory building a batch of %zu", n);
    } else {
        const char *p[4] = { ids.p, names.p, avail.p, incs.p };
        rc = db_command(db, "availability update",
                        "INSERT INTO nodes (org_id, name, availability, incarnation_id) "
                        "SELECT u.org_id, u.name, "
                        "  CASE WHEN u.avail THEN 'available' ELSE 'unavailable' END, u.inc "
                        "FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[]) "
                        "  AS u(org_id, name, avail, inc) "
                        "JOIN orgs o ON o.id = u.org_id "
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
    free(ids.p);
    free(names.p);
    free(avail.p);
    free(incs.p);
    return rc == 0 ? (int)n : -1;
}
