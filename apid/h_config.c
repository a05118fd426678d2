/* GET config/NODE?ccpk=...: node bootstrap (protocol notes §1.4).
 * Hands out addresses, timings, the server's keys, the incarnation id and
 * the node's HMAC session key encrypted to the requesting actor's public
 * key; registers the node's CURVE public key for commandd's ZAP handler,
 * bound to this org and node until config_lifetime has passed. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/handlers.h"
#include "apid/response.h"
#include "apid/validate.h"
#include "shared/base64.h"
#include "shared/chef_auth.h"
#include "shared/log.h"

#define SESSION_KEY_LEN 32

static int hex_decode(const char *hex, unsigned char *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* The node's session key: made once per (org, node), kept across restarts. */
static enum api_db_status session_key(const char *org_id, const char *node,
                                      unsigned char key[SESSION_KEY_LEN])
{
    unsigned char fresh[SESSION_KEY_LEN];
    char hex[2 * SESSION_KEY_LEN + 1];
    if (RAND_bytes(fresh, sizeof fresh) != 1)
        return API_DB_ERROR;
    for (int i = 0; i < SESSION_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
    OPENSSL_cleanse(fresh, sizeof fresh);
    const char *p[3] = { org_id, node, hex };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "session key insert",
        "INSERT INTO session_keys (org_id, node_name, session_key) "
        "VALUES ($1::bigint, $2, decode($3, 'hex')) ON CONFLICT DO NOTHING",
        3, p, &r);
    OPENSSL_cleanse(hex, sizeof hex);
    if (st != API_DB_OK)
        return st;
    PQclear(r);
    st = api_db_exec("session key select",
                     "SELECT encode(session_key, 'hex') FROM session_keys "
                     "WHERE org_id = $1::bigint AND node_name = $2",
                     2, p, &r);
    if (st != API_DB_OK)
        return st;
    int bad = PQntuples(r) != 1 || hex_decode(PQgetvalue(r, 0, 0), key, SESSION_KEY_LEN);
    PQclear(r);
    if (bad) {
        LOG_ERROR("config: session key of org %s node %s is unreadable", org_id, node);
        return API_DB_ERROR;
    }
    return API_DB_OK;
}

/* base64(RSA PKCS#1 v1.5 encryption of data to pem's key), malloc'd. */
static char *encrypt_to(const char *pem, const unsigned char *data, size_t len)
{
    char err[256];
    EVP_PKEY *key = chef_auth_load_public_key_pem(pem, strlen(pem), err, sizeof err);
    if (!key) {
        LOG_ERROR("config: actor key does not load: %s", err);
        return NULL;
    }
    char *out = NULL;
    unsigned char *enc = NULL;
    size_t enclen = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(ctx, NULL, &enclen, data, len) > 0 && (enc = malloc(enclen)) &&
        EVP_PKEY_encrypt(ctx, enc, &enclen, data, len) > 0) {
        size_t cap = BASE64_ENCODED_SIZE(enclen);
        out = malloc(cap);
        if (out && base64_encode(enc, enclen, out, cap) < 0) {
            free(out);
            out = NULL;
        }
    }
    if (!out)
        LOG_ERROR("config: RSA encryption of the session key failed");
    free(enc);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return out;
}

/* Registers ccpk for org/node until now + lifetime. A key still bound to
 * another node is not taken over: returns 0 registered, 1 taken. */
static enum api_db_status register_curve_key(const char *ccpk, const char *org_id,
                                             const char *node, int lifetime, int *taken)
{
    char life[16];
    snprintf(life, sizeof life, "%d", lifetime);
    const char *p[4] = { ccpk, org_id, node, life };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "curve key register",
        "INSERT INTO curve_keys (public_key, org_id, node_name, expires_at) "
        "VALUES ($1, $2::bigint, $3, now() + make_interval(secs => $4::int)) "
        "ON CONFLICT (public_key) DO UPDATE SET org_id = EXCLUDED.org_id, "
        "  node_name = EXCLUDED.node_name, expires_at = EXCLUDED.expires_at "
        "WHERE (curve_keys.org_id = EXCLUDED.org_id AND curve_keys.node_name = EXCLUDED.node_name) "
        "   OR curve_keys.expires_at < now() "
        "RETURNING 1",
        4, p, &r);
    if (st != API_DB_OK)
        return st;
    *taken = PQntuples(r) != 1;
    PQclear(r);
    return API_DB_OK;
}

void h_config_get(struct api_request *req, struct api_reply *reply)
{
    const struct pushy_config *cfg = api_server->cfg;
    const char *node = route_param(&req->match, "node");
    char ccpk[41];
    switch (ccpk_from_query(req->query, ccpk)) {
    case CCPK_MISSING:
        api_reply_error(reply, 400, "Missing ccpk");
        return;
    case CCPK_BAD:
        api_reply_error(reply, 401, "Bad ccpk");
        return;
    case CCPK_OK:
        break;
    }

    const char *p[2] = { req->org_id, node };
    PGresult *r;
    enum api_db_status st = api_db_exec("node upsert",
                                        "INSERT INTO nodes (org_id, name, search_keys) VALUES "
                                        "($1::bigint, $2, jsonb_build_object('name', jsonb_build_array($2::text))) "
                                        "ON CONFLICT DO NOTHING",
                                        2, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    PQclear(r);

    int taken = 0;
    st = register_curve_key(ccpk, req->org_id, node, cfg->config_lifetime, &taken);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    if (taken) {
        LOG_WARN("config: the ccpk sent is registered to another node; refused for org=%s "
                 "node=%s actor=%s peer=%s", req->org, node, req->actor.name, req->peer);
        api_reply_error(reply, 409, "This ccpk is registered to another node; generate a new "
                                    "CURVE key pair");
        return;
    }

    unsigned char key[SESSION_KEY_LEN];
    st = session_key(req->org_id, node, key);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    char *encoded = encrypt_to(req->actor.public_key_pem, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    if (!encoded) {
        api_reply_error(reply, 500, "Could not encrypt the session key to the requestor's key");
        return;
    }

    char out_addr[300], command_addr[300];
    snprintf(out_addr, sizeof out_addr, "tcp://%s:%d", cfg->server_name,
             cfg->server_heartbeat_port);
    snprintf(command_addr, sizeof command_addr, "tcp://%s:%d", cfg->server_name,
             cfg->command_port);
    json_t *body = json_pack(
        "{s:s, s:s, s:{s:{s:s, s:s, s:f, s:i, s:i}}, s:s, s:s, s:s, s:s,"
        " s:{s:s, s:s}, s:i, s:i, s:i, s:s}",
        "type", "config",
        "host", cfg->server_name,
        "push_jobs", "heartbeat",
        "out_addr", out_addr,
        "command_addr", command_addr,
        "interval", cfg->heartbeat_interval / 1000.0,
        "offline_threshold", cfg->offline_threshold,
        "online_threshold", cfg->online_threshold,
        "node", node,
        "organization", req->org,
        "public_key", api_server->keys.rsa_public_pem,
        "curve_public_key", api_server->keys.curve_public,
        "encoded_session_key", "method", "hmac_sha256", "key", encoded,
        "lifetime", cfg->config_lifetime,
        "max_message_skew", cfg->max_message_skew,
        "max_body_size", cfg->max_body_size,
        "incarnation_id", server_incarnation_id());
    free(encoded);
    LOG_INFO("config: handed out to org=%s node=%s actor=%s peer=%s", req->org, node,
             req->actor.name, req->peer);
    api_reply_json(reply, 200, body);
}
