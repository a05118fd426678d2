/* A hash map from byte-string keys to pointers, for commandd's tables
 * (nodes by "org/node", nodes by ZeroMQ routing id, ZAP decisions by CURVE
 * key, job sockets by job id). Open addressing with linear probing and
 * backward-shift deletion; O(1) expected per operation. The map copies
 * keys; values are the caller's. Not thread-safe. */
#ifndef PUSHY_COMMANDD_KEYMAP_H
#define PUSHY_COMMANDD_KEYMAP_H

#include <stddef.h>

struct keymap;

struct keymap *keymap_new(void);
/* Frees the map and its key copies (not the values). NULL is fine. */
void keymap_free(struct keymap *m);

/* The value stored for key, or NULL. */
void *keymap_get(const struct keymap *m, const void *key, size_t len);
/* Inserts or replaces (val must not be NULL). 0, or -1 on out of memory. */
int keymap_put(struct keymap *m, const void *key, size_t len, void *val);
/* Removes key; returns the value it had, or NULL. */
void *keymap_del(struct keymap *m, const void *key, size_t len);
size_t keymap_count(const struct keymap *m);

/* Calls fn for every entry; fn returns true to delete that entry (the value
 * is then the caller's to release inside fn). */
typedef int (*keymap_visit_fn)(void *ctx, const void *key, size_t len, void *val);
void keymap_sweep(struct keymap *m, keymap_visit_fn fn, void *ctx);

/* Convenience for NUL-terminated keys. */
void *keymap_gets(const struct keymap *m, const char *key);

#endif
