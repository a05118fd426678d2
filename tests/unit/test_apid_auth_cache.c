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

/* ---- verified and unverified entries (a counting identity source) ---- */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_org_calls, g_actor_calls, g_group_calls;

/* Orgs named "org..." exist; actors named "real..." have one key. */
static enum api_db_status src_org(const char *org, char org_id[24], bool *found)
{
    g_org_calls++;
    *found = strncmp(org, "org", 3) == 0;
    snprintf(org_id, 24, "%s", *found ? org + 3 : "");
    return API_DB_OK;
}

static enum api_db_status src_actor(const char *org_id, const char *name,
                                    struct actor_candidates *out)
{
    (void)org_id;
    g_actor_calls++;
    out->n = 0;
    if (strncmp(name, "real", 4) == 0) {
        out->c[0].kind = CANDIDATE_CLIENT;
        out->c[0].public_key_pem = strdup("PEM");
        cr_assert_not_null(out->c[0].public_key_pem);
        out->n = 1;
    }
    return API_DB_OK;
}

static enum api_db_status src_groups(const char *org_id, enum api_actor_kind kind,
                                     const char *name, unsigned *mask)
{
    (void)org_id, (void)kind, (void)name;
    g_group_calls++;
    *mask = 1;
    return API_DB_OK;
}

static const struct auth_cache_source counting = { src_org, src_actor, src_groups };

static void start(size_t capacity)
{
    g_org_calls = g_actor_calls = g_group_calls = 0;
    auth_cache_set_source(&counting);
    cr_assert_eq(auth_cache_init(10, capacity), 0);
    auth_cache_set_suspended(false);
}

static void stop(void)
{
    auth_cache_shutdown();
    auth_cache_set_source(NULL);
}

/* What auth_authenticate asks before checking the signature. */
static void lookup(const char *org, const char *actor, char org_id[24])
{
    bool found;
    cr_assert_eq(auth_cache_org_id(org, org_id, &found), API_DB_OK);
    struct actor_candidates c = { 0 };
    cr_assert_eq(auth_cache_actor_candidates(found ? org_id : "0", actor, &c), API_DB_OK);
    identity_candidates_free(&c);
}

/* A verified request: lookups, signature verified, groups. */
static void verified_request(const char *org, const char *actor)
{
    char org_id[24];
    lookup(org, actor, org_id);
    auth_cache_confirm(org, org_id, actor);
    unsigned mask;
    cr_assert_eq(auth_cache_groups(org_id, API_ACTOR_CLIENT, actor, &mask), API_DB_OK);
}

Test(auth_cache, unauthenticated_lookups_do_not_evict_verified_entries)
{
    start(16);
    verified_request("orgA", "real1");
    cr_assert_eq(g_org_calls + g_actor_calls + g_group_calls, 3);
    /* far more made-up orgs and actors than either cache holds */
    char org_id[24], name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "nobody%d", i);
        lookup(i % 2 ? "orgA" : name, name, org_id);
    }
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert_eq(st.size, 3, "verified entries: %zu", st.size);
    cr_assert_leq(st.unverified, 16 / 4 + 1);
    int before = g_org_calls + g_actor_calls + g_group_calls;
    verified_request("orgA", "real1");
    cr_assert_eq(g_org_calls + g_actor_calls + g_group_calls, before,
                 "the verified actor's lookups were evicted");
    stop();
}

Test(auth_cache, unconfirmed_answers_stay_out_of_the_main_cache)
{
    start(16);
    char org_id[24];
    lookup("orgA", "real1", org_id); /* e.g. a bad signature */
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert_eq(st.size, 0);
    cr_assert_eq(st.unverified, 2);
    /* still answered from the small cache (a repeated bad request costs nothing) */
    lookup("orgA", "real1", org_id);
    cr_assert_eq(g_org_calls, 1);
    cr_assert_eq(g_actor_calls, 1);
    /* confirmed: moved, not copied */
    auth_cache_confirm("orgA", org_id, "real1");
    auth_cache_stats(&st);
    cr_assert_eq(st.size, 2);
    cr_assert_eq(st.unverified, 0);
    lookup("orgA", "real1", org_id);
    cr_assert_eq(g_org_calls + g_actor_calls, 2);
    stop();
}

Test(auth_cache, unknown_orgs_and_actors_are_cached_negatively)
{
    start(16);
    char org_id[24];
    lookup("missing", "ghost", org_id);
    lookup("missing", "ghost", org_id);
    cr_assert_eq(g_org_calls, 1);
    cr_assert_eq(g_actor_calls, 1);
    stop();
}

Test(auth_cache, confirm_after_an_invalidation_stores_nothing)
{
    start(16);
    char org_id[24];
    lookup("orgA", "real1", org_id);
    auth_cache_invalidate();
    auth_cache_confirm("orgA", org_id, "real1");
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert_eq(st.size, 0);
    cr_assert_eq(st.unverified, 0);
    lookup("orgA", "real1", org_id);
    cr_assert_eq(g_org_calls, 2, "asked again after the invalidation");
    stop();
}

Test(auth_cache, suspended_cache_asks_every_time_and_confirm_is_harmless)
{
    start(16);
    auth_cache_set_suspended(true);
    char org_id[24];
    lookup("orgA", "real1", org_id);
    auth_cache_confirm("orgA", org_id, "real1");
    lookup("orgA", "real1", org_id);
    cr_assert_eq(g_org_calls, 2);
    struct auth_cache_stats st;
    auth_cache_stats(&st);
    cr_assert_eq(st.size + st.unverified, 0);
    stop();
}
