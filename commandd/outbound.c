/* Messages from commandd to nodes: sealed per node (its next sequence
 * number, its session key, RFC 1123 timestamp) and sent to the node's
 * current routing id without ever blocking: the ROUTER drops what a peer
 * does not take (ZMQ_ROUTER_MANDATORY off, small high-water mark). */
#include <errno.h>
#include <string.h>
#include <zmq.h>

#include "commandd/commandd.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

#define MAX_FANOUT 1000000

static void send_failed(struct commandd *c, const struct cnode *n, int e)
{
    c->st.send_failed++;
    LOG_WARN("node %s: send failed: %s", n->id, zmq_strerror(e));
}

/* Sends the routing id and header frames of a message to n's current
 * connection; the body follows. 0, or -1 (counted and logged). */
static int send_envelope(struct commandd *c, struct cnode *n, const char *header, size_t hlen)
{
    if (zmq_send(c->router, n->rid, n->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(c->router, header, hlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        send_failed(c, n, errno);
        return -1;
    }
    return 0;
}

/* Sends sealed frames to n's current connection; takes fr. */
static int send_frames(struct commandd *c, struct cnode *n, struct wire_frames *fr)
{
    int rc = -1;
    if (send_envelope(c, n, fr->header, fr->header_len) == 0) {
        if (zmq_send(c->router, fr->body, fr->body_len, ZMQ_DONTWAIT) < 0) {
            send_failed(c, n, errno);
        } else {
            c->st.sent++;
            rc = 0;
        }
    }
    wire_frames_free(fr);
    return rc;
}

static bool reachable(struct commandd *c, const struct cnode *n)
{
    if (n->state == SESS_NONE || n->rid_len == 0 || n->key_state != KEY_OK) {
        c->st.unreachable++;
        return false;
    }
    return true;
}

int outbound_send(struct commandd *c, struct cnode *n, json_t *msg)
{
    if (!reachable(c, n))
        return -1;
    struct wire_frames fr;
    if (wire_seal_hmac_k(msg, ++n->seq, time_wall(), &n->key, &fr) != 0) {
        LOG_ERROR("node %s: could not seal a message", n->id);
        c->st.send_failed++;
        return -1;
    }
    return send_frames(c, n, &fr);
}

/* outbound_send for a message serialized once for many nodes: the body is
 * written straight into the ZeroMQ message (no buffer of ours, no copy by
 * zmq_send), its header on the stack. ts: the RFC 1123 time of the fan-out. */
static int send_prepared(struct commandd *c, struct cnode *n, const struct wire_prepared *p,
                         const char *ts)
{
    if (!reachable(c, n))
        return -1;
    char tail[WIRE_SEAL_TAIL_MAX], header[WIRE_HMAC_HEADER_LEN + 1];
    long tn = wire_seal_tail(p, ++n->seq, ts, tail, sizeof tail);
    zmq_msg_t body;
    if (tn < 0 || zmq_msg_init_size(&body, p->head_len + (size_t)tn) != 0) {
        LOG_ERROR("node %s: could not seal a message", n->id);
        c->st.send_failed++;
        return -1;
    }
    char *b = zmq_msg_data(&body);
    memcpy(b, p->head, p->head_len);
    memcpy(b + p->head_len, tail, (size_t)tn);
    long hn = wire_header_hmac_k(&n->key, b, zmq_msg_size(&body), header, sizeof header);
    int rc = -1;
    if (hn < 0) {
        LOG_ERROR("node %s: could not sign a message", n->id);
        c->st.send_failed++;
    } else if (send_envelope(c, n, header, (size_t)hn) == 0) {
        if (zmq_msg_send(&body, c->router, ZMQ_DONTWAIT) < 0) {
            send_failed(c, n, errno);
        } else {
            c->st.sent++;
            rc = 0;
        }
    }
    zmq_msg_close(&body); /* after a successful send it is empty: closing is a no-op */
    return rc;
}

static int send_new(struct commandd *c, struct cnode *n, json_t *msg)
{
    if (!msg) {
        LOG_ERROR("node %s: out of memory building a message", n->id);
        return -1;
    }
    int rc = outbound_send(c, n, msg);
    json_decref(msg);
    return rc;
}

int outbound_abort(struct commandd *c, struct cnode *n)
{
    return send_new(c, n, wire_msg_abort(NULL));
}

int outbound_ack(struct commandd *c, struct cnode *n)
{
    return send_new(c, n, wire_msg_ack());
}

void outbound_command(struct commandd *c, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    const char *org = json_string_value(json_object_get(cmd, "org"));
    json_t *nodes = json_object_get(cmd, "nodes");
    json_t *msg = json_object_get(cmd, "message");
    if (!type || strcmp(type, "send") != 0) {
        LOG_WARN("commands: ignored a message of type '%.32s'", type ? type : "(none)");
        return;
    }
    enum wire_msg_type mt = wire_msg_type_parse(json_string_value(json_object_get(msg, "type")));
    if (!org || !wire_valid_name(org, strlen(org)) || !json_is_array(nodes) ||
        json_array_size(nodes) > MAX_FANOUT || !json_is_object(msg) || mt < WIRE_MSG_COMMIT) {
        LOG_WARN("commands: ignored a malformed send (needs org, nodes[], message with a "
                 "server-to-node type)");
        return;
    }
    const char *job_id = json_string_value(json_object_get(msg, "job_id"));
    struct wire_prepared prep;
    if (wire_prepare(msg, &prep) != 0) {
        LOG_ERROR("commands: could not serialize a %s (out of memory)", wire_msg_type_name(mt));
        return;
    }
    char ts[TIME_RFC1123_SIZE];
    if (time_format_rfc1123(time_wall(), ts, sizeof ts) != 0) {
        LOG_ERROR("commands: could not format the time; %s not sent", wire_msg_type_name(mt));
        wire_prepared_free(&prep);
        return;
    }
    size_t i, sent = 0, missing = 0;
    json_t *v;
    json_array_foreach(nodes, i, v) {
        const char *node = json_string_value(v);
        struct cnode *n = node ? sessions_find(c->sessions, org, node) : NULL;
        if (!n || n->state == SESS_NONE) {
            missing++;
            c->st.unreachable++;
            LOG_DEBUG("commands: %s for %s/%s not sent: node not connected",
                      wire_msg_type_name(mt), org, node ? node : "(bad name)");
            continue;
        }
        if (send_prepared(c, n, &prep, ts) == 0)
            sent++;
    }
    wire_prepared_free(&prep);
    if (missing)
        LOG_INFO("commands: %s%s%s sent to %zu node(s); %zu not connected",
                 wire_msg_type_name(mt), job_id ? " job " : "", job_id ? job_id : "", sent,
                 missing);
    else
        LOG_DEBUG("commands: %s%s%s sent to %zu node(s)", wire_msg_type_name(mt),
                  job_id ? " job " : "", job_id ? job_id : "", sent);
}
