#include "shared/wire.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "shared/base64.h"
#include "shared/flatjson.h"
#include "shared/hmac256.h"
#include "shared/timefmt.h"

#define SHA1_B64_LEN 28 /* base64 of a 20-byte digest */

/* ---- errors ------------------------------------------------------------ */

static const char *const err_names[] = {
    [WIRE_OK] = "ok",
    [WIRE_ERR_HEADER_TOO_LARGE] = "header_too_large",
    [WIRE_ERR_BODY_TOO_LARGE] = "body_too_large",
    [WIRE_ERR_BAD_HEADER] = "bad_header",
    [WIRE_ERR_NO_VERSION] = "no_version",
    [WIRE_ERR_BAD_VERSION] = "bad_version",
    [WIRE_ERR_NO_METHOD] = "no_signing_method",
    [WIRE_ERR_BAD_METHOD] = "bad_signing_method",
    [WIRE_ERR_NO_SIGNATURE] = "no_signature",
    [WIRE_ERR_BAD_SIGNATURE_ENCODING] = "bad_signature_encoding",
    [WIRE_ERR_NOT_JSON] = "not_json",
    [WIRE_ERR_NOT_OBJECT] = "not_object",
    [WIRE_ERR_MISSING_FIELD] = "missing_field",
    [WIRE_ERR_BAD_FIELD] = "bad_field",
    [WIRE_ERR_BAD_TYPE] = "bad_type",
    [WIRE_ERR_UNKNOWN_NODE] = "unknown_node",
    [WIRE_ERR_BAD_SIGNATURE] = "bad_signature",
    [WIRE_ERR_STALE] = "stale_timestamp",
    [WIRE_ERR_INTERNAL] = "internal",
};

const char *wire_err_name(enum wire_err code)
{
    if ((unsigned)code >= sizeof err_names / sizeof err_names[0])
        return "unknown";
    return err_names[code];
}

__attribute__((format(printf, 3, 4)))
static enum wire_err fail(struct wire_error *err, enum wire_err code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void ok(struct wire_error *err)
{
    if (err) {
        err->code = WIRE_OK;
        err->msg[0] = '\0';
    }
}

/* Copies at most 24 bytes of untrusted text for an error message, with
 * anything unprintable replaced, so logs stay one clean line. */
static const char *shown(const char *s, size_t n, char out[32])
{
    size_t i = 0;
    for (; i < n && i < 24; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (n > 24)
        out[i++] = '.', out[i++] = '.', out[i++] = '.';
    out[i] = '\0';
    return out;
}

/* ---- message types and names ------------------------------------------- */

static const char *const type_names[] = {
    [WIRE_MSG_HEARTBEAT] = "heartbeat", [WIRE_MSG_ACK_COMMIT] = "ack_commit",
    [WIRE_MSG_NACK_COMMIT] = "nack_commit", [WIRE_MSG_ACK_RUN] = "ack_run",
    [WIRE_MSG_NACK_RUN] = "nack_run", [WIRE_MSG_SUCCEEDED] = "succeeded",
    [WIRE_MSG_FAILED] = "failed", [WIRE_MSG_ABORTED] = "aborted",
    [WIRE_MSG_COMMIT] = "commit", [WIRE_MSG_RUN] = "run",
    [WIRE_MSG_ABORT] = "abort", [WIRE_MSG_ACK] = "ack",
};
const char *const wire_reply_extras[WIRE_REPLY_EXTRAS_N] = { "stdout", "stderr", "stdout_b64",
                                                             "stderr_b64", "reason" };

_Static_assert(sizeof "nack_commit" - 1 == WIRE_MSG_TYPE_NAME_MAX, "longest type name");
#define N_TYPES (sizeof type_names / sizeof type_names[0])

const char *wire_msg_type_name(enum wire_msg_type t)
{
    if ((unsigned)t >= N_TYPES)
        return NULL;
    return type_names[t];
}

enum wire_msg_type wire_msg_type_parse(const char *s)
{
    if (!s)
        return WIRE_MSG_NONE;
    for (unsigned i = 1; i < N_TYPES; i++)
        if (strcmp(s, type_names[i]) == 0)
            return (enum wire_msg_type)i;
    return WIRE_MSG_NONE;
}

bool wire_msg_type_is_job_event(enum wire_msg_type t)
{
    return t >= WIRE_MSG_ACK_COMMIT && t <= WIRE_MSG_ABORTED;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool wire_valid_name(const char *s, size_t len)
{
    if (!s || len == 0 || len > WIRE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!alnum(s[i]) && !strchr("_.:-", s[i]))
            return false;
    return true;
}

bool wire_valid_job_id(const char *s, size_t len)
{
    if (!s || len == 0 || len > WIRE_JOB_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!alnum(s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

/* ---- header ------------------------------------------------------------ */

enum wire_err wire_header_parse(const void *buf, size_t len, struct wire_header *h,
                                struct wire_error *err)
{
    const char *s = buf;
    char tmp[32];
    if (len > WIRE_MAX_HEADER_SIZE)
        return fail(err, WIRE_ERR_HEADER_TOO_LARGE, "header is %zu bytes (max %d)", len,
                    WIRE_MAX_HEADER_SIZE);
    if (!s || len == 0)
        return fail(err, WIRE_ERR_BAD_HEADER, "empty header");
    if (memchr(s, '\0', len))
        return fail(err, WIRE_ERR_BAD_HEADER, "NUL byte in header");

    /* values[0] Version, [1] SigningMethod, [2] Signature/SignedChecksum */
    static const char *const keys[] = {"Version", "SigningMethod", "Signature", "SignedChecksum"};
    const char *val[3] = {NULL, NULL, NULL};
    size_t vlen[3] = {0, 0, 0};
    size_t pos = 0;
    for (;;) {
        const char *part = s + pos;
        const char *semi = memchr(part, ';', len - pos);
        size_t plen = semi ? (size_t)(semi - part) : len - pos;
        const char *colon = memchr(part, ':', plen);
        if (colon) {
            size_t klen = (size_t)(colon - part);
            for (int k = 0; k < 4; k++) {
                if (strlen(keys[k]) != klen || memcmp(part, keys[k], klen) != 0)
                    continue;
                int slot = k < 3 ? k : 2;
                if (val[slot])
                    return fail(err, WIRE_ERR_BAD_HEADER, "repeated header key %s", keys[k]);
                val[slot] = colon + 1;
                vlen[slot] = plen - klen - 1;
            }
        }
        if (!semi)
            break;
        pos += plen + 1;
    }

    if (!val[0])
        return fail(err, WIRE_ERR_NO_VERSION, "header has no Version");
    if (vlen[0] == 3 && memcmp(val[0], "1.0", 3) == 0)
        h->version = WIRE_V1;
    else if (vlen[0] == 3 && memcmp(val[0], "2.0", 3) == 0)
        h->version = WIRE_V2;
    else
        return fail(err, WIRE_ERR_BAD_VERSION, "unsupported version '%s'",
                    shown(val[0], vlen[0], tmp));
    if (!val[1])
        return fail(err, WIRE_ERR_NO_METHOD, "header has no SigningMethod");
    if (vlen[1] == 11 && memcmp(val[1], "hmac_sha256", 11) == 0)
        h->method = WIRE_HMAC_SHA256;
    else if (vlen[1] == 12 && memcmp(val[1], "rsa2048_sha1", 12) == 0)
        h->method = WIRE_RSA2048_SHA1;
    else
        return fail(err, WIRE_ERR_BAD_METHOD, "unknown signing method '%s'",
                    shown(val[1], vlen[1], tmp));
    if (h->method == WIRE_HMAC_SHA256 && h->version != WIRE_V2)
        return fail(err, WIRE_ERR_BAD_METHOD, "hmac_sha256 requires Version 2.0");
    if (!val[2] || vlen[2] == 0)
        return fail(err, WIRE_ERR_NO_SIGNATURE, "header has no Signature");
    long n = base64_decode(val[2], vlen[2], h->sig, sizeof h->sig);
    if (n <= 0)
        return fail(err, WIRE_ERR_BAD_SIGNATURE_ENCODING, "signature is not valid base64 (or over %d bytes)",
                    WIRE_MAX_SIG_LEN);
    h->sig_len = (size_t)n;
    ok(err);
    return WIRE_OK;
}

/* Writes the header for sig into out; returns its length, or -1. */
static long build_header(enum wire_method m, const unsigned char *sig, size_t sig_len, char *out,
                         size_t cap)
{
    static const char hmac_prefix[] =
        "Version:" WIRE_PROTOCOL_VERSION ";SigningMethod:hmac_sha256;Signature:";
    static const char rsa_prefix[] =
        "Version:" WIRE_PROTOCOL_VERSION ";SigningMethod:rsa2048_sha1;Signature:";
    const char *prefix = m == WIRE_HMAC_SHA256 ? hmac_prefix : rsa_prefix;
    size_t plen = m == WIRE_HMAC_SHA256 ? sizeof hmac_prefix - 1 : sizeof rsa_prefix - 1;
    if (cap <= plen)
        return -1;
    memcpy(out, prefix, plen);
    long n = base64_encode(sig, sig_len, out + plen, cap - plen);
    return n < 0 ? -1 : (long)plen + n;
}

int wire_header_hmac(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body,
                     size_t len, char *out, size_t cap)
{
    unsigned char mac[WIRE_HMAC_LEN];
    if (wire_hmac_sign(key, body, len, mac) != 0)
        return -1;
    return build_header(WIRE_HMAC_SHA256, mac, sizeof mac, out, cap) < 0 ? -1 : 0;
}

long wire_header_hmac_k(const struct hmac256_key *key, const void *body, size_t len, char *out,
                        size_t cap)
{
    unsigned char mac[WIRE_HMAC_LEN];
    if (hmac256(key, body, len, mac) != 0)
        return -1;
    return build_header(WIRE_HMAC_SHA256, mac, sizeof mac, out, cap);
}

int wire_header_rsa(EVP_PKEY *priv, const void *body, size_t len, char *out, size_t cap)
{
    unsigned char sig[WIRE_MAX_SIG_LEN];
    long n = wire_rsa_sign(priv, body, len, sig, sizeof sig);
    if (n < 0)
        return -1;
    return build_header(WIRE_RSA2048_SHA1, sig, (size_t)n, out, cap) < 0 ? -1 : 0;
}

/* ---- signatures -------------------------------------------------------- */

int wire_hmac_sign(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body, size_t len,
                   unsigned char mac[WIRE_HMAC_LEN])
{
    struct hmac256_key k;
    int rc = key && hmac256_key_set(&k, key, WIRE_SESSION_KEY_LEN) == 0 &&
                     hmac256(&k, body, len, mac) == 0
                 ? 0
                 : -1;
    hmac256_key_clear(&k);
    return rc;
}

int wire_hmac_sign_k(const struct hmac256_key *key, const void *body, size_t len,
                     unsigned char mac[WIRE_HMAC_LEN])
{
    return hmac256(key, body, len, mac);
}

bool wire_hmac_verify_k(const struct hmac256_key *key, const void *body, size_t len,
                        const unsigned char *sig, size_t sig_len)
{
    unsigned char mac[WIRE_HMAC_LEN];
    if (sig_len != WIRE_HMAC_LEN || hmac256(key, body, len, mac) != 0)
        return false;
    bool good = CRYPTO_memcmp(mac, sig, WIRE_HMAC_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return good;
}

bool wire_hmac_verify(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body,
                      size_t len, const unsigned char *sig, size_t sig_len)
{
    struct hmac256_key k;
    bool good = key && hmac256_key_set(&k, key, WIRE_SESSION_KEY_LEN) == 0 &&
                wire_hmac_verify_k(&k, body, len, sig, sig_len);
    hmac256_key_clear(&k);
    return good;
}

/* The text the original signs: base64 of the SHA1 digest (chef_authn
 * hash_string / mixlib Digester.hash_string). */
static int sha1_b64(const void *body, size_t len, char out[SHA1_B64_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(len ? body : "", len, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return -1;
    return base64_encode(md, mdlen, out, SHA1_B64_LEN + 1) == SHA1_B64_LEN ? 0 : -1;
}

long wire_rsa_sign(EVP_PKEY *priv, const void *body, size_t len, unsigned char *sig, size_t cap)
{
    char digest[SHA1_B64_LEN + 1];
    if (!priv || !EVP_PKEY_is_a(priv, "RSA") || sha1_b64(body, len, digest) != 0)
        return -1;
    int ksize = EVP_PKEY_get_size(priv);
    if (ksize <= 0 || (size_t)ksize > cap)
        return -1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
    if (!ctx)
        return -1;
    size_t siglen = cap;
    long rc = -1;
    /* no signature digest set: the provider does a raw PKCS#1 type 1
     * private-key operation on our 28 bytes, like RSA_private_encrypt */
    if (EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_sign(ctx, sig, &siglen, (const unsigned char *)digest, SHA1_B64_LEN) > 0)
        rc = (long)siglen;
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

bool wire_rsa_verify(EVP_PKEY *pub, const void *body, size_t len, const unsigned char *sig,
                     size_t sig_len)
{
    char digest[SHA1_B64_LEN + 1];
    if (!pub || !EVP_PKEY_is_a(pub, "RSA") || sha1_b64(body, len, digest) != 0)
        return false;
    int ksize = EVP_PKEY_get_size(pub);
    if (ksize <= 0 || ksize > WIRE_MAX_SIG_LEN || sig_len != (size_t)ksize)
        return false;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
    if (!ctx)
        return false;
    unsigned char out[WIRE_MAX_SIG_LEN];
    size_t outlen = sizeof out;
    bool good = EVP_PKEY_verify_recover_init(ctx) > 0 &&
                EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
                EVP_PKEY_verify_recover(ctx, out, &outlen, sig, sig_len) > 0 &&
                outlen == SHA1_B64_LEN && CRYPTO_memcmp(out, digest, SHA1_B64_LEN) == 0;
    EVP_PKEY_CTX_free(ctx);
    return good;
}

static EVP_PKEY *load_pem(const char *pem, size_t len, bool priv)
{
    if (!pem || len == 0 || len > INT32_MAX)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return NULL;
    EVP_PKEY *k = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                       : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (k && !EVP_PKEY_is_a(k, "RSA")) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

EVP_PKEY *wire_load_private_key(const char *pem, size_t len)
{
    return load_pem(pem, len, true);
}

EVP_PKEY *wire_load_public_key(const char *pem, size_t len)
{
    return load_pem(pem, len, false);
}

/* ---- JSON field helpers ------------------------------------------------- */

/* A message body as read: the JSON tree, or (commandd's heartbeats) the
 * flat scan of the raw text (shared/flatjson.h), whose strings point into
 * the caller's buffer and are not NUL-terminated. */
struct view {
    json_t *json;
    const struct flatjson *flat;
};
#define JSON_VIEW(obj) (&(struct view){ .json = (obj), .flat = NULL })

enum member_kind { MEMBER_ABSENT, MEMBER_STRING, MEMBER_INT, MEMBER_NULL, MEMBER_OTHER };
struct member {
    enum member_kind kind;
    const char *s; /* MEMBER_STRING: no embedded NUL, not necessarily NUL-terminated */
    size_t len;
    int64_t i;     /* MEMBER_INT */
};

static struct member get_member(const struct view *v, const char *key)
{
    struct member m = { .kind = MEMBER_ABSENT };
    if (v->flat) {
        const struct flatjson_member *f = flatjson_get(v->flat, key);
        if (!f)
            return m;
        switch (f->type) {
        case FLATJSON_STRING:
            m.kind = MEMBER_STRING;
            m.s = f->str;
            m.len = f->str_len;
            break;
        case FLATJSON_INT:
            m.kind = MEMBER_INT;
            m.i = f->num;
            break;
        case FLATJSON_NULL:
            m.kind = MEMBER_NULL;
            break;
        default:
            m.kind = MEMBER_OTHER;
        }
        return m;
    }
    json_t *j = json_object_get(v->json, key);
    if (!j)
        return m;
    if (json_is_string(j)) {
        m.s = json_string_value(j);
        m.len = json_string_length(j);
        m.kind = strlen(m.s) == m.len ? MEMBER_STRING : MEMBER_OTHER; /* embedded NUL */
    } else if (json_is_integer(j)) {
        m.kind = MEMBER_INT;
        m.i = (int64_t)json_integer_value(j);
    } else {
        m.kind = json_is_null(j) ? MEMBER_NULL : MEMBER_OTHER;
    }
    return m;
}

/* A string member without embedded NUL, or NULL (absent or another type;
 * *present tells which). */
static const char *str_member(json_t *obj, const char *key, bool *present, size_t *len)
{
    json_t *v = json_object_get(obj, key);
    *present = v != NULL;
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return NULL; /* embedded NUL */
    *len = n;
    return s;
}

/* Required string of 1..max bytes copied to out. */
static enum wire_err copy_str(const struct view *v, const char *key, char *out, size_t max,
                              struct wire_error *err)
{
    struct member m = get_member(v, key);
    if (m.kind == MEMBER_ABSENT)
        return fail(err, WIRE_ERR_MISSING_FIELD, "missing field '%s'", key);
    if (m.kind != MEMBER_STRING || m.len == 0 || m.len > max)
        return fail(err, WIRE_ERR_BAD_FIELD, "field '%s' must be a string of 1..%zu bytes", key,
                    max);
    memcpy(out, m.s, m.len);
    out[m.len] = '\0';
    return WIRE_OK;
}

static enum wire_err copy_name(const struct view *v, const char *key, char *out,
                               struct wire_error *err)
{
    struct member m = get_member(v, key);
    if (m.kind == MEMBER_ABSENT)
        return fail(err, WIRE_ERR_MISSING_FIELD, "missing field '%s'", key);
    if (m.kind != MEMBER_STRING || !wire_valid_name(m.s, m.len))
        return fail(err, WIRE_ERR_BAD_FIELD,
                    "field '%s' must be 1..%d characters of [A-Za-z0-9_.:-]", key,
                    WIRE_NAME_MAX);
    memcpy(out, m.s, m.len);
    out[m.len] = '\0';
    return WIRE_OK;
}

/* job_id: null or "null" mean no job (the original's rule). */
static enum wire_err read_job_id(const struct view *v, bool required, bool *has, char *out,
                                 struct wire_error *err)
{
    struct member m = get_member(v, "job_id");
    *has = false;
    out[0] = '\0';
    if (m.kind == MEMBER_ABSENT) {
        if (required)
            return fail(err, WIRE_ERR_MISSING_FIELD, "missing field 'job_id'");
        return WIRE_OK;
    }
    if (m.kind == MEMBER_NULL)
        return WIRE_OK;
    if (m.kind == MEMBER_STRING && m.len == 4 && memcmp(m.s, "null", 4) == 0)
        return WIRE_OK;
    if (m.kind != MEMBER_STRING || !wire_valid_job_id(m.s, m.len))
        return fail(err, WIRE_ERR_BAD_FIELD,
                    "field 'job_id' must be null or 1..%d characters of [A-Za-z0-9_-]",
                    WIRE_JOB_ID_MAX);
    memcpy(out, m.s, m.len);
    out[m.len] = '\0';
    *has = true;
    return WIRE_OK;
}

static enum wire_err read_sequence(const struct view *v, bool required, bool *has, int64_t *seq,
                                   struct wire_error *err)
{
    struct member m = get_member(v, "sequence");
    *has = false;
    if (m.kind == MEMBER_ABSENT)
        return required ? fail(err, WIRE_ERR_MISSING_FIELD, "missing field 'sequence'")
                        : WIRE_OK;
    if (m.kind != MEMBER_INT)
        return fail(err, WIRE_ERR_BAD_FIELD, "field 'sequence' must be an integer");
    *has = true;
    *seq = m.i;
    return WIRE_OK;
}

/* Reads the RFC 1123 timestamp. two_sided: the server's |now - ts| <
 * max_skew; otherwise the client's rule, only the future is refused. */
static enum wire_err read_timestamp(const struct view *v, time_t now, int max_skew,
                                    bool two_sided, time_t *ts, struct wire_error *err)
{
    struct member m = get_member(v, "timestamp");
    char text[64]; /* an RFC 1123 date is 29 bytes */
    if (m.kind == MEMBER_ABSENT)
        return fail(err, WIRE_ERR_MISSING_FIELD, "missing field 'timestamp'");
    bool good = m.kind == MEMBER_STRING && m.len < sizeof text;
    if (good) {
        memcpy(text, m.s, m.len);
        text[m.len] = '\0';
        good = time_parse_rfc1123(text, ts) == 0;
    }
    if (!good)
        return fail(err, WIRE_ERR_BAD_FIELD, "field 'timestamp' is not an RFC 1123 date");
    int64_t delta = (int64_t)*ts - (int64_t)now;
    /* server: reject |delta| >= skew (pushy_common); client: only delta >
     * skew (the Ruby client's test) */
    if (two_sided ? (delta >= max_skew || -delta >= max_skew) : delta > max_skew)
        return fail(err, WIRE_ERR_STALE, "timestamp is %lld s %s our clock (max skew %d s)",
                    (long long)(delta < 0 ? -delta : delta), delta < 0 ? "behind" : "ahead of",
                    max_skew);
    return WIRE_OK;
}

static json_t *parse_object(const void *body, size_t blen, struct wire_error *err,
                            enum wire_err *code)
{
    json_error_t jerr;
    /* JSON_ALLOW_NUL: captured output may hold \u0000 (the Ruby client does
     * not filter it); identity fields are checked for NUL separately. */
    json_t *obj = json_loadb(body, blen, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
                             &jerr);
    if (!obj) {
        *code = fail(err, WIRE_ERR_NOT_JSON, "body is not JSON: %s at byte %d", jerr.text,
                     jerr.position);
        return NULL;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        *code = fail(err, WIRE_ERR_NOT_OBJECT, "body is not a JSON object");
        return NULL;
    }
    *code = WIRE_OK;
    return obj;
}

/* ---- inbound node messages --------------------------------------------- */

void wire_node_msg_clear(struct wire_node_msg *m)
{
    if (!m)
        return;
    json_decref(m->body);
    m->body = NULL;
    m->lean = false;
    m->raw = NULL;
    m->raw_len = 0;
}

static enum wire_err node_fail(struct wire_node_msg *m, enum wire_err code)
{
    wire_node_msg_clear(m);
    return code;
}

/* What every inbound message passes first: frame sizes, then the header. */
static enum wire_err open_frames(const void *header, size_t hlen, size_t blen,
                                 size_t max_body_size, struct wire_header *hdr,
                                 struct wire_error *err)
{
    if (hlen > WIRE_MAX_HEADER_SIZE)
        return fail(err, WIRE_ERR_HEADER_TOO_LARGE, "header is %zu bytes (max %d)", hlen,
                    WIRE_MAX_HEADER_SIZE);
    if (blen > max_body_size)
        return fail(err, WIRE_ERR_BODY_TOO_LARGE, "body is %zu bytes (max %zu)", blen,
                    max_body_size);
    return wire_header_parse(header, hlen, hdr, err);
}

/* The body as read: the flat scan when lean and it is a flat heartbeat,
 * else the JSON tree. */
static const struct view *node_view(const struct wire_node_msg *m, struct view *v)
{
    v->json = m->lean ? NULL : m->body;
    v->flat = m->lean ? &m->flat : NULL;
    return v;
}

/* A heartbeat that flatjson can read (what clients send) is not built into
 * a JSON tree: that was more than half the instructions of verifying one.
 * Nor is a job reply without captured output or a reason (ack_commit,
 * ack_run, succeeded...: three per node and job); those members are what
 * commandd reads from the tree, so a reply carrying any of them gets one. */
static bool scan_flat(struct wire_node_msg *m, const void *body, size_t blen)
{
    if (flatjson_scan(&m->flat, body, blen) != 0)
        return false;
    const struct flatjson_member *t = flatjson_get(&m->flat, "type");
    if (!t || t->type != FLATJSON_STRING)
        return false;
    if (t->str_len == 9 && memcmp(t->str, "heartbeat", 9) == 0)
        return true;
    char name[32];
    if (t->str_len >= sizeof name)
        return false;
    memcpy(name, t->str, t->str_len);
    name[t->str_len] = '\0';
    if (!wire_msg_type_is_job_event(wire_msg_type_parse(name)))
        return false;
    for (size_t i = 0; i < WIRE_REPLY_EXTRAS_N; i++)
        if (flatjson_get(&m->flat, wire_reply_extras[i]))
            return false;
    return true;
}

/* Every field a reader may look at, but not the signature and scan arrays
 * (2.6 KB of memset per message otherwise, on the path of every
 * heartbeat): those are read only up to sig_len / count. */
static void node_msg_reset(struct wire_node_msg *m)
{
    m->header.version = 0;
    m->header.method = 0;
    m->header.sig_len = 0;
    m->body = NULL;
    m->lean = false;
    m->flat.count = 0;
    m->raw = NULL;
    m->raw_len = 0;
    m->org[0] = m->node[0] = '\0';
    m->type = WIRE_MSG_NONE;
    m->timestamp = 0;
    m->has_sequence = false;
    m->sequence = 0;
    m->incarnation_id[0] = '\0';
    m->has_job_id = false;
    m->job_id[0] = '\0';
    m->job_state[0] = '\0';
}

static enum wire_err node_open(struct wire_node_msg *m, const void *header, size_t hlen,
                               const void *body, size_t blen, size_t max_body_size, bool lean,
                               struct wire_error *err)
{
    node_msg_reset(m);
    enum wire_err rc = open_frames(header, hlen, blen, max_body_size, &m->header, err);
    if (rc != WIRE_OK)
        return rc;
    if (m->header.method != WIRE_HMAC_SHA256)
        return fail(err, WIRE_ERR_BAD_METHOD, "node messages must be signed with hmac_sha256");
    if (lean && scan_flat(m, body, blen)) {
        m->lean = true;
    } else {
        m->body = parse_object(body, blen, err, &rc);
        if (!m->body)
            return rc;
    }
    struct view v;
    if ((rc = copy_name(node_view(m, &v), "org", m->org, err)) != WIRE_OK ||
        (rc = copy_name(&v, "node", m->node, err)) != WIRE_OK)
        return node_fail(m, rc);
    m->raw = body;
    m->raw_len = blen;
    ok(err);
    return WIRE_OK;
}

enum wire_err wire_node_msg_open(struct wire_node_msg *m, const void *header, size_t hlen,
                                 const void *body, size_t blen, size_t max_body_size,
                                 struct wire_error *err)
{
    return node_open(m, header, hlen, body, blen, max_body_size, false, err);
}

enum wire_err wire_node_msg_open_lean(struct wire_node_msg *m, const void *header, size_t hlen,
                                      const void *body, size_t blen, size_t max_body_size,
                                      struct wire_error *err)
{
    return node_open(m, header, hlen, body, blen, max_body_size, true, err);
}

enum wire_err wire_node_msg_verify(struct wire_node_msg *m,
                                   const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                                   int max_skew, struct wire_error *err)
{
    struct hmac256_key k;
    if (!key || hmac256_key_set(&k, key, WIRE_SESSION_KEY_LEN) != 0) {
        hmac256_key_clear(&k);
        return node_fail(m, fail(err, WIRE_ERR_INTERNAL, "no usable session key"));
    }
    enum wire_err rc = wire_node_msg_verify_k(m, &k, now, max_skew, err);
    hmac256_key_clear(&k);
    return rc;
}

enum wire_err wire_node_msg_verify_k(struct wire_node_msg *m, const struct hmac256_key *key,
                                     time_t now, int max_skew, struct wire_error *err)
{
    if ((!m->body && !m->lean) || !m->raw)
        return node_fail(m, fail(err, WIRE_ERR_INTERNAL, "message was not opened"));
    if (!wire_hmac_verify_k(key, m->raw, m->raw_len, m->header.sig, m->header.sig_len))
        return node_fail(m, fail(err, WIRE_ERR_BAD_SIGNATURE, "bad hmac signature from %s/%s",
                                 m->org, m->node));
    m->raw = NULL; /* not needed any more; the caller may free it */
    m->raw_len = 0;

    enum wire_err rc;
    char tmp[32], name[32];
    struct view v;
    node_view(m, &v);
    struct member type = get_member(&v, "type");
    if (type.kind == MEMBER_ABSENT)
        return node_fail(m, fail(err, WIRE_ERR_MISSING_FIELD, "missing field 'type'"));
    if (type.kind != MEMBER_STRING)
        return node_fail(m, fail(err, WIRE_ERR_BAD_FIELD, "field 'type' must be a string"));
    m->type = WIRE_MSG_NONE; /* no type name is that long */
    if (type.len < sizeof name) {
        memcpy(name, type.s, type.len);
        name[type.len] = '\0';
        m->type = wire_msg_type_parse(name);
    }
    if (m->type != WIRE_MSG_HEARTBEAT && !wire_msg_type_is_job_event(m->type))
        return node_fail(m, fail(err, WIRE_ERR_BAD_TYPE, "unknown message type '%s'",
                                 shown(type.s, type.len, tmp)));
    if ((rc = read_timestamp(&v, now, max_skew, true, &m->timestamp, err)) != WIRE_OK ||
        (rc = copy_str(&v, "incarnation_id", m->incarnation_id, WIRE_INCARNATION_MAX, err)) !=
            WIRE_OK ||
        (rc = read_sequence(&v, false, &m->has_sequence, &m->sequence, err)) != WIRE_OK ||
        (rc = read_job_id(&v, m->type != WIRE_MSG_HEARTBEAT, &m->has_job_id, m->job_id, err)) !=
            WIRE_OK)
        return node_fail(m, rc);
    if (m->type == WIRE_MSG_HEARTBEAT &&
        (rc = copy_str(&v, "job_state", m->job_state, WIRE_JOB_STATE_MAX, err)) != WIRE_OK)
        return node_fail(m, rc);
    ok(err);
    return WIRE_OK;
}

enum wire_err wire_verify_node_message(const void *header, size_t hlen, const void *body,
                                       size_t blen, size_t max_body_size, int max_skew,
                                       time_t now, wire_key_lookup_fn lookup, void *ctx,
                                       struct wire_node_msg *out, struct wire_error *err)
{
    enum wire_err rc = wire_node_msg_open(out, header, hlen, body, blen, max_body_size, err);
    if (rc != WIRE_OK)
        return rc;
    unsigned char key[WIRE_SESSION_KEY_LEN];
    if (!lookup || lookup(ctx, out->org, out->node, key) != 0) {
        rc = fail(err, WIRE_ERR_UNKNOWN_NODE, "no session key for %s/%s", out->org, out->node);
        OPENSSL_cleanse(key, sizeof key);
        return node_fail(out, rc);
    }
    rc = wire_node_msg_verify(out, key, now, max_skew, err);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* ---- inbound server messages (client side) ----------------------------- */

void wire_server_msg_clear(struct wire_server_msg *m)
{
    if (!m)
        return;
    json_decref(m->body);
    memset(m, 0, sizeof *m);
}

static enum wire_err server_fail(struct wire_server_msg *m, enum wire_err code)
{
    wire_server_msg_clear(m);
    return code;
}

/* Size checks, header, signature (the key is known up front on this side,
 * so nothing is parsed before it is verified), JSON, type, clock. */
static enum wire_err server_open(struct wire_server_msg *m, const void *header, size_t hlen,
                                 const void *body, size_t blen, size_t max_body_size,
                                 enum wire_method method, const unsigned char *hkey,
                                 EVP_PKEY *pub, time_t now, int max_skew, struct wire_error *err)
{
    memset(m, 0, sizeof *m);
    enum wire_err rc = open_frames(header, hlen, blen, max_body_size, &m->header, err);
    if (rc != WIRE_OK)
        return rc;
    if (m->header.method != method)
        return fail(err, WIRE_ERR_BAD_METHOD, "expected %s on this channel",
                    method == WIRE_HMAC_SHA256 ? "hmac_sha256" : "rsa2048_sha1");
    bool good = method == WIRE_HMAC_SHA256
                    ? wire_hmac_verify(hkey, body, blen, m->header.sig, m->header.sig_len)
                    : wire_rsa_verify(pub, body, blen, m->header.sig, m->header.sig_len);
    if (!good)
        return fail(err, WIRE_ERR_BAD_SIGNATURE, "bad %s signature",
                    method == WIRE_HMAC_SHA256 ? "hmac" : "rsa");
    m->body = parse_object(body, blen, err, &rc);
    if (!m->body)
        return rc;
    bool present;
    size_t n = 0;
    char tmp[32];
    const char *type = str_member(m->body, "type", &present, &n);
    if (!present)
        return server_fail(m, fail(err, WIRE_ERR_MISSING_FIELD, "missing field 'type'"));
    if (!type)
        return server_fail(m, fail(err, WIRE_ERR_BAD_FIELD, "field 'type' must be a string"));
    m->type = wire_msg_type_parse(type);
    bool want_hb = method == WIRE_RSA2048_SHA1;
    if (want_hb ? m->type != WIRE_MSG_HEARTBEAT : m->type < WIRE_MSG_COMMIT)
        return server_fail(m, fail(err, WIRE_ERR_BAD_TYPE, "unexpected message type '%s'",
                                   shown(type, n, tmp)));
    if ((rc = read_timestamp(JSON_VIEW(m->body), now, max_skew, false, &m->timestamp, err)) !=
            WIRE_OK ||
        (rc = read_sequence(JSON_VIEW(m->body), want_hb, &m->has_sequence, &m->sequence, err)) !=
            WIRE_OK)
        return server_fail(m, rc);
    return WIRE_OK;
}

enum wire_err wire_server_heartbeat_parse(const void *header, size_t hlen, const void *body,
                                          size_t blen, size_t max_body_size, EVP_PKEY *server_pub,
                                          time_t now, int max_skew, struct wire_server_msg *out,
                                          struct wire_error *err)
{
    enum wire_err rc = server_open(out, header, hlen, body, blen, max_body_size,
                                   WIRE_RSA2048_SHA1, NULL, server_pub, now, max_skew, err);
    if (rc != WIRE_OK)
        return rc;
    if ((rc = copy_str(JSON_VIEW(out->body), "server", out->server, WIRE_NAME_MAX, err)) !=
            WIRE_OK ||
        (rc = copy_str(JSON_VIEW(out->body), "incarnation_id", out->incarnation_id,
                       WIRE_INCARNATION_MAX, err)) != WIRE_OK)
        return server_fail(out, rc);
    ok(err);
    return WIRE_OK;
}

/* Optional string option of a commit; sets *invalid when of the wrong type. */
static const char *commit_opt(json_t *obj, const char *key, const char *why, const char **invalid)
{
    bool present;
    size_t n = 0;
    const char *s = str_member(obj, key, &present, &n);
    if (present && !s && !*invalid)
        *invalid = why;
    return s;
}

static void read_commit(struct wire_server_msg *m)
{
    json_t *b = m->body;
    const char *inv = NULL;
    if (!m->has_job_id)
        inv = "missing job_id";
    bool present;
    size_t n = 0;
    m->command = str_member(b, "command", &present, &n);
    if ((!m->command || n == 0) && !inv)
        inv = "missing command";
    m->user = commit_opt(b, "user", "bad user", &inv);
    m->dir = commit_opt(b, "dir", "bad dir", &inv);
    m->file = commit_opt(b, "file", "bad file", &inv);
    if (m->file && strncmp(m->file, "raw:", 4) != 0 && strncmp(m->file, "base64:", 7) != 0 &&
        !inv)
        inv = "file must start with raw: or base64:";
    json_t *env = json_object_get(b, "env");
    if (env && !json_is_null(env)) {
        const char *k;
        json_t *v;
        bool good = json_is_object(env);
        if (good) {
            json_object_foreach(env, k, v) {
                if (!json_is_string(v))
                    good = false;
            }
        }
        if (good)
            m->env = env;
        else if (!inv)
            inv = "env must be an object of strings";
    }
    json_t *cap = json_object_get(b, "capture");
    if (cap && !json_is_boolean(cap) && !inv)
        inv = "capture must be a boolean";
    m->capture = json_is_true(cap);
    m->invalid = inv;
}

enum wire_err wire_server_command_parse(const void *header, size_t hlen, const void *body,
                                        size_t blen, size_t max_body_size,
                                        const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                                        int max_skew, struct wire_server_msg *out,
                                        struct wire_error *err)
{
    enum wire_err rc = server_open(out, header, hlen, body, blen, max_body_size,
                                   WIRE_HMAC_SHA256, key, NULL, now, max_skew, err);
    if (rc != WIRE_OK)
        return rc;
    if (out->type == WIRE_MSG_COMMIT || out->type == WIRE_MSG_RUN ||
        out->type == WIRE_MSG_ABORT) {
        /* a bad job_id is treated as none: commit/run get nacked, abort
         * still aborts whatever runs */
        struct wire_error ignored;
        if (read_job_id(JSON_VIEW(out->body), false, &out->has_job_id, out->job_id, &ignored) != WIRE_OK) {
            out->has_job_id = false;
            out->job_id[0] = '\0';
        }
    }
    if (out->type == WIRE_MSG_COMMIT)
        read_commit(out);
    else if (out->type == WIRE_MSG_RUN && !out->has_job_id)
        out->invalid = "missing job_id";
    ok(err);
    return WIRE_OK;
}

/* ---- outbound ---------------------------------------------------------- */

void wire_frames_free(struct wire_frames *f)
{
    if (!f)
        return;
    free(f->header);
    free(f->body);
    memset(f, 0, sizeof *f);
}

static int seal(json_t *msg, int64_t sequence, time_t now, enum wire_method method,
                const struct hmac256_key *key, EVP_PKEY *priv, struct wire_frames *out)
{
    memset(out, 0, sizeof *out);
    char ts[TIME_RFC1123_SIZE];
    if (!json_is_object(msg) || time_format_rfc1123(now, ts, sizeof ts) != 0 ||
        json_object_set_new(msg, "sequence", json_integer((json_int_t)sequence)) != 0 ||
        json_object_set_new(msg, "timestamp", json_string(ts)) != 0)
        return -1;
    out->body = json_dumps(msg, JSON_COMPACT);
    out->header = malloc(WIRE_HEADER_BUF);
    if (!out->body || !out->header)
        goto fail;
    out->body_len = strlen(out->body);
    long hn = method == WIRE_HMAC_SHA256
                  ? wire_header_hmac_k(key, out->body, out->body_len, out->header, WIRE_HEADER_BUF)
                  : (wire_header_rsa(priv, out->body, out->body_len, out->header,
                                     WIRE_HEADER_BUF) == 0
                         ? (long)strlen(out->header)
                         : -1);
    if (hn < 0)
        goto fail;
    out->header_len = (size_t)hn;
    return 0;
fail:
    wire_frames_free(out);
    return -1;
}

int wire_seal_hmac(json_t *msg, int64_t sequence, time_t now,
                   const unsigned char key[WIRE_SESSION_KEY_LEN], struct wire_frames *out)
{
    struct hmac256_key k;
    int rc = -1;
    if (key && hmac256_key_set(&k, key, WIRE_SESSION_KEY_LEN) == 0)
        rc = seal(msg, sequence, now, WIRE_HMAC_SHA256, &k, NULL, out);
    else
        memset(out, 0, sizeof *out);
    hmac256_key_clear(&k);
    return rc;
}

int wire_seal_hmac_k(json_t *msg, int64_t sequence, time_t now, const struct hmac256_key *key,
                     struct wire_frames *out)
{
    if (!key || !key->ready) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return seal(msg, sequence, now, WIRE_HMAC_SHA256, key, NULL, out);
}

int wire_prepare(const json_t *msg, struct wire_prepared *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(msg))
        return -1;
    json_t *copy = json_copy((json_t *)msg); /* shallow: members are shared, not copied */
    if (!copy)
        return -1;
    json_object_del(copy, "sequence");
    json_object_del(copy, "timestamp");
    out->empty = json_object_size(copy) == 0;
    char *text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    if (!text)
        return -1;
    size_t n = strlen(text);
    if (n < 2 || text[n - 1] != '}') {
        free(text);
        return -1;
    }
    text[n - 1] = '\0';
    out->head = text;
    out->head_len = n - 1;
    return 0;
}

void wire_prepared_free(struct wire_prepared *p)
{
    if (!p)
        return;
    free(p->head);
    memset(p, 0, sizeof *p);
}

/* Decimal text of v (as printf's %lld) at out; returns its length. */
static size_t put_int64(char *out, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    /* through the unsigned value so that INT64_MIN works too */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

long wire_seal_tail(const struct wire_prepared *p, int64_t sequence, const char *ts, char *out,
                    size_t cap)
{
    static const char seq_key[] = "\"sequence\":", ts_key[] = ",\"timestamp\":\"";
    size_t tslen = ts ? strlen(ts) : 0;
    if (!p || !ts || tslen != TIME_RFC1123_SIZE - 1 || cap < WIRE_SEAL_TAIL_MAX)
        return -1;
    size_t n = 0;
    if (!p->empty)
        out[n++] = ',';
    memcpy(out + n, seq_key, sizeof seq_key - 1);
    n += sizeof seq_key - 1;
    n += put_int64(out + n, sequence);
    memcpy(out + n, ts_key, sizeof ts_key - 1);
    n += sizeof ts_key - 1;
    memcpy(out + n, ts, tslen);
    n += tslen;
    out[n++] = '"';
    out[n++] = '}';
    out[n] = '\0';
    return (long)n;
}

int wire_seal_hmac_prepared(const struct wire_prepared *p, int64_t sequence, time_t now,
                            const unsigned char key[WIRE_SESSION_KEY_LEN],
                            struct wire_frames *out)
{
    memset(out, 0, sizeof *out);
    char ts[TIME_RFC1123_SIZE], tail[WIRE_SEAL_TAIL_MAX];
    struct hmac256_key k;
    long tn;
    if (!p || !p->head || !key || time_format_rfc1123(now, ts, sizeof ts) != 0 ||
        (tn = wire_seal_tail(p, sequence, ts, tail, sizeof tail)) < 0)
        return -1;
    out->body_len = p->head_len + (size_t)tn;
    out->body = malloc(out->body_len + 1);
    out->header = malloc(WIRE_HEADER_BUF);
    if (!out->body || !out->header)
        goto fail;
    memcpy(out->body, p->head, p->head_len);
    memcpy(out->body + p->head_len, tail, (size_t)tn + 1);
    long hn = -1;
    if (hmac256_key_set(&k, key, WIRE_SESSION_KEY_LEN) == 0)
        hn = wire_header_hmac_k(&k, out->body, out->body_len, out->header, WIRE_HEADER_BUF);
    hmac256_key_clear(&k);
    if (hn < 0)
        goto fail;
    out->header_len = (size_t)hn;
    return 0;
fail:
    wire_frames_free(out);
    return -1;
}

int wire_seal_rsa(json_t *msg, int64_t sequence, time_t now, EVP_PKEY *priv,
                  struct wire_frames *out)
{
    return seal(msg, sequence, now, WIRE_RSA2048_SHA1, NULL, priv, out);
}

/* Builds {"type": type, k1: v1, ...}; NULL values are required (a NULL
 * makes the whole call fail) unless listed as optional by the caller. */
static int set_str(json_t *obj, const char *key, const char *val)
{
    json_t *s = val ? json_string(val) : NULL;
    return s ? json_object_set_new(obj, key, s) : -1;
}

static json_t *typed(const char *type)
{
    json_t *o = json_object();
    if (o && set_str(o, "type", type) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *done(json_t *o, int failed)
{
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *wire_msg_server_heartbeat(const char *server, const char *incarnation_id)
{
    json_t *o = typed("heartbeat");
    if (!o)
        return NULL;
    return done(o, set_str(o, "server", server) || set_str(o, "incarnation_id", incarnation_id));
}

json_t *wire_msg_commit(const struct wire_commit *c)
{
    if (!c)
        return NULL;
    json_t *o = typed("commit");
    if (!o)
        return NULL;
    int bad = set_str(o, "job_id", c->job_id) || set_str(o, "server", c->server) ||
              set_str(o, "command", c->command) || (c->user && set_str(o, "user", c->user)) ||
              (c->dir && set_str(o, "dir", c->dir)) || (c->file && set_str(o, "file", c->file));
    if (!bad && c->env) {
        json_t *env = json_is_object(c->env) ? json_deep_copy(c->env) : NULL;
        bad = !env || json_object_set_new(o, "env", env) != 0;
    }
    if (!bad)
        bad = json_object_set_new(o, "capture", json_boolean(c->capture)) != 0;
    return done(o, bad);
}

json_t *wire_msg_run(const char *job_id)
{
    json_t *o = typed("run");
    if (!o)
        return NULL;
    return done(o, set_str(o, "job_id", job_id));
}

json_t *wire_msg_abort(const char *job_id)
{
    json_t *o = typed("abort");
    if (!o)
        return NULL;
    return done(o, job_id && set_str(o, "job_id", job_id));
}

json_t *wire_msg_ack(void)
{
    return typed("ack");
}

static json_t *node_envelope(const struct wire_node_ident *id, const char *type,
                             const char *job_id)
{
    if (!id)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = set_str(o, "node", id->node) || set_str(o, "client", id->client) ||
              set_str(o, "protocol_version", WIRE_PROTOCOL_VERSION) ||
              set_str(o, "org", id->org) || set_str(o, "type", type) ||
              set_str(o, "incarnation_id", id->incarnation_id) ||
              json_object_set_new(o, "job_id", job_id ? json_string(job_id) : json_null()) != 0;
    return done(o, bad);
}

json_t *wire_msg_node_heartbeat(const struct wire_node_ident *id, const char *job_state,
                                const char *job_id)
{
    json_t *o = node_envelope(id, "heartbeat", job_id);
    if (!o)
        return NULL;
    return done(o, set_str(o, "job_state", job_state));
}

json_t *wire_msg_node_event(const struct wire_node_ident *id, enum wire_msg_type type,
                            const char *job_id, const char *out, size_t out_len,
                            const char *err, size_t err_len)
{
    if (!wire_msg_type_is_job_event(type))
        return NULL;
    json_t *o = node_envelope(id, wire_msg_type_name(type), job_id);
    if (!o || (!out && !err))
        return o;
    int bad = json_object_set_new(o, "stdout", wire_json_string_bytes(out ? out : "",
                                                                      out ? out_len : 0)) != 0 ||
              json_object_set_new(o, "stderr", wire_json_string_bytes(err ? err : "",
                                                                      err ? err_len : 0)) != 0;
    return done(o, bad);
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

json_t *wire_json_string_bytes(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    /* worst case every byte becomes the 3-byte U+FFFD */
    if (!p || n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *buf = malloc(n * 3 + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = s[i] ? utf8_seq(s + i, n - i) : 0;
        if (len) {
            memcpy(buf + o, s + i, len);
            o += len;
            i += len;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    json_t *j = json_stringn_nocheck(buf, o);
    free(buf);
    return j;
}

/* ---- CURVE keys -------------------------------------------------------- */

static const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

int wire_z85_encode(const unsigned char key[WIRE_CURVE_KEY_LEN], char out[WIRE_Z85_KEY_LEN + 1])
{
    if (!key || !zmq_z85_encode(out, key, WIRE_CURVE_KEY_LEN))
        return -1;
    return 0;
}

int wire_z85_decode(const char *text, size_t len, unsigned char key[WIRE_CURVE_KEY_LEN])
{
    if (!text || len != WIRE_Z85_KEY_LEN)
        return -1;
    char buf[WIRE_Z85_KEY_LEN + 1];
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0' || !strchr(z85_chars, text[i]))
            return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    /* libzmq also rejects 5-char groups whose value overflows 32 bits */
    return zmq_z85_decode(key, buf) ? 0 : -1;
}
