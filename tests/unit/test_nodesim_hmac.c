#include <criterion/criterion.h>
#include <string.h>

#include "bench/nodesim_hmac.h"
#include "shared/wire.h"

Test(nodesim_hmac, equals_wire_hmac_on_every_reuse)
{
    unsigned char k1[WIRE_SESSION_KEY_LEN], k2[WIRE_SESSION_KEY_LEN];
    for (int i = 0; i < WIRE_SESSION_KEY_LEN; i++) {
        k1[i] = (unsigned char)i;
        k2[i] = (unsigned char)(255 - i);
    }
    EVP_MAC_CTX *a = nsh_new(k1), *b = nsh_new(k2);
    cr_assert(a && b);
    char body[300];
    for (size_t len = 0; len < sizeof body; len += 37) {
        memset(body, (int)('a' + len % 26), sizeof body);
        unsigned char want[WIRE_HMAC_LEN], got[WIRE_HMAC_LEN];
        /* interleaved: one context's use does not disturb the other's key */
        cr_assert_eq(wire_hmac_sign(k1, body, len, want), 0);
        cr_assert_eq(nsh_mac(a, body, len, got), 0);
        cr_assert_eq(memcmp(want, got, sizeof got), 0, "len %zu", len);
        cr_assert_eq(wire_hmac_sign(k2, body, len, want), 0);
        cr_assert_eq(nsh_mac(b, body, len, got), 0);
        cr_assert_eq(memcmp(want, got, sizeof got), 0, "len %zu", len);
        cr_assert(nsh_verify(a, body, len, (unsigned char *)got, sizeof got) == false);
        cr_assert(nsh_verify(b, body, len, got, sizeof got));
        cr_assert(!nsh_verify(b, body, len, got, sizeof got - 1));
        got[5] ^= 1;
        cr_assert(!nsh_verify(b, body, len, got, sizeof got));
    }
    EVP_MAC_CTX_free(a);
    EVP_MAC_CTX_free(b);
    unsigned char mac[WIRE_HMAC_LEN];
    cr_assert_eq(nsh_mac(NULL, "x", 1, mac), -1);
}
