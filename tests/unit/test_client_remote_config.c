/* The config endpoint's answer (client/remote_config.c): parsing,
 * defaults, and the session key decrypted with the client key. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "client/remote_config.h"
#include "shared/base64.h"
#include "shared/chef_auth.h"

static char *priv_pem, *pub_pem;
static EVP_PKEY *priv;
static char curve_pub[41], curve_sec[41];
static const unsigned char SESSION[32] = "0123456789abcdef0123456789ABCDEF";

static void setup(void)
{
    cr_assert_eq(chef_auth_generate_keypair(1024, &priv_pem, &pub_pem), 0);
    char err[128];
    priv = chef_auth_load_private_key_pem(priv_pem, strlen(priv_pem), err, sizeof err);
    cr_assert_not_null(priv, "%s", err);
    cr_assert_eq(zmq_curve_keypair(curve_pub, curve_sec), 0);
}

static void teardown(void)
{
    free(priv_pem);
    free(pub_pem);
    EVP_PKEY_free(priv);
}

TestSuite(client_remote_config, .init = setup, .fini = teardown);

/* base64 of the RSA PKCS#1 v1.5 encryption of data to pem's key */
static char *encrypt_b64(const char *pem, const unsigned char *data, size_t len)
{
    char err[128];
    EVP_PKEY *k = chef_auth_load_public_key_pem(pem, strlen(pem), err, sizeof err);
    cr_assert_not_null(k);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    unsigned char enc[512];
    size_t n = sizeof enc;
    cr_assert(ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_encrypt(ctx, enc, &n, data, len) > 0);
    char *out = malloc(BASE64_ENCODED_SIZE(n));
    cr_assert(base64_encode(enc, n, out, BASE64_ENCODED_SIZE(n)) > 0);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return out;
}

static json_t *good_config(void)
{
    char *key = encrypt_b64(pub_pem, SESSION, 32);
    json_t *j = json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:f, s:i, s:i}}, s:s, s:s, s:s, s:s,"
                          " s:{s:s, s:s}, s:i, s:i, s:i, s:s}",
                          "type", "config", "host", "127.0.0.1", "push_jobs", "heartbeat",
                          "out_addr", "tcp://127.0.0.1:10000", "command_addr",
                          "tcp://127.0.0.1:10002", "interval", 0.25, "offline_threshold", 3,
                          "online_threshold", 2, "node", "n1", "organization", "o",
                          "public_key", pub_pem, "curve_public_key", curve_pub,
                          "encoded_session_key", "method", "hmac_sha256", "key", key,
                          "lifetime", 3600, "max_message_skew", 300, "max_body_size", 65536,
                          "incarnation_id", "inc-1");
    free(key);
    cr_assert_not_null(j);
    return j;
}

static int parse(json_t *j, struct pc_remote_config *rc, char *err, size_t cap)
{
    char *s = json_dumps(j, 0);
    int r = pc_remote_config_parse(s, strlen(s), priv, rc, err, cap);
    free(s);
    json_decref(j);
    return r;
}

Test(client_remote_config, parses_a_good_config)
{
    struct pc_remote_config rc;
    char err[256] = "";
    cr_assert_eq(parse(good_config(), &rc, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(rc.out_addr, "tcp://127.0.0.1:10000");
    cr_expect_str_eq(rc.command_addr, "tcp://127.0.0.1:10002");
    cr_expect_eq(rc.interval_ms, 250);
    cr_expect_eq(rc.offline_threshold, 3);
    cr_expect_eq(rc.online_threshold, 2);
    cr_expect_eq(rc.lifetime_s, 3600);
    cr_expect_eq(rc.max_message_skew, 300);
    cr_expect_eq(rc.max_body_size, 65536);
    cr_expect_str_eq(rc.curve_public_key, curve_pub);
    cr_expect_str_eq(rc.incarnation_id, "inc-1");
    cr_expect_eq(memcmp(rc.session_key, SESSION, 32), 0);
    cr_expect_not_null(rc.server_pub);
    pc_remote_config_free(&rc);
}

Test(client_remote_config, defaults_for_optional_fields)
{
    json_t *j = good_config();
    json_t *hb = json_object_get(json_object_get(j, "push_jobs"), "heartbeat");
    json_object_del(hb, "offline_threshold");
    json_object_del(hb, "online_threshold");
    json_object_set_new(hb, "interval", json_integer(10));
    json_object_del(j, "lifetime");
    json_object_del(j, "max_body_size");
    json_object_del(j, "max_message_skew");
    struct pc_remote_config rc;
    char err[256] = "";
    cr_assert_eq(parse(j, &rc, err, sizeof err), 0, "%s", err);
    cr_expect_eq(rc.interval_ms, 10000);
    cr_expect_eq(rc.offline_threshold, 3);
    cr_expect_eq(rc.online_threshold, 2);
    cr_expect_eq(rc.lifetime_s, 3600);
    cr_expect_eq(rc.max_body_size, 65536);
    cr_expect_eq(rc.max_message_skew, 300);
    pc_remote_config_free(&rc);
}

struct mutation {
    const char *path;  /* "key" or "hb.key" or "sk.key" */
    json_t *(*value)(void);
    const char *err;
};

static json_t *v_null(void) { return NULL; }
static json_t *v_zero(void) { return json_integer(0); }
static json_t *v_str(void) { return json_string("nope"); }
static json_t *v_http(void) { return json_string("http://127.0.0.1:1"); }
static json_t *v_short(void) { return json_string("abc"); }
static json_t *v_float(void) { return json_real(2.5); }
static json_t *v_rsa(void) { return json_string("rsa2048_sha1"); }
static json_t *v_badkey(void) { return json_string("AAAA"); }

static const struct mutation MUT[] = {
    { "curve_public_key", v_null, "no curve_public_key: the server may be using the 1.x" },
    { "curve_public_key", v_short, "not a 40-character Z85 key" },
    { "hb.out_addr", v_null, "tcp:// addresses" },
    { "hb.command_addr", v_http, "tcp:// addresses" },
    { "hb.interval", v_zero, "interval must be a number" },
    { "hb.interval", v_str, "interval must be a number" },
    { "hb.offline_threshold", v_float, "not a number in range" },
    { "hb.online_threshold", v_zero, "not a number in range" },
    { "public_key", v_str, "public_key is missing or not an RSA public key" },
    { "incarnation_id", v_null, "incarnation_id is missing" },
    { "sk.method", v_rsa, "encoded_session_key must be" },
    { "sk.key", v_badkey, "does not decrypt with the client key" },
    { "push_jobs", v_null, "no push_jobs.heartbeat" },
};

Test(client_remote_config, rejects_bad_configs)
{
    for (size_t i = 0; i < sizeof MUT / sizeof MUT[0]; i++) {
        json_t *j = good_config();
        json_t *obj = j;
        const char *key = MUT[i].path;
        if (strncmp(key, "hb.", 3) == 0) {
            obj = json_object_get(json_object_get(j, "push_jobs"), "heartbeat");
            key += 3;
        } else if (strncmp(key, "sk.", 3) == 0) {
            obj = json_object_get(j, "encoded_session_key");
            key += 3;
        }
        json_t *v = MUT[i].value();
        if (v)
            json_object_set_new(obj, key, v);
        else
            json_object_del(obj, key);
        struct pc_remote_config rc;
        char err[256] = "";
        cr_expect_eq(parse(j, &rc, err, sizeof err), -1, "mutation %s accepted", MUT[i].path);
        cr_expect(strstr(err, MUT[i].err) != NULL, "%s: want '%s' in '%s'", MUT[i].path,
                  MUT[i].err, err);
        cr_expect_null(rc.server_pub);
    }
}

Test(client_remote_config, session_key_for_another_client_is_refused)
{
    char *p2, *pub2;
    cr_assert_eq(chef_auth_generate_keypair(1024, &p2, &pub2), 0);
    json_t *j = good_config();
    char *key = encrypt_b64(pub2, SESSION, 32);
    json_object_set_new(json_object_get(j, "encoded_session_key"), "key", json_string(key));
    free(key);
    struct pc_remote_config rc;
    char err[256] = "";
    cr_expect_eq(parse(j, &rc, err, sizeof err), -1);
    /* and a 16-byte key is not a session key */
    j = good_config();
    key = encrypt_b64(pub_pem, SESSION, 16);
    json_object_set_new(json_object_get(j, "encoded_session_key"), "key", json_string(key));
    free(key);
    cr_expect_eq(parse(j, &rc, err, sizeof err), -1);
    cr_expect_eq(pc_remote_config_parse("not json", 8, priv, &rc, err, sizeof err), -1);
    cr_expect(strstr(err, "not JSON") != NULL);
    free(p2);
    free(pub2);
}
