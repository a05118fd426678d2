/* The node wire protocol: two-frame messages compatible with Chef Push Jobs
 * 2.x/3.x (see docs/protocol.md and ../shared/PROTOCOL-NOTES.md §1).
 *
 *   frame 1, header: "Version:2.0;SigningMethod:hmac_sha256;Signature:<b64>"
 *   frame 2, body:   a JSON object; the signature covers these exact bytes.
 *
 * Signing: server heartbeats (PUB) are rsa2048_sha1, everything else is
 * hmac_sha256 with the node's 32-byte session key.
 *
 * No sockets here: this module parses, verifies, builds and signs frames.
 * Every rejection has a specific wire_err code plus a short message that is
 * safe to log (attacker-supplied text is truncated and made printable).
 */
#ifndef PUSHY_WIRE_H
#define PUSHY_WIRE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shared/flatjson.h"
#include "shared/hmac256.h"

#define WIRE_PROTOCOL_VERSION "2.0"
#define WIRE_MAX_HEADER_SIZE 2048        /* larger header frames are rejected */
#define WIRE_HEADER_BUF (WIRE_MAX_HEADER_SIZE + 1)
#define WIRE_DEFAULT_MAX_BODY_SIZE 65536 /* config max_body_size */
#define WIRE_DEFAULT_MAX_SKEW 300        /* seconds, config max_message_skew */
#define WIRE_SESSION_KEY_LEN 32
#define WIRE_HMAC_LEN 32
#define WIRE_MAX_SIG_LEN 1024            /* decoded signature bytes (RSA <= 8192 bits) */
#define WIRE_NAME_MAX 255                /* org, node and server names */
#define WIRE_JOB_ID_MAX 64
#define WIRE_INCARNATION_MAX 128
#define WIRE_JOB_STATE_MAX 31
#define WIRE_CURVE_KEY_LEN 32
#define WIRE_Z85_KEY_LEN 40
#define WIRE_ERRMSG_SIZE 160

/* ---- errors ------------------------------------------------------------ */

enum wire_err {
    WIRE_OK = 0,
    WIRE_ERR_HEADER_TOO_LARGE,      /* header frame > WIRE_MAX_HEADER_SIZE */
    WIRE_ERR_BODY_TOO_LARGE,        /* body frame > max_body_size */
    WIRE_ERR_BAD_HEADER,            /* empty, NUL byte, repeated key */
    WIRE_ERR_NO_VERSION,
    WIRE_ERR_BAD_VERSION,           /* not 1.0 or 2.0 */
    WIRE_ERR_NO_METHOD,
    WIRE_ERR_BAD_METHOD,            /* unknown, hmac with 1.0, or wrong for this channel */
    WIRE_ERR_NO_SIGNATURE,
    WIRE_ERR_BAD_SIGNATURE_ENCODING,/* signature is not base64 */
    WIRE_ERR_NOT_JSON,
    WIRE_ERR_NOT_OBJECT,
    WIRE_ERR_MISSING_FIELD,
    WIRE_ERR_BAD_FIELD,             /* wrong JSON type, bad charset, too long, bad date */
    WIRE_ERR_BAD_TYPE,              /* message type unknown or not valid on this channel */
    WIRE_ERR_UNKNOWN_NODE,          /* no session key for org/node */
    WIRE_ERR_BAD_SIGNATURE,
    WIRE_ERR_STALE,                 /* timestamp outside max_message_skew */
    WIRE_ERR_INTERNAL,              /* out of memory, crypto library failure, misuse */
};

struct wire_error {
    enum wire_err code;
    char msg[WIRE_ERRMSG_SIZE];
};

/* Stable snake_case name of a code ("bad_signature"), for logs and metrics. */
const char *wire_err_name(enum wire_err code);

/* ---- message types ----------------------------------------------------- */

enum wire_msg_type {
    WIRE_MSG_NONE = 0,
    /* node -> server */
    WIRE_MSG_HEARTBEAT,   /* also server -> node on PUB */
    WIRE_MSG_ACK_COMMIT,
    WIRE_MSG_NACK_COMMIT,
    WIRE_MSG_ACK_RUN,
    WIRE_MSG_NACK_RUN,
    WIRE_MSG_SUCCEEDED,
    WIRE_MSG_FAILED,
    WIRE_MSG_ABORTED,
    /* server -> node on the command channel */
    WIRE_MSG_COMMIT,
    WIRE_MSG_RUN,
    WIRE_MSG_ABORT,
    WIRE_MSG_ACK,
};

/* The longest type name's length ("nack_commit"): sizes texts that carry one. */
#define WIRE_MSG_TYPE_NAME_MAX 11

/* A job event's members that commandd forwards to the job process as they
 * are: captured output (text, and Pushy's byte-exact *_b64) and a nack's
 * reason. Such messages take the JSON tree path (wire.c, commandd). */
#define WIRE_REPLY_EXTRAS_N 5
extern const char *const wire_reply_extras[WIRE_REPLY_EXTRAS_N];

/* "heartbeat", "ack_commit", ...; NULL for WIRE_MSG_NONE / out of range. */
const char *wire_msg_type_name(enum wire_msg_type t);
/* WIRE_MSG_NONE when s is NULL or unknown. */
enum wire_msg_type wire_msg_type_parse(const char *s);
/* True for the node -> server job events (ack_commit .. aborted). */
bool wire_msg_type_is_job_event(enum wire_msg_type t);

/* Names (org, node): 1..255 bytes of [A-Za-z0-9_.:-]. */
bool wire_valid_name(const char *s, size_t len);
/* Job ids: 1..64 bytes of [A-Za-z0-9_-] (ours and the original's are 32 hex;
 * the narrow charset keeps ids safe in paths and logs). */
bool wire_valid_job_id(const char *s, size_t len);

/* ---- header ------------------------------------------------------------ */

enum wire_version { WIRE_V1 = 1, WIRE_V2 = 2 };
enum wire_method { WIRE_HMAC_SHA256 = 1, WIRE_RSA2048_SHA1 = 2 };

struct wire_header {
    enum wire_version version;
    enum wire_method method;
    size_t sig_len;                       /* decoded signature */
    unsigned char sig[WIRE_MAX_SIG_LEN];
};

/* Parses a header frame (not NUL-terminated): ';'-separated Key:Value parts
 * in any order; unknown keys and parts without ':' are ignored; a repeated
 * known key is an error; "SignedChecksum" is the legacy name of
 * "Signature". Version 1.0 or 2.0; hmac_sha256 only with 2.0. Base64 in the
 * signature may contain whitespace (Ruby line breaks). */
enum wire_err wire_header_parse(const void *buf, size_t len, struct wire_header *h,
                                struct wire_error *err);

/* Writes "Version:2.0;SigningMethod:...;Signature:<b64>" for body into out
 * (cap >= WIRE_HEADER_BUF is always enough). Return 0, or -1. */
int wire_header_hmac(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body,
                     size_t len, char *out, size_t cap);
int wire_header_rsa(EVP_PKEY *priv, const void *body, size_t len, char *out, size_t cap);
/* The same with a precomputed key (shared/hmac256.h); returns the header's
 * length (WIRE_HMAC_HEADER_LEN), or -1. */
long wire_header_hmac_k(const struct hmac256_key *key, const void *body, size_t len, char *out,
                        size_t cap);
/* Length of an hmac_sha256 header: the fixed prefix and 44 base64 characters. */
#define WIRE_HMAC_HEADER_LEN \
    (sizeof "Version:" WIRE_PROTOCOL_VERSION ";SigningMethod:hmac_sha256;Signature:" - 1 + 44)

/* ---- signatures -------------------------------------------------------- */

/* HMAC-SHA256 of the raw body bytes. */
int wire_hmac_sign(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body, size_t len,
                   unsigned char mac[WIRE_HMAC_LEN]);
/* Constant-time comparison; false for any sig_len other than 32. */
bool wire_hmac_verify(const unsigned char key[WIRE_SESSION_KEY_LEN], const void *body,
                      size_t len, const unsigned char *sig, size_t sig_len);
/* The same two with the key's pads precomputed once (hmac256_key_set of the
 * session key): what a process that signs or verifies many messages with
 * one key keeps per key. Same results. */
int wire_hmac_sign_k(const struct hmac256_key *key, const void *body, size_t len,
                     unsigned char mac[WIRE_HMAC_LEN]);
bool wire_hmac_verify_k(const struct hmac256_key *key, const void *body, size_t len,
                        const unsigned char *sig, size_t sig_len);

/* rsa2048_sha1 as the original does it: RSA private-encrypt, PKCS#1 v1.5
 * type 1 padding, of the 28-char base64 text of SHA1(body) (no DigestInfo).
 * Writes the signature (EVP_PKEY_get_size(priv) bytes) to sig; returns its
 * length or -1. */
long wire_rsa_sign(EVP_PKEY *priv, const void *body, size_t len, unsigned char *sig, size_t cap);
/* Public-decrypts sig and compares with base64(SHA1(body)). */
bool wire_rsa_verify(EVP_PKEY *pub, const void *body, size_t len, const unsigned char *sig,
                     size_t sig_len);

/* PEM loaders (RSA only). Private: PKCS#1 or PKCS#8; public:
 * SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", what the config endpoint sends).
 * NULL on error; free with EVP_PKEY_free. */
EVP_PKEY *wire_load_private_key(const char *pem, size_t len);
EVP_PKEY *wire_load_public_key(const char *pem, size_t len);

/* ---- inbound node -> server messages (commandd) ------------------------ */

/* Opening resets every field but the arrays behind header.sig_len and
 * flat.count (wire.c node_msg_reset: a new field is reset there). */
struct wire_node_msg {
    struct wire_header header;
    json_t *body;                       /* owned: the whole object (stdout, stderr, client...);
                                           NULL when opened lean */
    bool lean;                          /* opened lean: fields read from flat, body NULL */
    struct flatjson flat;               /* lean: members, pointing into raw (until verify) */
    const unsigned char *raw;           /* caller's body bytes, between open and verify */
    size_t raw_len;
    /* set by wire_node_msg_open (untrusted until verified) */
    char org[WIRE_NAME_MAX + 1];
    char node[WIRE_NAME_MAX + 1];
    /* set by wire_node_msg_verify */
    enum wire_msg_type type;
    time_t timestamp;
    bool has_sequence;
    int64_t sequence;
    char incarnation_id[WIRE_INCARNATION_MAX + 1];
    bool has_job_id;                    /* false for null, "null" or absent */
    char job_id[WIRE_JOB_ID_MAX + 1];
    char job_state[WIRE_JOB_STATE_MAX + 1]; /* heartbeat only, else "" */
};

/* Step 1: size limits, header (must be hmac_sha256), JSON object, and the
 * org/node names needed to find the key. Nothing else in the body is looked
 * at. body must stay valid until wire_node_msg_verify returns. */
enum wire_err wire_node_msg_open(struct wire_node_msg *m, const void *header, size_t hlen,
                                 const void *body, size_t blen, size_t max_body_size,
                                 struct wire_error *err);

/* The same, for a caller that needs only the fields below (commandd): a
 * heartbeat, or a job reply (ack_commit ... aborted) without stdout,
 * stderr, stdout_b64, stderr_b64 or reason, whose body is a flat object of
 * plain strings, integers and literals (shared/flatjson.h; what clients
 * send) is checked without building a JSON tree, and body stays NULL.
 * Everything else is opened exactly as by wire_node_msg_open. The result
 * (accepted or not, fields, errors) is the same either way except for
 * body. */
enum wire_err wire_node_msg_open_lean(struct wire_node_msg *m, const void *header, size_t hlen,
                                      const void *body, size_t blen, size_t max_body_size,
                                      struct wire_error *err);

/* Steps 3 and 4: verify the HMAC over the raw body bytes with the session
 * key the caller looked up for (m->org, m->node), then validate the fields:
 * type is a node message type; timestamp is RFC 1123 with
 * |now - ts| < max_skew; incarnation_id a non-empty string; sequence an
 * integer if present; job_id (required key for job events, optional for
 * heartbeats) null, "null" or a valid job id; heartbeat job_state a
 * non-empty string. */
enum wire_err wire_node_msg_verify(struct wire_node_msg *m,
                                   const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                                   int max_skew, struct wire_error *err);
/* The same with the session key precomputed (commandd keeps one per node). */
enum wire_err wire_node_msg_verify_k(struct wire_node_msg *m, const struct hmac256_key *key,
                                     time_t now, int max_skew, struct wire_error *err);

/* Releases the body; safe to call at any time, also after a failure (both
 * steps already release on failure), and more than once. */
void wire_node_msg_clear(struct wire_node_msg *m);

/* Key lookup for the one-shot check: fill key and return 0, or return -1
 * when the node has no session key. */
typedef int (*wire_key_lookup_fn)(void *ctx, const char *org, const char *node,
                                  unsigned char key[WIRE_SESSION_KEY_LEN]);

/* open + lookup + verify. Nothing but the header and the two names is read
 * before the signature has been checked. */
enum wire_err wire_verify_node_message(const void *header, size_t hlen, const void *body,
                                       size_t blen, size_t max_body_size, int max_skew,
                                       time_t now, wire_key_lookup_fn lookup, void *ctx,
                                       struct wire_node_msg *out, struct wire_error *err);

/* ---- inbound server -> node messages (the C client) -------------------- */

struct wire_server_msg {
    struct wire_header header;
    json_t *body;                       /* owned */
    enum wire_msg_type type;            /* HEARTBEAT, COMMIT, RUN, ABORT or ACK */
    time_t timestamp;
    bool has_sequence;
    int64_t sequence;
    /* heartbeat */
    char server[WIRE_NAME_MAX + 1];
    char incarnation_id[WIRE_INCARNATION_MAX + 1];
    /* commit, run, abort */
    bool has_job_id;
    char job_id[WIRE_JOB_ID_MAX + 1];
    /* commit: pointers into body (valid until clear) */
    const char *command, *user, *dir, *file;
    json_t *env;                        /* borrowed object of strings, or NULL */
    bool capture;
    /* commit/run that the client must nack (the original replies nack_commit
     * / nack_run to a commit without command or job_id): the reason, else NULL */
    const char *invalid;
};

/* Server heartbeat from the PUB socket: rsa2048_sha1 verified with the
 * server's public key; requires type "heartbeat", server, incarnation_id,
 * integer sequence, timestamp. Clock rule of the client: only messages more
 * than max_skew seconds in the future are rejected. */
enum wire_err wire_server_heartbeat_parse(const void *header, size_t hlen, const void *body,
                                          size_t blen, size_t max_body_size, EVP_PKEY *server_pub,
                                          time_t now, int max_skew, struct wire_server_msg *out,
                                          struct wire_error *err);

/* Command-channel message: hmac_sha256 with the session key; type commit,
 * run, abort or ack; same one-sided clock rule. A commit/run the client has
 * to refuse is still returned (WIRE_OK) with `invalid` set. */
enum wire_err wire_server_command_parse(const void *header, size_t hlen, const void *body,
                                        size_t blen, size_t max_body_size,
                                        const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                                        int max_skew, struct wire_server_msg *out,
                                        struct wire_error *err);

void wire_server_msg_clear(struct wire_server_msg *m);

/* ---- outbound ---------------------------------------------------------- */

struct wire_frames {
    char *header;        /* NUL-terminated; send header_len bytes */
    size_t header_len;
    char *body;          /* NUL-terminated compact JSON; send body_len bytes */
    size_t body_len;
};

/* Sets "sequence" and "timestamp" (RFC 1123 of now) in msg (replacing any),
 * serializes it compactly and signs it. On success out owns two strings
 * (wire_frames_free); returns 0, or -1 (out is then empty). */
int wire_seal_hmac(json_t *msg, int64_t sequence, time_t now,
                   const unsigned char key[WIRE_SESSION_KEY_LEN], struct wire_frames *out);
int wire_seal_hmac_k(json_t *msg, int64_t sequence, time_t now, const struct hmac256_key *key,
                     struct wire_frames *out);
int wire_seal_rsa(json_t *msg, int64_t sequence, time_t now, EVP_PKEY *priv,
                  struct wire_frames *out);
void wire_frames_free(struct wire_frames *f);

/* One message sealed for many nodes (a job's commit or run): msg is
 * serialized once, without "sequence" and "timestamp", and each node's
 * body is that text plus its own two members, the same bytes
 * wire_seal_hmac gives (jansson keeps members in insertion order, so the
 * two it sets come last). */
struct wire_prepared {
    char *head;          /* msg's compact JSON minus the closing '}' */
    size_t head_len;
    bool empty;          /* msg had no other member (no ',' before "sequence") */
};
/* 0, or -1 (not an object, out of memory). */
int wire_prepare(const json_t *msg, struct wire_prepared *out);
void wire_prepared_free(struct wire_prepared *p);
int wire_seal_hmac_prepared(const struct wire_prepared *p, int64_t sequence, time_t now,
                            const unsigned char key[WIRE_SESSION_KEY_LEN],
                            struct wire_frames *out);
/* The same body in caller buffers (commandd writes it straight into the
 * outgoing message): the body is p->head followed by the tail written
 * here, `,"sequence":N,"timestamp":"TS"}` (no ',' when p->empty), where ts
 * is time_format_rfc1123's text of the time (formatted once per fan-out);
 * sign it with wire_header_hmac_k. Returns the tail's length (NUL-terminated
 * in out), or -1 (cap < WIRE_SEAL_TAIL_MAX, ts not an RFC 1123 text). */
#define WIRE_SEAL_TAIL_MAX 96
long wire_seal_tail(const struct wire_prepared *p, int64_t sequence, const char *ts, char *out,
                    size_t cap);

/* Message constructors: a new object (caller owns), or NULL when a required
 * argument is NULL or not valid UTF-8, or on out of memory. */

/* server -> node */
json_t *wire_msg_server_heartbeat(const char *server, const char *incarnation_id);

struct wire_commit {
    const char *job_id;     /* required */
    const char *server;     /* required: server_name */
    const char *command;    /* required */
    const char *user;       /* optional (NULL: absent) */
    const char *dir;        /* optional */
    const json_t *env;      /* optional object; copied */
    const char *file;       /* optional, "raw:..." or "base64:..." */
    bool capture;           /* always sent */
};
json_t *wire_msg_commit(const struct wire_commit *c);
json_t *wire_msg_run(const char *job_id);
json_t *wire_msg_abort(const char *job_id); /* NULL: no job_id key */
json_t *wire_msg_ack(void);

/* node -> server */
struct wire_node_ident {
    const char *node, *client, *org, *incarnation_id; /* all required */
};
/* job_state "idle" | "committed" | "running"; job_id NULL -> JSON null. */
json_t *wire_msg_node_heartbeat(const struct wire_node_ident *id, const char *job_state,
                                const char *job_id);
/* type must be a job event; job_id NULL -> null. When out or err is
 * non-NULL both "stdout" and "stderr" are added (a NULL one as ""), from raw
 * bytes: invalid UTF-8 and NUL bytes become U+FFFD, so any output can be
 * sent. Size limits and truncation are the caller's business. */
json_t *wire_msg_node_event(const struct wire_node_ident *id, enum wire_msg_type type,
                            const char *job_id, const char *out, size_t out_len,
                            const char *err, size_t err_len);

/* A JSON string from arbitrary bytes (invalid UTF-8 and NUL -> U+FFFD). */
json_t *wire_json_string_bytes(const char *p, size_t n);

/* ---- CURVE keys -------------------------------------------------------- */

/* 32 bytes <-> 40 Z85 characters (out gets 41 bytes with the NUL). The
 * decoder takes exactly 40 characters of the Z85 alphabet. 0 or -1. */
int wire_z85_encode(const unsigned char key[WIRE_CURVE_KEY_LEN], char out[WIRE_Z85_KEY_LEN + 1]);
int wire_z85_decode(const char *text, size_t len, unsigned char key[WIRE_CURVE_KEY_LEN]);

#endif
