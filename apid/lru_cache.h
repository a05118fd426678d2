/* A bounded map from byte-string keys to owned values, evicting the least
 * recently used entry when full. Not thread-safe: callers hold their own
 * lock (apid/key_cache.c, apid/auth_cache.c). Keys are copied; values are
 * owned by the cache from lru_put on and released with the free function
 * given at creation (on eviction, replacement, removal and destruction). */
#ifndef PUSHY_APID_LRU_CACHE_H
#define PUSHY_APID_LRU_CACHE_H

#include <stddef.h>

struct lru_cache;

/* capacity >= 1 entries; free_value may be NULL. NULL when out of memory. */
struct lru_cache *lru_create(size_t capacity, void (*free_value)(void *));
void lru_destroy(struct lru_cache *c);

/* The value stored under key (and marks it most recently used), or NULL.
 * The pointer stays valid until the next lru_put / lru_remove / lru_clear. */
void *lru_get(struct lru_cache *c, const void *key, size_t key_len);

/* Stores value under key, replacing (and freeing) an older value and
 * evicting the least recently used entry when full. Returns 0, or -1 when
 * out of memory (then value has been freed: the cache always takes it). */
int lru_put(struct lru_cache *c, const void *key, size_t key_len, void *value);

/* Removes key's entry and hands its value to the caller (not freed), or
 * NULL when there is none. */
void *lru_take(struct lru_cache *c, const void *key, size_t key_len);

/* Drops key's entry if any; returns 1 when there was one. */
int lru_remove(struct lru_cache *c, const void *key, size_t key_len);
void lru_clear(struct lru_cache *c);

size_t lru_size(const struct lru_cache *c);
size_t lru_capacity(const struct lru_cache *c);

/* FNV-1a, 64 bits: the bucket hash (exposed for the unit tests). */
unsigned long long lru_hash(const void *key, size_t key_len);

#endif
