/* apid/stmt_cache.c: bookkeeping of prepared statements per connection. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "apid/stmt_cache.h"

Test(stmt_cache, add_find_remove)
{
    struct stmt_cache c = { 0 };
    cr_assert_null(stmt_cache_find(&c, "SELECT 1"));
    const char *a = stmt_cache_add(&c, "SELECT 1");
    cr_assert_str_eq(a, "pushy_s0");
    const char *b = stmt_cache_add(&c, "SELECT 2");
    cr_assert_str_eq(b, "pushy_s1");
    cr_assert_str_eq(stmt_cache_find(&c, "SELECT 1"), "pushy_s0");
    cr_assert_str_eq(stmt_cache_find(&c, "SELECT 2"), "pushy_s1");
    cr_assert_null(stmt_cache_find(&c, "SELECT 3"));
    cr_assert_null(stmt_cache_find(&c, "SELECT 1 "), "the full text is the key");
    stmt_cache_remove(&c, "SELECT 1");
    cr_assert_null(stmt_cache_find(&c, "SELECT 1"));
    cr_assert_str_eq(stmt_cache_find(&c, "SELECT 2"), "pushy_s1");
    /* prepared again: a new name, never one the server may still hold */
    cr_assert_str_eq(stmt_cache_add(&c, "SELECT 1"), "pushy_s2");
    stmt_cache_remove(&c, "not there");
    stmt_cache_reset(&c);
    cr_assert_null(stmt_cache_find(&c, "SELECT 2"));
    cr_assert_eq(c.n, 0);
}

Test(stmt_cache, full_table_runs_unprepared)
{
    struct stmt_cache c = { 0 };
    char sql[64];
    for (int i = 0; i < STMT_CACHE_MAX; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        cr_assert_not_null(stmt_cache_add(&c, sql));
    }
    cr_assert_null(stmt_cache_add(&c, "SELECT 'one more'"));
    for (int i = 0; i < STMT_CACHE_MAX; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        char want[STMT_NAME_SIZE];
        snprintf(want, sizeof want, "pushy_s%d", i);
        cr_assert_str_eq(stmt_cache_find(&c, sql), want);
    }
    stmt_cache_remove(&c, "SELECT 5");
    cr_assert_not_null(stmt_cache_add(&c, "SELECT 'one more'"));
    stmt_cache_reset(&c);
}
