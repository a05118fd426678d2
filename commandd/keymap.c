#include "commandd/keymap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 64

struct slot {
    void *key;      /* NULL: empty */
    size_t len;
    uint64_t hash;
    void *val;
};

struct keymap {
    struct slot *slots;
    size_t size;    /* power of two */
    size_t count;
};

static uint64_t hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 14695981039346656037ull; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

struct keymap *keymap_new(void)
{
    struct keymap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(MIN_SLOTS, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->size = MIN_SLOTS;
    return m;
}

void keymap_free(struct keymap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->size; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static size_t find(const struct keymap *m, const void *key, size_t len, uint64_t h)
{
    size_t mask = m->size - 1, pos = (size_t)h & mask;
    for (;;) {
        const struct slot *s = &m->slots[pos];
        if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
            return pos;
        pos = (pos + 1) & mask;
    }
}

void *keymap_get(const struct keymap *m, const void *key, size_t len)
{
    if (!m || !key)
        return NULL;
    const struct slot *s = &m->slots[find(m, key, len, hash_bytes(key, len))];
    return s->key ? s->val : NULL;
}

void *keymap_gets(const struct keymap *m, const char *key)
{
    return key ? keymap_get(m, key, strlen(key)) : NULL;
}

static int grow(struct keymap *m)
{
    size_t size = m->size * 2;
    struct slot *slots = calloc(size, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->size; i++) {
        struct slot *s = &m->slots[i];
        if (!s->key)
            continue;
        size_t pos = (size_t)s->hash & (size - 1);
        while (slots[pos].key)
            pos = (pos + 1) & (size - 1);
        slots[pos] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->size = size;
    return 0;
}

int keymap_put(struct keymap *m, const void *key, size_t len, void *val)
{
    if (!m || !key || !val)
        return -1;
    if ((m->count + 1) * 2 > m->size && grow(m) != 0)
        return -1;
    uint64_t h = hash_bytes(key, len);
    struct slot *s = &m->slots[find(m, key, len, h)];
    if (s->key) {
        s->val = val;
        return 0;
    }
    void *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, key, len);
    *s = (struct slot){ .key = copy, .len = len, .hash = h, .val = val };
    m->count++;
    return 0;
}

/* Empties slot pos and shifts later members of its probe chain back. */
static void remove_at(struct keymap *m, size_t pos)
{
    size_t mask = m->size - 1, i = pos, j = pos;
    free(m->slots[i].key);
    m->slots[i] = (struct slot){ 0 };
    m->count--;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key)
            return;
        size_t k = (size_t)m->slots[j].hash & mask; /* home of entry j */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            m->slots[j] = (struct slot){ 0 };
            i = j;
        }
    }
}

void *keymap_del(struct keymap *m, const void *key, size_t len)
{
    if (!m || !key)
        return NULL;
    size_t pos = find(m, key, len, hash_bytes(key, len));
    if (!m->slots[pos].key)
        return NULL;
    void *val = m->slots[pos].val;
    remove_at(m, pos);
    return val;
}

size_t keymap_count(const struct keymap *m)
{
    return m ? m->count : 0;
}

void keymap_sweep(struct keymap *m, keymap_visit_fn fn, void *ctx)
{
    if (!m)
        return;
    /* Backward shifts can move an unvisited entry into an already visited
     * slot only from after the start of its chain; walking from a slot that
     * starts a chain (an empty one) keeps every entry visited once. */
    size_t start = 0;
    while (start < m->size && m->slots[start].key)
        start++;
    if (start == m->size)
        return; /* cannot happen: the load factor is at most 1/2 */
    size_t mask = m->size - 1;
    for (size_t n = 1; n <= m->size; n++) {
        size_t pos = (start + n) & mask;
        for (;;) {
            struct slot *s = &m->slots[pos];
            if (!s->key || !fn(ctx, s->key, s->len, s->val))
                break;
            remove_at(m, pos); /* another entry may have moved into pos */
        }
    }
}
