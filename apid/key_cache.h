/* Parsed public keys, cached by their PEM text, so that an actor's stored
 * key is decoded once rather than on every signed request (OpenSSL's PEM
 * and DER decoders cost far more than the RSA verification itself).
 *
 * The cache maps the exact PEM text to the EVP_PKEY it decodes to: that
 * mapping never changes, so nothing here can make a revoked or replaced
 * key authenticate. Which PEM belongs to which actor is still looked up
 * per request (apid/auth_cache.h decides how fresh that lookup is).
 * Bounded (least recently used entries go first) and thread-safe. */
#ifndef PUSHY_APID_KEY_CACHE_H
#define PUSHY_APID_KEY_CACHE_H

#include <stddef.h>

#include <openssl/evp.h>

#define KEY_CACHE_DEFAULT_CAPACITY 1024

/* capacity 0 disables the cache (every call decodes). Returns 0, or -1
 * when out of memory (then the cache stays disabled). Call before the
 * HTTP threads start; calling again replaces the cache. */
int key_cache_init(size_t capacity);
void key_cache_shutdown(void);

/* The public key in pem (NUL-terminated), as chef_auth_load_public_key_pem
 * decodes it. Returns a new reference (EVP_PKEY_free it), or NULL with a
 * message in err when pem is not a usable public key (not cached). */
EVP_PKEY *key_cache_public_key(const char *pem, char *err, size_t errlen);

struct key_cache_stats {
    unsigned long long hits, misses;
    size_t size, capacity;
};
void key_cache_stats(struct key_cache_stats *out);

#endif
