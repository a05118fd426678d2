/* pushy-client: outbound messages. Job replies wait in a small queue until
 * the command channel takes them; a heartbeat is never queued: when one is
 * due the current state is sealed and sent, and retried every
 * SEND_RETRY_MS while the channel is not writable. */
#include "client/client_int.h"

#include <string.h>
#include <zmq.h>

#include "shared/log.h"
#include "shared/timefmt.h"

void pcl_enqueue(struct client *c, json_t *msg)
{
    if (!msg) {
        LOG_ERROR("could not build a message (out of memory?)");
        return;
    }
    if (c->outq_n == OUTQ_MAX) {
        LOG_WARN("node=%s outbound queue full: dropping the oldest job message",
                 c->set->node_name);
        json_decref(c->outq[0]);
        memmove(c->outq, c->outq + 1, (OUTQ_MAX - 1) * sizeof c->outq[0]);
        c->outq_n--;
    }
    c->outq[c->outq_n++] = msg;
}

static void send_failed(struct client *c, int64_t now)
{
    if (!c->send_fail_since) {
        c->send_fail_since = now;
        LOG_DEBUG("command channel not writable (no connection yet?)");
    }
    c->retry_send_at = now + SEND_RETRY_MS;
}

static void send_ok(struct client *c)
{
    if (c->send_fail_since && pcl_now_ms() - c->send_fail_since > 1000)
        LOG_INFO("node=%s command channel writable again", c->set->node_name);
    c->send_fail_since = 0;
}

/* Seals and sends msg: 0 sent (or dropped as unsendable), 1 try later. */
static int send_one(struct client *c, json_t *msg, int64_t now)
{
    struct wire_frames f;
    if (wire_seal_hmac(msg, ++c->seq, time_wall(), c->rc.session_key, &f) != 0) {
        LOG_ERROR("could not sign a message; dropped");
        return 0;
    }
    if (f.body_len > c->max_out_body)
        LOG_WARN("message of %zu bytes exceeds max_body_size %zu; sending anyway", f.body_len,
                 c->max_out_body);
    int rc = pc_session_send(&c->sess, &f);
    wire_frames_free(&f);
    if (rc == 1) {
        send_failed(c, now);
        return 1;
    }
    if (rc < 0) {
        LOG_WARN("node=%s send failed: %s; message dropped", c->set->node_name,
                 zmq_strerror(zmq_errno()));
        return 0;
    }
    send_ok(c);
    return 0;
}

void pcl_flush(struct client *c, int64_t now)
{
    if (c->phase != PH_CONNECTED || now < c->retry_send_at)
        return;
    while (c->outq_n > 0) {
        if (send_one(c, c->outq[0], now) != 0)
            return;
        json_decref(c->outq[0]);
        memmove(c->outq, c->outq + 1, (size_t)(c->outq_n - 1) * sizeof c->outq[0]);
        c->outq_n--;
    }
    if (c->heartbeat_due) {
        json_t *hb = wire_msg_node_heartbeat(&c->ident, pc_job_state_name(c->sm.state),
                                             c->sm.job_id[0] ? c->sm.job_id : NULL);
        if (!hb) {
            LOG_ERROR("could not build a heartbeat");
            return;
        }
        if (send_one(c, hb, now) == 0)
            c->heartbeat_due = false;
        json_decref(hb);
    }
}
