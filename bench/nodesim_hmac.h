/* nodesim: one keyed HMAC-SHA256 context per simulated node (its session
 * key), re-initialised without re-keying for every message it signs or
 * verifies. wire_hmac_sign re-keys a per-thread context on every call (key
 * pads hashed again); a node's key does not change between configs, so the
 * keyed state is kept: about a third fewer instructions per message
 * (callgrind, 200-byte body). Same MAC, bit for bit. */
#ifndef PUSHY_BENCH_NODESIM_HMAC_H
#define PUSHY_BENCH_NODESIM_HMAC_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/wire.h"

/* A context keyed with key, or NULL (out of memory, crypto failure).
 * Free with EVP_MAC_CTX_free. */
EVP_MAC_CTX *nsh_new(const unsigned char key[WIRE_SESSION_KEY_LEN]);

/* HMAC-SHA256 of body[0..len) with ctx's key. 0 or -1. */
int nsh_mac(EVP_MAC_CTX *ctx, const void *body, size_t len, unsigned char mac[WIRE_HMAC_LEN]);

/* Constant-time check of sig (false for any sig_len other than 32). */
bool nsh_verify(EVP_MAC_CTX *ctx, const void *body, size_t len, const unsigned char *sig,
                size_t sig_len);

#endif
