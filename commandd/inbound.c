/* The ROUTER side of commandd: every inbound node message goes through
 *   frames (exactly 3: routing id, header, body) -> ZAP user id of the
 *   connection -> header/size/JSON and the claimed org/node (wire open) ->
 *   claimed identity == connection's identity -> session key -> HMAC,
 *   timestamp and fields (wire verify) -> session (rate limited) -> route.
 * Anything that fails is dropped and logged with the peer; nothing here
 * can end the process. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commandd/commandd.h"
#include "commandd/keystore.h"
#include "commandd/routing.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/timefmt.h"

#define ZAP_USER_MAX_SHOWN 96

const char *peer_str(struct peer *p)
{
    if (p->described)
        return p->text;
    char hex[2 * 16 + 3];
    size_t shown = p->rid_len > 16 ? 16 : p->rid_len;
    for (size_t i = 0; i < shown; i++)
        snprintf(hex + 2 * i, 3, "%02x", p->rid[i]);
    hex[2 * shown] = '\0';
    if (p->rid_len > shown)
        strcat(hex, "..");
    char u[ZAP_USER_MAX_SHOWN + 1] = "-";
    if (p->user && *p->user) {
        size_t i = 0;
        for (; p->user[i] && i < ZAP_USER_MAX_SHOWN; i++)
            u[i] = (p->user[i] > 0x20 && p->user[i] < 0x7f) ? p->user[i] : '?';
        u[i] = '\0';
    }
    snprintf(p->text, sizeof p->text, "peer=%s user=%s", p->rid_len ? hex : "-", u);
    p->described = true;
    return p->text;
}

void inbound_drop(struct commandd *c, struct peer *p, const char *fmt, ...)
{
    c->st.dropped++;
    int64_t sec = time_now_ms() / 1000;
    if (sec != c->droplog_second) {
        if (c->droplog_suppressed)
            LOG_WARN("dropped %llu more node messages without logging them (limit %d/s)",
                     (unsigned long long)c->droplog_suppressed, COMMANDD_DROP_LOGS_PER_S);
        c->droplog_second = sec;
        c->droplog_count = 0;
        c->droplog_suppressed = 0;
    }
    if (c->droplog_count >= COMMANDD_DROP_LOGS_PER_S) {
        c->droplog_suppressed++;
        return;
    }
    c->droplog_count++;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    LOG_WARN("dropped node message: %s [%s]", msg, peer_str(p));
}

void inbound_flush_heartbeats(struct commandd *c)
{
    size_t n = c->hb_batch.count, len = 0;
    if (n == 0)
        return;
    const char *text = hb_batch_finish(&c->hb_batch, &len);
    /* never queued behind a slow or absent heartbeatd: the next ones count */
    int rv = text ? nng_send(c->heartbeats, (void *)text, len, NNG_FLAG_NONBLOCK) : NNG_ENOMEM;
    if (text)
        c->st.hb_batches++;
    if (rv != 0) {
        c->st.hb_forward_failed += n;
        if (rv != NNG_EAGAIN)
            LOG_WARN("bus: %zu heartbeats not forwarded: %s", n, nng_strerror(rv));
    }
    hb_batch_reset(&c->hb_batch);
}

static void forward_heartbeat(struct commandd *c, const struct wire_node_msg *m)
{
    c->st.heartbeats++;
    hb_batch_add(&c->hb_batch, m->org, m->node, m->incarnation_id, m->job_state,
                 m->has_job_id ? m->job_id : NULL);
    if (c->hb_batch.count >= COMMANDD_HB_BATCH_MAX)
        inbound_flush_heartbeats(c);
}

static void rehab(struct commandd *c, struct cnode *n, int64_t now, const char *why)
{
    struct sess_actions a;
    sess_rehab(c->sessions, n, now, &a);
    if (a.send_abort) {
        LOG_INFO("node %s: abort until it answers aborted (%s)", n->id, why);
        outbound_abort(c, n);
    }
}

/* {"type":"node_reply","org":O,"node":N,"job_id":J,"reply":T} */
static const char *const reply_parts[] = { "{\"type\":\"node_reply\",\"org\":\"", "\",\"node\":\"",
                                           "\",\"job_id\":\"", "\",\"reply\":\"", "\"}" };
/* Worst case: the literal parts, two names, a job id and the longest type
 * name (wire.c asserts it). */
#define REPLY_TEXT_SIZE                                                                          \
    (sizeof "{\"type\":\"node_reply\",\"org\":\"\",\"node\":\"\",\"job_id\":\"\",\"reply\":\"\"}" + \
     2 * WIRE_NAME_MAX + WIRE_JOB_ID_MAX + WIRE_MSG_TYPE_NAME_MAX)

/* Appends n bytes at *len when they fit before cap (room for a NUL). */
static bool put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (!s || n >= cap - *len)
        return false;
    memcpy(out + *len, s, n);
    *len += n;
    return true;
}

/* The reply text of a verified message without extras; its length, or 0
 * when it does not fit (cannot happen for checked fields). */
static size_t reply_text(const struct wire_node_msg *m, char *out, size_t cap)
{
    const char *vals[] = { m->org, m->node, m->job_id, wire_msg_type_name(m->type) };
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        if (!vals[i] || !put(out, cap, &n, reply_parts[i], strlen(reply_parts[i])) ||
            !put(out, cap, &n, vals[i], strlen(vals[i])))
            return 0;
    }
    if (!put(out, cap, &n, reply_parts[4], strlen(reply_parts[4])))
        return 0;
    out[n] = '\0';
    return n;
}

/* Returns how the job process took it (jobsocks rc). */
static enum jobsock_rc forward_job(struct commandd *c, const struct wire_node_msg *m, int64_t now)
{
    /* Output and a nack's reason (issue 7) need the JSON tree path. */
    bool extra = false;
    for (int i = 0; i < WIRE_REPLY_EXTRAS_N && !extra; i++)
        extra = json_is_string(json_object_get(m->body, wire_reply_extras[i]));
    enum jobsock_rc rc;
    if (!extra) {
        /* The usual reply: org, node and job id are checked names (wire.c),
         * so the text needs no escaping and no JSON tree. Written by hand:
         * snprintf was a visible cost at three replies per node and job. */
        char text[REPLY_TEXT_SIZE];
        size_t n = reply_text(m, text, sizeof text);
        if (n == 0)
            return JOBSOCK_BUSY;
        rc = jobsocks_send_text(c->jobs, m->job_id, text, n, now);
    } else {
        json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "node_reply", "org", m->org,
                              "node", m->node, "job_id", m->job_id, "reply",
                              wire_msg_type_name(m->type));
        if (!r)
            return JOBSOCK_BUSY;
        for (int i = 0; i < WIRE_REPLY_EXTRAS_N; i++) {
            json_t *v = json_object_get(m->body, wire_reply_extras[i]);
            if (json_is_string(v) && json_object_set(r, wire_reply_extras[i], v)) {
                json_decref(r);
                return JOBSOCK_BUSY;
            }
        }
        rc = jobsocks_send(c->jobs, m->job_id, r, now);
        json_decref(r);
    }
    if (rc == JOBSOCK_SENT)
        c->st.job_replies++;
    return rc;
}

static const char *kind_name(enum sess_kind k)
{
    switch (k) {
    case SESS_NEW: return "new session";
    case SESS_RESTARTED: return "client restarted (new incarnation)";
    case SESS_MOVED: return "new connection";
    default: return "same";
    }
}

static void handle_verified(struct commandd *c, struct cnode *n, const struct wire_node_msg *m,
                            const unsigned char *rid, size_t rid_len, struct peer *peer,
                            int64_t now)
{
    enum sess_kind kind = sess_classify(n, rid, rid_len, m->incarnation_id);
    bool admitted = true;
    if (kind != SESS_SAME) {
        struct sess_actions a;
        if (!tb_take(&c->admit, now)) {
            admitted = false;
            c->st.throttled++;
            LOG_DEBUG("node %s: %s deferred by the new-session rate limit [%s]", n->id,
                      kind_name(kind), peer_str(peer));
        } else if (sess_admit(c->sessions, n, kind, rid, rid_len, m->incarnation_id, now, &a) != 0) {
            admitted = false;
            LOG_ERROR("node %s: could not record the session (out of memory) [%s]", n->id,
                      peer_str(peer));
        } else {
            if (kind == SESS_MOVED)
                LOG_DEBUG("node %s: %s [%s]", n->id, kind_name(kind), peer_str(peer));
            else
                LOG_INFO("node %s: %s, incarnation %s, %s [%s]", n->id, kind_name(kind),
                         m->incarnation_id, a.send_ack ? "resumed as available" : "aborting",
                         peer_str(peer));
            if (a.send_abort)
                outbound_abort(c, n);
            if (a.send_ack)
                outbound_ack(c, n);
        }
    }
    struct route r;
    route_message(admitted ? n->state : SESS_NONE, admitted, kind, m->type, m->has_job_id, &r);
    if (r.to_heartbeatd)
        forward_heartbeat(c, m);
    if (r.completes_handshake && sess_aborted(c->sessions, n))
        LOG_INFO("node %s: answered aborted; available", n->id);
    if (r.check_job && !jobsocks_exists(c->jobs, m->job_id, now)) {
        char why[WIRE_JOB_ID_MAX + 64];
        snprintf(why, sizeof why, "it reports job %s, which has no job process", m->job_id);
        rehab(c, n, now, why);
    }
    if (r.to_job) {
        enum jobsock_rc rc = forward_job(c, m, now);
        if (rc == JOBSOCK_NO_JOB) {
            if (r.rehab_if_no_job) {
                char why[WIRE_JOB_ID_MAX + 64];
                snprintf(why, sizeof why, "%s for job %s, which has no job process",
                         wire_msg_type_name(m->type), m->job_id);
                rehab(c, n, now, why);
            } else {
                LOG_DEBUG("node %s: %s for job %s, which has no job process", n->id,
                          wire_msg_type_name(m->type), m->job_id);
            }
        }
    }
    if (r.rehab)
        rehab(c, n, now, r.drop ? r.drop : "protocol");
    else if (r.drop)
        LOG_DEBUG("node %s: %s ignored: %s [%s]", n->id, wire_msg_type_name(m->type), r.drop,
                  peer_str(peer));
}

/* The node entry for a verified identity, with its key loaded if it can be. */
static struct cnode *node_with_key(struct commandd *c, const struct wire_node_msg *m,
                                   struct peer *peer, int64_t now)
{
    struct cnode *n = sessions_add(c->sessions, m->org, m->node);
    if (!n) {
        inbound_drop(c, peer, "%s/%s: out of memory", m->org, m->node);
        return NULL;
    }
    if (n->key_state != KEY_OK && keystore_should_load(n, now)) {
        if (now < c->db_retry_at || keystore_load(&c->db, n, now) < 0) {
            if (now >= c->db_retry_at)
                c->db_retry_at = now + COMMANDD_DB_RETRY_MS;
            if (n->key_state == KEY_UNKNOWN) {
                inbound_drop(c, peer, "%s: session key lookup failed (database)", n->id);
                return NULL;
            }
        }
    }
    if (n->key_state != KEY_OK) {
        inbound_drop(c, peer, "unknown_node: %s has no session key", n->id);
        return NULL;
    }
    return n;
}

static void handle(struct commandd *c, zmq_msg_t *f, int nframes, size_t total)
{
    c->st.received++;
    const unsigned char *rid = zmq_msg_data(&f[0]);
    size_t rid_len = zmq_msg_size(&f[0]);
    const char *user = nframes >= 2 ? zmq_msg_gets(&f[1], "User-Id") : NULL;
    struct peer pr = { .rid = rid, .rid_len = rid_len, .user = user };
    struct peer *peer = &pr;
    if (total != 3) {
        inbound_drop(c, peer, "expected 3 frames (routing id, header, body), got %zu", total);
        return;
    }
    if (rid_len == 0 || rid_len > ROUTING_ID_MAX) {
        inbound_drop(c, peer, "bad routing id length %zu", rid_len);
        return;
    }
    if (!user || !*user) {
        inbound_drop(c, peer, "connection has no ZAP user id");
        return;
    }
    struct wire_node_msg m;
    struct wire_error err;
    const void *hdr = zmq_msg_data(&f[1]), *body = zmq_msg_data(&f[2]);
    size_t hlen = zmq_msg_size(&f[1]), blen = zmq_msg_size(&f[2]);
    size_t max_body = (size_t)c->cfg->max_body_size;
    enum wire_err rc = wire_node_msg_open_lean(&m, hdr, hlen, body, blen, max_body, &err);
    if (rc != WIRE_OK) {
        inbound_drop(c, peer, "%s: %s", wire_err_name(rc), err.msg);
        return;
    }
    /* the connection's CURVE key is bound to one org/node by the ZAP handler */
    size_t ol = strlen(m.org);
    if (strncmp(user, m.org, ol) != 0 || user[ol] != '/' || strcmp(user + ol + 1, m.node) != 0) {
        inbound_drop(c, peer, "wrong_identity: message claims %s/%s", m.org, m.node);
        wire_node_msg_clear(&m);
        return;
    }
    int64_t now = time_now_ms();
    struct cnode *n = node_with_key(c, &m, peer, now);
    if (!n) {
        wire_node_msg_clear(&m);
        return;
    }
    rc = wire_node_msg_verify_k(&m, &n->key, time_wall(), c->cfg->max_message_skew, &err);
    if (rc == WIRE_ERR_BAD_SIGNATURE && keystore_should_load(n, now) && now >= c->db_retry_at &&
        keystore_load(&c->db, n, now) == 1) {
        /* the key may have been re-issued: one more try with the fresh one */
        if (wire_node_msg_open_lean(&m, hdr, hlen, body, blen, max_body, &err) == WIRE_OK)
            rc = wire_node_msg_verify_k(&m, &n->key, time_wall(), c->cfg->max_message_skew, &err);
    }
    if (rc != WIRE_OK) {
        inbound_drop(c, peer, "%s: %s", wire_err_name(rc), err.msg);
        return; /* verify released m */
    }
    c->st.verified++;
    handle_verified(c, n, &m, rid, rid_len, peer, now);
    wire_node_msg_clear(&m);
}

int inbound_drain(struct commandd *c, int max)
{
    int count = 0;
    while (count < max) {
        zmq_msg_t f[3];
        int nf = 0;
        size_t total = 0;
        int more = 1;
        bool failed = false;
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, c->router, ZMQ_DONTWAIT) < 0) {
                int e = errno;
                zmq_msg_close(&part);
                if (total == 0 && e == EAGAIN)
                    goto out;
                if (e != EAGAIN && e != EINTR)
                    LOG_WARN("router: receive failed: %s", zmq_strerror(e));
                failed = true;
                break;
            }
            more = zmq_msg_more(&part);
            total++;
            if (nf < 3)
                f[nf++] = part;
            else
                zmq_msg_close(&part);
        }
        count++;
        if (!failed && nf > 0)
            handle(c, f, nf, total);
        for (int i = 0; i < nf; i++)
            zmq_msg_close(&f[i]);
        if (failed)
            break;
    }
out:
    return count;
}
