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
#include "apid/key_cache.h"
#include "apid/response.h"
#include "apid/validate.h"
#include "shared/base64.h"
#include "shared/chef_auth.h"
#include "shared/hex.h"
#include "shared/log.h"

#define SESSION_KEY_LEN 32

/* Everything config/NODE stores, in one statement (one round trip, one
 * transaction, so one WAL flush at commit rather than three): the CURVE
 * key bound to org/node until now + lifetime unless it is still bound to
 * another node (then nothing else is written and taken is set); the node
 * row if new; the node's session key, made once per (org, node) and kept across
 * restarts (fresh is used only when none exists). The commit is
 * synchronous, as before: a key is durable before it is handed out. */
static const char register_sql[] =
    "WITH ck AS ("
    "  INSERT INTO curve_keys (public_key, org_id, node_name, expires_at) "
    "  VALUES ($1, $2::bigint, $3, now() + make_interval(secs => $4::int)) "
    "  ON CONFLICT (public_key) DO UPDATE SET org_id = EXCLUDED.org_id, "
    "    node_name = EXCLUDED.node_name, expires_at = EXCLUDED.expires_at "
    "  WHERE (curve_keys.org_id = EXCLUDED.org_id AND curve_keys.node_name = EXCLUDED.node_name) "
    "     OR curve_keys.expires_at < now() "
    "  RETURNING 1), "
    "node AS ("
    "  INSERT INTO nodes (org_id, name, search_keys) "
    "  SELECT $2::bigint, $3, jsonb_build_object('name', jsonb_build_array($3::text)) "
    "  WHERE EXISTS (SELECT 1 FROM ck) ON CONFLICT DO NOTHING), "
    "sk AS ("
    "  INSERT INTO session_keys (org_id, node_name, session_key) "
    "  SELECT $2::bigint, $3, decode($5, 'hex') WHERE EXISTS (SELECT 1 FROM ck) "
    "  ON CONFLICT DO NOTHING RETURNING session_key) "
    "SELECT EXISTS (SELECT 1 FROM ck), "
    "  encode(coalesce((SELECT session_key FROM sk), "
    "    (SELECT session_key FROM session_keys WHERE org_id = $2::bigint AND node_name = $3)), "
    "    'hex')";

/* The key row of a node whose first fetch raced this one: it committed
 * after this statement's snapshot, so only a new statement sees it. */
static const char select_key_sql[] =
    "SELECT encode(session_key, 'hex') FROM session_keys "
    "WHERE org_id = $1::bigint AND node_name = $2";

/* Registers ccpk for org/node and reads the node's session key into key.
 * *taken: the ccpk is still bound to another node (nothing was written). */
static enum api_db_status register_node(const char *ccpk, const char *org_id, const char *node,
                                        int lifetime, int *taken,
                                        unsigned char key[SESSION_KEY_LEN])
{
    unsigned char fresh[SESSION_KEY_LEN];
    char hex[2 * SESSION_KEY_LEN + 1], life[16];
    if (RAND_bytes(fresh, sizeof fresh) != 1)
        return API_DB_ERROR;
    hex_encode(fresh, sizeof fresh, hex);
    OPENSSL_cleanse(fresh, sizeof fresh);
    snprintf(life, sizeof life, "%d", lifetime);
    const char *p[5] = { ccpk, org_id, node, life, hex };
    PGresult *r;
    enum api_db_status st = api_db_exec("config register", register_sql, 5, p, &r);
    OPENSSL_cleanse(hex, sizeof hex);
    if (st != API_DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        LOG_ERROR("config: registering org %s node %s returned no row", org_id, node);
        return API_DB_ERROR;
    }
    *taken = PQgetvalue(r, 0, 0)[0] != 't';
    if (*taken) {
        PQclear(r);
        return API_DB_OK;
    }
    if (PQgetisnull(r, 0, 1)) {
        PQclear(r);
        st = api_db_exec("session key select", select_key_sql, 2, p + 1, &r);
        if (st != API_DB_OK)
            return st;
        if (PQntuples(r) != 1) {
            PQclear(r);
            LOG_ERROR("config: session key of org %s node %s is missing", org_id, node);
            return API_DB_ERROR;
        }
    }
    int col = PQnfields(r) == 2 ? 1 : 0;
    int bad = hex_decode(PQgetvalue(r, 0, col), key, SESSION_KEY_LEN);
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
    /* the key the request was just verified with: parsed already */
    EVP_PKEY *key = key_cache_public_key(pem, err, sizeof err);
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

    int taken = 0;
    unsigned char key[SESSION_KEY_LEN];
    enum api_db_status st =
        register_node(ccpk, req->org_id, node, cfg->config_lifetime, &taken, key);
    if (st != API_DB_OK) {
        OPENSSL_cleanse(key, sizeof key); /* may hold part of a decoded key */
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
