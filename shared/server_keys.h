/* The server's long-lived keys, created by pushyd on first start in
 * data_dir (mode 0600, owned by the service user) and loaded by workers:
 *  - server_rsa_key.pem: RSA-2048 private key; signs server heartbeats,
 *    its public half is handed to nodes by config/NODE;
 *  - server_curve.key:   CURVE key pair (Z85 public, Z85 secret, one per
 *    line) of the command channel's ROUTER.
 * And the server incarnation id: a UUID made by pushyd at each start and
 * passed to workers in $PUSHY_INCARNATION_ID, so it changes exactly when
 * the server restarts, not when one worker does. */
#ifndef PUSHY_SERVER_KEYS_H
#define PUSHY_SERVER_KEYS_H

#include <openssl/evp.h>

#include "shared/config.h"

#define CURVE_Z85_LEN 40

struct server_keys {
    EVP_PKEY *rsa;                         /* private (and public) */
    char *rsa_public_pem;                  /* SubjectPublicKeyInfo PEM */
    char curve_public[CURVE_Z85_LEN + 1];  /* Z85 */
    char curve_secret[CURVE_Z85_LEN + 1];  /* Z85 */
};

/* Creates whichever key file is missing. 0 or -1 with err. */
int server_keys_ensure(const struct pushy_config *cfg, char *err, size_t errlen);
/* Loads both keys. 0 or -1 with err. */
int server_keys_load(const struct pushy_config *cfg, struct server_keys *keys, char *err, size_t errlen);
void server_keys_free(struct server_keys *keys);

/* A fresh random UUIDv4 (36 chars + NUL). 0 or -1. */
int uuid_v4(char out[37]);
/* $PUSHY_INCARNATION_ID, or a process-local one when run outside pushyd. */
const char *server_incarnation_id(void);

#endif
