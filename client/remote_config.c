#include "client/remote_config.h"
#include "shared/errbuf.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/base64.h"


int pc_rsa_decrypt_b64(EVP_PKEY *key, const char *b64, unsigned char *out, size_t outlen)
{
    unsigned char enc[1024];
    long n = base64_decode(b64, strlen(b64), enc, sizeof enc);
    if (n <= 0)
        return -1;
    int rc = -1;
    unsigned char *plain = NULL;
    size_t plen = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_decrypt(ctx, NULL, &plen, enc, (size_t)n) > 0 && (plain = malloc(plen)) &&
        EVP_PKEY_decrypt(ctx, plain, &plen, enc, (size_t)n) > 0 && plen == outlen) {
        memcpy(out, plain, outlen);
        rc = 0;
    }
    if (plain) {
        OPENSSL_cleanse(plain, plen);
        free(plain);
    }
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

static const char *str_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Optional integer (a JSON integer or a whole real) in [lo, hi]. */
static int int_at(json_t *obj, const char *key, long dflt, long lo, long hi, long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    double d = json_number_value(v);
    if (!json_is_number(v) || !(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
        return -1;
    *out = (long)d;
    return 0;
}

static bool good_addr(const char *a)
{
    return a && strncmp(a, "tcp://", 6) == 0 && strlen(a) > 6 && strlen(a) < 256;
}

void pc_remote_config_free(struct pc_remote_config *rc)
{
    EVP_PKEY_free(rc->server_pub);
    OPENSSL_cleanse(rc, sizeof *rc);
    memset(rc, 0, sizeof *rc);
}

int pc_remote_config_parse(const char *body, size_t len, EVP_PKEY *client_key,
                           struct pc_remote_config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    if (!root)
        return errbuf_fail(err, errlen, "config is not JSON: %s", je.text);
    int rc = -1;
    json_t *hb = json_object_get(json_object_get(root, "push_jobs"), "heartbeat");
    if (!json_is_object(root) || !json_is_object(hb)) {
        errbuf_fail(err, errlen, "config has no push_jobs.heartbeat");
        goto out;
    }
    const char *oa = str_at(hb, "out_addr"), *ca = str_at(hb, "command_addr");
    if (!good_addr(oa) || !good_addr(ca)) {
        errbuf_fail(err, errlen, "config: out_addr and command_addr must be tcp:// addresses");
        goto out;
    }
    snprintf(out->out_addr, sizeof out->out_addr, "%s", oa);
    snprintf(out->command_addr, sizeof out->command_addr, "%s", ca);
    json_t *iv = json_object_get(hb, "interval");
    double secs = json_number_value(iv);
    if (!json_is_number(iv) || !(secs >= 0.01 && secs <= 86400)) {
        errbuf_fail(err, errlen, "config: interval must be a number of seconds in 0.01..86400");
        goto out;
    }
    out->interval_ms = (int64_t)(secs * 1000.0 + 0.5);
    long off, on, life, skew, maxb;
    if (int_at(hb, "offline_threshold", 3, 1, 1000, &off) || int_at(hb, "online_threshold", 2, 1, 1000, &on) ||
        int_at(root, "lifetime", 3600, 1, 10L * 365 * 86400, &life) ||
        int_at(root, "max_message_skew", 300, 1, 86400, &skew) ||
        int_at(root, "max_body_size", WIRE_DEFAULT_MAX_BODY_SIZE, 1024, 64L * 1024 * 1024, &maxb)) {
        errbuf_fail(err, errlen, "config: a threshold, lifetime, max_message_skew or max_body_size is "
                          "not a number in range");
        goto out;
    }
    out->offline_threshold = (int)off;
    out->online_threshold = (int)on;
    out->lifetime_s = (int)life;
    out->max_message_skew = (int)skew;
    out->max_body_size = maxb;

    const char *pem = str_at(root, "public_key");
    if (!pem || !(out->server_pub = wire_load_public_key(pem, strlen(pem)))) {
        errbuf_fail(err, errlen, "config: public_key is missing or not an RSA public key");
        goto out;
    }
    const char *curve = str_at(root, "curve_public_key");
    unsigned char raw[WIRE_CURVE_KEY_LEN];
    if (!curve) {
        errbuf_fail(err, errlen, "config has no curve_public_key: the server may be using the 1.x "
                          "protocol, which pushy-client does not support");
        goto out;
    }
    if (strlen(curve) != WIRE_Z85_KEY_LEN || wire_z85_decode(curve, WIRE_Z85_KEY_LEN, raw) != 0) {
        errbuf_fail(err, errlen, "config: curve_public_key is not a 40-character Z85 key");
        goto out;
    }
    memcpy(out->curve_public_key, curve, WIRE_Z85_KEY_LEN + 1);
    const char *inc = str_at(root, "incarnation_id");
    if (!inc || !*inc || strlen(inc) > WIRE_INCARNATION_MAX) {
        errbuf_fail(err, errlen, "config: incarnation_id is missing");
        goto out;
    }
    snprintf(out->incarnation_id, sizeof out->incarnation_id, "%s", inc);
    json_t *sk = json_object_get(root, "encoded_session_key");
    const char *method = str_at(sk, "method"), *key = str_at(sk, "key");
    if (!method || strcmp(method, "hmac_sha256") != 0 || !key) {
        errbuf_fail(err, errlen, "config: encoded_session_key must be {method: hmac_sha256, key}");
        goto out;
    }
    if (pc_rsa_decrypt_b64(client_key, key, out->session_key, WIRE_SESSION_KEY_LEN) != 0) {
        errbuf_fail(err, errlen, "config: the session key does not decrypt with the client key (is "
                          "client_key the key of this node's client?)");
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0)
        pc_remote_config_free(out);
    return rc;
}
