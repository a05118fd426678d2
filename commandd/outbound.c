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

/* Sends sealed frames to n's current connection; takes fr. */
static int send_frames(struct commandd *c, struct cnode *n, struct wire_frames *fr)
{
    int rc = 0;
    if (zmq_send(c->router, n->rid, n->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(c->router, fr->header, fr->header_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(c->router, fr->body, fr->body_len, ZMQ_DONTWAIT) < 0) {
        int e = errno;
        c->st.send_failed++;
        LOG_WARN("node %s: send failed: %s", n->id, zmq_strerror(e));
        rc = -1;
    } else {
        c->st.sent++;
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
    if (wire_seal_hmac(msg, ++n->seq, time_wall(), n->key, &fr) != 0) {
        LOG_ERROR("node %s: could not seal a message", n->id);
        c->st.send_failed++;
        return -1;
    }
    return send_frames(c, n, &fr);
}

/* outbound_send for a message serialized once for many nodes. */
static int send_prepared(struct commandd *c, struct cnode *n, const struct wire_prepared *p,
                         time_t now)
{
    if (!reachable(c, n))
        return -1;
    struct wire_frames fr;
    if (wire_seal_hmac_prepared(p, ++n->seq, now, n->key, &fr) != 0) {
        LOG_ERROR("node %s: could not seal a message", n->id);
        c->st.send_failed++;
        return -1;
    }
    return send_frames(c, n, &fr);
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
    time_t now = time_wall();
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
        if (send_prepared(c, n, &prep, now) == 0)
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
