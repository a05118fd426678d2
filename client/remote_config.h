/* The answer of GET <chef_server_url>/pushy/config/NODE (PROTOCOL-NOTES
 * §1.4): addresses, timings, the server's keys, the server incarnation id
 * and the session key, RSA-encrypted to the node's client key. Parsing and
 * decryption only; no I/O.
 *
 * Required: push_jobs.heartbeat.{out_addr, command_addr, interval (seconds,
 * a number > 0)}, public_key (PEM), curve_public_key (40 Z85 chars: a
 * config without it is a 1.x server, which pushy-client does not speak),
 * encoded_session_key {method "hmac_sha256", key base64}, incarnation_id.
 * Optional with defaults: offline_threshold 3, online_threshold 2,
 * lifetime 3600, max_message_skew 300, max_body_size 65536. */
#ifndef PUSHY_CLIENT_REMOTE_CONFIG_H
#define PUSHY_CLIENT_REMOTE_CONFIG_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/wire.h"

struct pc_remote_config {
    char out_addr[256], command_addr[256];
    int64_t interval_ms;
    int offline_threshold, online_threshold;
    int lifetime_s, max_message_skew;
    long max_body_size;
    EVP_PKEY *server_pub;                       /* owned */
    char curve_public_key[WIRE_Z85_KEY_LEN + 1];
    unsigned char session_key[WIRE_SESSION_KEY_LEN];
    char incarnation_id[WIRE_INCARNATION_MAX + 1];
};

/* Parses body (len bytes) and decrypts the session key with client_key.
 * 0, or -1 with a message; out is then empty. */
int pc_remote_config_parse(const char *body, size_t len, EVP_PKEY *client_key,
                           struct pc_remote_config *out, char *err, size_t errlen);
void pc_remote_config_free(struct pc_remote_config *rc);

/* RSA PKCS#1 v1.5 decryption of the base64 text b64 with key into
 * out[outlen]; the plaintext must be exactly outlen bytes. 0 or -1. */
int pc_rsa_decrypt_b64(EVP_PKEY *key, const char *b64, unsigned char *out, size_t outlen);

#endif
