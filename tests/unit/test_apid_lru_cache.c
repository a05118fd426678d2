/* apid/lru_cache.c: bounded map with least-recently-used eviction. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/lru_cache.h"

static int g_freed;
static void count_free(void *v)
{
    g_freed++;
    free(v);
}

static char *val(const char *s) { return strdup(s); }

static void put(struct lru_cache *c, const char *k, const char *v)
{
    cr_assert_eq(lru_put(c, k, strlen(k), val(v)), 0);
}

static const char *get(struct lru_cache *c, const char *k)
{
    return lru_get(c, k, strlen(k));
}

Test(lru_cache, zero_capacity_is_refused)
{
    cr_assert_null(lru_create(0, NULL));
}

Test(lru_cache, stores_and_finds_by_exact_bytes)
{
    g_freed = 0;
    struct lru_cache *c = lru_create(4, count_free);
    cr_assert_not_null(c);
    put(c, "alpha", "1");
    put(c, "beta", "2");
    cr_assert_str_eq(get(c, "alpha"), "1");
    cr_assert_str_eq(get(c, "beta"), "2");
    cr_assert_null(get(c, "alph"));
    cr_assert_null(get(c, "alphaa"));
    /* keys are byte strings: an embedded NUL is part of the key */
    cr_assert_eq(lru_put(c, "a\0b", 3, val("nul")), 0);
    cr_assert_null(lru_get(c, "a\0c", 3));
    cr_assert_str_eq(lru_get(c, "a\0b", 3), "nul");
    cr_assert_eq(lru_size(c), 3);
    lru_destroy(c);
    cr_assert_eq(g_freed, 3);
}

Test(lru_cache, replacing_a_value_frees_the_old_one)
{
    g_freed = 0;
    struct lru_cache *c = lru_create(2, count_free);
    put(c, "k", "old");
    put(c, "k", "new");
    cr_assert_eq(g_freed, 1);
    cr_assert_eq(lru_size(c), 1);
    cr_assert_str_eq(get(c, "k"), "new");
    lru_destroy(c);
    cr_assert_eq(g_freed, 2);
}

Test(lru_cache, evicts_the_least_recently_used)
{
    g_freed = 0;
    struct lru_cache *c = lru_create(3, count_free);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    cr_assert_not_null(get(c, "a")); /* a is now the newest: b is the oldest */
    put(c, "d", "4");
    cr_assert_eq(lru_size(c), 3);
    cr_assert_eq(g_freed, 1);
    cr_assert_null(get(c, "b"));
    cr_assert_not_null(get(c, "a"));
    cr_assert_not_null(get(c, "c"));
    cr_assert_not_null(get(c, "d"));
    /* now the order, oldest first, is a c d */
    put(c, "e", "5");
    cr_assert_null(get(c, "a"));
    lru_destroy(c);
}

Test(lru_cache, capacity_one_keeps_the_last)
{
    struct lru_cache *c = lru_create(1, free);
    put(c, "a", "1");
    put(c, "b", "2");
    cr_assert_null(get(c, "a"));
    cr_assert_str_eq(get(c, "b"), "2");
    cr_assert_eq(lru_size(c), 1);
    lru_destroy(c);
}

Test(lru_cache, remove_and_clear)
{
    g_freed = 0;
    struct lru_cache *c = lru_create(8, count_free);
    put(c, "a", "1");
    put(c, "b", "2");
    put(c, "c", "3");
    cr_assert_eq(lru_remove(c, "b", 1), 1);
    cr_assert_eq(lru_remove(c, "b", 1), 0);
    cr_assert_eq(g_freed, 1);
    cr_assert_null(get(c, "b"));
    cr_assert_str_eq(get(c, "a"), "1");
    lru_clear(c);
    cr_assert_eq(lru_size(c), 0);
    cr_assert_eq(g_freed, 3);
    cr_assert_null(get(c, "a"));
    put(c, "a", "again");
    cr_assert_str_eq(get(c, "a"), "again");
    lru_destroy(c);
}

Test(lru_cache, many_keys_stay_consistent)
{
    /* more keys than buckets per chain, with evictions in between */
    struct lru_cache *c = lru_create(100, free);
    char k[32], v[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        snprintf(v, sizeof v, "v%d", i);
        put(c, k, v);
    }
    cr_assert_eq(lru_size(c), 100);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        const char *got = get(c, k);
        if (i < 900) {
            cr_assert_null(got, "key-%d should have been evicted", i);
        } else {
            snprintf(v, sizeof v, "v%d", i);
            cr_assert_str_eq(got, v);
        }
    }
    lru_destroy(c);
}

Test(lru_cache, fnv1a_hash)
{
    /* FNV-1a 64 reference values */
    cr_assert_eq(lru_hash("", 0), 0xcbf29ce484222325ULL);
    cr_assert_eq(lru_hash("a", 1), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(lru_hash("foobar", 6), 0x85944171f73967e8ULL);
}

Test(lru_cache, take_hands_the_value_over_without_freeing_it)
{
    g_freed = 0;
    struct lru_cache *c = lru_create(4, count_free);
    cr_assert_not_null(c);
    put(c, "a", "A");
    put(c, "b", "B");
    char *v = lru_take(c, "a", 1);
    cr_assert_str_eq(v, "A");
    cr_assert_eq(g_freed, 0);
    cr_assert_eq(lru_size(c), 1);
    cr_assert_null(get(c, "a"));
    cr_assert_null(lru_take(c, "a", 1));
    cr_assert_str_eq(get(c, "b"), "B");
    free(v);
    lru_destroy(c);
    cr_assert_eq(g_freed, 1);
}
