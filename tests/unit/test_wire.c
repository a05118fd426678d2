#include <criterion/criterion.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "shared/base64.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

#define NOW ((time_t)1795593600) /* Wed, 25 Nov 2026 08:00:00 GMT */
#define SKEW 300
#define MAXB WIRE_DEFAULT_MAX_BODY_SIZE

static const unsigned char KEY[32] = "0123456789abcdef0123456789ABCDEF";
static const unsigned char OTHER_KEY[32] = "x123456789abcdef0123456789ABCDEF";

/* ---- helpers ------------------------------------------------------------- */

struct lookup_ctx {
    int calls;
    char org[256], node[256];
    bool known;
};

static int lookup(void *ctx, const char *org, const char *node, unsigned char key[32])
{
    struct lookup_ctx *l = ctx;
    l->calls++;
    snprintf(l->org, sizeof l->org, "%s", org);
    snprintf(l->node, sizeof l->node, "%s", node);
    if (!l->known)
        return -1;
    memcpy(key, KEY, 32);
    return 0;
}

static char *ts_at(time_t t)
{
    static char buf[TIME_RFC1123_SIZE];
    cr_assert_eq(time_format_rfc1123(t, buf, sizeof buf), 0);
    return buf;
}

/* A node heartbeat body with the given timestamp; extra is spliced in. */
static char *hb_body(time_t ts, const char *extra)
{
    char *b = NULL;
    cr_assert_neq(asprintf(&b,
                           "{\"node\":\"n1\",\"client\":\"n1host\",\"protocol_version\":\"2.0\","
                           "\"org\":\"myorg\",\"type\":\"heartbeat\",\"sequence\":7,"
                           "\"timestamp\":\"%s\",\"incarnation_id\":\"inc-1\","
                           "\"job_state\":\"idle\",\"job_id\":null%s}",
                           ts_at(ts), extra ? extra : ""),
                  -1);
    return b;
}

static char *event_body(const char *type, const char *job_id_json, const char *extra)
{
    char *b = NULL;
    cr_assert_neq(asprintf(&b,
                           "{\"node\":\"n1\",\"client\":\"h\",\"org\":\"myorg\",\"type\":\"%s\","
                           "\"timestamp\":\"%s\",\"incarnation_id\":\"inc-1\",\"job_id\":%s%s}",
                           type, ts_at(NOW), job_id_json, extra ? extra : ""),
                  -1);
    return b;
}

/* Signs body with KEY and runs the full inbound check. */
static enum wire_err check_node(const char *body, struct wire_node_msg *m, struct wire_error *e)
{
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, body, strlen(body), hdr, sizeof hdr), 0);
    struct lookup_ctx l = {.known = true};
    return wire_verify_node_message(hdr, strlen(hdr), body, strlen(body), MAXB, SKEW, NOW,
                                    lookup, &l, m, e);
}

static enum wire_err check_node_expect(const char *body, enum wire_err want)
{
    struct wire_node_msg m;
    struct wire_error e;
    enum wire_err rc = check_node(body, &m, &e);
    cr_assert_eq(rc, want, "body %.120s: got %s (%s), want %s", body, wire_err_name(rc), e.msg,
                 wire_err_name(want));
    cr_assert_eq(e.code, rc);
    if (rc != WIRE_OK)
        cr_assert_neq(e.msg[0], '\0', "every rejection has a message");
    wire_node_msg_clear(&m);
    return rc;
}

static EVP_PKEY *gen_rsa(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    cr_assert_not_null(k);
    return k;
}

/* ---- header -------------------------------------------------------------- */

Test(wire_header, good_headers)
{
    struct wire_header h;
    struct wire_error e;
    unsigned char mac[32];
    char b64[64];
    cr_assert_eq(wire_hmac_sign(KEY, "x", 1, mac), 0);
    cr_assert_eq(base64_encode(mac, 32, b64, sizeof b64), 44);

    char buf[256];
    snprintf(buf, sizeof buf, "Version:2.0;SigningMethod:hmac_sha256;Signature:%s", b64);
    cr_assert_eq(wire_header_parse(buf, strlen(buf), &h, &e), WIRE_OK, "%s", e.msg);
    cr_assert_eq(h.version, WIRE_V2);
    cr_assert_eq(h.method, WIRE_HMAC_SHA256);
    cr_assert_eq(h.sig_len, 32);
    cr_assert_arr_eq(h.sig, mac, 32);

    /* any order, unknown keys and empty parts ignored, legacy key name */
    snprintf(buf, sizeof buf, "SignedChecksum:%s;Foo:bar;;junk;SigningMethod:hmac_sha256;Version:2.0;", b64);
    cr_assert_eq(wire_header_parse(buf, strlen(buf), &h, &e), WIRE_OK, "%s", e.msg);
    cr_assert_arr_eq(h.sig, mac, 32);

    /* Ruby's Base64.encode64 line breaks inside the signature */
    snprintf(buf, sizeof buf, "Version:1.0;SigningMethod:rsa2048_sha1;Signature:%.20s\n%s\n", b64,
             b64 + 20);
    cr_assert_eq(wire_header_parse(buf, strlen(buf), &h, &e), WIRE_OK, "%s", e.msg);
    cr_assert_eq(h.version, WIRE_V1);
    cr_assert_eq(h.method, WIRE_RSA2048_SHA1);
    cr_assert_arr_eq(h.sig, mac, 32);
}

Test(wire_header, bad_headers)
{
    static char huge[WIRE_MAX_HEADER_SIZE + 2];
    memset(huge, 'A', sizeof huge - 1);
    memcpy(huge, "Version:2.0;SigningMethod:hmac_sha256;Signature:", 48);
    const char *S = "c2lnbmF0dXJlIGJ5dGVzIGhlcmUgMDEyMzQ1Njc4OWFiYw==";
    char b[8][256];
    snprintf(b[0], 256, "SigningMethod:hmac_sha256;Signature:%s", S);
    snprintf(b[1], 256, "Version:3.0;SigningMethod:hmac_sha256;Signature:%s", S);
    snprintf(b[2], 256, "Version:2.0;SigningMethod:md5;Signature:%s", S);
    snprintf(b[3], 256, "Version:1.0;SigningMethod:hmac_sha256;Signature:%s", S);
    snprintf(b[4], 256, "Version:2.0;SigningMethod:hmac_sha256;Version:2.0;Signature:%s", S);
    snprintf(b[5], 256, "Version:2.0;Signature:%s", S);
    snprintf(b[6], 256, "Version:2.0;SigningMethod:hmac_sha256;Signature:%s;SignedChecksum:%s", S, S);
    snprintf(b[7], 256, "Version: 2.0;SigningMethod:hmac_sha256;Signature:%s", S);
    struct {
        const char *h;
        size_t len;
        enum wire_err want;
    } cases[] = {
        {"", 0, WIRE_ERR_BAD_HEADER},
        {"garbage", 7, WIRE_ERR_NO_VERSION},
        {b[0], strlen(b[0]), WIRE_ERR_NO_VERSION},
        {b[1], strlen(b[1]), WIRE_ERR_BAD_VERSION},
        {b[7], strlen(b[7]), WIRE_ERR_BAD_VERSION},
        {"Version:2.0;SigningMethod:hmac_sha256", 37, WIRE_ERR_NO_SIGNATURE},
        {"Version:2.0;SigningMethod:hmac_sha256;Signature:", 48, WIRE_ERR_NO_SIGNATURE},
        {"Version:2.0;SigningMethod:hmac_sha256;Signature:@@@@", 52,
         WIRE_ERR_BAD_SIGNATURE_ENCODING},
        {"Version:2.0;SigningMethod:hmac_sha256;Signature:QQ=a", 52,
         WIRE_ERR_BAD_SIGNATURE_ENCODING},
        {"Version:2.0;SigningMethod:hmac_sha256;Signature: \n ", 51,
         WIRE_ERR_BAD_SIGNATURE_ENCODING},
        {b[2], strlen(b[2]), WIRE_ERR_BAD_METHOD},
        {b[3], strlen(b[3]), WIRE_ERR_BAD_METHOD},
        {b[4], strlen(b[4]), WIRE_ERR_BAD_HEADER},
        {b[5], strlen(b[5]), WIRE_ERR_NO_METHOD},
        {b[6], strlen(b[6]), WIRE_ERR_BAD_HEADER},
        {"Version:2.0\0;SigningMethod:hmac_sha256;Signature:QQ==", 53, WIRE_ERR_BAD_HEADER},
        {huge, WIRE_MAX_HEADER_SIZE + 1, WIRE_ERR_HEADER_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wire_header h;
        struct wire_error e = {0};
        enum wire_err rc = wire_header_parse(cases[i].h, cases[i].len, &h, &e);
        cr_assert_eq(rc, cases[i].want, "case %zu (%.60s): got %s (%s)", i, cases[i].h,
                     wire_err_name(rc), e.msg);
        cr_assert_eq(e.code, rc);
        cr_assert_neq(e.msg[0], '\0');
        for (const char *p = e.msg; *p; p++)
            cr_assert(*p >= 0x20 && *p < 0x7f, "error message is printable");
    }
}

Test(wire_header, build_and_size)
{
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, "{}", 2, hdr, sizeof hdr), 0);
    cr_assert_eq(strncmp(hdr, "Version:2.0;SigningMethod:hmac_sha256;Signature:", 48), 0);
    cr_assert_eq(strlen(hdr), 48 + 44);
    cr_assert_eq(wire_header_hmac(KEY, "{}", 2, hdr, 60), -1, "too small buffer");
}

/* ---- HMAC ---------------------------------------------------------------- */

Test(wire_hmac, good_forged_flipped_empty)
{
    const char *body = "{\"type\":\"heartbeat\"}";
    size_t n = strlen(body);
    unsigned char mac[32];
    cr_assert_eq(wire_hmac_sign(KEY, body, n, mac), 0);
    cr_assert(wire_hmac_verify(KEY, body, n, mac, 32));
    /* RFC 4231-style sanity: different key -> different MAC */
    cr_assert_not(wire_hmac_verify(OTHER_KEY, body, n, mac, 32), "forged key");
    for (int bit = 0; bit < 256; bit += 37) {
        unsigned char m2[32];
        memcpy(m2, mac, 32);
        m2[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        cr_assert_not(wire_hmac_verify(KEY, body, n, m2, 32), "flipped signature bit %d", bit);
    }
    char b2[64];
    strcpy(b2, body);
    b2[3] ^= 1;
    cr_assert_not(wire_hmac_verify(KEY, b2, n, mac, 32), "flipped body bit");
    cr_assert_not(wire_hmac_verify(KEY, body, n, mac, 31), "short signature");
    cr_assert_not(wire_hmac_verify(KEY, body, n - 1, mac, 32), "truncated body");
    /* empty body signs and verifies */
    unsigned char e[32];
    cr_assert_eq(wire_hmac_sign(KEY, "", 0, e), 0);
    cr_assert(wire_hmac_verify(KEY, "", 0, e, 32));
    cr_assert_not(wire_hmac_verify(KEY, "", 0, mac, 32));
}

Test(wire_hmac, known_answer)
{
    /* HMAC-SHA256(key = 32 x 0x0b, "Hi There") from a reference run of
     * `openssl dgst -sha256 -mac HMAC -macopt hexkey:0b...` */
    unsigned char key[32];
    memset(key, 0x0b, 32);
    unsigned char mac[32];
    cr_assert_eq(wire_hmac_sign(key, "Hi There", 8, mac), 0);
    char b64[64];
    base64_encode(mac, 32, b64, sizeof b64);
    cr_assert_str_eq(b64, "GYpgfrRL+8aZA6Dxzyu9xboKo/PZrjwcejsWlqC2jPc=");
}

/* ---- RSA ----------------------------------------------------------------- */

Test(wire_rsa, sign_verify_wrong_key)
{
    EVP_PKEY *k1 = gen_rsa(), *k2 = gen_rsa();
    const char *body = "{\"type\":\"heartbeat\",\"server\":\"s\"}";
    unsigned char sig[WIRE_MAX_SIG_LEN];
    long n = wire_rsa_sign(k1, body, strlen(body), sig, sizeof sig);
    cr_assert_eq(n, 256);
    cr_assert(wire_rsa_verify(k1, body, strlen(body), sig, (size_t)n));
    cr_assert_not(wire_rsa_verify(k2, body, strlen(body), sig, (size_t)n), "wrong key");
    cr_assert_not(wire_rsa_verify(k1, body, strlen(body) - 1, sig, (size_t)n), "other body");
    sig[100] ^= 4;
    cr_assert_not(wire_rsa_verify(k1, body, strlen(body), sig, (size_t)n), "flipped bit");
    cr_assert_not(wire_rsa_verify(k1, body, strlen(body), sig, 255), "short");
    cr_assert_eq(wire_rsa_sign(k1, body, strlen(body), sig, 100), -1, "buffer too small");
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

/* The signature must be exactly the original's: PKCS#1 type 1 padding of the
 * 28-char base64 SHA1 text, no DigestInfo. Check the raw block. */
Test(wire_rsa, padding_block_is_the_original_scheme)
{
    EVP_PKEY *k = gen_rsa();
    const char *body = "hello";
    unsigned char sig[WIRE_MAX_SIG_LEN];
    long n = wire_rsa_sign(k, body, 5, sig, sizeof sig);
    cr_assert_eq(n, 256);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    cr_assert_not_null(ctx);
    unsigned char raw[512];
    size_t rawlen = sizeof raw;
    cr_assert_gt(EVP_PKEY_verify_recover_init(ctx), 0);
    cr_assert_gt(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 0);
    cr_assert_gt(EVP_PKEY_verify_recover(ctx, raw, &rawlen, sig, (size_t)n), 0);
    EVP_PKEY_CTX_free(ctx);
    cr_assert_eq(rawlen, 256);
    cr_assert_eq(raw[0], 0x00);
    cr_assert_eq(raw[1], 0x01);
    for (size_t i = 2; i < 256 - 29; i++)
        cr_assert_eq(raw[i], 0xFF);
    cr_assert_eq(raw[256 - 29], 0x00);
    /* base64(SHA1("hello")) */
    cr_assert_eq(memcmp(raw + 256 - 28, "qvTGHdzF6KLavt4PO0gs2a6pQ00=", 28), 0);
    EVP_PKEY_free(k);
}

Test(wire_rsa, pem_loading)
{
    EVP_PKEY *k = gen_rsa();
    BIO *b = BIO_new(BIO_s_mem());
    cr_assert(PEM_write_bio_PUBKEY(b, k));
    char *pem;
    long len = BIO_get_mem_data(b, &pem);
    EVP_PKEY *pub = wire_load_public_key(pem, (size_t)len);
    cr_assert_not_null(pub);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    cr_assert(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL));
    len = BIO_get_mem_data(b, &pem);
    EVP_PKEY *priv = wire_load_private_key(pem, (size_t)len);
    cr_assert_not_null(priv);
    BIO_free(b);
    cr_assert_null(wire_load_public_key("-----BEGIN PUBLIC KEY-----\nxx\n", 30));
    cr_assert_null(wire_load_private_key("", 0));

    unsigned char sig[WIRE_MAX_SIG_LEN];
    long n = wire_rsa_sign(priv, "b", 1, sig, sizeof sig);
    cr_assert_gt(n, 0);
    cr_assert(wire_rsa_verify(pub, "b", 1, sig, (size_t)n));
    cr_assert_eq(wire_rsa_sign(pub, "b", 1, sig, sizeof sig), -1, "public key cannot sign");
    EVP_PKEY_free(pub);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(k);
}

/* ---- server heartbeat (RSA) round trip ----------------------------------- */

Test(wire_server, heartbeat_round_trip_and_wrong_key)
{
    EVP_PKEY *k = gen_rsa(), *other = gen_rsa();
    json_t *hb = wire_msg_server_heartbeat("chef.example.com", "8f0e-inc");
    cr_assert_not_null(hb);
    struct wire_frames f;
    cr_assert_eq(wire_seal_rsa(hb, 0, NOW, k, &f), 0);
    json_decref(hb);
    cr_assert_eq(strncmp(f.header, "Version:2.0;SigningMethod:rsa2048_sha1;Signature:", 49), 0);
    cr_assert_not_null(strstr(f.body, "\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\""));
    cr_assert_not_null(strstr(f.body, "\"sequence\":0"));

    struct wire_server_msg m;
    struct wire_error e;
    cr_assert_eq(wire_server_heartbeat_parse(f.header, f.header_len, f.body, f.body_len, MAXB, k,
                                             NOW, SKEW, &m, &e),
                 WIRE_OK, "%s", e.msg);
    cr_assert_eq(m.type, WIRE_MSG_HEARTBEAT);
    cr_assert_str_eq(m.server, "chef.example.com");
    cr_assert_str_eq(m.incarnation_id, "8f0e-inc");
    cr_assert(m.has_sequence);
    cr_assert_eq(m.sequence, 0);
    cr_assert_eq(m.timestamp, NOW);
    wire_server_msg_clear(&m);

    cr_assert_eq(wire_server_heartbeat_parse(f.header, f.header_len, f.body, f.body_len, MAXB,
                                             other, NOW, SKEW, &m, &e),
                 WIRE_ERR_BAD_SIGNATURE);
    cr_assert_null(m.body);

    /* client clock rule: old is fine, more than max skew in the future is not */
    cr_assert_eq(wire_server_heartbeat_parse(f.header, f.header_len, f.body, f.body_len, MAXB, k,
                                             NOW + 100000, SKEW, &m, &e),
                 WIRE_OK);
    wire_server_msg_clear(&m);
    cr_assert_eq(wire_server_heartbeat_parse(f.header, f.header_len, f.body, f.body_len, MAXB, k,
                                             NOW - 301, SKEW, &m, &e),
                 WIRE_ERR_STALE);
    cr_assert_eq(wire_server_heartbeat_parse(f.header, f.header_len, f.body, f.body_len, MAXB, k,
                                             NOW - 300, SKEW, &m, &e),
                 WIRE_OK);
    wire_server_msg_clear(&m);

    /* an hmac-signed heartbeat is not accepted on the PUB channel */
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, f.body, f.body_len, hdr, sizeof hdr), 0);
    cr_assert_eq(wire_server_heartbeat_parse(hdr, strlen(hdr), f.body, f.body_len, MAXB, k, NOW,
                                             SKEW, &m, &e),
                 WIRE_ERR_BAD_METHOD);

    /* Ruby-style header: signature with embedded newlines every 60 chars */
    const char *sig = f.header + 49;
    char ruby[WIRE_HEADER_BUF];
    size_t o = (size_t)snprintf(ruby, sizeof ruby, "Version:2.0;SigningMethod:rsa2048_sha1;Signature:");
    for (size_t i = 0; sig[i]; i++) {
        if (i && i % 60 == 0)
            ruby[o++] = '\n';
        ruby[o++] = sig[i];
    }
    ruby[o] = '\0';
    cr_assert_eq(wire_server_heartbeat_parse(ruby, o, f.body, f.body_len, MAXB, k, NOW, SKEW, &m,
                                             &e),
                 WIRE_OK, "%s", e.msg);
    wire_server_msg_clear(&m);

    wire_frames_free(&f);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

Test(wire_server, heartbeat_missing_fields)
{
    EVP_PKEY *k = gen_rsa();
    const char *bodies[] = {
        "{\"type\":\"heartbeat\",\"incarnation_id\":\"i\",\"sequence\":1,\"timestamp\":\"@TS@\"}",
        "{\"type\":\"heartbeat\",\"server\":\"s\",\"sequence\":1,\"timestamp\":\"@TS@\"}",
        "{\"type\":\"heartbeat\",\"server\":\"s\",\"incarnation_id\":\"i\",\"sequence\":\"1\",\"timestamp\":\"@TS@\"}",
        "{\"type\":\"heartbeat\",\"server\":\"s\",\"incarnation_id\":\"i\",\"timestamp\":\"@TS@\"}",
        "{\"type\":\"heartbeat\",\"server\":\"s\",\"incarnation_id\":\"i\",\"sequence\":1}",
        "{\"type\":\"commit\",\"server\":\"s\",\"incarnation_id\":\"i\",\"sequence\":1,\"timestamp\":\"@TS@\"}",
        "{\"type\":\"heartbeat\",\"server\":\"s\",\"incarnation_id\":\"i\",\"sequence\":1,\"timestamp\":\"@TS@\"}",
    };
    enum wire_err want[] = {WIRE_ERR_MISSING_FIELD, WIRE_ERR_MISSING_FIELD, WIRE_ERR_BAD_FIELD,
                            WIRE_ERR_MISSING_FIELD, WIRE_ERR_MISSING_FIELD, WIRE_ERR_BAD_TYPE,
                            WIRE_OK};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char body[512], hdr[WIRE_HEADER_BUF];
        const char *at = strstr(bodies[i], "@TS@");
        if (at)
            snprintf(body, sizeof body, "%.*s%s%s", (int)(at - bodies[i]), bodies[i], ts_at(NOW),
                     at + 4);
        else
            snprintf(body, sizeof body, "%s", bodies[i]);
        cr_assert_eq(wire_header_rsa(k, body, strlen(body), hdr, sizeof hdr), 0);
        struct wire_server_msg m;
        struct wire_error e;
        enum wire_err rc = wire_server_heartbeat_parse(hdr, strlen(hdr), body, strlen(body), MAXB,
                                                       k, NOW, SKEW, &m, &e);
        cr_assert_eq(rc, want[i], "case %zu: %s (%s)", i, wire_err_name(rc), e.msg);
        wire_server_msg_clear(&m);
    }
    EVP_PKEY_free(k);
}

/* ---- server commands (HMAC) parsed by the client ------------------------ */

static enum wire_err parse_cmd(json_t *o, struct wire_server_msg *m)
{
    struct wire_frames f;
    cr_assert_eq(wire_seal_hmac(o, 5, NOW, KEY, &f), 0);
    json_decref(o);
    struct wire_error e;
    enum wire_err rc = wire_server_command_parse(f.header, f.header_len, f.body, f.body_len, MAXB,
                                                 KEY, NOW, SKEW, m, &e);
    wire_frames_free(&f);
    return rc;
}

Test(wire_server, commands_round_trip)
{
    json_t *env = json_pack("{s:s}", "A", "b");
    struct wire_commit c = {.job_id = "a2b87f87052d213c0703eadb21bdf20e", .server = "chef",
                            .command = "chef-client", .user = "deploy", .dir = "/tmp",
                            .env = env, .file = "raw:hello", .capture = true};
    struct wire_server_msg m;
    cr_assert_eq(parse_cmd(wire_msg_commit(&c), &m), WIRE_OK);
    json_decref(env);
    cr_assert_eq(m.type, WIRE_MSG_COMMIT);
    cr_assert(m.has_job_id);
    cr_assert_str_eq(m.job_id, "a2b87f87052d213c0703eadb21bdf20e");
    cr_assert_str_eq(m.command, "chef-client");
    cr_assert_str_eq(m.user, "deploy");
    cr_assert_str_eq(m.dir, "/tmp");
    cr_assert_str_eq(m.file, "raw:hello");
    cr_assert_str_eq(json_string_value(json_object_get(m.env, "A")), "b");
    cr_assert(m.capture);
    cr_assert_null(m.invalid);
    cr_assert_eq(m.sequence, 5);
    wire_server_msg_clear(&m);

    struct wire_commit minimal = {.job_id = "j1", .server = "s", .command = "c"};
    json_t *o = wire_msg_commit(&minimal);
    char *s = json_dumps(o, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"type\":\"commit\",\"job_id\":\"j1\",\"server\":\"s\",\"command\":\"c\",\"capture\":false}");
    free(s);
    cr_assert_eq(parse_cmd(o, &m), WIRE_OK);
    cr_assert_null(m.invalid);
    cr_assert_not(m.capture);
    cr_assert_null(m.user);
    wire_server_msg_clear(&m);

    cr_assert_eq(parse_cmd(wire_msg_run("j1"), &m), WIRE_OK);
    cr_assert_eq(m.type, WIRE_MSG_RUN);
    cr_assert_str_eq(m.job_id, "j1");
    cr_assert_null(m.invalid);
    wire_server_msg_clear(&m);

    cr_assert_eq(parse_cmd(wire_msg_abort(NULL), &m), WIRE_OK);
    cr_assert_eq(m.type, WIRE_MSG_ABORT);
    cr_assert_not(m.has_job_id);
    wire_server_msg_clear(&m);

    cr_assert_eq(parse_cmd(wire_msg_abort("j9"), &m), WIRE_OK);
    cr_assert_str_eq(m.job_id, "j9");
    wire_server_msg_clear(&m);

    cr_assert_eq(parse_cmd(wire_msg_ack(), &m), WIRE_OK);
    cr_assert_eq(m.type, WIRE_MSG_ACK);
    wire_server_msg_clear(&m);

    cr_assert_null(wire_msg_commit(&(struct wire_commit){.job_id = "j", .server = "s"}));
    cr_assert_null(wire_msg_run(NULL));
}

Test(wire_server, commands_to_nack)
{
    struct wire_server_msg m;
    struct {
        const char *json;
        const char *invalid;
    } cases[] = {
        {"{\"type\":\"commit\",\"job_id\":\"j\",\"server\":\"s\"}", "missing command"},
        {"{\"type\":\"commit\",\"server\":\"s\",\"command\":\"c\"}", "missing job_id"},
        {"{\"type\":\"commit\",\"job_id\":7,\"command\":\"c\"}", "missing job_id"},
        {"{\"type\":\"commit\",\"job_id\":\"j\",\"command\":\"c\",\"user\":5}", "bad user"},
        {"{\"type\":\"commit\",\"job_id\":\"j\",\"command\":\"c\",\"env\":{\"A\":1}}",
         "env must be an object of strings"},
        {"{\"type\":\"commit\",\"job_id\":\"j\",\"command\":\"c\",\"file\":\"x\"}",
         "file must start with raw: or base64:"},
        {"{\"type\":\"commit\",\"job_id\":\"j\",\"command\":\"c\",\"capture\":\"yes\"}",
         "capture must be a boolean"},
        {"{\"type\":\"run\"}", "missing job_id"},
        {"{\"type\":\"run\",\"job_id\":null}", "missing job_id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *o = json_loads(cases[i].json, 0, NULL);
        cr_assert_not_null(o);
        cr_assert_eq(parse_cmd(o, &m), WIRE_OK, "case %zu", i);
        cr_assert_not_null(m.invalid, "case %zu", i);
        cr_assert_str_eq(m.invalid, cases[i].invalid, "case %zu", i);
        wire_server_msg_clear(&m);
    }
}

Test(wire_server, command_rejections)
{
    struct wire_server_msg m;
    struct wire_error e;
    json_t *o = wire_msg_run("j1");
    struct wire_frames f;
    cr_assert_eq(wire_seal_hmac(o, 1, NOW, KEY, &f), 0);
    json_decref(o);
    cr_assert_eq(wire_server_command_parse(f.header, f.header_len, f.body, f.body_len, MAXB,
                                           OTHER_KEY, NOW, SKEW, &m, &e),
                 WIRE_ERR_BAD_SIGNATURE);
    cr_assert_eq(wire_server_command_parse(f.header, f.header_len, f.body, f.body_len, MAXB, KEY,
                                           NOW - 301, SKEW, &m, &e),
                 WIRE_ERR_STALE, "from the future");
    cr_assert_eq(wire_server_command_parse(f.header, f.header_len, f.body, f.body_len, 10, KEY,
                                           NOW, SKEW, &m, &e),
                 WIRE_ERR_BODY_TOO_LARGE);
    wire_frames_free(&f);

    /* a heartbeat or a node message type on the command channel */
    cr_assert_eq(parse_cmd(json_pack("{s:s}", "type", "heartbeat"), &m), WIRE_ERR_BAD_TYPE);
    cr_assert_eq(parse_cmd(json_pack("{s:s}", "type", "ack_commit"), &m), WIRE_ERR_BAD_TYPE);
    cr_assert_eq(parse_cmd(json_pack("{s:s}", "type", "bogus"), &m), WIRE_ERR_BAD_TYPE);
    cr_assert_eq(parse_cmd(json_pack("{s:i}", "type", 1), &m), WIRE_ERR_BAD_FIELD);
    cr_assert_null(m.body);

    /* missing timestamp: signed by hand, without the sealer */
    const char *body = "{\"type\":\"abort\"}";
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, body, strlen(body), hdr, sizeof hdr), 0);
    cr_assert_eq(wire_server_command_parse(hdr, strlen(hdr), body, strlen(body), MAXB, KEY, NOW,
                                           SKEW, &m, &e),
                 WIRE_ERR_MISSING_FIELD);
}

/* ---- node messages (server side) ---------------------------------------- */

Test(wire_node, good_heartbeat)
{
    char *b = hb_body(NOW - 10, NULL);
    struct wire_node_msg m;
    struct wire_error e;
    cr_assert_eq(check_node(b, &m, &e), WIRE_OK, "%s", e.msg);
    cr_assert_eq(m.type, WIRE_MSG_HEARTBEAT);
    cr_assert_str_eq(m.org, "myorg");
    cr_assert_str_eq(m.node, "n1");
    cr_assert_str_eq(m.incarnation_id, "inc-1");
    cr_assert_str_eq(m.job_state, "idle");
    cr_assert_not(m.has_job_id);
    cr_assert(m.has_sequence);
    cr_assert_eq(m.sequence, 7);
    cr_assert_eq(m.timestamp, NOW - 10);
    cr_assert_str_eq(json_string_value(json_object_get(m.body, "client")), "n1host");
    wire_node_msg_clear(&m);
    wire_node_msg_clear(&m); /* idempotent */
    free(b);
}

Test(wire_node, job_events)
{
    static const char *types[] = {"ack_commit", "nack_commit", "ack_run", "nack_run",
                                  "succeeded", "failed", "aborted"};
    for (size_t i = 0; i < 7; i++) {
        char *b = event_body(types[i], "\"a2b87f87052d213c0703eadb21bdf20e\"",
                             ",\"stdout\":\"out\",\"stderr\":\"\"");
        struct wire_node_msg m;
        struct wire_error e;
        cr_assert_eq(check_node(b, &m, &e), WIRE_OK, "%s: %s", types[i], e.msg);
        cr_assert_eq(m.type, wire_msg_type_parse(types[i]));
        cr_assert(wire_msg_type_is_job_event(m.type));
        cr_assert(m.has_job_id);
        cr_assert_str_eq(m.job_id, "a2b87f87052d213c0703eadb21bdf20e");
        cr_assert_not(m.has_sequence);
        cr_assert_str_eq(json_string_value(json_object_get(m.body, "stdout")), "out");
        wire_node_msg_clear(&m);
        free(b);
    }
    /* job_id: null and "null" both mean none; 64 chars ok; 65 not */
    char *b = event_body("aborted", "null", NULL);
    check_node_expect(b, WIRE_OK);
    free(b);
    b = event_body("aborted", "\"null\"", NULL);
    struct wire_node_msg m;
    struct wire_error e;
    cr_assert_eq(check_node(b, &m, &e), WIRE_OK);
    cr_assert_not(m.has_job_id);
    wire_node_msg_clear(&m);
    free(b);
    char id[80];
    memset(id, 0, sizeof id);
    id[0] = '"';
    memset(id + 1, 'a', 64);
    id[65] = '"';
    b = event_body("ack_run", id, NULL);
    check_node_expect(b, WIRE_OK);
    free(b);
    id[65] = 'a';
    id[66] = '"';
    b = event_body("ack_run", id, NULL);
    check_node_expect(b, WIRE_ERR_BAD_FIELD);
    free(b);
}

Test(wire_node, field_rejections)
{
    struct {
        const char *type, *job_id, *extra;
        enum wire_err want;
    } cases[] = {
        {"bogus", "null", NULL, WIRE_ERR_BAD_TYPE},
        {"commit", "null", NULL, WIRE_ERR_BAD_TYPE},       /* server-only type */
        {"HEARTBEAT", "null", NULL, WIRE_ERR_BAD_TYPE},
        {"ack_run", "\"../../etc\"", NULL, WIRE_ERR_BAD_FIELD},
        {"ack_run", "\"\"", NULL, WIRE_ERR_BAD_FIELD},
        {"ack_run", "17", NULL, WIRE_ERR_BAD_FIELD},
        {"ack_run", "\"j\"", ",\"sequence\":\"3\"", WIRE_ERR_BAD_FIELD},
        {"ack_run", "\"j\"", ",\"sequence\":1.5", WIRE_ERR_BAD_FIELD},
        {"ack_run", "\"j\"", ",\"sequence\":-4", WIRE_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *b = event_body(cases[i].type, cases[i].job_id, cases[i].extra);
        check_node_expect(b, cases[i].want);
        free(b);
    }
    /* whole bodies */
    const char *bodies[] = {
        /* job event without job_id key */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"ack_run\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\"}",
        /* missing type */
        "{\"node\":\"n1\",\"org\":\"o\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\"}",
        /* missing timestamp */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        /* timestamp not RFC 1123 */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"2026-11-25T08:00:00Z\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":1795593600,\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        /* missing incarnation_id */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"job_state\":\"idle\"}",
        /* heartbeat without job_state */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\"}",
        /* job_state not a string */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\",\"job_state\":3}",
        /* type not a string */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":[],\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\"}",
        /* NUL inside an identity field */
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\",\"incarnation_id\":\"i\\u0000x\",\"job_state\":\"idle\"}",
    };
    enum wire_err want[] = {WIRE_ERR_MISSING_FIELD, WIRE_ERR_MISSING_FIELD,
                            WIRE_ERR_MISSING_FIELD, WIRE_ERR_BAD_FIELD,
                            WIRE_ERR_BAD_FIELD,     WIRE_ERR_MISSING_FIELD,
                            WIRE_ERR_MISSING_FIELD, WIRE_ERR_BAD_FIELD,
                            WIRE_ERR_BAD_FIELD,     WIRE_ERR_BAD_FIELD};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        check_node_expect(bodies[i], want[i]);
}

Test(wire_node, names)
{
#define NAMES_TMPL                                                                        \
    "{\"node\":%s,\"org\":%s,\"type\":\"heartbeat\","                                     \
    "\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMT\","                                      \
    "\"incarnation_id\":\"i\",\"job_state\":\"idle\"}"
    char long_name[300];
    memset(long_name, 0, sizeof long_name);
    long_name[0] = '"';
    memset(long_name + 1, 'n', 256);
    long_name[257] = '"';
    struct {
        const char *node, *org;
        enum wire_err want;
    } cases[] = {
        {"\"web-01.example.com:x_y\"", "\"my_org-1\"", WIRE_OK},
        {"\"\"", "\"o\"", WIRE_ERR_BAD_FIELD},
        {"\"n/1\"", "\"o\"", WIRE_ERR_BAD_FIELD},
        {"\"n 1\"", "\"o\"", WIRE_ERR_BAD_FIELD},
        {"\"n1\"", "\"o\\n\"", WIRE_ERR_BAD_FIELD},
        {"\"n\\u00e9\"", "\"o\"", WIRE_ERR_BAD_FIELD},
        {"42", "\"o\"", WIRE_ERR_BAD_FIELD},
        {"null", "\"o\"", WIRE_ERR_BAD_FIELD},
        {long_name, "\"o\"", WIRE_ERR_BAD_FIELD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, NAMES_TMPL, cases[i].node, cases[i].org);
        check_node_expect(body, cases[i].want);
    }
    long_name[256] = '"';
    long_name[257] = '\0';
    char body[1024];
    snprintf(body, sizeof body, NAMES_TMPL, long_name, "\"o\"");
    check_node_expect(body, WIRE_OK); /* exactly 255 */
    check_node_expect("{\"org\":\"o\",\"type\":\"heartbeat\"}", WIRE_ERR_MISSING_FIELD);
    check_node_expect("{\"node\":\"n\",\"type\":\"heartbeat\"}", WIRE_ERR_MISSING_FIELD);
}

Test(wire_node, timestamps_replayed_or_stale)
{
    struct {
        time_t ts;
        enum wire_err want;
    } cases[] = {
        {NOW, WIRE_OK},
        {NOW - 299, WIRE_OK},
        {NOW + 299, WIRE_OK},
        {NOW - 300, WIRE_ERR_STALE},
        {NOW + 300, WIRE_ERR_STALE},
        {NOW - 86400, WIRE_ERR_STALE}, /* a day-old capture replayed */
        {0, WIRE_ERR_STALE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *b = hb_body(cases[i].ts, NULL);
        check_node_expect(b, cases[i].want);
        free(b);
    }
}

Test(wire_node, bodies_and_sizes)
{
    check_node_expect("", WIRE_ERR_NOT_JSON);
    check_node_expect("{", WIRE_ERR_NOT_JSON);
    check_node_expect("{\"a\":1}garbage", WIRE_ERR_NOT_JSON);
    check_node_expect("{\"org\":\"o\",\"org\":\"p\",\"node\":\"n\"}", WIRE_ERR_NOT_JSON);
    check_node_expect("\xff\xfe{}", WIRE_ERR_NOT_JSON);
    check_node_expect("[]", WIRE_ERR_NOT_OBJECT);
    check_node_expect("[{\"org\":\"o\"}]", WIRE_ERR_NOT_OBJECT);
    check_node_expect("42", WIRE_ERR_NOT_OBJECT);
    check_node_expect("\"str\"", WIRE_ERR_NOT_OBJECT);
    check_node_expect("null", WIRE_ERR_NOT_OBJECT);

    /* exactly max_body_size is fine, one more byte is not */
    char *base = hb_body(NOW, NULL);
    size_t blen = strlen(base);
    char *big = malloc(MAXB + 2);
    cr_assert_not_null(big);
    memcpy(big, base, blen - 1);
    size_t pad_at = blen - 1;
    const char *pad_key = ",\"pad\":\"";
    memcpy(big + pad_at, pad_key, strlen(pad_key));
    size_t used = pad_at + strlen(pad_key);
    memset(big + used, 'x', MAXB - used - 2);
    memcpy(big + MAXB - 2, "\"}", 3);
    cr_assert_eq(strlen(big), MAXB);
    check_node_expect(big, WIRE_OK);
    memmove(big + used + 1, big + used, MAXB - used + 1);
    big[used] = 'y';
    cr_assert_eq(strlen(big), MAXB + 1);
    check_node_expect(big, WIRE_ERR_BODY_TOO_LARGE);
    free(big);
    free(base);
}

Test(wire_node, signature_checked_before_fields)
{
    /* garbage type AND a bad signature: the signature error wins, and the
     * lookup saw the names */
    char *b = event_body("bogus", "null", NULL);
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(OTHER_KEY, b, strlen(b), hdr, sizeof hdr), 0);
    struct lookup_ctx l = {.known = true};
    struct wire_node_msg m;
    struct wire_error e;
    cr_assert_eq(wire_verify_node_message(hdr, strlen(hdr), b, strlen(b), MAXB, SKEW, NOW, lookup,
                                          &l, &m, &e),
                 WIRE_ERR_BAD_SIGNATURE);
    cr_assert_eq(l.calls, 1);
    cr_assert_str_eq(l.org, "myorg");
    cr_assert_str_eq(l.node, "n1");
    cr_assert_null(m.body);

    /* unknown node: no key, nothing else looked at */
    l = (struct lookup_ctx){.known = false};
    cr_assert_eq(wire_verify_node_message(hdr, strlen(hdr), b, strlen(b), MAXB, SKEW, NOW, lookup,
                                          &l, &m, &e),
                 WIRE_ERR_UNKNOWN_NODE);
    cr_assert_eq(l.calls, 1);

    /* header problems stop before the lookup */
    l = (struct lookup_ctx){.known = true};
    cr_assert_eq(wire_verify_node_message("Version:2.0", 11, b, strlen(b), MAXB, SKEW, NOW,
                                          lookup, &l, &m, &e),
                 WIRE_ERR_NO_METHOD);
    cr_assert_eq(l.calls, 0);

    /* one flipped bit in the body */
    cr_assert_eq(wire_header_hmac(KEY, b, strlen(b), hdr, sizeof hdr), 0);
    char *b2 = strdup(b);
    strstr(b2, "inc-1")[4] ^= 1;
    cr_assert_eq(wire_verify_node_message(hdr, strlen(hdr), b2, strlen(b2), MAXB, SKEW, NOW,
                                          lookup, &l, &m, &e),
                 WIRE_ERR_BAD_SIGNATURE);
    free(b2);

    /* node messages must be hmac: an rsa header is refused */
    EVP_PKEY *k = gen_rsa();
    cr_assert_eq(wire_header_rsa(k, b, strlen(b), hdr, sizeof hdr), 0);
    cr_assert_eq(wire_verify_node_message(hdr, strlen(hdr), b, strlen(b), MAXB, SKEW, NOW, lookup,
                                          &l, &m, &e),
                 WIRE_ERR_BAD_METHOD);
    EVP_PKEY_free(k);
    free(b);
}

Test(wire_node, two_step_api)
{
    char *b = hb_body(NOW, NULL);
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, b, strlen(b), hdr, sizeof hdr), 0);
    struct wire_node_msg m;
    struct wire_error e;
    cr_assert_eq(wire_node_msg_open(&m, hdr, strlen(hdr), b, strlen(b), MAXB, &e), WIRE_OK);
    cr_assert_str_eq(m.org, "myorg");
    cr_assert_eq(m.type, WIRE_MSG_NONE, "fields are not read before verification");
    cr_assert_eq(wire_node_msg_verify(&m, KEY, NOW, SKEW, &e), WIRE_OK, "%s", e.msg);
    cr_assert_eq(m.type, WIRE_MSG_HEARTBEAT);
    wire_node_msg_clear(&m);
    /* verify on a cleared message is a misuse, not a crash */
    cr_assert_eq(wire_node_msg_verify(&m, KEY, NOW, SKEW, &e), WIRE_ERR_INTERNAL);
    free(b);
}

/* ---- node builders (C client) round trip --------------------------------- */

Test(wire_node, builders_round_trip)
{
    struct wire_node_ident id = {.node = "n1", .client = "n1host", .org = "myorg",
                                 .incarnation_id = "c-inc"};
    json_t *hb = wire_msg_node_heartbeat(&id, "running", "job1");
    cr_assert_not_null(hb);
    struct wire_frames f;
    cr_assert_eq(wire_seal_hmac(hb, 42, NOW, KEY, &f), 0);
    json_decref(hb);
    struct lookup_ctx l = {.known = true};
    struct wire_node_msg m;
    struct wire_error e;
    cr_assert_eq(wire_verify_node_message(f.header, f.header_len, f.body, f.body_len, MAXB, SKEW,
                                          NOW, lookup, &l, &m, &e),
                 WIRE_OK, "%s", e.msg);
    cr_assert_eq(m.type, WIRE_MSG_HEARTBEAT);
    cr_assert_str_eq(m.job_state, "running");
    cr_assert_str_eq(m.job_id, "job1");
    cr_assert_eq(m.sequence, 42);
    cr_assert_str_eq(json_string_value(json_object_get(m.body, "protocol_version")), "2.0");
    wire_node_msg_clear(&m);
    wire_frames_free(&f);

    /* output with invalid UTF-8, a NUL and a valid multibyte character */
    const char out[] = "ok \xc3\xa9 \xff bad \0 nul \xe2\x82";
    json_t *ev = wire_msg_node_event(&id, WIRE_MSG_SUCCEEDED, "job1", out, sizeof out - 1, NULL, 0);
    cr_assert_not_null(ev);
    cr_assert_eq(wire_seal_hmac(ev, 43, NOW, KEY, &f), 0);
    json_decref(ev);
    cr_assert_eq(wire_verify_node_message(f.header, f.header_len, f.body, f.body_len, MAXB, SKEW,
                                          NOW, lookup, &l, &m, &e),
                 WIRE_OK, "%s", e.msg);
    cr_assert_eq(m.type, WIRE_MSG_SUCCEEDED);
    cr_assert_str_eq(json_string_value(json_object_get(m.body, "stdout")),
                     "ok \xc3\xa9 \xef\xbf\xbd bad \xef\xbf\xbd nul \xef\xbf\xbd\xef\xbf\xbd");
    cr_assert_str_eq(json_string_value(json_object_get(m.body, "stderr")), "");
    wire_node_msg_clear(&m);
    wire_frames_free(&f);

    /* no output -> no stdout/stderr keys; null job_id */
    ev = wire_msg_node_event(&id, WIRE_MSG_ABORTED, NULL, NULL, 0, NULL, 0);
    cr_assert_null(json_object_get(ev, "stdout"));
    cr_assert(json_is_null(json_object_get(ev, "job_id")));
    json_decref(ev);
    cr_assert_null(wire_msg_node_event(&id, WIRE_MSG_HEARTBEAT, NULL, NULL, 0, NULL, 0));
    cr_assert_null(wire_msg_node_event(&id, WIRE_MSG_COMMIT, NULL, NULL, 0, NULL, 0));
    struct wire_node_ident bad = {.node = "n1", .org = "o", .incarnation_id = "i"};
    cr_assert_null(wire_msg_node_heartbeat(&bad, "idle", NULL));

    /* sealing a non-object fails cleanly */
    json_t *arr = json_array();
    cr_assert_eq(wire_seal_hmac(arr, 1, NOW, KEY, &f), -1);
    cr_assert_null(f.body);
    json_decref(arr);
}

Test(wire_misc, type_names)
{
    for (int t = WIRE_MSG_HEARTBEAT; t <= WIRE_MSG_ACK; t++) {
        cr_assert_eq((int)wire_msg_type_parse(wire_msg_type_name((enum wire_msg_type)t)), t);
        /* commandd sizes its reply text from this bound. */
        cr_assert_leq(strlen(wire_msg_type_name((enum wire_msg_type)t)), WIRE_MSG_TYPE_NAME_MAX);
    }
    cr_assert_null(wire_msg_type_name(WIRE_MSG_NONE));
    cr_assert_null(wire_msg_type_name((enum wire_msg_type)99));
    cr_assert_eq(wire_msg_type_parse(NULL), WIRE_MSG_NONE);
    cr_assert_str_eq(wire_err_name(WIRE_ERR_STALE), "stale_timestamp");
    cr_assert_str_eq(wire_err_name((enum wire_err)999), "unknown");
}

/* ---- Z85 ----------------------------------------------------------------- */

Test(wire_z85, round_trip_and_rejections)
{
    unsigned char key[32], back[32];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)(i * 37 + 11);
    char z[41];
    cr_assert_eq(wire_z85_encode(key, z), 0);
    cr_assert_eq(strlen(z), 40);
    cr_assert_eq(wire_z85_decode(z, 40, back), 0);
    cr_assert_arr_eq(back, key, 32);

    /* a real pair from libzmq agrees */
    char pub[41], sec[41];
    cr_assert_eq(zmq_curve_keypair(pub, sec), 0);
    cr_assert_eq(wire_z85_decode(pub, strlen(pub), back), 0);
    cr_assert_eq(wire_z85_encode(back, z), 0);
    cr_assert_str_eq(z, pub);

    cr_assert_eq(wire_z85_decode(pub, 39, back), -1);
    cr_assert_eq(wire_z85_decode("", 0, back), -1);
    char bad[41];
    memcpy(bad, pub, 41);
    bad[7] = '"'; /* not in the alphabet */
    cr_assert_eq(wire_z85_decode(bad, 40, back), -1);
    bad[7] = ' ';
    cr_assert_eq(wire_z85_decode(bad, 40, back), -1);
    memcpy(bad, pub, 41);
    bad[3] = '\0';
    cr_assert_eq(wire_z85_decode(bad, 40, back), -1);
    memcpy(bad, pub, 41);
    memcpy(bad, "#####", 5); /* group value > 2^32 - 1 */
    cr_assert_eq(wire_z85_decode(bad, 40, back), -1);
}

/* ---- one message sealed for many nodes ----------------------------------- */

static void same_as_seal(json_t *msg, int64_t seq)
{
    struct wire_prepared p;
    cr_assert_eq(wire_prepare(msg, &p), 0);
    struct wire_frames a, b;
    cr_assert_eq(wire_seal_hmac_prepared(&p, seq, NOW, KEY, &a), 0);
    cr_assert_eq(wire_seal_hmac(msg, seq, NOW, KEY, &b), 0);
    cr_assert_eq(a.body_len, b.body_len);
    cr_assert_str_eq(a.body, b.body);
    cr_assert_str_eq(a.header, b.header);
    /* commandd's way: head + wire_seal_tail in its own buffer, header
     * signed with the precomputed key; and the json seal with that key */
    struct hmac256_key k;
    cr_assert_eq(hmac256_key_set(&k, KEY, sizeof KEY), 0);
    char tail[WIRE_SEAL_TAIL_MAX], hdr[WIRE_HMAC_HEADER_LEN + 1], body[4096];
    long tn = wire_seal_tail(&p, seq, ts_at(NOW), tail, sizeof tail);
    cr_assert_gt(tn, 0);
    cr_assert_lt(p.head_len + (size_t)tn, sizeof body);
    memcpy(body, p.head, p.head_len);
    memcpy(body + p.head_len, tail, (size_t)tn + 1);
    cr_assert_str_eq(body, b.body);
    cr_assert_eq(wire_header_hmac_k(&k, body, strlen(body), hdr, sizeof hdr),
                 (long)WIRE_HMAC_HEADER_LEN);
    cr_assert_str_eq(hdr, b.header);
    struct wire_frames c;
    cr_assert_eq(wire_seal_hmac_k(msg, seq, NOW, &k, &c), 0);
    cr_assert_str_eq(c.body, b.body);
    cr_assert_str_eq(c.header, b.header);
    cr_assert_eq(c.header_len, b.header_len);
    wire_frames_free(&c);
    wire_frames_free(&a);
    wire_frames_free(&b);
    wire_prepared_free(&p);
}

Test(wire_server, prepared_seal_is_byte_identical)
{
    json_t *env = json_pack("{s:s}", "A", "b\"c");
    struct wire_commit c = {.job_id = "a2b87f87052d213c0703eadb21bdf20e", .server = "chef",
                            .command = "chef-client \u00e9", .user = "deploy", .dir = "/tmp",
                            .env = env, .file = "raw:hello", .capture = true};
    json_t *commit = wire_msg_commit(&c);
    cr_assert_not_null(commit);
    same_as_seal(commit, 7);
    /* sealed before: sequence and timestamp already in the object */
    same_as_seal(commit, 8);
    json_decref(commit);
    json_decref(env);
    json_t *run = wire_msg_run("j1");
    same_as_seal(run, 1);
    json_decref(run);
    json_t *empty = json_object();
    same_as_seal(empty, 2);
    json_decref(empty);
    /* sequence digits as jansson writes them, both ends of int64 */
    json_t *abort_msg = wire_msg_abort(NULL);
    int64_t seqs[] = {0, 9, 10, 1234567890123LL, INT64_MAX, -1, INT64_MIN};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        same_as_seal(abort_msg, seqs[i]);
    json_decref(abort_msg);
    struct wire_prepared p;
    json_t *arr = json_array();
    cr_assert_eq(wire_prepare(arr, &p), -1);
    json_decref(arr);
    struct wire_frames f;
    cr_assert_eq(wire_seal_hmac_prepared(NULL, 1, NOW, KEY, &f), -1);
    /* the tail refuses a short buffer or a text that is not a date */
    json_t *run2 = wire_msg_run("j1");
    cr_assert_eq(wire_prepare(run2, &p), 0);
    char tail[WIRE_SEAL_TAIL_MAX];
    cr_assert_eq(wire_seal_tail(&p, 1, ts_at(NOW), tail, WIRE_SEAL_TAIL_MAX - 1), -1);
    cr_assert_eq(wire_seal_tail(&p, 1, "yesterday", tail, sizeof tail), -1);
    cr_assert_eq(wire_seal_tail(&p, 1, NULL, tail, sizeof tail), -1);
    cr_assert_eq(wire_seal_tail(NULL, 1, ts_at(NOW), tail, sizeof tail), -1);
    wire_prepared_free(&p);
    json_decref(run2);
    /* sealing with a key that is not set up fails */
    struct hmac256_key unset;
    hmac256_key_clear(&unset);
    json_t *ack = wire_msg_ack();
    cr_assert_eq(wire_seal_hmac_k(ack, 1, NOW, &unset, &f), -1);
    cr_assert_null(f.body);
    json_decref(ack);
}

/* ---- precomputed keys give the same verdicts ---------------------------- */

Test(wire_hmac, precomputed_key_same_verdicts)
{
    struct hmac256_key k, other;
    cr_assert_eq(hmac256_key_set(&k, KEY, sizeof KEY), 0);
    cr_assert_eq(hmac256_key_set(&other, OTHER_KEY, sizeof OTHER_KEY), 0);
    char *body = hb_body(NOW, NULL);
    size_t n = strlen(body);
    unsigned char mac[32], mac_k[32];
    cr_assert_eq(wire_hmac_sign(KEY, body, n, mac), 0);
    cr_assert_eq(wire_hmac_sign_k(&k, body, n, mac_k), 0);
    cr_assert_eq(memcmp(mac, mac_k, 32), 0);
    cr_assert(wire_hmac_verify_k(&k, body, n, mac, 32));
    cr_assert_not(wire_hmac_verify_k(&other, body, n, mac, 32));
    cr_assert_not(wire_hmac_verify_k(&k, body, n, mac, 31));
    cr_assert_not(wire_hmac_verify_k(&k, body, n - 1, mac, 32));

    /* the two-step node API: same fields with the raw and the precomputed key */
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, body, n, hdr, sizeof hdr), 0);
    struct wire_node_msg a, b;
    struct wire_error ea, eb;
    cr_assert_eq(wire_node_msg_open_lean(&a, hdr, strlen(hdr), body, n, MAXB, &ea), WIRE_OK);
    cr_assert_eq(wire_node_msg_open_lean(&b, hdr, strlen(hdr), body, n, MAXB, &eb), WIRE_OK);
    cr_assert_eq(wire_node_msg_verify(&a, KEY, NOW, SKEW, &ea), WIRE_OK);
    cr_assert_eq(wire_node_msg_verify_k(&b, &k, NOW, SKEW, &eb), WIRE_OK);
    cr_assert_eq(a.type, b.type);
    cr_assert_eq(a.sequence, b.sequence);
    cr_assert_eq(a.timestamp, b.timestamp);
    cr_assert_str_eq(a.incarnation_id, b.incarnation_id);
    cr_assert_str_eq(a.job_state, b.job_state);
    wire_node_msg_clear(&a);
    wire_node_msg_clear(&b);
    /* wrong key: the same rejection */
    cr_assert_eq(wire_node_msg_open_lean(&a, hdr, strlen(hdr), body, n, MAXB, &ea), WIRE_OK);
    cr_assert_eq(wire_node_msg_open_lean(&b, hdr, strlen(hdr), body, n, MAXB, &eb), WIRE_OK);
    cr_assert_eq(wire_node_msg_verify(&a, OTHER_KEY, NOW, SKEW, &ea), WIRE_ERR_BAD_SIGNATURE);
    cr_assert_eq(wire_node_msg_verify_k(&b, &other, NOW, SKEW, &eb), WIRE_ERR_BAD_SIGNATURE);
    cr_assert_str_eq(ea.msg, eb.msg);
    free(body);
    hmac256_key_clear(&k);
    hmac256_key_clear(&other);
}

/* commandd reuses one wire_node_msg for every message: nothing of one
 * message may show through in the next (the open resets only what readers
 * use, not the whole struct). */
static void open_verify_into(struct wire_node_msg *m, const char *body, const struct hmac256_key *k)
{
    char hdr[WIRE_HEADER_BUF];
    struct wire_error e;
    cr_assert_eq(wire_header_hmac(KEY, body, strlen(body), hdr, sizeof hdr), 0);
    cr_assert_eq(wire_node_msg_open_lean(m, hdr, strlen(hdr), body, strlen(body), MAXB, &e),
                 WIRE_OK, "%s", e.msg);
    cr_assert_eq(wire_node_msg_verify_k(m, k, NOW, SKEW, &e), WIRE_OK, "%s", e.msg);
}

Test(wire_node, a_reused_message_keeps_nothing_of_the_previous_one)
{
    struct hmac256_key k;
    cr_assert_eq(hmac256_key_set(&k, KEY, sizeof KEY), 0);
    struct wire_node_msg m;
    memset(&m, 0xAA, sizeof m);
    char *reply = event_body("succeeded", "\"0123456789abcdef0123456789abcdef\"",
                             ",\"sequence\":9");
    open_verify_into(&m, reply, &k);
    cr_assert(m.has_job_id && m.has_sequence);
    cr_assert_eq(m.sequence, 9);
    cr_assert_str_eq(m.job_state, "");
    wire_node_msg_clear(&m);
    char *hb = NULL;
    cr_assert_neq(asprintf(&hb,
                           "{\"node\":\"n1\",\"client\":\"h\",\"org\":\"myorg\",\"type\":"
                           "\"heartbeat\",\"timestamp\":\"%s\",\"incarnation_id\":\"inc-2\","
                           "\"job_state\":\"idle\"}",
                           ts_at(NOW)),
                  -1);
    open_verify_into(&m, hb, &k);
    cr_assert_eq(m.type, WIRE_MSG_HEARTBEAT);
    cr_assert_not(m.has_job_id);
    cr_assert_str_eq(m.job_id, "");
    cr_assert_not(m.has_sequence);
    cr_assert_str_eq(m.incarnation_id, "inc-2");
    cr_assert_str_eq(m.job_state, "idle");
    wire_node_msg_clear(&m);
    char *ack = event_body("ack_commit", "\"0123456789abcdef0123456789abcdef\"", NULL);
    open_verify_into(&m, ack, &k);
    cr_assert_str_eq(m.job_state, "", "a job reply carries no job state");
    cr_assert_not(m.has_sequence);
    wire_node_msg_clear(&m);
    free(reply);
    free(hb);
    free(ack);
    hmac256_key_clear(&k);
}
