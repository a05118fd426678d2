/* HMAC-SHA256 (RFC 2104) with the key's two pad blocks hashed once.
 *
 * An HMAC hashes key^ipad and key^opad, one 64-byte block each, before and
 * after the message. For a 258-byte heartbeat that is 2 of 8 SHA-256
 * blocks, and OpenSSL 3's EVP_MAC path adds a context copy with an
 * allocation per step on top (half the time of a verification on a CPU
 * with SHA instructions). hmac256_key keeps both pad states, made once per
 * key (commandd: per node session key); each MAC then starts from copies
 * of them on the stack: no allocation, no provider dispatch.
 *
 * The states are key material: hmac256_key_clear wipes them. */
#ifndef PUSHY_SHARED_HMAC256_H
#define PUSHY_SHARED_HMAC256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMAC256_LEN 32
#define HMAC256_KEY_MAX 64       /* keys up to one SHA-256 block (ours are 32 bytes) */
#define HMAC256_STATE_WORDS 32   /* room for OpenSSL's SHA256_CTX (28 words), asserted */

struct hmac256_key {
    uint32_t inner[HMAC256_STATE_WORDS]; /* SHA-256 state after key ^ ipad */
    uint32_t outer[HMAC256_STATE_WORDS]; /* SHA-256 state after key ^ opad */
    bool ready;
};

/* Precomputes k from key (len <= HMAC256_KEY_MAX). 0, or -1 (k is then
 * not ready). */
int hmac256_key_set(struct hmac256_key *k, const unsigned char *key, size_t len);
/* Wipes k; it is not ready afterwards. */
void hmac256_key_clear(struct hmac256_key *k);
/* mac = HMAC-SHA256(key, data[0..len)). 0, or -1 (k not ready). */
int hmac256(const struct hmac256_key *k, const void *data, size_t len,
            unsigned char mac[HMAC256_LEN]);

#endif
