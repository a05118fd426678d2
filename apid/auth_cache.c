#include "apid/auth_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/lru_cache.h"
#include "shared/log.h"

enum entry_type { ENTRY_ORG, ENTRY_ACTOR, ENTRY_GROUPS };

struct entry {
    int64_t stored_ms;
    uint64_t gen;
    enum entry_type type;
    bool found;                    /* ENTRY_ORG */
    char org_id[24];               /* ENTRY_ORG */
    unsigned mask;                 /* ENTRY_GROUPS */
    struct actor_candidates cands; /* ENTRY_ACTOR: owns the PEMs */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lru_cache *g_cache; /* verified entries; NULL: disabled */
static struct lru_cache *g_unverified; /* org/actor answers not confirmed yet */
static int g_ttl_s;
static uint64_t g_gen;
static bool g_suspended = true;
static unsigned long long g_hits, g_misses, g_invalidations;
static const struct auth_cache_source g_identity = { identity_org_id, identity_actor_candidates,
                                                     identity_groups };
static const struct auth_cache_source *g_src = &g_identity;

void auth_cache_set_source(const struct auth_cache_source *src)
{
    g_src = src ? src : &g_identity;
}

/* Longest key: a tag, an org id, a kind and a name, NUL-separated. */
#define KEY_MAX (4 + 24 + 8 + API_NAME_MAX + 8)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool auth_cache_fresh(int64_t stored_ms, uint64_t entry_gen, int64_t now, uint64_t gen,
                      int ttl_s)
{
    if (ttl_s <= 0 || entry_gen != gen || now < stored_ms)
        return false;
    return now - stored_ms < (int64_t)ttl_s * 1000;
}

static void free_entry(void *v)
{
    struct entry *e = v;
    identity_candidates_free(&e->cands);
    free(e);
}

int auth_cache_init(int ttl_s, size_t capacity)
{
    struct lru_cache *c = NULL, *u = NULL;
    if (ttl_s > 0 && capacity > 0) {
        c = lru_create(capacity, free_entry);
        u = lru_create(capacity / 4 + 1, free_entry);
        if (!c || !u) {
            lru_destroy(c);
            lru_destroy(u);
            return -1;
        }
    }
    pthread_mutex_lock(&g_lock);
    struct lru_cache *old = g_cache, *old_u = g_unverified;
    g_cache = c;
    g_unverified = u;
    g_ttl_s = ttl_s;
    g_gen++;
    g_suspended = true;
    g_hits = g_misses = g_invalidations = 0;
    pthread_mutex_unlock(&g_lock);
    lru_destroy(old);
    lru_destroy(old_u);
    return 0;
}

void auth_cache_shutdown(void)
{
    pthread_mutex_lock(&g_lock);
    struct lru_cache *old = g_cache, *old_u = g_unverified;
    g_cache = g_unverified = NULL;
    pthread_mutex_unlock(&g_lock);
    lru_destroy(old);
    lru_destroy(old_u);
}

void auth_cache_invalidate(void)
{
    pthread_mutex_lock(&g_lock);
    g_gen++;
    g_invalidations++;
    if (g_cache) {
        lru_clear(g_cache); /* stale anyway: give the memory back */
        lru_clear(g_unverified);
    }
    pthread_mutex_unlock(&g_lock);
}

void auth_cache_set_suspended(bool suspended)
{
    pthread_mutex_lock(&g_lock);
    if (suspended != g_suspended)
        g_gen++;
    g_suspended = suspended;
    pthread_mutex_unlock(&g_lock);
}

/* Builds "tag\0part1\0part2..." into key; 0 when it does not fit. */
static size_t make_key(char key[KEY_MAX], char tag, const char *a, const char *b, const char *c)
{
    int n = snprintf(key, KEY_MAX, "%c%c%s%c%s%c%s", tag, '\0', a, '\0', b ? b : "", '\0',
                     c ? c : "");
    return n > 0 && n < KEY_MAX ? (size_t)n : 0;
}

/* What a miss remembers for storing the answer: the generation and the
 * time before the database was asked (an entry's age counts from then). */
struct miss {
    bool may_store;
    uint64_t gen;
    int64_t asked_ms;
};

/* Locks and returns the usable entry under key, or NULL (then unlocked,
 * with *m saying whether and how to store the database's answer). */
static struct entry *lookup_locked(const char *key, size_t klen, struct miss *m)
{
    m->may_store = false;
    if (!klen)
        return NULL;
    pthread_mutex_lock(&g_lock);
    int64_t now = now_ms();
    if (g_cache && !g_suspended) {
        struct entry *e = lru_get(g_cache, key, klen);
        if (!e || !auth_cache_fresh(e->stored_ms, e->gen, now, g_gen, g_ttl_s))
            e = lru_get(g_unverified, key, klen);
        if (e && auth_cache_fresh(e->stored_ms, e->gen, now, g_gen, g_ttl_s)) {
            g_hits++;
            return e;
        }
        g_misses++;
        m->may_store = true;
    }
    m->gen = g_gen;
    m->asked_ms = now;
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

/* Stores e (taking it) unless the cache went away or was suspended: in
 * the main cache when verified, else in the unverified one. */
static void store(const char *key, size_t klen, struct entry *e, bool verified)
{
    pthread_mutex_lock(&g_lock);
    if (g_cache && !g_suspended && e->gen == g_gen) {
        if (lru_put(verified ? g_cache : g_unverified, key, klen, e))
            LOG_WARN("auth cache: out of memory; entry not cached");
        e = NULL;
    }
    pthread_mutex_unlock(&g_lock);
    if (e)
        free_entry(e);
}

static struct entry *new_entry(enum entry_type type, const struct miss *m)
{
    struct entry *e = calloc(1, sizeof *e);
    if (e) {
        e->type = type;
        e->gen = m->gen;
        e->stored_ms = m->asked_ms;
    }
    return e;
}

enum api_db_status auth_cache_org_id(const char *org, char org_id[24], bool *found)
{
    char key[KEY_MAX];
    size_t klen = make_key(key, 'o', org, NULL, NULL);
    struct miss m;
    struct entry *e = lookup_locked(key, klen, &m);
    if (e) {
        *found = e->found;
        memcpy(org_id, e->org_id, 24);
        pthread_mutex_unlock(&g_lock);
        return API_DB_OK;
    }
    enum api_db_status st = g_src->org_id(org, org_id, found);
    if (st != API_DB_OK || !m.may_store)
        return st;
    e = new_entry(ENTRY_ORG, &m);
    if (e) {
        e->found = *found;
        memcpy(e->org_id, org_id, 24);
        store(key, klen, e, false);
    }
    return st;
}

/* Deep copy of the candidates; -1 when out of memory (dst then empty). */
static int copy_candidates(struct actor_candidates *dst, const struct actor_candidates *src)
{
    dst->n = 0;
    for (int i = 0; i < src->n; i++) {
        char *pem = strdup(src->c[i].public_key_pem);
        if (!pem) {
            identity_candidates_free(dst);
            return -1;
        }
        dst->c[i].kind = src->c[i].kind;
        dst->c[i].public_key_pem = pem;
        dst->n = i + 1;
    }
    return 0;
}

enum api_db_status auth_cache_actor_candidates(const char *org_id, const char *name,
                                               struct actor_candidates *out)
{
    out->n = 0;
    char key[KEY_MAX];
    size_t klen = make_key(key, 'a', org_id, name, NULL);
    struct miss m;
    struct entry *e = lookup_locked(key, klen, &m);
    if (e) {
        int rc = copy_candidates(out, &e->cands);
        pthread_mutex_unlock(&g_lock);
        return rc ? API_DB_ERROR : API_DB_OK;
    }
    enum api_db_status st = g_src->actor_candidates(org_id, name, out);
    if (st != API_DB_OK || !m.may_store)
        return st;
    e = new_entry(ENTRY_ACTOR, &m);
    if (e && copy_candidates(&e->cands, out) == 0)
        store(key, klen, e, false);
    else
        free(e);
    return st;
}

enum api_db_status auth_cache_groups(const char *org_id, enum api_actor_kind kind,
                                     const char *name, unsigned *mask)
{
    char key[KEY_MAX];
    size_t klen = make_key(key, 'g', org_id, kind == API_ACTOR_CLIENT ? "client" : "user", name);
    struct miss m;
    struct entry *e = lookup_locked(key, klen, &m);
    if (e) {
        *mask = e->mask;
        pthread_mutex_unlock(&g_lock);
        return API_DB_OK;
    }
    enum api_db_status st = g_src->groups(org_id, kind, name, mask);
    if (st != API_DB_OK || !m.may_store)
        return st;
    e = new_entry(ENTRY_GROUPS, &m);
    if (e) {
        e->mask = *mask;
        store(key, klen, e, true); /* asked for authenticated actors only */
    }
    return st;
}

/* Moves key's unverified entry, if still usable, to the main cache. */
static void promote_locked(const char *key, size_t klen, int64_t now)
{
    if (!klen)
        return;
    struct entry *e = lru_take(g_unverified, key, klen);
    if (!e)
        return; /* a main-cache hit, or dropped meanwhile */
    if (!auth_cache_fresh(e->stored_ms, e->gen, now, g_gen, g_ttl_s)) {
        free_entry(e);
        return;
    }
    if (lru_put(g_cache, key, klen, e))
        LOG_WARN("auth cache: out of memory; entry not cached");
}

void auth_cache_confirm(const char *org, const char *org_id, const char *actor)
{
    char ko[KEY_MAX], ka[KEY_MAX];
    size_t lo = make_key(ko, 'o', org, NULL, NULL);
    size_t la = make_key(ka, 'a', org_id, actor, NULL);
    pthread_mutex_lock(&g_lock);
    if (g_cache && !g_suspended) {
        int64_t now = now_ms();
        promote_locked(ko, lo, now);
        promote_locked(ka, la, now);
    }
    pthread_mutex_unlock(&g_lock);
}

void auth_cache_stats(struct auth_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&g_lock);
    out->hits = g_hits;
    out->misses = g_misses;
    out->invalidations = g_invalidations;
    out->enabled = g_cache != NULL;
    out->suspended = g_suspended;
    out->size = g_cache ? lru_size(g_cache) : 0;
    out->unverified = g_unverified ? lru_size(g_unverified) : 0;
    pthread_mutex_unlock(&g_lock);
}
