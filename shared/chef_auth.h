/* Chef signed-header request authentication (X-Ops-Sign 1.0, 1.1, 1.3),
 * byte-compatible with Ruby's mixlib-authentication (knife, chef-client) and
 * the Chef server's chef_authn. Pure logic: no sockets, no global state.
 *
 * Canonical request (the string that is signed): lines joined by "\n", no
 * trailing newline. b64() is base64, paths are canonicalized (see below).
 *   1.0 and 1.1:
 *     Method:POST
 *     Hashed Path:b64(sha1(path))
 *     X-Ops-Content-Hash:b64(sha1(body))
 *     X-Ops-Timestamp:2024-01-02T03:04:05Z
 *     X-Ops-UserId:USER            (1.1: b64(sha1(USER)))
 *   1.3:
 *     Method:POST
 *     Path:/organizations/o/pushy/jobs
 *     X-Ops-Content-Hash:b64(sha256(body))
 *     X-Ops-Sign:version=1.3
 *     X-Ops-Timestamp:2024-01-02T03:04:05Z
 *     X-Ops-UserId:USER
 *     X-Ops-Server-API-Version:N   (the header's value, "0" when absent)
 * Signature: 1.0/1.1 = RSA PKCS#1 type-1 "private encrypt" of the canonical
 * string itself (no digest, no DigestInfo); 1.3 = RSASSA-PKCS1-v1_5 with
 * SHA-256. It is sent base64-encoded in 60-character slices, headers
 * X-Ops-Authorization-1..N.
 *
 * Strings returned to the caller are malloc'd; every struct has a _free.
 * Error messages are written to (err, errlen) when err is not NULL. */
#ifndef PUSHY_CHEF_AUTH_H
#define PUSHY_CHEF_AUTH_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

typedef enum {
    CHEF_AUTH_V1_0, /* sha1, user id in clear (limits user id length) */
    CHEF_AUTH_V1_1, /* sha1, user id hashed: Chef's default */
    CHEF_AUTH_V1_3, /* sha256, signs X-Ops-Server-API-Version too */
} chef_auth_version;

typedef enum {
    CHEF_AUTH_OK = 0,
    CHEF_AUTH_ERR_MISSING_HEADER,   /* a mandatory X-Ops-* header is absent */
    CHEF_AUTH_ERR_BAD_VERSION,      /* X-Ops-Sign names no supported protocol */
    CHEF_AUTH_ERR_BAD_HEADER,       /* a header value is malformed */
    CHEF_AUTH_ERR_BAD_TIMESTAMP,    /* X-Ops-Timestamp not YYYY-MM-DDTHH:MM:SSZ */
    CHEF_AUTH_ERR_CLOCK_SKEW,       /* timestamp too far from now */
    CHEF_AUTH_ERR_BAD_AUTHORIZATION,/* X-Ops-Authorization-N missing/garbled */
    CHEF_AUTH_ERR_BAD_CONTENT_HASH, /* X-Ops-Content-Hash != hash of body */
    CHEF_AUTH_ERR_BAD_SIGNATURE,    /* signature does not verify with the key */
    CHEF_AUTH_ERR_BAD_KEY,          /* key missing, not RSA, or too small */
    CHEF_AUTH_ERR_BAD_ARGUMENT,     /* caller error (signer input) */
    CHEF_AUTH_ERR_INTERNAL,         /* out of memory, OpenSSL failure */
} chef_auth_status;

/* Short stable name of a status ("ok", "missing_header", ...), for logs. */
const char *chef_auth_status_name(chef_auth_status st);

/* "1.0" / "1.1" / "1.3" and "sha1" / "sha256". */
const char *chef_auth_version_string(chef_auth_version v);
const char *chef_auth_version_algorithm(chef_auth_version v);

/* Parses an X-Ops-Sign value the way the Chef server does: ';'-separated
 * key=value pairs, spaces around them ignored, a trailing ';' allowed
 * ("version=1.0", "algorithm=sha1;version=1.1;", "algorithm=sha256;version=1.3").
 * A missing algorithm means the version's own. Refused: no version, another
 * version (1.2 included), an algorithm that is not the version's. Unknown
 * keys are ignored. Returns 0 and sets *out, or -1. */
int chef_auth_parse_sign_description(const char *value, chef_auth_version *out);

/* ---- digests and canonical pieces ---- */

#define CHEF_AUTH_SHA1_B64_SIZE 29   /* 28 chars + NUL */
#define CHEF_AUTH_SHA256_B64_SIZE 45 /* 44 chars + NUL */

/* base64(SHA-1(data)) / base64(SHA-256(data)) into out (NUL-terminated).
 * Return 0, or -1 on an OpenSSL failure. */
int chef_auth_sha1_b64(const void *data, size_t len, char out[CHEF_AUTH_SHA1_B64_SIZE]);
int chef_auth_sha256_b64(const void *data, size_t len, char out[CHEF_AUTH_SHA256_B64_SIZE]);

/* Content hash of a body for version v (SHA-1 for 1.0/1.1, SHA-256 for 1.3). */
int chef_auth_content_hash(chef_auth_version v, const void *body, size_t len,
                           char out[CHEF_AUTH_SHA256_B64_SIZE]);

/* Path as signed: query string dropped, runs of '/' collapsed, a trailing
 * '/' dropped except for the root ("//a/b//?x=1" -> "/a/b", "" -> "/").
 * Returns a malloc'd string, or NULL when out of memory. */
char *chef_auth_canonical_path(const char *path);

/* ISO8601 UTC "YYYY-MM-DDTHH:MM:SSZ" <-> time_t. format returns 0/-1;
 * parse accepts exactly that form with valid ranges, returns 0/-1. */
#define CHEF_AUTH_TIMESTAMP_SIZE 21
int chef_auth_format_timestamp(time_t t, char out[CHEF_AUTH_TIMESTAMP_SIZE]);
int chef_auth_parse_timestamp(const char *s, time_t *out);

/* The canonical request for version v (see the top of this file). method is
 * upper-cased, path canonicalized, content_hash and timestamp used as given;
 * server_api_version is used by 1.3 only (NULL means "0").
 * Returns a malloc'd string, or NULL when out of memory or on a NULL input. */
char *chef_auth_canonical_request(chef_auth_version v, const char *method,
                                  const char *path, const char *content_hash,
                                  const char *timestamp, const char *user_id,
                                  const char *server_api_version);

/* ---- client side: signing ---- */

typedef struct {
    char *name;
    char *value;
} chef_auth_header;

typedef struct {
    chef_auth_header *items;
    size_t count;
} chef_auth_headers;

/* Signs a request. On success fills *out with, in this order (mixlib's):
 *   X-Ops-Sign            "algorithm=sha1;version=1.0;" (mixlib's exact form)
 *   X-Ops-Userid, X-Ops-Timestamp, X-Ops-Content-Hash,
 *   X-Ops-Authorization-1 .. -N,
 *   X-Ops-Server-API-Version  always for 1.3 ("0" when server_api_version is
 *                             NULL); for 1.0/1.1 only when it is not NULL.
 * key: an RSA private key. path may carry a query string (not signed).
 * server_api_version, when given, must be a decimal integer.
 * Version 1.0 puts the user id in clear inside the RSA block, so a long user
 * id does not fit a 2048-bit key (CHEF_AUTH_ERR_BAD_ARGUMENT); use 1.1/1.3.
 * Free *out with chef_auth_headers_free (also safe after a failure). */
chef_auth_status chef_auth_sign(chef_auth_version v, const char *user_id,
                                EVP_PKEY *key, const char *method,
                                const char *path, const void *body,
                                size_t body_len, time_t timestamp,
                                const char *server_api_version,
                                chef_auth_headers *out, char *err, size_t errlen);

void chef_auth_headers_free(chef_auth_headers *h);

/* Value of header `name` (case-insensitive), or NULL. */
const char *chef_auth_headers_get(const chef_auth_headers *h, const char *name);

/* ---- server side: parse, look the key up, verify ---- */

/* Returns the value of request header `name` or NULL when absent. Names are
 * asked for in mixlib's spelling ("X-Ops-Userid", "X-Ops-Authorization-2");
 * the callback must compare them case-insensitively, as HTTP does. The value
 * must stay valid until chef_auth_parse_request returns. */
typedef const char *(*chef_auth_header_fn)(void *ctx, const char *name);

/* Adapter so a chef_auth_headers (ctx) can serve as a chef_auth_header_fn. */
const char *chef_auth_headers_lookup(void *ctx, const char *name);

typedef struct {
    chef_auth_version version;
    char *user_id;          /* X-Ops-Userid as sent: look the key up by it */
    time_t timestamp;       /* X-Ops-Timestamp */
    char *canonical;        /* the string the signature must cover */
    size_t canonical_len;
    char *signature_b64;    /* X-Ops-Authorization-1..N joined, no newlines */
    unsigned char *signature; /* decoded */
    size_t signature_len;
} chef_auth_request;

/* Step 1: checks everything that needs no key. `path` is the raw request
 * target as received (percent-escapes intact; a query string is dropped).
 * Checks, in order: mandatory headers (X-Ops-Sign, X-Ops-Userid,
 * X-Ops-Timestamp, X-Ops-Content-Hash; all missing ones are named), the
 * X-Ops-Sign version, the timestamp format and |now - timestamp| < max_skew
 * seconds (Chef's default skew is 900), the X-Ops-Authorization-N headers,
 * X-Ops-Server-API-Version (1.3: decimal integer, default "0"), and the
 * content hash of body (constant-time compare). On success fills *req
 * (free it with chef_auth_request_free); on failure *req is left empty and
 * err says exactly what is wrong. */
chef_auth_status chef_auth_parse_request(chef_auth_header_fn get_header,
                                         void *ctx, const char *method,
                                         const char *path, const void *body,
                                         size_t body_len, time_t now,
                                         long max_skew, chef_auth_request *req,
                                         char *err, size_t errlen);

/* Step 2: CHEF_AUTH_OK when req's signature was made by the private half of
 * pub (an RSA public or private key); CHEF_AUTH_ERR_BAD_SIGNATURE otherwise,
 * CHEF_AUTH_ERR_BAD_KEY when pub is not an RSA key. */
chef_auth_status chef_auth_verify_signature(const chef_auth_request *req,
                                            EVP_PKEY *pub, char *err,
                                            size_t errlen);

void chef_auth_request_free(chef_auth_request *req);

/* ---- keys (RSA only) ---- */

/* Private key from a PEM string of pem_len bytes ("RSA PRIVATE KEY" PKCS#1
 * or "PRIVATE KEY" PKCS#8; encrypted keys are refused, never prompted for)
 * or from a file. Return NULL with a message on failure. */
EVP_PKEY *chef_auth_load_private_key_pem(const char *pem, size_t pem_len,
                                         char *err, size_t errlen);
EVP_PKEY *chef_auth_load_private_key_file(const char *path, char *err,
                                          size_t errlen);

/* Public key from PEM: "PUBLIC KEY" (SubjectPublicKeyInfo, what Chef stores),
 * "RSA PUBLIC KEY" (PKCS#1) or "CERTIFICATE" (X.509; its key is taken).
 * Private keys are refused. Returns NULL with a message on failure. */
EVP_PKEY *chef_auth_load_public_key_pem(const char *pem, size_t pem_len,
                                        char *err, size_t errlen);

/* PEM encodings, malloc'd and NUL-terminated, or NULL on failure:
 * private as PKCS#1 "RSA PRIVATE KEY" (as Chef hands keys out), public as
 * SubjectPublicKeyInfo "PUBLIC KEY" (works from a private key too). */
char *chef_auth_private_key_pem(EVP_PKEY *key);
char *chef_auth_public_key_pem(EVP_PKEY *key);

/* Generates an RSA key pair of `bits` bits (0 means 2048) as PEM strings
 * (formats as above). Returns 0, or -1 with both set to NULL. */
int chef_auth_generate_keypair(unsigned bits, char **private_pem,
                               char **public_pem);

#endif
