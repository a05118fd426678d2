#include "heartbeatd/tracker.h"

#include <stdlib.h>
#include <string.h>

#include "shared/wire.h"

#define KEY_MAX (2 * TRACKER_NAME_MAX + 1)

struct hnode {
    char *org, *node;
    char *incarnation;          /* NULL until one is seen or loaded */
    uint64_t hash;
    struct hnode *chain;        /* hash bucket list */
    /* pending write */
    bool dirty;
    bool pend_up;
    int64_t pend_at_wall, pend_heard_wall;
    struct hnode *dirty_next;
};

struct tracker {
    struct liveness *live;
    struct hnode **buckets;
    size_t n_buckets;           /* power of two */
    size_t count;
    struct hnode *dirty_head;
    size_t n_dirty;
    struct tracker_event *events;
    size_t n_events, cap_events;
    /* restored nodes wait for heartbeats to flow (tracker.h) */
    int64_t interval_ms;
    bool heard_any;             /* a heartbeat since creation */
    bool holding;
    int64_t hold_until;
    /* for the liveness down callback */
    int64_t cb_now, cb_wall;
    int cb_error;
    uint64_t heartbeats, ups, downs, restarts;
};

/* ---- node table ----------------------------------------------------------- */

static uint64_t hash_name(const char *org, const char *node)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *s = org; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const char *s = node; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ^ (h >> 31);
}

static struct hnode *find(const struct tracker *t, const char *org, const char *node, uint64_t h)
{
    for (struct hnode *n = t->buckets[h & (t->n_buckets - 1)]; n; n = n->chain)
        if (n->hash == h && strcmp(n->org, org) == 0 && strcmp(n->node, node) == 0)
            return n;
    return NULL;
}

static int grow(struct tracker *t)
{
    size_t size = t->n_buckets * 2;
    struct hnode **b = calloc(size, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct hnode *n = t->buckets[i];
        while (n) {
            struct hnode *next = n->chain;
            n->chain = b[n->hash & (size - 1)];
            b[n->hash & (size - 1)] = n;
            n = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->n_buckets = size;
    return 0;
}

static struct hnode *get_or_add(struct tracker *t, const char *org, const char *node)
{
    uint64_t h = hash_name(org, node);
    struct hnode *n = find(t, org, node, h);
    if (n)
        return n;
    if (t->count + 1 > t->n_buckets && grow(t) != 0)
        return NULL;
    n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->org = strdup(org);
    n->node = strdup(node);
    if (!n->org || !n->node) {
        free(n->org);
        free(n->node);
        free(n);
        return NULL;
    }
    n->hash = h;
    n->chain = t->buckets[h & (t->n_buckets - 1)];
    t->buckets[h & (t->n_buckets - 1)] = n;
    t->count++;
    return n;
}

static int make_key(char *out, const char *org, const char *node)
{
    size_t ol = strlen(org), nl = strlen(node);
    if (ol + 1 + nl > KEY_MAX)
        return -1;
    memcpy(out, org, ol);
    out[ol] = '/';
    memcpy(out + ol + 1, node, nl + 1);
    return 0;
}

/* ---- lifecycle ------------------------------------------------------------ */

struct tracker *tracker_new(const struct liveness_params *p)
{
    struct tracker *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->live = liveness_create(p);
    t->interval_ms = p ? p->interval_ms : 0;
    t->n_buckets = 64;
    t->buckets = calloc(t->n_buckets, sizeof *t->buckets);
    if (!t->live || !t->buckets) {
        tracker_free(t);
        return NULL;
    }
    return t;
}

void tracker_free(struct tracker *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->buckets && i < t->n_buckets; i++) {
        struct hnode *n = t->buckets[i];
        while (n) {
            struct hnode *next = n->chain;
            free(n->org);
            free(n->node);
            free(n->incarnation);
            free(n);
            n = next;
        }
    }
    free(t->buckets);
    free(t->events);
    liveness_destroy(t->live);
    free(t);
}

/* ---- outputs -------------------------------------------------------------- */

static int add_event(struct tracker *t, enum tracker_event_kind kind, const struct hnode *n)
{
    if (t->n_events == t->cap_events) {
        size_t cap = t->cap_events ? t->cap_events * 2 : 64;
        struct tracker_event *e = realloc(t->events, cap * sizeof *e);
        if (!e)
            return -1;
        t->events = e;
        t->cap_events = cap;
    }
    t->events[t->n_events++] = (struct tracker_event){ kind, n->org, n->node };
    return 0;
}

static void mark_dirty(struct tracker *t, struct hnode *n, bool up, int64_t at, int64_t heard)
{
    n->pend_up = up;
    n->pend_at_wall = at;
    n->pend_heard_wall = heard;
    if (n->dirty)
        return;
    n->dirty = true;
    n->dirty_next = t->dirty_head;
    t->dirty_head = n;
    t->n_dirty++;
}

/* A transition: event plus pending write. */
static int transition(struct tracker *t, struct hnode *n, bool up, int64_t at, int64_t heard)
{
    if (up)
        t->ups++;
    else
        t->downs++;
    mark_dirty(t, n, up, at, heard);
    return add_event(t, up ? TRACKER_UP : TRACKER_DOWN, n);
}

size_t tracker_events(const struct tracker *t, const struct tracker_event **out)
{
    *out = t->events;
    return t->n_events;
}

void tracker_clear_events(struct tracker *t)
{
    t->n_events = 0;
}

size_t tracker_take_writes(struct tracker *t, struct tracker_write *out, size_t max)
{
    size_t k = 0;
    while (k < max && t->dirty_head) {
        struct hnode *n = t->dirty_head;
        t->dirty_head = n->dirty_next;
        n->dirty_next = NULL;
        n->dirty = false;
        t->n_dirty--;
        out[k++] = (struct tracker_write){ n->org, n->node, n->pend_up, n->pend_at_wall,
                                           n->pend_heard_wall };
    }
    return k;
}

void tracker_write_failed(struct tracker *t, const struct tracker_write *w)
{
    struct hnode *n = find(t, w->org, w->node, hash_name(w->org, w->node));
    if (n && !n->dirty) /* a dirty node has a newer transition already */
        mark_dirty(t, n, w->up, w->at_wall_ms, w->heard_wall_ms);
}

size_t tracker_pending_writes(const struct tracker *t)
{
    return t->n_dirty;
}

/* ---- inputs --------------------------------------------------------------- */

/* Heartbeats flow: the restored nodes' grace windows start now. */
static void end_hold(struct tracker *t, int64_t now_ms)
{
    if (!t->holding)
        return;
    t->holding = false;
    liveness_restart_grace(t->live, now_ms);
}

int64_t tracker_hold_ms(int64_t interval_ms)
{
    int64_t hold = TRACKER_HOLD_REDIAL_MS + TRACKER_HOLD_INTERVALS * interval_ms;
    return hold < TRACKER_HOLD_MIN_MS ? TRACKER_HOLD_MIN_MS : hold;
}

bool tracker_holding(const struct tracker *t)
{
    return t->holding;
}

static int64_t to_wall(int64_t mono, int64_t now, int64_t wall)
{
    return mono < 0 ? -1 : wall - (now - mono);
}

int tracker_heartbeat(struct tracker *t, const char *org, const char *node,
                      const char *incarnation, int64_t now_ms, int64_t wall_ms)
{
    char key[KEY_MAX + 1];
    if (!wire_valid_name(org, strlen(org)) || !wire_valid_name(node, strlen(node)) ||
        !incarnation || !*incarnation || make_key(key, org, node) != 0)
        return -1;
    struct hnode *n = get_or_add(t, org, node);
    if (!n)
        return -1;
    end_hold(t, now_ms);
    t->heard_any = true;
    t->heartbeats++;
    int rc = 0;
    if (!n->incarnation || strcmp(n->incarnation, incarnation) != 0) {
        char *inc = strdup(incarnation);
        if (!inc)
            return -1;
        if (n->incarnation) {
            t->restarts++;
            rc |= add_event(t, TRACKER_RESTARTED, n);
        }
        free(n->incarnation);
        n->incarnation = inc;
    }
    struct liveness_info before;
    bool known = liveness_info(t->live, key, &before) == 0;
    int tr = liveness_heartbeat(t->live, key, now_ms);
    if (tr < 0)
        return -1;
    if (tr == LIVENESS_WENT_DOWN) {
        /* its deadline passed before this tick got to it */
        int64_t at = known && before.deadline_ms >= 0 ? before.deadline_ms : now_ms;
        rc |= transition(t, n, false, to_wall(at, now_ms, wall_ms),
                         known ? to_wall(before.last_heard_ms, now_ms, wall_ms) : -1);
        if (liveness_state(t->live, key) == LIVENESS_UP)
            rc |= transition(t, n, true, wall_ms, wall_ms);
    } else if (tr == LIVENESS_CAME_UP) {
        rc |= transition(t, n, true, wall_ms, wall_ms);
    } else if (n->dirty && n->pend_up) {
        n->pend_heard_wall = wall_ms;
    }
    return rc ? -1 : 0;
}

static void on_down(void *ctx, const char *key, int64_t down_at_ms, int64_t last_heard_ms)
{
    struct tracker *t = ctx;
    const char *slash = strchr(key, '/');
    char org[TRACKER_NAME_MAX + 1];
    size_t ol = slash ? (size_t)(slash - key) : 0;
    if (!slash || ol > TRACKER_NAME_MAX) {
        t->cb_error = 1;
        return;
    }
    memcpy(org, key, ol);
    org[ol] = '\0';
    struct hnode *n = find(t, org, slash + 1, hash_name(org, slash + 1));
    if (!n) {
        t->cb_error = 1;
        return;
    }
    if (transition(t, n, false, to_wall(down_at_ms, t->cb_now, t->cb_wall),
                   to_wall(last_heard_ms, t->cb_now, t->cb_wall)) != 0)
        t->cb_error = 1;
}

void tracker_tick(struct tracker *t, int64_t now_ms, int64_t wall_ms)
{
    t->cb_now = now_ms;
    t->cb_wall = wall_ms;
    t->cb_error = 0;
    if (t->holding) {
        if (now_ms < t->hold_until)
            return;
        /* nobody beats through this server: judge from the load-time
         * windows, so a dead node is down at the end of the hold, not a
         * whole grace window later */
        t->holding = false;
    }
    liveness_tick(t->live, now_ms, on_down, t);
}

int tracker_load(struct tracker *t, const char *org, const char *node, bool up,
                 const char *incarnation, int64_t last_heard_wall_ms, int64_t now_ms,
                 int64_t wall_ms)
{
    char key[KEY_MAX + 1];
    if (!wire_valid_name(org, strlen(org)) || !wire_valid_name(node, strlen(node)) ||
        make_key(key, org, node) != 0)
        return -1;
    if (find(t, org, node, hash_name(org, node)))
        return 0;
    struct hnode *n = get_or_add(t, org, node);
    if (!n)
        return -1;
    if (incarnation && *incarnation && !(n->incarnation = strdup(incarnation)))
        return -1;
    if (!up)
        return 1; /* a down node is judged like a new one when it beats again */
    int64_t heard = last_heard_wall_ms < 0 ? -1 : now_ms - (wall_ms - last_heard_wall_ms);
    if (liveness_load(t->live, key, true, heard, now_ms) != 0)
        return -1;
    if (!t->heard_any && !t->holding) {
        t->holding = true;
        t->hold_until = now_ms + tracker_hold_ms(t->interval_ms);
    }
    return 1;
}

enum liveness_state tracker_state(const struct tracker *t, const char *org, const char *node)
{
    char key[KEY_MAX + 1];
    if (make_key(key, org, node) != 0)
        return LIVENESS_UNKNOWN;
    return liveness_state(t->live, key);
}

void tracker_get_stats(const struct tracker *t, struct tracker_stats *out)
{
    struct liveness_stats ls;
    liveness_get_stats(t->live, &ls);
    out->nodes = t->count;
    out->up = ls.up;
    out->heartbeats = t->heartbeats;
    out->ups = t->ups;
    out->downs = t->downs;
    out->restarts = t->restarts;
}
