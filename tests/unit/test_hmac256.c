#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "shared/hex.h"
#include "shared/hmac256.h"

/* RFC 4231 test cases 1-4 (keys of at most one block). */
struct kat {
    const char *key_hex, *data_hex, *mac_hex;
};
static const struct kat kats[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddd"
     "dddddddddddddddddddddddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
};

static size_t unhex(const char *h, unsigned char *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    cr_assert_leq(n, cap);
    cr_assert_eq(hex_decode(h, out, n), 0, "bad hex %s", h);
    return n;
}

Test(hmac256, rfc4231)
{
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        unsigned char key[64], data[128], want[32], mac[32];
        size_t kl = unhex(kats[i].key_hex, key, sizeof key);
        size_t dl = unhex(kats[i].data_hex, data, sizeof data);
        unhex(kats[i].mac_hex, want, sizeof want);
        struct hmac256_key k;
        cr_assert_eq(hmac256_key_set(&k, key, kl), 0);
        cr_assert_eq(hmac256(&k, data, dl, mac), 0);
        cr_assert_eq(memcmp(mac, want, 32), 0, "RFC 4231 case %zu", i + 1);
        /* the key is reusable: the states are copied, not consumed */
        cr_assert_eq(hmac256(&k, data, dl, mac), 0);
        cr_assert_eq(memcmp(mac, want, 32), 0, "RFC 4231 case %zu, again", i + 1);
        hmac256_key_clear(&k);
    }
}

Test(hmac256, same_as_openssl_for_every_length)
{
    unsigned char key[64], data[600];
    srand(42);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)rand();
    for (size_t kl = 0; kl <= sizeof key; kl += 8) {
        for (size_t i = 0; i < kl; i++)
            key[i] = (unsigned char)rand();
        struct hmac256_key k;
        cr_assert_eq(hmac256_key_set(&k, key, kl), 0);
        for (size_t dl = 0; dl <= sizeof data; dl += (dl < 130 ? 1 : 37)) {
            unsigned char want[32], mac[32];
            unsigned int wl = 0;
            cr_assert_not_null(HMAC(EVP_sha256(), key, (int)kl, data, dl, want, &wl));
            cr_assert_eq(hmac256(&k, data, dl, mac), 0);
            cr_assert_eq(memcmp(mac, want, 32), 0, "key %zu bytes, data %zu bytes", kl, dl);
        }
        hmac256_key_clear(&k);
    }
}

Test(hmac256, refusals_and_clear)
{
    unsigned char key[65] = {0}, mac[32];
    struct hmac256_key k;
    cr_assert_eq(hmac256_key_set(&k, key, 65), -1, "longer than a block");
    cr_assert_not(k.ready);
    cr_assert_eq(hmac256(&k, "x", 1, mac), -1);
    cr_assert_eq(hmac256_key_set(&k, NULL, 0), -1);
    cr_assert_eq(hmac256(NULL, "x", 1, mac), -1);
    cr_assert_eq(hmac256_key_set(&k, key, 32), 0);
    cr_assert_eq(hmac256(&k, NULL, 1, mac), -1, "no data with a length");
    cr_assert_eq(hmac256(&k, NULL, 0, mac), 0, "empty message");
    hmac256_key_clear(&k);
    cr_assert_not(k.ready);
    for (size_t i = 0; i < HMAC256_STATE_WORDS; i++)
        cr_assert_eq(k.inner[i] | k.outer[i], 0, "states wiped");
    cr_assert_eq(hmac256(&k, "x", 1, mac), -1);
}
