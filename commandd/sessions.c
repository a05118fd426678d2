#include "commandd/sessions.h"

#include <stdlib.h>
#include <string.h>

#include "commandd/keymap.h"

struct sessions {
    struct keymap *by_id;
    struct keymap *by_rid;
    int64_t rehab_ms;
    struct cnode *rq_head, *rq_tail;
    struct cnode *dirty_head;
    size_t n_sessions, n_rehab;
};

struct sessions *sessions_new(int64_t rehab_ms)
{
    struct sessions *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->rehab_ms = rehab_ms < 1 ? 1 : rehab_ms;
    t->by_id = keymap_new();
    t->by_rid = keymap_new();
    if (!t->by_id || !t->by_rid) {
        sessions_free(t);
        return NULL;
    }
    return t;
}

static int free_node(void *ctx, const void *key, size_t len, void *val)
{
    (void)ctx, (void)key, (void)len;
    struct cnode *n = val;
    hmac256_key_clear(&n->key);
    free(n);
    return 1;
}

void sessions_free(struct sessions *t)
{
    if (!t)
        return;
    keymap_sweep(t->by_id, free_node, NULL);
    keymap_free(t->by_id);
    keymap_free(t->by_rid);
    free(t);
}

static int make_id(char *out, const char *org, const char *node, size_t *org_len)
{
    size_t ol = strlen(org), nl = strlen(node);
    if (!wire_valid_name(org, ol) || !wire_valid_name(node, nl))
        return -1;
    memcpy(out, org, ol);
    out[ol] = '/';
    memcpy(out + ol + 1, node, nl + 1);
    if (org_len)
        *org_len = ol;
    return 0;
}

struct cnode *sessions_find(struct sessions *t, const char *org, const char *node)
{
    char id[NODE_ID_MAX + 1];
    if (make_id(id, org, node, NULL) != 0)
        return NULL;
    return keymap_gets(t->by_id, id);
}

struct cnode *sessions_add(struct sessions *t, const char *org, const char *node)
{
    struct cnode *n = sessions_find(t, org, node);
    if (n)
        return n;
    n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    if (make_id(n->id, org, node, &n->org_len) != 0 || keymap_put(t->by_id, n->id, strlen(n->id), n)) {
        free(n);
        return NULL;
    }
    return n;
}

struct cnode *sessions_by_rid(struct sessions *t, const unsigned char *rid, size_t len)
{
    return len ? keymap_get(t->by_rid, rid, len) : NULL;
}

void sessions_get_stats(const struct sessions *t, struct sessions_stats *out)
{
    out->nodes = keymap_count(t->by_id);
    out->sessions = t->n_sessions;
    out->rehab = t->n_rehab;
}

const char *cnode_node(const struct cnode *n)
{
    return n->id + n->org_len + 1;
}

void cnode_org(const struct cnode *n, char *out)
{
    memcpy(out, n->id, n->org_len);
    out[n->org_len] = '\0';
}

/* ---- rehab queue ---------------------------------------------------------- */

static void rq_remove(struct sessions *t, struct cnode *n)
{
    if (!n->in_rehab_queue)
        return;
    if (n->rq_prev)
        n->rq_prev->rq_next = n->rq_next;
    else
        t->rq_head = n->rq_next;
    if (n->rq_next)
        n->rq_next->rq_prev = n->rq_prev;
    else
        t->rq_tail = n->rq_prev;
    n->rq_prev = n->rq_next = NULL;
    n->in_rehab_queue = false;
}

/* Appends with due time now + interval; never before the tail's, so the
 * queue stays in due order even if a caller's clock stepped back. */
static void rq_append(struct sessions *t, struct cnode *n, int64_t now)
{
    rq_remove(t, n);
    int64_t due = now + t->rehab_ms;
    if (t->rq_tail && due < t->rq_tail->next_abort_ms)
        due = t->rq_tail->next_abort_ms;
    n->next_abort_ms = due;
    n->rq_prev = t->rq_tail;
    n->rq_next = NULL;
    if (t->rq_tail)
        t->rq_tail->rq_next = n;
    else
        t->rq_head = n;
    t->rq_tail = n;
    n->in_rehab_queue = true;
}

struct cnode *sess_next_due(struct sessions *t, int64_t now_ms)
{
    struct cnode *n = t->rq_head;
    if (!n || n->next_abort_ms > now_ms)
        return NULL;
    rq_append(t, n, now_ms);
    return n;
}

int64_t sess_next_due_at(const struct sessions *t)
{
    return t->rq_head ? t->rq_head->next_abort_ms : -1;
}

/* ---- availability persistence --------------------------------------------- */

void sess_mark_dirty(struct sessions *t, struct cnode *n)
{
    if (n->dirty)
        return;
    n->dirty = true;
    n->dirty_next = t->dirty_head;
    t->dirty_head = n;
}

static bool needs_write(const struct cnode *n)
{
    bool available = n->state == SESS_AVAILABLE;
    return available != n->persisted_available || (available && !n->inc_persisted);
}

static void note_availability(struct sessions *t, struct cnode *n)
{
    if (needs_write(n))
        sess_mark_dirty(t, n);
}

size_t sess_collect_dirty(struct sessions *t, struct cnode **out, size_t max)
{
    size_t k = 0;
    while (k < max && t->dirty_head) {
        struct cnode *n = t->dirty_head;
        t->dirty_head = n->dirty_next;
        n->dirty_next = NULL;
        n->dirty = false;
        if (needs_write(n))
            out[k++] = n; /* else changed back and forth since: nothing to write */
    }
    return k;
}

void sess_written(struct cnode *n, bool available)
{
    n->persisted_available = available;
    if (available)
        n->inc_persisted = true;
}

/* ---- session state machine ------------------------------------------------ */

static void set_state(struct sessions *t, struct cnode *n, enum sess_state s)
{
    if (n->state == s)
        return;
    if (n->state == SESS_NONE)
        t->n_sessions++;
    if (s == SESS_NONE)
        t->n_sessions--;
    if (n->state == SESS_REHAB)
        t->n_rehab--;
    if (s == SESS_REHAB)
        t->n_rehab++;
    n->state = s;
    note_availability(t, n);
}

static void drop_rid(struct sessions *t, struct cnode *n)
{
    if (n->rid_len && keymap_get(t->by_rid, n->rid, n->rid_len) == n)
        keymap_del(t->by_rid, n->rid, n->rid_len);
    n->rid_len = 0;
}

static int set_rid(struct sessions *t, struct cnode *n, const unsigned char *rid, size_t len)
{
    if (len == 0 || len > ROUTING_ID_MAX)
        return -1;
    if (n->rid_len == len && memcmp(n->rid, rid, len) == 0)
        return 0;
    struct cnode *other = keymap_get(t->by_rid, rid, len);
    if (keymap_put(t->by_rid, rid, len, n) != 0)
        return -1;
    if (other && other != n)
        other->rid_len = 0; /* that routing id is this node's connection now */
    if (n->rid_len && keymap_get(t->by_rid, n->rid, n->rid_len) == n)
        keymap_del(t->by_rid, n->rid, n->rid_len);
    memcpy(n->rid, rid, len);
    n->rid_len = len;
    return 0;
}

enum sess_kind sess_classify(const struct cnode *n, const unsigned char *rid, size_t rid_len,
                             const char *incarnation)
{
    if (n->state == SESS_NONE)
        return SESS_NEW;
    if (strcmp(n->incarnation, incarnation) != 0)
        return SESS_RESTARTED;
    if (n->rid_len != rid_len || memcmp(n->rid, rid, rid_len) != 0)
        return SESS_MOVED;
    return SESS_SAME;
}

static void start_rehab(struct sessions *t, struct cnode *n, int64_t now, struct sess_actions *a)
{
    set_state(t, n, SESS_REHAB);
    rq_append(t, n, now);
    a->send_abort = true;
}

int sess_admit(struct sessions *t, struct cnode *n, enum sess_kind kind, const unsigned char *rid,
               size_t rid_len, const char *incarnation, int64_t now_ms, struct sess_actions *a)
{
    *a = (struct sess_actions){ 0 };
    size_t ilen = strlen(incarnation);
    if (ilen == 0 || ilen > WIRE_INCARNATION_MAX)
        return -1;
    if (kind != SESS_SAME && set_rid(t, n, rid, rid_len) != 0)
        return -1;
    switch (kind) {
    case SESS_SAME:
        break;
    case SESS_NEW: {
        bool resume = n->resumable && strcmp(n->db_incarnation, incarnation) == 0;
        n->resumable = false;
        memcpy(n->incarnation, incarnation, ilen + 1);
        n->inc_persisted = resume;
        if (resume) {
            set_state(t, n, SESS_AVAILABLE);
            a->send_ack = true;
        } else {
            start_rehab(t, n, now_ms, a);
        }
        break;
    }
    case SESS_RESTARTED:
        memcpy(n->incarnation, incarnation, ilen + 1);
        n->inc_persisted = false;
        start_rehab(t, n, now_ms, a);
        break;
    case SESS_MOVED:
        a->send_ack = true;
        break;
    }
    return 0;
}

bool sess_aborted(struct sessions *t, struct cnode *n)
{
    if (n->state != SESS_REHAB)
        return false;
    rq_remove(t, n);
    set_state(t, n, SESS_AVAILABLE);
    return true;
}

void sess_rehab(struct sessions *t, struct cnode *n, int64_t now_ms, struct sess_actions *a)
{
    *a = (struct sess_actions){ 0 };
    if (n->state != SESS_AVAILABLE)
        return;
    start_rehab(t, n, now_ms, a);
}

void sess_end(struct sessions *t, struct cnode *n)
{
    rq_remove(t, n);
    drop_rid(t, n);
    n->resumable = false;
    n->incarnation[0] = '\0';
    set_state(t, n, SESS_NONE);
}
