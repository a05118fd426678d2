#include "apid/key_cache.h"

#include <pthread.h>
#include <string.h>

#include "apid/lru_cache.h"
#include "shared/chef_auth.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lru_cache *g_cache;     /* NULL: disabled */
static unsigned long long g_hits, g_misses;

static void free_key(void *v) { EVP_PKEY_free(v); }

int key_cache_init(size_t capacity)
{
    struct lru_cache *c = NULL;
    if (capacity > 0) {
        c = lru_create(capacity, free_key);
        if (!c)
            return -1;
    }
    pthread_mutex_lock(&g_lock);
    struct lru_cache *old = g_cache;
    g_cache = c;
    g_hits = g_misses = 0;
    pthread_mutex_unlock(&g_lock);
    lru_destroy(old);
    return 0;
}

void key_cache_shutdown(void)
{
    pthread_mutex_lock(&g_lock);
    struct lru_cache *old = g_cache;
    g_cache = NULL;
    pthread_mutex_unlock(&g_lock);
    lru_destroy(old);
}

/* A new reference to the cached key of pem, or NULL. */
static EVP_PKEY *lookup(const char *pem, size_t len)
{
    EVP_PKEY *key = NULL;
    pthread_mutex_lock(&g_lock);
    if (g_cache) {
        key = lru_get(g_cache, pem, len);
        if (key && EVP_PKEY_up_ref(key) != 1)
            key = NULL;
        if (key)
            g_hits++;
        else
            g_misses++;
    }
    pthread_mutex_unlock(&g_lock);
    return key;
}

/* Caches key (the cache takes a reference of its own). */
static void store(const char *pem, size_t len, EVP_PKEY *key)
{
    pthread_mutex_lock(&g_lock);
    if (g_cache && EVP_PKEY_up_ref(key) == 1)
        (void)lru_put(g_cache, pem, len, key); /* on failure the reference is dropped */
    pthread_mutex_unlock(&g_lock);
}

EVP_PKEY *key_cache_public_key(const char *pem, char *err, size_t errlen)
{
    size_t len = strlen(pem);
    EVP_PKEY *key = lookup(pem, len);
    if (key)
        return key;
    key = chef_auth_load_public_key_pem(pem, len, err, errlen);
    if (key)
        store(pem, len, key);
    return key;
}

void key_cache_stats(struct key_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&g_lock);
    out->hits = g_hits;
    out->misses = g_misses;
    if (g_cache) {
        out->size = lru_size(g_cache);
        out->capacity = lru_capacity(g_cache);
    }
    pthread_mutex_unlock(&g_lock);
}
