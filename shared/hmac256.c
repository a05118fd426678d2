/* OpenSSL's low-level SHA-256 calls are deprecated since 3.0 in favour of
 * EVP, but EVP cannot start a digest from a saved state without copying a
 * provider context (an allocation) per message; these calls use the same
 * SHA-256 code (with the CPU's SHA instructions where present). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "shared/hmac256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#ifdef OPENSSL_NO_DEPRECATED_3_0
#error "shared/hmac256.c needs OpenSSL's SHA256_Init/Update/Final (OpenSSL built without deprecated APIs)"
#endif

_Static_assert(sizeof(SHA256_CTX) <= HMAC256_STATE_WORDS * sizeof(uint32_t),
               "HMAC256_STATE_WORDS too small for SHA256_CTX");
_Static_assert(SHA256_DIGEST_LENGTH == HMAC256_LEN, "SHA-256 digest length");
_Static_assert(SHA256_CBLOCK == HMAC256_KEY_MAX, "SHA-256 block size");

/* SHA-256 state after one block of key ^ pad. */
static int pad_state(uint32_t *state, const unsigned char *key, size_t len, unsigned char pad)
{
    unsigned char block[SHA256_CBLOCK];
    memset(block, pad, sizeof block);
    for (size_t i = 0; i < len; i++)
        block[i] ^= key[i];
    SHA256_CTX c;
    int good = SHA256_Init(&c) && SHA256_Update(&c, block, sizeof block);
    memcpy(state, &c, sizeof c);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(&c, sizeof c);
    return good ? 0 : -1;
}

int hmac256_key_set(struct hmac256_key *k, const unsigned char *key, size_t len)
{
    hmac256_key_clear(k);
    if (!key || len > HMAC256_KEY_MAX)
        return -1;
    if (pad_state(k->inner, key, len, 0x36) != 0 || pad_state(k->outer, key, len, 0x5c) != 0) {
        hmac256_key_clear(k);
        return -1;
    }
    k->ready = true;
    return 0;
}

void hmac256_key_clear(struct hmac256_key *k)
{
    OPENSSL_cleanse(k, sizeof *k);
    k->ready = false;
}

int hmac256(const struct hmac256_key *k, const void *data, size_t len,
            unsigned char mac[HMAC256_LEN])
{
    if (!k || !k->ready || (!data && len))
        return -1;
    SHA256_CTX c;
    unsigned char inner[SHA256_DIGEST_LENGTH];
    memcpy(&c, k->inner, sizeof c);
    int good = SHA256_Update(&c, data ? data : "", len) && SHA256_Final(inner, &c);
    memcpy(&c, k->outer, sizeof c);
    good = good && SHA256_Update(&c, inner, sizeof inner) && SHA256_Final(mac, &c);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(&c, sizeof c);
    return good ? 0 : -1;
}
