/* The ZAP handler of the command channel (ZeroMQ RFC 27, endpoint
 * inproc://zeromq.zap.01), run on its own thread with its own database
 * connection.
 *
 * A CURVE client key is admitted ("200") only while it is registered in
 * curve_keys (by apid's config/NODE) and not expired; the reply's User-Id is
 * the key's "org/node", which libzmq attaches to every message of that
 * connection (zmq_msg_gets(msg, "User-Id")), so commandd knows which node a
 * connection belongs to. Anything else is refused ("400"; "500" when the
 * database can not be asked). Decisions are cached for zap_cache_ttl
 * seconds, never past the key's expiry; refusals for one second. */
#ifndef PUSHY_COMMANDD_ZAP_H
#define PUSHY_COMMANDD_ZAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"
#include "shared/db.h"
#include "shared/wire.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_USER_MAX (2 * WIRE_NAME_MAX + 1)
#define ZAP_NEGATIVE_TTL_MS 1000
#define ZAP_CACHE_MAX 200000

/* ---- pure parts ----------------------------------------------------------- */

/* A parsed ZAP request. Frames: version, request id, domain, address,
 * identity, mechanism, credentials... */
struct zap_request {
    const void *request_id;     /* borrowed from the frames */
    size_t request_id_len;
    char mechanism[16];
    bool has_key;               /* CURVE with one 32-byte credential */
    unsigned char key[WIRE_CURVE_KEY_LEN];
};

/* 0, or -1 when the frames are not a ZAP 1.0 request (no reply possible:
 * fewer than 6 frames or another version). */
int zap_parse_request(const void *const *frames, const size_t *lens, size_t n,
                      struct zap_request *req);

struct zap_cache;
struct zap_cache *zap_cache_new(int64_t ttl_ms, size_t max_entries);
void zap_cache_free(struct zap_cache *c);
/* 1 admitted (user copied, ZAP_USER_MAX + 1 bytes), 0 refused, -1 not cached. */
int zap_cache_get(struct zap_cache *c, const unsigned char key[WIRE_CURVE_KEY_LEN], int64_t now_ms,
                  char *user);
/* Caches a decision: admitted until min(now + ttl, expires_ms), or refused
 * for ZAP_NEGATIVE_TTL_MS (never beyond the ttl). Nothing when ttl is 0. */
void zap_cache_put(struct zap_cache *c, const unsigned char key[WIRE_CURVE_KEY_LEN], bool admitted,
                   const char *user, int64_t expires_ms, int64_t now_ms);
/* Drops expired entries. */
void zap_cache_sweep(struct zap_cache *c, int64_t now_ms);
size_t zap_cache_count(const struct zap_cache *c);

/* Looks a key up in the registry: 1 registered (user "org/node" and the
 * expiry on the caller's monotonic clock filled in), 0 not registered or
 * expired, -1 error. */
typedef int (*zap_lookup_fn)(void *ctx, const unsigned char key[WIRE_CURVE_KEY_LEN], char *user,
                             int64_t *expires_ms);

struct zap_reply {
    const char *status;         /* "200", "400" or "500" */
    const char *text;
    char user[ZAP_USER_MAX + 1];/* "" unless admitted */
    bool cached;
};

/* The decision for a request: cache, then lookup (whose answer is cached). */
void zap_decide(const struct zap_request *req, struct zap_cache *cache, zap_lookup_fn lookup,
                void *ctx, int64_t now_ms, struct zap_reply *out);

/* ---- the handler thread --------------------------------------------------- */

struct zap_server {
    pthread_t thread;
    void *sock;
    struct zap_cache *cache;
    struct db db;
    atomic_bool stop;
    bool running;
    int64_t db_retry_at;        /* handler thread: no database attempt before this */
    int64_t log_second;         /* refusal log rate limit (handler thread) */
    int logged;
    unsigned long suppressed;
    /* counters, written by the handler thread */
    atomic_ullong admitted, refused;
};

/* Binds the handler socket in zctx (call before the ROUTER accepts
 * connections) and starts the thread. 0 or -1 (logged). */
int zap_server_start(struct zap_server *z, void *zctx, const struct pushy_config *cfg);
/* Stops and joins the thread, closes the socket. Safe if never started. */
void zap_server_stop(struct zap_server *z);

#endif
