/* commandd's ZAP handler: request parsing, the decision and its cache. */
#include <criterion/criterion.h>
#include <string.h>

#include "commandd/zap.h"

static unsigned char KEY_OK[32] = { 1, 2, 3 };
static unsigned char KEY_OTHER[32] = { 9, 9, 9 };

struct fake_registry {
    int calls;
    int answer; /* 1, 0 or -1 */
    int64_t expires;
};

static int lookup(void *ctx, const unsigned char key[32], char *user, int64_t *expires_ms)
{
    struct fake_registry *r = ctx;
    r->calls++;
    if (r->answer == 1 && memcmp(key, KEY_OK, 32) == 0) {
        strcpy(user, "org/node1");
        *expires_ms = r->expires;
        return 1;
    }
    return r->answer < 0 ? -1 : 0;
}

static struct zap_request curve_request(const unsigned char *key)
{
    const void *frames[7] = { "1.0", "7", "pushy", "127.0.0.1", "", "CURVE", key };
    size_t lens[7] = { 3, 1, 5, 9, 0, 5, 32 };
    struct zap_request req;
    cr_assert_eq(zap_parse_request(frames, lens, 7, &req), 0);
    return req;
}

Test(commandd_zap, parse)
{
    struct zap_request req = curve_request(KEY_OK);
    cr_assert(req.has_key);
    cr_assert_str_eq(req.mechanism, "CURVE");
    cr_assert_eq(req.request_id_len, 1);
    cr_assert_eq(memcmp(req.key, KEY_OK, 32), 0);

    const void *bad_version[6] = { "2.0", "1", "", "", "", "NULL" };
    size_t lens6[6] = { 3, 1, 0, 0, 0, 4 };
    cr_assert_eq(zap_parse_request(bad_version, lens6, 6, &req), -1);
    cr_assert_eq(zap_parse_request(bad_version, lens6, 5, &req), -1, "too few frames");
    const void *null_mech[6] = { "1.0", "1", "", "", "", "NULL" };
    cr_assert_eq(zap_parse_request(null_mech, lens6, 6, &req), 0);
    cr_assert_not(req.has_key);
    const void *short_key[7] = { "1.0", "1", "", "", "", "CURVE", "abc" };
    size_t lens7[7] = { 3, 1, 0, 0, 0, 5, 3 };
    cr_assert_eq(zap_parse_request(short_key, lens7, 7, &req), 0);
    cr_assert_not(req.has_key, "credential must be 32 bytes");
}

Test(commandd_zap, decide_admits_registered_keys_with_user_id)
{
    struct fake_registry reg = { .answer = 1, .expires = 100000 };
    struct zap_cache *c = zap_cache_new(10000, 100);
    struct zap_reply rep;
    struct zap_request req = curve_request(KEY_OK);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    cr_assert_str_eq(rep.status, "200");
    cr_assert_str_eq(rep.user, "org/node1");
    cr_assert_not(rep.cached);
    zap_decide(&req, c, lookup, &reg, 5000, &rep);
    cr_assert_str_eq(rep.status, "200");
    cr_assert_str_eq(rep.user, "org/node1");
    cr_assert(rep.cached);
    cr_assert_eq(reg.calls, 1, "second decision from the cache");
    zap_decide(&req, c, lookup, &reg, 10000, &rep);
    cr_assert_eq(reg.calls, 2, "cache entry expired after the ttl");

    struct zap_request other = curve_request(KEY_OTHER);
    zap_decide(&other, c, lookup, &reg, 10000, &rep);
    cr_assert_str_eq(rep.status, "400");
    cr_assert_str_eq(rep.user, "");
    zap_decide(&other, c, lookup, &reg, 10500, &rep);
    cr_assert(rep.cached, "refusals cached briefly");
    cr_assert_str_eq(rep.status, "400");
    zap_decide(&other, c, lookup, &reg, 11001, &rep);
    cr_assert_not(rep.cached, "refusals cached for one second only");
    zap_cache_free(c);
}

Test(commandd_zap, admission_never_outlives_the_key)
{
    struct fake_registry reg = { .answer = 1, .expires = 3000 };
    struct zap_cache *c = zap_cache_new(10000, 100);
    struct zap_reply rep;
    struct zap_request req = curve_request(KEY_OK);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    cr_assert_str_eq(rep.status, "200");
    reg.answer = 0; /* expired in the registry */
    zap_decide(&req, c, lookup, &reg, 2999, &rep);
    cr_assert_str_eq(rep.status, "200");
    zap_decide(&req, c, lookup, &reg, 3000, &rep);
    cr_assert_str_eq(rep.status, "400", "cached admission ends with the key");
    zap_cache_free(c);
}

Test(commandd_zap, errors_and_other_mechanisms)
{
    struct fake_registry reg = { .answer = -1 };
    struct zap_cache *c = zap_cache_new(10000, 100);
    struct zap_reply rep;
    struct zap_request req = curve_request(KEY_OK);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    cr_assert_str_eq(rep.status, "500");
    zap_decide(&req, c, lookup, &reg, 1, &rep);
    cr_assert_eq(reg.calls, 2, "errors are not cached");
    const void *null_mech[6] = { "1.0", "1", "", "", "", "NULL" };
    size_t lens6[6] = { 3, 1, 0, 0, 0, 4 };
    zap_parse_request(null_mech, lens6, 6, &req);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    cr_assert_str_eq(rep.status, "400");
    cr_assert_eq(reg.calls, 2, "no lookup without a key");
    zap_cache_free(c);
}

Test(commandd_zap, ttl_zero_disables_the_cache_and_size_is_bounded)
{
    struct fake_registry reg = { .answer = 1, .expires = 100000 };
    struct zap_cache *c = zap_cache_new(0, 100);
    struct zap_reply rep;
    struct zap_request req = curve_request(KEY_OK);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    zap_decide(&req, c, lookup, &reg, 0, &rep);
    cr_assert_eq(reg.calls, 2);
    cr_assert_eq(zap_cache_count(c), 0);
    zap_cache_free(c);

    c = zap_cache_new(10000, 8);
    unsigned char k[32] = { 0 };
    for (int i = 0; i < 100; i++) {
        k[0] = (unsigned char)i;
        zap_cache_put(c, k, true, "org/n", 100000, 0);
        cr_assert_leq(zap_cache_count(c), 8);
    }
    zap_cache_sweep(c, 20000);
    cr_assert_eq(zap_cache_count(c), 0);
    zap_cache_free(c);
}
