#include "apid/lru_cache.h"

#include <stdlib.h>
#include <string.h>

struct lru_entry {
    struct lru_entry *chain;        /* next in the bucket */
    struct lru_entry *prev, *next;  /* recency list: head is the newest */
    unsigned long long hash;
    void *value;
    size_t key_len;
    unsigned char key[];
};

struct lru_cache {
    struct lru_entry **buckets;
    size_t nbuckets;                /* a power of two */
    size_t size, capacity;
    struct lru_entry *head, *tail;
    void (*free_value)(void *);
};

unsigned long long lru_hash(const void *key, size_t key_len)
{
    const unsigned char *p = key;
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < key_len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

struct lru_cache *lru_create(size_t capacity, void (*free_value)(void *))
{
    if (capacity == 0)
        return NULL;
    struct lru_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t nb = 16;
    while (nb < capacity * 2 && nb < ((size_t)1 << 30))
        nb *= 2;
    c->buckets = calloc(nb, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->nbuckets = nb;
    c->capacity = capacity;
    c->free_value = free_value;
    return c;
}

static void unlink_recency(struct lru_cache *c, struct lru_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct lru_cache *c, struct lru_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* The link that points at key's entry (or at the NULL ending its chain). */
static struct lru_entry **find_link(struct lru_cache *c, const void *key, size_t key_len,
                                    unsigned long long h)
{
    struct lru_entry **link = &c->buckets[h & (c->nbuckets - 1)];
    while (*link) {
        struct lru_entry *e = *link;
        if (e->hash == h && e->key_len == key_len && !memcmp(e->key, key, key_len))
            break;
        link = &e->chain;
    }
    return link;
}

static void free_entry(struct lru_cache *c, struct lru_entry *e)
{
    if (c->free_value && e->value)
        c->free_value(e->value);
    free(e);
}

/* Unlinks e (found through link) from its bucket and the list, frees it. */
static void drop(struct lru_cache *c, struct lru_entry **link)
{
    struct lru_entry *e = *link;
    *link = e->chain;
    unlink_recency(c, e);
    c->size--;
    free_entry(c, e);
}

void *lru_get(struct lru_cache *c, const void *key, size_t key_len)
{
    struct lru_entry *e = *find_link(c, key, key_len, lru_hash(key, key_len));
    if (!e)
        return NULL;
    if (c->head != e) {
        unlink_recency(c, e);
        push_front(c, e);
    }
    return e->value;
}

int lru_put(struct lru_cache *c, const void *key, size_t key_len, void *value)
{
    unsigned long long h = lru_hash(key, key_len);
    struct lru_entry **link = find_link(c, key, key_len, h);
    if (*link) {
        struct lru_entry *e = *link;
        if (c->free_value && e->value && e->value != value)
            c->free_value(e->value);
        e->value = value;
        unlink_recency(c, e);
        push_front(c, e);
        return 0;
    }
    struct lru_entry *e = malloc(sizeof *e + key_len);
    if (!e) {
        if (c->free_value && value)
            c->free_value(value);
        return -1;
    }
    e->hash = h;
    e->value = value;
    e->key_len = key_len;
    memcpy(e->key, key, key_len);
    if (c->size >= c->capacity) {
        struct lru_entry *old = c->tail;
        lru_remove(c, old->key, old->key_len);
        link = find_link(c, key, key_len, h); /* the chain may have changed */
    }
    e->chain = NULL;
    *link = e;
    push_front(c, e);
    c->size++;
    return 0;
}

void *lru_take(struct lru_cache *c, const void *key, size_t key_len)
{
    struct lru_entry **link = find_link(c, key, key_len, lru_hash(key, key_len));
    if (!*link)
        return NULL;
    void *value = (*link)->value;
    (*link)->value = NULL; /* drop() frees only the entry */
    drop(c, link);
    return value;
}

int lru_remove(struct lru_cache *c, const void *key, size_t key_len)
{
    struct lru_entry **link = find_link(c, key, key_len, lru_hash(key, key_len));
    if (!*link)
        return 0;
    drop(c, link);
    return 1;
}

void lru_clear(struct lru_cache *c)
{
    struct lru_entry *e = c->head;
    while (e) {
        struct lru_entry *next = e->next;
        free_entry(c, e);
        e = next;
    }
    memset(c->buckets, 0, c->nbuckets * sizeof *c->buckets);
    c->head = c->tail = NULL;
    c->size = 0;
}

void lru_destroy(struct lru_cache *c)
{
    if (!c)
        return;
    lru_clear(c);
    free(c->buckets);
    free(c);
}

size_t lru_size(const struct lru_cache *c) { return c->size; }
size_t lru_capacity(const struct lru_cache *c) { return c->capacity; }
