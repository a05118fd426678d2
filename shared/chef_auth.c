#include "shared/chef_auth.h"

#include "shared/base64.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Enough for a 16384-bit key's signature (2731 base64 chars in 46 slices). */
#define MAX_AUTH_PARTS 64
#define SIG_SLICE 60
#define MAX_KEY_FILE (1024 * 1024)
#define MAX_API_VERSION_LEN 9

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *chef_auth_status_name(chef_auth_status st)
{
    switch (st) {
    case CHEF_AUTH_OK: return "ok";
    case CHEF_AUTH_ERR_MISSING_HEADER: return "missing_header";
    case CHEF_AUTH_ERR_BAD_VERSION: return "bad_version";
    case CHEF_AUTH_ERR_BAD_HEADER: return "bad_header";
    case CHEF_AUTH_ERR_BAD_TIMESTAMP: return "bad_timestamp";
    case CHEF_AUTH_ERR_CLOCK_SKEW: return "clock_skew";
    case CHEF_AUTH_ERR_BAD_AUTHORIZATION: return "bad_authorization";
    case CHEF_AUTH_ERR_BAD_CONTENT_HASH: return "bad_content_hash";
    case CHEF_AUTH_ERR_BAD_SIGNATURE: return "bad_signature";
    case CHEF_AUTH_ERR_BAD_KEY: return "bad_key";
    case CHEF_AUTH_ERR_BAD_ARGUMENT: return "bad_argument";
    case CHEF_AUTH_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

const char *chef_auth_version_string(chef_auth_version v)
{
    switch (v) {
    case CHEF_AUTH_V1_0: return "1.0";
    case CHEF_AUTH_V1_1: return "1.1";
    case CHEF_AUTH_V1_3: return "1.3";
    }
    return "?";
}

const char *chef_auth_version_algorithm(chef_auth_version v)
{
    return v == CHEF_AUTH_V1_3 ? "sha256" : "sha1";
}

static int valid_version(chef_auth_version v)
{
    return v == CHEF_AUTH_V1_0 || v == CHEF_AUTH_V1_1 || v == CHEF_AUTH_V1_3;
}

/* [*s, *e) trimmed of spaces and tabs. */
static void trim_span(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

static int span_is(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

int chef_auth_parse_sign_description(const char *value, chef_auth_version *out)
{
    if (!value || !out)
        return -1;
    const char *ver = NULL, *ver_end = NULL, *alg = NULL, *alg_end = NULL;
    const char *p = value;
    while (*p) {
        const char *part_end = strchr(p, ';');
        if (!part_end)
            part_end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(part_end - p));
        /* Like chef_authn: parts that are not key=value are ignored, and
         * the first occurrence of a key wins. */
        if (eq) {
            const char *ks = p, *ke = eq, *vs = eq + 1, *ve = part_end;
            trim_span(&ks, &ke);
            trim_span(&vs, &ve);
            if (span_is(ks, ke, "version") && !ver) {
                ver = vs;
                ver_end = ve;
            } else if (span_is(ks, ke, "algorithm") && !alg) {
                alg = vs;
                alg_end = ve;
            }
        }
        p = *part_end ? part_end + 1 : part_end;
    }
    if (!ver)
        return -1;
    chef_auth_version v;
    if (span_is(ver, ver_end, "1.0"))
        v = CHEF_AUTH_V1_0;
    else if (span_is(ver, ver_end, "1.1"))
        v = CHEF_AUTH_V1_1;
    else if (span_is(ver, ver_end, "1.3"))
        v = CHEF_AUTH_V1_3;
    else
        return -1;
    /* No algorithm means the version's own (chef_authn); a wrong one is an
     * error in both mixlib and chef_authn. */
    if (alg && !span_is(alg, alg_end, chef_auth_version_algorithm(v)))
        return -1;
    *out = v;
    return 0;
}

/* ---- digests ---- */

/* SHA-1 and SHA-256 fetched once: given EVP_sha1(), OpenSSL 3 looks the
 * implementation up again on every call (an EVP_MD_fetch per digest, three
 * per verified request). Kept for the life of the process. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha1, *md_sha256;

static void fetch_digests(void)
{
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ERR_clear_error();
}

static const EVP_MD *sha1_md(void)
{
    pthread_once(&md_once, fetch_digests);
    return md_sha1 ? md_sha1 : EVP_sha1();
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&md_once, fetch_digests);
    return md_sha256 ? md_sha256 : EVP_sha256();
}

static int digest_b64(const EVP_MD *md, const void *data, size_t len,
                      char *out, size_t cap)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const unsigned char empty = 0;
    if (!data)
        data = &empty; /* EVP_Digest wants a pointer even for 0 bytes */
    if (EVP_Digest(data, len, buf, &n, md, NULL) != 1) {
        ERR_clear_error();
        return -1;
    }
    return base64_encode(buf, n, out, cap) < 0 ? -1 : 0;
}

int chef_auth_sha1_b64(const void *data, size_t len, char out[CHEF_AUTH_SHA1_B64_SIZE])
{
    return digest_b64(sha1_md(), data, len, out, CHEF_AUTH_SHA1_B64_SIZE);
}

int chef_auth_sha256_b64(const void *data, size_t len, char out[CHEF_AUTH_SHA256_B64_SIZE])
{
    return digest_b64(sha256_md(), data, len, out, CHEF_AUTH_SHA256_B64_SIZE);
}

int chef_auth_content_hash(chef_auth_version v, const void *body, size_t len,
                           char out[CHEF_AUTH_SHA256_B64_SIZE])
{
    return v == CHEF_AUTH_V1_3 ? chef_auth_sha256_b64(body, len, out)
                               : chef_auth_sha1_b64(body, len, out);
}

/* ---- canonical pieces ---- */

char *chef_auth_canonical_path(const char *path)
{
    if (!path)
        path = "";
    size_t n = strcspn(path, "?");
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (path[i] == '/' && o > 0 && out[o - 1] == '/')
            continue;
        out[o++] = path[i];
    }
    if (o > 1 && out[o - 1] == '/')
        o--;
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

int chef_auth_format_timestamp(time_t t, char out[CHEF_AUTH_TIMESTAMP_SIZE])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return -1;
    return strftime(out, CHEF_AUTH_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) ==
                   CHEF_AUTH_TIMESTAMP_SIZE - 1 ? 0 : -1;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int chef_auth_parse_timestamp(const char *s, time_t *out)
{
    if (!s || strlen(s) != CHEF_AUTH_TIMESTAMP_SIZE - 1 || s[4] != '-' ||
        s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 59)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = se};
    *out = timegm(&tm);
    return 0;
}

char *chef_auth_canonical_request(chef_auth_version v, const char *method,
                                  const char *path, const char *content_hash,
                                  const char *timestamp, const char *user_id,
                                  const char *server_api_version)
{
    if (!valid_version(v) || !method || !path || !content_hash || !timestamp ||
        !user_id)
        return NULL;
    char *m = strdup(method);
    char *cpath = chef_auth_canonical_path(path);
    char *out = NULL;
    if (!m || !cpath)
        goto done;
    for (char *c = m; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    if (v == CHEF_AUTH_V1_3) {
        if (asprintf(&out,
                     "Method:%s\nPath:%s\nX-Ops-Content-Hash:%s\n"
                     "X-Ops-Sign:version=1.3\nX-Ops-Timestamp:%s\n"
                     "X-Ops-UserId:%s\nX-Ops-Server-API-Version:%s",
                     m, cpath, content_hash, timestamp, user_id,
                     server_api_version ? server_api_version : "0") < 0)
            out = NULL;
        goto done;
    }
    /* 1.0 and 1.1 sign hashes of the path (and, for 1.1, of the user id)
     * so that the block fits in one RSA operation. */
    char hpath[CHEF_AUTH_SHA1_B64_SIZE], huser[CHEF_AUTH_SHA1_B64_SIZE];
    if (chef_auth_sha1_b64(cpath, strlen(cpath), hpath) < 0)
        goto done;
    if (v == CHEF_AUTH_V1_1 && chef_auth_sha1_b64(user_id, strlen(user_id), huser) < 0)
        goto done;
    if (asprintf(&out,
                 "Method:%s\nHashed Path:%s\nX-Ops-Content-Hash:%s\n"
                 "X-Ops-Timestamp:%s\nX-Ops-UserId:%s",
                 m, hpath, content_hash, timestamp,
                 v == CHEF_AUTH_V1_1 ? huser : user_id) < 0)
        out = NULL;
done:
    free(m);
    free(cpath);
    return out;
}

/* ---- RSA primitives ---- */

static int is_rsa(EVP_PKEY *key)
{
    return key && EVP_PKEY_is_a(key, "RSA");
}

/* 1.0/1.1: PKCS#1 type-1 padding around the data itself (what Ruby's
 * private_encrypt and Erlang's encrypt_private do); no md means no DigestInfo. */
static int rsa_sign_raw(EVP_PKEY *key, const unsigned char *data, size_t len,
                        unsigned char **sig, size_t *siglen)
{
    int ok = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_sign(ctx, NULL, siglen, data, len) <= 0)
        goto done;
    if (!(*sig = malloc(*siglen)))
        goto done;
    if (EVP_PKEY_sign(ctx, *sig, siglen, data, len) <= 0) {
        free(*sig);
        *sig = NULL;
        goto done;
    }
    ok = 1;
done:
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* 1.3: RSASSA-PKCS1-v1_5 over SHA-256 (Ruby's key.sign(SHA256, data)). */
static int rsa_sign_sha256(EVP_PKEY *key, const unsigned char *data, size_t len,
                           unsigned char **sig, size_t *siglen)
{
    int ok = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL; /* owned by md */
    if (!md || EVP_DigestSignInit(md, &pctx, sha256_md(), NULL, key) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_DigestSign(md, NULL, siglen, data, len) != 1)
        goto done;
    if (!(*sig = malloc(*siglen)))
        goto done;
    if (EVP_DigestSign(md, *sig, siglen, data, len) != 1) {
        free(*sig);
        *sig = NULL;
        goto done;
    }
    ok = 1;
done:
    EVP_MD_CTX_free(md);
    return ok;
}

/* ---- signing ---- */

void chef_auth_headers_free(chef_auth_headers *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++) {
        free(h->items[i].name);
        free(h->items[i].value);
    }
    free(h->items);
    h->items = NULL;
    h->count = 0;
}

const char *chef_auth_headers_get(const chef_auth_headers *h, const char *name)
{
    if (!h || !name)
        return NULL;
    for (size_t i = 0; i < h->count; i++)
        if (strcasecmp(h->items[i].name, name) == 0)
            return h->items[i].value;
    return NULL;
}

const char *chef_auth_headers_lookup(void *ctx, const char *name)
{
    return chef_auth_headers_get(ctx, name);
}

/* Appends a header; value is copied (n bytes). items has room. */
static int add_header(chef_auth_headers *h, const char *name, const char *value,
                      size_t n)
{
    chef_auth_header *it = &h->items[h->count];
    it->name = strdup(name);
    it->value = strndup(value, n);
    if (!it->name || !it->value) {
        free(it->name);
        free(it->value);
        return -1;
    }
    h->count++;
    return 0;
}

static int is_decimal(const char *s, size_t max_len)
{
    size_t n = strlen(s);
    if (n == 0 || n > max_len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Header values must not be able to break the HTTP message. */
static int is_header_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalpha((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    return 1;
}

chef_auth_status chef_auth_sign(chef_auth_version v, const char *user_id,
                                EVP_PKEY *key, const char *method,
                                const char *path, const void *body,
                                size_t body_len, time_t timestamp,
                                const char *server_api_version,
                                chef_auth_headers *out, char *err, size_t errlen)
{
    if (!out)
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    out->items = NULL;
    out->count = 0;
    if (!valid_version(v)) {
        set_err(err, errlen, "unsupported signing version %d", (int)v);
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (!user_id || !*user_id || !is_header_safe(user_id)) {
        set_err(err, errlen, "user id must be non-empty printable text");
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (!method || !is_token(method) || !path || (!body && body_len)) {
        set_err(err, errlen, "bad method, path or body");
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (server_api_version && !is_decimal(server_api_version, MAX_API_VERSION_LEN)) {
        set_err(err, errlen, "server API version '%s' is not a decimal integer",
                server_api_version);
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (!is_rsa(key)) {
        set_err(err, errlen, "signing needs an RSA private key");
        return CHEF_AUTH_ERR_BAD_KEY;
    }
    const char *api = server_api_version;
    if (v == CHEF_AUTH_V1_3 && !api)
        api = "0";

    char ts[CHEF_AUTH_TIMESTAMP_SIZE], hash[CHEF_AUTH_SHA256_B64_SIZE];
    if (chef_auth_format_timestamp(timestamp, ts) < 0) {
        set_err(err, errlen, "timestamp out of range");
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (chef_auth_content_hash(v, body, body_len, hash) < 0) {
        set_err(err, errlen, "cannot hash the body");
        return CHEF_AUTH_ERR_INTERNAL;
    }
    chef_auth_status st = CHEF_AUTH_ERR_INTERNAL;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    char *b64 = NULL;
    char *canon = chef_auth_canonical_request(v, method, path, hash, ts, user_id, api);
    if (!canon) {
        set_err(err, errlen, "out of memory");
        goto done;
    }
    size_t clen = strlen(canon);
    int ok;
    if (v == CHEF_AUTH_V1_3) {
        ok = rsa_sign_sha256(key, (const unsigned char *)canon, clen, &sig, &siglen);
    } else {
        /* The whole canonical block must fit inside one PKCS#1 block. */
        int ksize = EVP_PKEY_get_size(key);
        if (ksize < 11 || clen > (size_t)ksize - 11) {
            set_err(err, errlen,
                    "canonical request (%zu bytes) does not fit a %d-bit key "
                    "for version %s: use a shorter user id or version 1.1/1.3",
                    clen, ksize * 8, chef_auth_version_string(v));
            st = CHEF_AUTH_ERR_BAD_ARGUMENT;
            goto done;
        }
        ok = rsa_sign_raw(key, (const unsigned char *)canon, clen, &sig, &siglen);
    }
    if (!ok) {
        ERR_clear_error();
        set_err(err, errlen, "RSA signing failed (is this a private key?)");
        st = CHEF_AUTH_ERR_BAD_KEY;
        goto done;
    }
    size_t b64cap = BASE64_ENCODED_SIZE(siglen);
    long b64len;
    if (!(b64 = malloc(b64cap)) ||
        (b64len = base64_encode(sig, siglen, b64, b64cap)) < 0) {
        set_err(err, errlen, "out of memory");
        goto done;
    }
    size_t parts = ((size_t)b64len + SIG_SLICE - 1) / SIG_SLICE;
    out->items = calloc(4 + parts + 1, sizeof *out->items);
    if (!out->items) {
        set_err(err, errlen, "out of memory");
        goto done;
    }
    char sign_desc[64];
    snprintf(sign_desc, sizeof sign_desc, "algorithm=%s;version=%s;",
             chef_auth_version_algorithm(v), chef_auth_version_string(v));
    if (add_header(out, "X-Ops-Sign", sign_desc, strlen(sign_desc)) < 0 ||
        add_header(out, "X-Ops-Userid", user_id, strlen(user_id)) < 0 ||
        add_header(out, "X-Ops-Timestamp", ts, strlen(ts)) < 0 ||
        add_header(out, "X-Ops-Content-Hash", hash, strlen(hash)) < 0)
        goto oom;
    for (size_t i = 0; i < parts; i++) {
        char name[48];
        size_t off = i * SIG_SLICE;
        size_t n = (size_t)b64len - off < SIG_SLICE ? (size_t)b64len - off : SIG_SLICE;
        snprintf(name, sizeof name, "X-Ops-Authorization-%zu", i + 1);
        if (add_header(out, name, b64 + off, n) < 0)
            goto oom;
    }
    if (api && add_header(out, "X-Ops-Server-API-Version", api, strlen(api)) < 0)
        goto oom;
    st = CHEF_AUTH_OK;
    goto done;
oom:
    set_err(err, errlen, "out of memory");
    chef_auth_headers_free(out);
done:
    free(canon);
    free(sig);
    free(b64);
    return st;
}

/* ---- server side ---- */

void chef_auth_request_free(chef_auth_request *req)
{
    if (!req)
        return;
    free(req->user_id);
    free(req->canonical);
    free(req->signature_b64);
    free(req->signature);
    memset(req, 0, sizeof *req);
}

/* Header value without surrounding whitespace, malloc'd; NULL when absent
 * or blank (*oom set on allocation failure). */
static char *get_trimmed(chef_auth_header_fn get, void *ctx, const char *name,
                         int *oom)
{
    const char *v = get(ctx, name);
    if (!v)
        return NULL;
    const char *s = v, *e = v + strlen(v);
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    if (s == e)
        return NULL;
    char *r = strndup(s, (size_t)(e - s));
    if (!r)
        *oom = 1;
    return r;
}

static int is_b64_text(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '+' && *s != '/' && *s != '=')
            return 0;
    return 1;
}

/* Joins X-Ops-Authorization-1..N into req->signature_b64 and decodes it. */
static chef_auth_status read_signature(chef_auth_header_fn get, void *ctx,
                                       chef_auth_request *req, char *err,
                                       size_t errlen)
{
    char name[40];
    size_t len = 0, cap = 0;
    char *joined = NULL;
    int n = 0, oom = 0;
    chef_auth_status st = CHEF_AUTH_ERR_BAD_AUTHORIZATION;
    for (n = 1; n <= MAX_AUTH_PARTS + 1; n++) {
        snprintf(name, sizeof name, "X-Ops-Authorization-%d", n);
        char *part = get_trimmed(get, ctx, name, &oom);
        if (!part)
            break;
        if (n > MAX_AUTH_PARTS) {
            free(part);
            set_err(err, errlen, "too many X-Ops-Authorization-N headers (more than %d)",
                    MAX_AUTH_PARTS);
            goto fail;
        }
        if (!is_b64_text(part)) {
            free(part);
            set_err(err, errlen, "header %s is not base64", name);
            goto fail;
        }
        size_t pl = strlen(part);
        if (len + pl + 1 > cap) {
            size_t ncap = (len + pl + 1) * 2;
            char *nj = realloc(joined, ncap);
            if (!nj) {
                free(part);
                oom = 1;
                break;
            }
            joined = nj;
            cap = ncap;
        }
        memcpy(joined + len, part, pl + 1);
        len += pl;
        free(part);
    }
    if (oom) {
        set_err(err, errlen, "out of memory");
        st = CHEF_AUTH_ERR_INTERNAL;
        goto fail;
    }
    if (n == 1) {
        set_err(err, errlen, "missing required authentication header X-Ops-Authorization-1");
        st = CHEF_AUTH_ERR_MISSING_HEADER;
        goto fail;
    }
    /* A gap would silently truncate the signature: name it. */
    snprintf(name, sizeof name, "X-Ops-Authorization-%d", n + 1);
    if (get(ctx, name)) {
        set_err(err, errlen, "header X-Ops-Authorization-%d is missing but %s is present",
                n, name);
        goto fail;
    }
    size_t dcap = len / 4 * 3 + 3;
    req->signature = malloc(dcap);
    if (!req->signature) {
        set_err(err, errlen, "out of memory");
        st = CHEF_AUTH_ERR_INTERNAL;
        goto fail;
    }
    long dl = base64_decode(joined, len, req->signature, dcap);
    if (dl <= 0) {
        set_err(err, errlen, "X-Ops-Authorization-1..%d do not join into valid base64",
                n - 1);
        goto fail;
    }
    req->signature_len = (size_t)dl;
    req->signature_b64 = joined;
    return CHEF_AUTH_OK;
fail:
    free(joined);
    return st;
}

chef_auth_status chef_auth_parse_request(chef_auth_header_fn get_header,
                                         void *ctx, const char *method,
                                         const char *path, const void *body,
                                         size_t body_len, time_t now,
                                         long max_skew, chef_auth_request *req,
                                         char *err, size_t errlen)
{
    static const char *const required[] = {"X-Ops-Sign", "X-Ops-Userid",
                                           "X-Ops-Timestamp", "X-Ops-Content-Hash"};
    enum { N_REQ = sizeof required / sizeof required[0] };
    if (!req)
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    memset(req, 0, sizeof *req);
    if (!get_header || !method || !path || (!body && body_len)) {
        set_err(err, errlen, "bad arguments");
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    char *val[N_REQ] = {0};
    char *api = NULL;
    int oom = 0;
    chef_auth_status st = CHEF_AUTH_ERR_MISSING_HEADER;

    char missing[160] = "";
    for (size_t i = 0; i < N_REQ; i++) {
        val[i] = get_trimmed(get_header, ctx, required[i], &oom);
        if (!val[i] && !oom) {
            size_t ml = strlen(missing);
            snprintf(missing + ml, sizeof missing - ml, "%s%s", ml ? ", " : "",
                     required[i]);
        }
    }
    if (oom)
        goto oom;
    if (missing[0]) {
        set_err(err, errlen, "missing required authentication header(s): %s", missing);
        goto fail;
    }
    const char *sign = val[0], *user = val[1], *ts = val[2], *hash = val[3];

    if (chef_auth_parse_sign_description(sign, &req->version) < 0) {
        set_err(err, errlen,
                "Unsupported authentication protocol version: X-Ops-Sign '%s' "
                "(supported: version=1.0, 1.1 with sha1, 1.3 with sha256)", sign);
        st = CHEF_AUTH_ERR_BAD_VERSION;
        goto fail;
    }
    if (!is_header_safe(user)) {
        set_err(err, errlen, "header X-Ops-Userid holds control characters");
        st = CHEF_AUTH_ERR_BAD_HEADER;
        goto fail;
    }
    if (chef_auth_parse_timestamp(ts, &req->timestamp) < 0) {
        set_err(err, errlen, "bad X-Ops-Timestamp '%s': expected YYYY-MM-DDTHH:MM:SSZ", ts);
        st = CHEF_AUTH_ERR_BAD_TIMESTAMP;
        goto fail;
    }
    /* Strictly less than the skew, like mixlib and chef_authn. */
    long long diff = (long long)now - (long long)req->timestamp;
    long long adiff = diff < 0 ? -diff : diff;
    if (max_skew <= 0 || adiff >= max_skew) {
        set_err(err, errlen,
                "X-Ops-Timestamp %s is %lld s %s the server's clock (allowed skew %ld s): "
                "check the client's clock", ts, adiff, diff >= 0 ? "behind" : "ahead of",
                max_skew);
        st = CHEF_AUTH_ERR_CLOCK_SKEW;
        goto fail;
    }
    if ((st = read_signature(get_header, ctx, req, err, errlen)) != CHEF_AUTH_OK)
        goto fail;
    if (req->version == CHEF_AUTH_V1_3) {
        api = get_trimmed(get_header, ctx, "X-Ops-Server-API-Version", &oom);
        if (oom)
            goto oom;
        if (api && !is_decimal(api, MAX_API_VERSION_LEN)) {
            set_err(err, errlen, "bad X-Ops-Server-API-Version '%s': expected an integer",
                    api);
            st = CHEF_AUTH_ERR_BAD_HEADER;
            goto fail;
        }
    }
    char want[CHEF_AUTH_SHA256_B64_SIZE];
    if (chef_auth_content_hash(req->version, body, body_len, want) < 0)
        goto oom;
    size_t wl = strlen(want);
    if (strlen(hash) != wl || CRYPTO_memcmp(hash, want, wl) != 0) {
        set_err(err, errlen,
                "X-Ops-Content-Hash does not match the request body (%s of the body "
                "expected, version %s)", chef_auth_version_algorithm(req->version),
                chef_auth_version_string(req->version));
        st = CHEF_AUTH_ERR_BAD_CONTENT_HASH;
        goto fail;
    }
    /* Sign the timestamp as sent (chef_authn does), it is canonical already. */
    req->canonical = chef_auth_canonical_request(req->version, method, path, hash,
                                                 ts, user, api);
    if (!req->canonical)
        goto oom;
    req->canonical_len = strlen(req->canonical);
    req->user_id = val[1];
    val[1] = NULL;
    st = CHEF_AUTH_OK;
    goto done;
oom:
    set_err(err, errlen, "out of memory");
    st = CHEF_AUTH_ERR_INTERNAL;
fail:
    chef_auth_request_free(req);
done:
    for (size_t i = 0; i < N_REQ; i++)
        free(val[i]);
    free(api);
    return st;
}

/* Per thread, the verify-recover context of the last key it verified
 * with: making one (EVP_PKEY_CTX_new_from_pkey, init, padding) cost about
 * a tenth of a 1.0/1.1 verification. The context holds a reference to its
 * key, so no other key can take that address while it is cached. The
 * signature is still checked on every call. */
struct recover_cache {
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx;
};

static pthread_once_t recover_once = PTHREAD_ONCE_INIT;
static pthread_key_t recover_tls;
static bool recover_tls_ok;

static void recover_cache_free(void *p)
{
    struct recover_cache *c = p;
    EVP_PKEY_CTX_free(c->ctx);
    free(c);
}

static void recover_tls_init(void)
{
    recover_tls_ok = pthread_key_create(&recover_tls, recover_cache_free) == 0;
}

static EVP_PKEY_CTX *new_recover_ctx(EVP_PKEY *pub)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    if (!ctx || EVP_PKEY_verify_recover_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A verify-recover context for pub: this thread's cached one, or a new
 * one (*owned set: the caller frees it) when it cannot be cached. */
static EVP_PKEY_CTX *recover_ctx(EVP_PKEY *pub, bool *owned)
{
    *owned = false;
    pthread_once(&recover_once, recover_tls_init);
    struct recover_cache *c = recover_tls_ok ? pthread_getspecific(recover_tls) : NULL;
    if (c && c->key == pub)
        return c->ctx;
    EVP_PKEY_CTX *ctx = new_recover_ctx(pub);
    if (!ctx)
        return NULL;
    if (!c && recover_tls_ok) {
        c = calloc(1, sizeof *c);
        if (c && pthread_setspecific(recover_tls, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    if (!c) {
        *owned = true;
        return ctx;
    }
    EVP_PKEY_CTX_free(c->ctx);
    c->ctx = ctx;
    c->key = pub;
    return ctx;
}

/* Drops this thread's cached context (after a failure, to start clean). */
static void recover_forget(void)
{
    struct recover_cache *c = recover_tls_ok ? pthread_getspecific(recover_tls) : NULL;
    if (c) {
        EVP_PKEY_CTX_free(c->ctx);
        c->ctx = NULL;
        c->key = NULL;
    }
}

chef_auth_status chef_auth_verify_signature(const chef_auth_request *req,
                                            EVP_PKEY *pub, char *err,
                                            size_t errlen)
{
    if (!req || !req->canonical || !req->signature) {
        set_err(err, errlen, "no parsed request");
        return CHEF_AUTH_ERR_BAD_ARGUMENT;
    }
    if (!is_rsa(pub)) {
        set_err(err, errlen, "the user's key is not an RSA key");
        return CHEF_AUTH_ERR_BAD_KEY;
    }
    int ksize = EVP_PKEY_get_size(pub);
    if (ksize <= 0 || req->signature_len != (size_t)ksize) {
        set_err(err, errlen,
                "invalid signature for user or client '%s': it is %zu bytes, "
                "the user's %d-bit key makes %d", req->user_id ? req->user_id : "",
                req->signature_len, ksize * 8, ksize);
        return CHEF_AUTH_ERR_BAD_SIGNATURE;
    }
    int ok = 0;
    if (req->version == CHEF_AUTH_V1_3) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        ok = md && EVP_DigestVerifyInit(md, &pctx, sha256_md(), NULL, pub) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_DigestVerify(md, req->signature, req->signature_len,
                              (const unsigned char *)req->canonical,
                              req->canonical_len) == 1;
        EVP_MD_CTX_free(md);
    } else {
        /* Recover the signed block and compare it with what we expect. */
        bool owned;
        EVP_PKEY_CTX *ctx = recover_ctx(pub, &owned);
        unsigned char *rec = malloc((size_t)ksize);
        size_t rlen = (size_t)ksize;
        int rc = ctx && rec ? EVP_PKEY_verify_recover(ctx, rec, &rlen, req->signature,
                                                      req->signature_len)
                            : 0;
        if (rc > 0)
            ok = rlen == req->canonical_len &&
                 CRYPTO_memcmp(rec, req->canonical, rlen) == 0;
        free(rec);
        if (owned)
            EVP_PKEY_CTX_free(ctx);
        else if (rc <= 0)
            recover_forget();
    }
    ERR_clear_error();
    if (!ok) {
        set_err(err, errlen,
                "invalid signature for user or client '%s' (X-Ops-Sign version %s): "
                "wrong key, or method, path or body changed", req->user_id ? req->user_id : "",
                chef_auth_version_string(req->version));
        return CHEF_AUTH_ERR_BAD_SIGNATURE;
    }
    return CHEF_AUTH_OK;
}

/* ---- keys ---- */

/* Never prompt on a terminal for a passphrase. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static BIO *mem_bio(const char *pem, size_t len)
{
    if (!pem || len > INT_MAX)
        return NULL;
    return BIO_new_mem_buf(pem, (int)len);
}

EVP_PKEY *chef_auth_load_private_key_pem(const char *pem, size_t pem_len,
                                         char *err, size_t errlen)
{
    BIO *bio = mem_bio(pem, pem_len);
    if (!bio) {
        set_err(err, errlen, "no private key given");
        return NULL;
    }
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (!key) {
        if (memmem(pem, pem_len, "ENCRYPTED", 9))
            set_err(err, errlen, "private key is encrypted; give an unencrypted PEM key");
        else
            set_err(err, errlen, "not a PEM private key (expected RSA PRIVATE KEY or PRIVATE KEY)");
        return NULL;
    }
    if (!is_rsa(key)) {
        EVP_PKEY_free(key);
        set_err(err, errlen, "private key is not an RSA key");
        return NULL;
    }
    return key;
}

EVP_PKEY *chef_auth_load_private_key_file(const char *path, char *err, size_t errlen)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        set_err(err, errlen, "cannot open key file %s: %s", path ? path : "(null)",
                strerror(path ? errno : EINVAL));
        return NULL;
    }
    char *buf = malloc(MAX_KEY_FILE);
    size_t n = buf ? fread(buf, 1, MAX_KEY_FILE, f) : 0;
    int rerr = ferror(f), big = !feof(f);
    fclose(f);
    EVP_PKEY *key = NULL;
    if (!buf)
        set_err(err, errlen, "out of memory");
    else if (rerr)
        set_err(err, errlen, "cannot read key file %s", path);
    else if (big)
        set_err(err, errlen, "key file %s is larger than %d bytes", path, MAX_KEY_FILE);
    else {
        char inner[200] = "";
        key = chef_auth_load_private_key_pem(buf, n, inner, sizeof inner);
        if (!key)
            set_err(err, errlen, "%s: %s", path, inner);
    }
    if (buf)
        OPENSSL_cleanse(buf, n);
    free(buf);
    return key;
}

EVP_PKEY *chef_auth_load_public_key_pem(const char *pem, size_t pem_len,
                                        char *err, size_t errlen)
{
    BIO *bio = mem_bio(pem, pem_len);
    if (!bio) {
        set_err(err, errlen, "no public key given");
        return NULL;
    }
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long dlen = 0;
    EVP_PKEY *key = NULL;
    int got = PEM_read_bio(bio, &name, &header, &der, &dlen);
    BIO_free(bio);
    if (!got) {
        set_err(err, errlen, "not a PEM public key");
        goto fail;
    }
    const unsigned char *p = der;
    if (strcmp(name, "PUBLIC KEY") == 0) {
        key = d2i_PUBKEY(NULL, &p, dlen);
    } else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
        key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, dlen);
    } else if (strcmp(name, "CERTIFICATE") == 0) {
        X509 *cert = d2i_X509(NULL, &p, dlen);
        if (cert)
            key = X509_get_pubkey(cert);
        X509_free(cert);
    } else {
        set_err(err, errlen, "PEM block '%s' is not a public key or certificate", name);
        goto fail;
    }
    if (!key || p != der + dlen) {
        set_err(err, errlen, "PEM block '%s' does not decode", name);
        goto fail;
    }
    if (!is_rsa(key)) {
        set_err(err, errlen, "public key is not an RSA key");
        goto fail;
    }
    goto out;
fail:
    EVP_PKEY_free(key);
    key = NULL;
out:
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    ERR_clear_error();
    return key;
}

/* Copies a memory BIO's contents into a NUL-terminated malloc'd string. */
static char *bio_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || !data)
        return NULL;
    return strndup(data, (size_t)n);
}

char *chef_auth_private_key_pem(EVP_PKEY *key)
{
    if (!is_rsa(key))
        return NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;
    /* "traditional" = PKCS#1 "RSA PRIVATE KEY", what chef-server-ctl prints. */
    if (bio && PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL))
        s = bio_string(bio);
    BIO_free(bio);
    ERR_clear_error();
    return s;
}

char *chef_auth_public_key_pem(EVP_PKEY *key)
{
    if (!is_rsa(key))
        return NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (bio && PEM_write_bio_PUBKEY(bio, key))
        s = bio_string(bio);
    BIO_free(bio);
    ERR_clear_error();
    return s;
}

int chef_auth_generate_keypair(unsigned bits, char **private_pem, char **public_pem)
{
    if (!private_pem || !public_pem)
        return -1;
    *private_pem = *public_pem = NULL;
    if (bits == 0)
        bits = 2048;
    if (bits < 1024 || bits > 16384)
        return -1;
    EVP_PKEY *key = EVP_RSA_gen(bits);
    if (!key) {
        ERR_clear_error();
        return -1;
    }
    *private_pem = chef_auth_private_key_pem(key);
    *public_pem = chef_auth_public_key_pem(key);
    EVP_PKEY_free(key);
    if (!*private_pem || !*public_pem) {
        free(*private_pem);
        free(*public_pem);
        *private_pem = *public_pem = NULL;
        return -1;
    }
    return 0;
}
