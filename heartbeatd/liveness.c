#include "heartbeatd/liveness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define MAX_COUNTED 2           /* heartbeats counted per interval, see header */
#define MAX_SLOTS (1u << 20)
#define MIN_HASH 64

struct node {
    char *key;          /* NULL: free entry */
    uint64_t hash;
    int64_t origin;     /* interval n is [origin + n*I, origin + (n+1)*I) */
    int64_t at;         /* interval whose heartbeats hb counts */
    double avg;         /* average at the start of interval `at` */
    int64_t deadline;   /* up: boundary (ms) where avg < T without more beats; else -1 */
    int64_t last_heard;
    uint32_t prev, next;/* wheel slot list; next doubles as free-list link */
    uint8_t hb;
    uint8_t up;
    uint8_t fresh;      /* restored by liveness_load, no real heartbeat yet */
    uint8_t linked;
};

struct liveness {
    struct liveness_params p;
    double d, inv_w;    /* decay per interval (1 - 1/W) and weight of one beat */
    int64_t slot_ms;    /* wheel slot width; divides interval_ms */
    struct node *nodes;
    uint32_t n_used;    /* high-water mark of nodes[] */
    uint32_t cap;
    uint32_t free_head;
    size_t count, up_count;
    uint32_t *hash;     /* open addressing, linear probing; node index or NIL */
    size_t hash_size;   /* power of two */
    uint32_t *slots;    /* wheel: list head per slot */
    size_t n_slots;
    int64_t cursor;     /* absolute slot number tick processes next */
    int64_t last_now;
    bool started;
    uint64_t examined, slots_done;
};

/* ---- small arithmetic ---------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t slot_pos(const struct liveness *t, int64_t slot)
{
    int64_t m = slot % (int64_t)t->n_slots;
    return (size_t)(m < 0 ? m + (int64_t)t->n_slots : m);
}

static int64_t interval_of(const struct liveness *t, const struct node *n, int64_t now)
{
    return floor_div(now - n->origin, t->p.interval_ms);
}

/* The avg a node would have after closing interval `at` with its beats. */
static double closing_avg(const struct liveness *t, const struct node *n)
{
    return n->avg * t->d + n->hb * t->inv_w;
}

/* Moves a node to interval idx, closing `at` and decaying through the empty
 * intervals in between, in closed form. */
static void advance(const struct liveness *t, struct node *n, int64_t idx)
{
    if (idx <= n->at)
        return;
    int64_t k = idx - n->at;
    n->avg = closing_avg(t, n) * pow(t->d, (double)(k - 1));
    n->hb = 0;
    n->at = idx;
}

/* Number j >= 1 of the first boundary after interval start `at` where the
 * average is below T if no more beats arrive: boundary j has a1 * d^(j-1). */
static int64_t boundaries_until_down(const struct liveness *t, double a1)
{
    double T = t->p.threshold;
    if (a1 < T)
        return 1;
    if (t->d <= 0.0)
        return 2;
    int64_t e = (int64_t)floor(log(T / a1) / log(t->d)) + 1;
    if (e < 1)
        e = 1;
    /* settle floating-point doubt with the exact expression advance() uses */
    while (a1 * pow(t->d, (double)e) >= T)
        e++;
    while (e > 1 && a1 * pow(t->d, (double)(e - 1)) < T)
        e--;
    return e + 1;
}

/* ---- wheel --------------------------------------------------------------- */

static void unlink_node(struct liveness *t, uint32_t i)
{
    struct node *n = &t->nodes[i];
    if (!n->linked)
        return;
    if (n->prev != NIL)
        t->nodes[n->prev].next = n->next;
    else
        t->slots[slot_pos(t, floor_div(n->deadline, t->slot_ms))] = n->next;
    if (n->next != NIL)
        t->nodes[n->next].prev = n->prev;
    n->prev = n->next = NIL;
    n->linked = 0;
}

/* Computes the up node's deadline and (re)links it into its slot. */
static void schedule(struct liveness *t, uint32_t i)
{
    struct node *n = &t->nodes[i];
    unlink_node(t, i);
    int64_t j = boundaries_until_down(t, closing_avg(t, n));
    n->deadline = n->origin + (n->at + j) * t->p.interval_ms;
    size_t pos = slot_pos(t, floor_div(n->deadline, t->slot_ms));
    n->prev = NIL;
    n->next = t->slots[pos];
    if (n->next != NIL)
        t->nodes[n->next].prev = i;
    t->slots[pos] = i;
    n->linked = 1;
}

/* The node's deadline boundary has passed: it is down as of that boundary,
 * with its average reset (see the header for why). */
static void mark_down(struct liveness *t, uint32_t i)
{
    struct node *n = &t->nodes[i];
    unlink_node(t, i);
    n->at = floor_div(n->deadline - n->origin, t->p.interval_ms);
    n->avg = 0.0;
    n->hb = 0;
    n->up = 0;
    n->deadline = -1;
    t->up_count--;
}

/* ---- hash table ---------------------------------------------------------- */

static uint64_t hash_key(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static size_t find_pos(const struct liveness *t, const char *key, uint64_t h)
{
    size_t mask = t->hash_size - 1, pos = (size_t)h & mask;
    while (t->hash[pos] != NIL) {
        const struct node *n = &t->nodes[t->hash[pos]];
        if (n->hash == h && strcmp(n->key, key) == 0)
            return pos;
        pos = (pos + 1) & mask;
    }
    return pos; /* empty slot where key would go */
}

static uint32_t find(const struct liveness *t, const char *key)
{
    return t->hash[find_pos(t, key, hash_key(key))];
}

static int hash_grow(struct liveness *t)
{
    size_t size = t->hash_size * 2;
    uint32_t *h = malloc(size * sizeof *h);
    if (!h)
        return -1;
    memset(h, 0xff, size * sizeof *h);
    for (size_t i = 0; i < t->hash_size; i++) {
        uint32_t v = t->hash[i];
        if (v == NIL)
            continue;
        size_t pos = (size_t)t->nodes[v].hash & (size - 1);
        while (h[pos] != NIL)
            pos = (pos + 1) & (size - 1);
        h[pos] = v;
    }
    free(t->hash);
    t->hash = h;
    t->hash_size = size;
    return 0;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void hash_delete(struct liveness *t, size_t pos)
{
    size_t mask = t->hash_size - 1, i = pos, j = pos;
    t->hash[i] = NIL;
    for (;;) {
        j = (j + 1) & mask;
        if (t->hash[j] == NIL)
            return;
        size_t k = (size_t)t->nodes[t->hash[j]].hash & mask; /* home of entry j */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            t->hash[i] = t->hash[j];
            t->hash[j] = NIL;
            i = j;
        }
    }
}

/* Adds key (not present) with a zeroed node; returns its index or NIL. */
static uint32_t insert(struct liveness *t, const char *key)
{
    if ((t->count + 1) * 2 > t->hash_size && hash_grow(t) != 0)
        return NIL;
    uint32_t i;
    if (t->free_head != NIL) {
        i = t->free_head;
        t->free_head = t->nodes[i].next;
    } else {
        if (t->n_used == t->cap) {
            if (t->cap >= UINT32_MAX / 2)
                return NIL;
            uint32_t cap = t->cap ? t->cap * 2 : 64;
            struct node *nn = realloc(t->nodes, (size_t)cap * sizeof *nn);
            if (!nn)
                return NIL;
            t->nodes = nn;
            t->cap = cap;
        }
        i = t->n_used++;
    }
    struct node *n = &t->nodes[i];
    memset(n, 0, sizeof *n);
    n->key = strdup(key);
    if (!n->key) {
        n->next = t->free_head;
        t->free_head = i;
        return NIL;
    }
    n->hash = hash_key(key);
    n->prev = n->next = NIL;
    n->deadline = -1;
    n->last_heard = -1;
    t->hash[find_pos(t, key, n->hash)] = i;
    t->count++;
    return i;
}

/* ---- public API ---------------------------------------------------------- */

struct liveness *liveness_create(const struct liveness_params *p)
{
    if (!p || p->interval_ms <= 0 || p->window < 2 || !(p->threshold < 1.0) ||
        !(p->threshold > 1.0 / p->window))
        return NULL;
    struct liveness *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->p = *p;
    t->inv_w = 1.0 / p->window;
    t->d = 1.0 - t->inv_w;
    /* slot width: the largest divisor of I up to I/16, so that every
     * deadline (origin and I are multiples of it) starts a slot exactly */
    int64_t g = p->interval_ms / 16;
    if (g < 1)
        g = 1;
    while (p->interval_ms % g != 0)
        g--;
    t->slot_ms = g;
    /* horizon: the farthest deadline is the capped maximum avg (2) decaying,
     * plus the current interval and a spare one */
    int64_t horizon = (boundaries_until_down(t, (double)MAX_COUNTED) + 2) * p->interval_ms;
    int64_t n = horizon / g + 1;
    t->n_slots = n > MAX_SLOTS ? MAX_SLOTS : (size_t)n;
    t->slots = malloc(t->n_slots * sizeof *t->slots);
    t->hash_size = MIN_HASH;
    t->hash = malloc(t->hash_size * sizeof *t->hash);
    if (!t->slots || !t->hash) {
        liveness_destroy(t);
        return NULL;
    }
    memset(t->slots, 0xff, t->n_slots * sizeof *t->slots);
    memset(t->hash, 0xff, t->hash_size * sizeof *t->hash);
    t->free_head = NIL;
    return t;
}

void liveness_destroy(struct liveness *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n_used; i++)
        free(t->nodes[i].key);
    free(t->nodes);
    free(t->hash);
    free(t->slots);
    free(t);
}

/* Monotonic time as the table sees it; also starts the wheel. */
static int64_t clock_in(struct liveness *t, int64_t now)
{
    if (!t->started) {
        t->started = true;
        t->last_now = now;
        t->cursor = floor_div(now, t->slot_ms);
    }
    if (now < t->last_now)
        now = t->last_now;
    t->last_now = now;
    return now;
}

/* Starts a node's interval grid so that `now` is half an interval (rounded
 * down to a slot) after a boundary. */
static void set_grid(const struct liveness *t, struct node *n, int64_t now)
{
    n->origin = floor_div(now - t->p.interval_ms / 2, t->slot_ms) * t->slot_ms;
    n->at = interval_of(t, n, now);
}

int liveness_heartbeat(struct liveness *t, const char *key, int64_t now_ms)
{
    int64_t now = clock_in(t, now_ms);
    uint32_t i = find(t, key);
    if (i == NIL) {
        i = insert(t, key);
        if (i == NIL)
            return -1;
        struct node *n = &t->nodes[i];
        set_grid(t, n, now);
        n->avg = 2 * t->p.threshold;
        n->hb = 1;
        n->up = 1;
        n->last_heard = now;
        t->up_count++;
        schedule(t, i);
        return LIVENESS_CAME_UP;
    }
    struct node *n = &t->nodes[i];
    int result = LIVENESS_NONE;
    if (n->up && n->deadline <= now) {
        mark_down(t, i); /* tick has not got to it yet */
        result = LIVENESS_WENT_DOWN;
    }
    if (n->fresh) {
        /* first real beat after a restore: align the grid to this node */
        n->fresh = 0;
        set_grid(t, n, now);
        n->hb = 0;
        if (n->up)
            n->avg = 2 * t->p.threshold;
    }
    advance(t, n, interval_of(t, n, now));
    if (n->hb < MAX_COUNTED)
        n->hb++;
    n->last_heard = now;
    if (n->up) {
        schedule(t, i);
    } else if (closing_avg(t, n) >= t->p.threshold) {
        /* more beats this interval can only raise the average */
        n->up = 1;
        t->up_count++;
        schedule(t, i);
        result = LIVENESS_CAME_UP;
    }
    return result;
}

static size_t process_slot(struct liveness *t, size_t pos, int64_t now, liveness_down_fn cb,
                           void *ctx)
{
    size_t down = 0;
    uint32_t i = t->slots[pos];
    t->slots_done++;
    while (i != NIL) {
        uint32_t next = t->nodes[i].next;
        t->examined++;
        /* later-round entries only exist if tick lagged a whole wheel */
        if (t->nodes[i].deadline <= now) {
            int64_t at = t->nodes[i].deadline;
            mark_down(t, i);
            down++;
            if (cb)
                cb(ctx, t->nodes[i].key, at, t->nodes[i].last_heard);
        }
        i = next;
    }
    return down;
}

size_t liveness_tick(struct liveness *t, int64_t now_ms, liveness_down_fn cb, void *ctx)
{
    int64_t now = clock_in(t, now_ms);
    int64_t last = floor_div(now, t->slot_ms); /* every slot <= last has started by now */
    if (last < t->cursor)
        return 0;
    size_t down = 0;
    if (last - t->cursor >= (int64_t)t->n_slots) {
        for (size_t pos = 0; pos < t->n_slots; pos++)
            down += process_slot(t, pos, now, cb, ctx);
    } else {
        for (int64_t s = t->cursor; s <= last; s++)
            down += process_slot(t, slot_pos(t, s), now, cb, ctx);
    }
    t->cursor = last + 1;
    return down;
}

enum liveness_state liveness_state(const struct liveness *t, const char *key)
{
    uint32_t i = find(t, key);
    if (i == NIL)
        return LIVENESS_UNKNOWN;
    return t->nodes[i].up ? LIVENESS_UP : LIVENESS_DOWN;
}

int liveness_info(const struct liveness *t, const char *key, struct liveness_info *out)
{
    uint32_t i = find(t, key);
    if (i == NIL)
        return -1;
    const struct node *n = &t->nodes[i];
    out->state = n->up ? LIVENESS_UP : LIVENESS_DOWN;
    out->avg = n->avg;
    out->deadline_ms = n->up ? n->deadline : -1;
    out->last_heard_ms = n->last_heard;
    return 0;
}

int liveness_load(struct liveness *t, const char *key, bool up, int64_t last_heard_ms,
                  int64_t now_ms)
{
    int64_t now = clock_in(t, now_ms);
    uint32_t i = find(t, key);
    if (i == NIL) {
        i = insert(t, key);
        if (i == NIL)
            return -1;
    } else {
        unlink_node(t, i);
        if (t->nodes[i].up)
            t->up_count--;
    }
    struct node *n = &t->nodes[i];
    set_grid(t, n, now);
    n->fresh = 1;
    n->last_heard = last_heard_ms;
    n->up = up;
    n->deadline = -1;
    if (up) {
        /* as if heard now: a new node's grace period */
        n->avg = 2 * t->p.threshold;
        n->hb = 1;
        t->up_count++;
        schedule(t, i);
    } else {
        n->avg = 0.0;
        n->hb = 0;
    }
    return 0;
}

size_t liveness_restart_grace(struct liveness *t, int64_t now_ms)
{
    int64_t now = clock_in(t, now_ms);
    size_t moved = 0;
    for (uint32_t i = 0; i < t->n_used; i++) {
        struct node *n = &t->nodes[i];
        if (!n->key || !n->fresh || !n->up)
            continue;
        set_grid(t, n, now);
        n->avg = 2 * t->p.threshold;
        n->hb = 1;
        schedule(t, i);
        moved++;
    }
    return moved;
}

int liveness_remove(struct liveness *t, const char *key)
{
    uint64_t h = hash_key(key);
    size_t pos = find_pos(t, key, h);
    uint32_t i = t->hash[pos];
    if (i == NIL)
        return -1;
    struct node *n = &t->nodes[i];
    unlink_node(t, i);
    if (n->up)
        t->up_count--;
    hash_delete(t, pos);
    free(n->key);
    n->key = NULL;
    n->next = t->free_head;
    t->free_head = i;
    t->count--;
    return 0;
}

void liveness_get_stats(const struct liveness *t, struct liveness_stats *out)
{
    out->nodes = t->count;
    out->up = t->up_count;
    out->examined = t->examined;
    out->slots_processed = t->slots_done;
}
