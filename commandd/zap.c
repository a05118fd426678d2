#include "commandd/zap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "commandd/keymap.h"
#include "shared/log.h"
#include "shared/timefmt.h"

#define MAX_FRAMES 16
#define POLL_MS 250
#define SWEEP_MS 10000
#define ZAP_LOGS_PER_S 20

/* ---- request parsing ------------------------------------------------------ */

static bool frame_is(const void *p, size_t len, const char *s)
{
    return len == strlen(s) && memcmp(p, s, len) == 0;
}

int zap_parse_request(const void *const *frames, const size_t *lens, size_t n,
                      struct zap_request *req)
{
    memset(req, 0, sizeof *req);
    if (n < 6 || !frame_is(frames[0], lens[0], "1.0"))
        return -1;
    req->request_id = frames[1];
    req->request_id_len = lens[1];
    size_t ml = lens[5] < sizeof req->mechanism - 1 ? lens[5] : sizeof req->mechanism - 1;
    memcpy(req->mechanism, frames[5], ml);
    req->mechanism[ml] = '\0';
    for (size_t i = 0; i < ml; i++)
        if ((unsigned char)req->mechanism[i] < 0x20 || (unsigned char)req->mechanism[i] > 0x7e)
            req->mechanism[i] = '?';
    if (n == 7 && frame_is(frames[5], lens[5], "CURVE") && lens[6] == WIRE_CURVE_KEY_LEN) {
        memcpy(req->key, frames[6], WIRE_CURVE_KEY_LEN);
        req->has_key = true;
    }
    return 0;
}

/* ---- decision cache ------------------------------------------------------- */

struct zap_entry {
    bool admitted;
    int64_t until_ms;
    char user[ZAP_USER_MAX + 1];
};

struct zap_cache {
    struct keymap *map;
    int64_t ttl_ms;
    size_t max;
};

struct zap_cache *zap_cache_new(int64_t ttl_ms, size_t max_entries)
{
    struct zap_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->map = keymap_new();
    if (!c->map) {
        free(c);
        return NULL;
    }
    c->ttl_ms = ttl_ms < 0 ? 0 : ttl_ms;
    c->max = max_entries ? max_entries : 1;
    return c;
}

struct sweep_ctx {
    int64_t now;
    bool all;
};

static int sweep_entry(void *ctx, const void *key, size_t len, void *val)
{
    (void)key, (void)len;
    const struct sweep_ctx *s = ctx;
    struct zap_entry *e = val;
    if (s->all || e->until_ms <= s->now) {
        free(e);
        return 1;
    }
    return 0;
}

void zap_cache_free(struct zap_cache *c)
{
    if (!c)
        return;
    struct sweep_ctx s = { .all = true };
    keymap_sweep(c->map, sweep_entry, &s);
    keymap_free(c->map);
    free(c);
}

void zap_cache_sweep(struct zap_cache *c, int64_t now_ms)
{
    struct sweep_ctx s = { .now = now_ms };
    keymap_sweep(c->map, sweep_entry, &s);
}

size_t zap_cache_count(const struct zap_cache *c)
{
    return keymap_count(c->map);
}

int zap_cache_get(struct zap_cache *c, const unsigned char key[WIRE_CURVE_KEY_LEN], int64_t now_ms,
                  char *user)
{
    struct zap_entry *e = keymap_get(c->map, key, WIRE_CURVE_KEY_LEN);
    if (!e)
        return -1;
    if (e->until_ms <= now_ms) {
        free(keymap_del(c->map, key, WIRE_CURVE_KEY_LEN));
        return -1;
    }
    if (e->admitted)
        memcpy(user, e->user, sizeof e->user);
    return e->admitted ? 1 : 0;
}

void zap_cache_put(struct zap_cache *c, const unsigned char key[WIRE_CURVE_KEY_LEN], bool admitted,
                   const char *user, int64_t expires_ms, int64_t now_ms)
{
    if (c->ttl_ms <= 0)
        return;
    int64_t until = now_ms + (admitted ? c->ttl_ms
                                       : (c->ttl_ms < ZAP_NEGATIVE_TTL_MS ? c->ttl_ms
                                                                          : ZAP_NEGATIVE_TTL_MS));
    if (admitted && expires_ms < until)
        until = expires_ms;
    if (until <= now_ms || (admitted && (!user || strlen(user) > ZAP_USER_MAX)))
        return;
    struct zap_entry *e = keymap_get(c->map, key, WIRE_CURVE_KEY_LEN);
    if (!e) {
        if (keymap_count(c->map) >= c->max) {
            zap_cache_sweep(c, now_ms);
            if (keymap_count(c->map) >= c->max) {
                struct sweep_ctx s = { .all = true };
                keymap_sweep(c->map, sweep_entry, &s);
            }
        }
        e = calloc(1, sizeof *e);
        if (!e)
            return;
        if (keymap_put(c->map, key, WIRE_CURVE_KEY_LEN, e) != 0) {
            free(e);
            return;
        }
    }
    e->admitted = admitted;
    e->until_ms = until;
    snprintf(e->user, sizeof e->user, "%s", admitted ? user : "");
}

/* ---- decision ------------------------------------------------------------- */

void zap_decide(const struct zap_request *req, struct zap_cache *cache, zap_lookup_fn lookup,
                void *ctx, int64_t now_ms, struct zap_reply *out)
{
    memset(out, 0, sizeof *out);
    out->status = "400";
    out->text = "not allowed";
    if (!req->has_key) {
        out->text = "CURVE with a client key required";
        return;
    }
    int c = cache ? zap_cache_get(cache, req->key, now_ms, out->user) : -1;
    if (c >= 0) {
        out->cached = true;
        if (c == 1) {
            out->status = "200";
            out->text = "OK";
        } else {
            out->user[0] = '\0';
            out->text = "key not registered";
        }
        return;
    }
    int64_t expires = 0;
    char user[ZAP_USER_MAX + 1] = "";
    int r = lookup ? lookup(ctx, req->key, user, &expires) : -1;
    if (r < 0) {
        out->status = "500";
        out->text = "registry unavailable";
        return;
    }
    if (cache)
        zap_cache_put(cache, req->key, r == 1, user, expires, now_ms);
    if (r == 1) {
        out->status = "200";
        out->text = "OK";
        memcpy(out->user, user, sizeof out->user);
    } else {
        out->text = "key not registered";
    }
}

/* ---- database lookup ------------------------------------------------------ */

static int db_lookup(void *ctx, const unsigned char key[WIRE_CURVE_KEY_LEN], char *user,
                     int64_t *expires_ms)
{
    struct zap_server *z = ctx;
    struct db *db = &z->db;
    int64_t now = time_now_ms();
    if (now < z->db_retry_at)
        return -1; /* the database just failed: refuse without hammering it */
    char z85[WIRE_Z85_KEY_LEN + 1];
    if (wire_z85_encode(key, z85) != 0)
        return -1;
    const char *params[1] = { z85 };
    PGresult *r = db_exec(db, "zap key lookup",
                          "SELECT o.name || '/' || ck.node_name,"
                          " (extract(epoch FROM ck.expires_at - now()) * 1000)::bigint "
                          "FROM curve_keys ck JOIN orgs o ON o.id = ck.org_id "
                          "WHERE ck.public_key = $1 AND ck.expires_at > now()",
                          1, params);
    if (!r) {
        z->db_retry_at = now + 1000;
        return -1;
    }
    int found = 0;
    if (PQntuples(r) == 1) {
        const char *u = PQgetvalue(r, 0, 0);
        if (strlen(u) <= ZAP_USER_MAX) {
            snprintf(user, ZAP_USER_MAX + 1, "%s", u);
            *expires_ms = time_now_ms() + strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            found = 1;
        }
    }
    PQclear(r);
    return found;
}

/* ---- the handler thread --------------------------------------------------- */

static int send_frame(void *sock, const void *p, size_t len, int more)
{
    return zmq_send(sock, p, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

static void handle_one(struct zap_server *z)
{
    zmq_msg_t msgs[MAX_FRAMES];
    const void *frames[MAX_FRAMES];
    size_t lens[MAX_FRAMES];
    size_t n = 0, total = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, z->sock, 0) < 0) {
            zmq_msg_close(&m);
            if (errno != EAGAIN && errno != EINTR && errno != ETERM)
                LOG_WARN("zap: receive failed: %s", zmq_strerror(errno));
            for (size_t i = 0; i < n; i++)
                zmq_msg_close(&msgs[i]);
            return; /* a REQ peer (libzmq) only ever sends whole messages */
        }
        more = zmq_msg_more(&m);
        total++;
        if (n < MAX_FRAMES)
            msgs[n++] = m;
        else
            zmq_msg_close(&m);
    }
    for (size_t i = 0; i < n; i++) {
        frames[i] = zmq_msg_data(&msgs[i]);
        lens[i] = zmq_msg_size(&msgs[i]);
    }
    struct zap_request req;
    struct zap_reply rep;
    if (total > MAX_FRAMES || zap_parse_request(frames, lens, n, &req) != 0) {
        /* REP must answer to receive again: a minimal refusal */
        LOG_WARN("zap: malformed request (%zu frames)", total);
        static const char empty[1];
        send_frame(z->sock, "1.0", 3, 1);
        send_frame(z->sock, n > 1 ? frames[1] : empty, n > 1 ? lens[1] : 0, 1);
        send_frame(z->sock, "500", 3, 1);
        send_frame(z->sock, "malformed request", 17, 1);
        send_frame(z->sock, empty, 0, 1);
        send_frame(z->sock, empty, 0, 0);
    } else {
        zap_decide(&req, z->cache, db_lookup, z, time_now_ms(), &rep);
        if (rep.status[0] == '2') {
            atomic_fetch_add(&z->admitted, 1);
            LOG_DEBUG("zap: admitted %s%s", rep.user, rep.cached ? " (cached)" : "");
        } else {
            atomic_fetch_add(&z->refused, 1);
            int64_t sec = time_now_ms() / 1000;
            if (sec != z->log_second) {
                if (z->suppressed)
                    LOG_INFO("zap: %lu more refusals not logged (limit %d/s)", z->suppressed,
                             ZAP_LOGS_PER_S);
                z->log_second = sec;
                z->logged = 0;
                z->suppressed = 0;
            }
            if (z->logged++ < ZAP_LOGS_PER_S) {
                char z85[WIRE_Z85_KEY_LEN + 1] = "-";
                if (req.has_key)
                    wire_z85_encode(req.key, z85);
                LOG_INFO("zap: refused mechanism=%s key=%s status=%s (%s)", req.mechanism, z85,
                         rep.status, rep.text);
            } else {
                z->suppressed++;
            }
        }
        if (send_frame(z->sock, "1.0", 3, 1) || send_frame(z->sock, req.request_id, req.request_id_len, 1) ||
            send_frame(z->sock, rep.status, 3, 1) || send_frame(z->sock, rep.text, strlen(rep.text), 1) ||
            send_frame(z->sock, rep.user, strlen(rep.user), 1) || send_frame(z->sock, "", 0, 0))
            LOG_WARN("zap: reply failed: %s", zmq_strerror(errno));
    }
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&msgs[i]);
}

static void *zap_thread(void *arg)
{
    struct zap_server *z = arg;
    int64_t next_sweep = time_now_ms() + SWEEP_MS;
    while (!atomic_load(&z->stop)) {
        zmq_pollitem_t item = { .socket = z->sock, .events = ZMQ_POLLIN };
        int rc = zmq_poll(&item, 1, POLL_MS);
        if (rc < 0) {
            if (errno == ETERM)
                break;
            if (errno != EINTR)
                LOG_WARN("zap: poll failed: %s", zmq_strerror(errno));
            continue;
        }
        if (item.revents & ZMQ_POLLIN)
            handle_one(z);
        int64_t now = time_now_ms();
        if (now >= next_sweep) {
            zap_cache_sweep(z->cache, now);
            next_sweep = now + SWEEP_MS;
        }
    }
    return NULL;
}

int zap_server_start(struct zap_server *z, void *zctx, const struct pushy_config *cfg)
{
    memset(z, 0, sizeof *z);
    atomic_init(&z->stop, false);
    atomic_init(&z->admitted, 0);
    atomic_init(&z->refused, 0);
    db_init(&z->db, cfg);
    z->cache = zap_cache_new((int64_t)cfg->zap_cache_ttl * 1000, ZAP_CACHE_MAX);
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (!z->cache || !z->sock) {
        LOG_ERROR("zap: setup failed: %s", z->sock ? "out of memory" : zmq_strerror(errno));
        goto fail;
    }
    int linger = 0;
    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
        LOG_ERROR("zap: bind %s: %s", ZAP_ENDPOINT, zmq_strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&z->thread, NULL, zap_thread, z);
    if (rc != 0) {
        LOG_ERROR("zap: thread: %s", strerror(rc));
        goto fail;
    }
    z->running = true;
    return 0;
fail:
    if (z->sock)
        zmq_close(z->sock);
    z->sock = NULL;
    zap_cache_free(z->cache);
    z->cache = NULL;
    return -1;
}

void zap_server_stop(struct zap_server *z)
{
    if (z->running) {
        atomic_store(&z->stop, true);
        pthread_join(z->thread, NULL);
        z->running = false;
    }
    if (z->sock)
        zmq_close(z->sock);
    z->sock = NULL;
    zap_cache_free(z->cache);
    z->cache = NULL;
    db_close(&z->db);
}
