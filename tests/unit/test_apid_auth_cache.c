/* apid/auth_cache.c: when a cached identity lookup may be reused. */
#include <criterion/criterion.h>

#include "apid/auth_cache.h"

Test(auth_cache, fresh_within_ttl_same_generation)
{
    cr_assert(auth_cache_fresh(1000, 7, 1000, 7, 10));
    cr_assert(auth_cache_fresh(1000, 7, 10999, 7, 10));
}

Test(auth_cache, stale_at_ttl)
{
    cr_assert_not(auth_cache_fresh(1000, 7, 11000, 7, 10), "exactly ttl old is stale");
    cr_assert_not(auth_cache_fresh(1000, 7, 50000, 7, 10));
}

Test(auth_cache, stale_after_an_invalidation)
{
    cr_assert_not(auth_cache_fresh(1000, 7, 1001, 8, 10));
    cr_assert_not(auth_cache_fresh(1000, 8, 1001, 7, 10));
}

Test(auth_cache, ttl_zero_never_fresh)
{
    cr_assert_not(auth_cache_fresh(1000, 7, 1000, 7, 0));
    cr_assert_not(auth_cache_fresh(1000, 7, 1000, 7, -1));
}

Test(auth_cache, clock_going_backwards_is_stale)
{
    cr_assert_not(auth_cache_fresh(5000, 7, 4999, 7, 10));
}

Test(auth_cache, starts_suspended_until_the_listener_resumes_it)
{
    cr_assert_eq(auth_cache_init(10, 16), 0);
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert(st.enabled);
    cr_assert(st.suspended);
    auth_cache_set_suspended(false);
    auth_cache_stats(&st);
    cr_assert_not(st.suspended);
    auth_cache_invalidate();
    auth_cache_stats(&st);
    cr_assert_eq(st.invalidations, 1);
    cr_assert_eq(st.size, 0);
    auth_cache_shutdown();
    auth_cache_stats(&st);
    cr_assert_not(st.enabled);
}

Test(auth_cache, ttl_zero_disables)
{
    cr_assert_eq(auth_cache_init(0, 16), 0);
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert_not(st.enabled);
    auth_cache_shutdown();
}
