/* apid/key_cache.c: parsed public keys cached by their PEM text. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "apid/key_cache.h"
#include "shared/chef_auth.h"

static char *g_pub[3];

static void setup(void)
{
    for (int i = 0; i < 3; i++) {
        char *priv = NULL;
        cr_assert_eq(chef_auth_generate_keypair(1024, &priv, &g_pub[i]), 0);
        free(priv);
    }
}

static void teardown(void)
{
    key_cache_shutdown();
    for (int i = 0; i < 3; i++) {
        free(g_pub[i]);
        g_pub[i] = NULL;
    }
}

TestSuite(key_cache, .init = setup, .fini = teardown);

static EVP_PKEY *load(const char *pem)
{
    char err[256] = "";
    EVP_PKEY *k = key_cache_public_key(pem, err, sizeof err);
    cr_assert_not_null(k, "%s", err);
    return k;
}

Test(key_cache, same_pem_decodes_once)
{
    cr_assert_eq(key_cache_init(8), 0);
    EVP_PKEY *a = load(g_pub[0]);
    EVP_PKEY *b = load(g_pub[0]);
    cr_assert_eq(a, b, "the second lookup is served from the cache");
    EVP_PKEY *c = load(g_pub[1]);
    cr_assert_neq(a, c);
    struct key_cache_stats st;
    key_cache_stats(&st);
    cr_assert_eq(st.hits, 1);
    cr_assert_eq(st.misses, 2);
    cr_assert_eq(st.size, 2);
    /* the caller's references outlive the cache */
    key_cache_shutdown();
    cr_assert_eq(EVP_PKEY_get_bits(a), 1024);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    EVP_PKEY_free(c);
}

Test(key_cache, a_different_pem_is_a_different_entry)
{
    cr_assert_eq(key_cache_init(8), 0);
    EVP_PKEY *a = load(g_pub[0]);
    /* the same key with one more trailing newline is another PEM text */
    size_t n = strlen(g_pub[0]);
    char *alt = malloc(n + 2);
    memcpy(alt, g_pub[0], n);
    memcpy(alt + n, "\n", 2);
    EVP_PKEY *b = load(alt);
    cr_assert_neq(a, b);
    cr_assert_eq(EVP_PKEY_eq(a, b), 1);
    free(alt);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

Test(key_cache, bad_pem_is_refused_and_not_cached)
{
    cr_assert_eq(key_cache_init(8), 0);
    char err[256] = "";
    cr_assert_null(key_cache_public_key("not a key", err, sizeof err));
    cr_assert(strlen(err) > 0);
    cr_assert_null(key_cache_public_key("not a key", err, sizeof err));
    struct key_cache_stats st;
    key_cache_stats(&st);
    cr_assert_eq(st.size, 0);
}

Test(key_cache, bounded_by_capacity)
{
    cr_assert_eq(key_cache_init(2), 0);
    EVP_PKEY *k0 = load(g_pub[0]);
    EVP_PKEY *k1 = load(g_pub[1]);
    EVP_PKEY *k2 = load(g_pub[2]); /* evicts g_pub[0] */
    struct key_cache_stats st;
    key_cache_stats(&st);
    cr_assert_eq(st.size, 2);
    EVP_PKEY *again = load(g_pub[0]);
    cr_assert_neq(again, k0, "evicted: decoded anew");
    cr_assert_eq(EVP_PKEY_eq(again, k0), 1);
    EVP_PKEY *k2b = load(g_pub[2]);
    cr_assert_eq(k2b, k2);
    EVP_PKEY_free(k0);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    EVP_PKEY_free(k2b);
    EVP_PKEY_free(again);
}

Test(key_cache, capacity_zero_disables)
{
    cr_assert_eq(key_cache_init(0), 0);
    EVP_PKEY *a = load(g_pub[0]);
    EVP_PKEY *b = load(g_pub[0]);
    cr_assert_neq(a, b);
    cr_assert_eq(EVP_PKEY_eq(a, b), 1);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}
