#include "client/session.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client/backoff.h"

static int opt_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof v);
}

void pc_session_close(struct pc_session *s)
{
    if (s->sub)
        zmq_close(s->sub);
    if (s->dealer)
        zmq_close(s->dealer);
    s->sub = s->dealer = NULL;
}

int pc_session_open(struct pc_session *s, void *zctx, const struct pc_remote_config *rc,
                    const char *client_pub_z85, const char *client_sec_z85, char *err,
                    size_t errlen)
{
    memset(s, 0, sizeof *s);
    /* ZeroMQ's own reconnects: first retry after 50 ms plus a jitter of up
     * to a quarter interval (at most 1 s), doubling up to 4 s while the
     * server stays away. Quick enough that a restarted commandd hears from
     * every node well within the server's down threshold (2.5 intervals),
     * spread enough that a fleet does not reconnect in lock step. */
    int64_t spread = rc->interval_ms / 4 < 1000 ? rc->interval_ms / 4 : 1000;
    int reconnect = 50 + (int)(pc_rand01() * (double)spread);
    s->sub = zmq_socket(zctx, ZMQ_SUB);
    s->dealer = zmq_socket(zctx, ZMQ_DEALER);
    const char *what = "socket";
    if (!s->sub || !s->dealer)
        goto fail;
    what = "socket options";
    if (opt_int(s->sub, ZMQ_LINGER, 0) || opt_int(s->sub, ZMQ_RCVHWM, 64) ||
        opt_int(s->sub, ZMQ_RECONNECT_IVL, reconnect) ||
        opt_int(s->sub, ZMQ_RECONNECT_IVL_MAX, 4000) ||
        zmq_setsockopt(s->sub, ZMQ_SUBSCRIBE, "", 0) ||
        opt_int(s->dealer, ZMQ_LINGER, 0) || opt_int(s->dealer, ZMQ_SNDHWM, PC_SNDHWM) ||
        opt_int(s->dealer, ZMQ_RCVHWM, 1000) || opt_int(s->dealer, ZMQ_IMMEDIATE, 1) ||
        opt_int(s->dealer, ZMQ_RECONNECT_IVL, reconnect) ||
        opt_int(s->dealer, ZMQ_RECONNECT_IVL_MAX, 4000))
        goto fail;
    what = "CURVE keys";
    if (zmq_setsockopt(s->dealer, ZMQ_CURVE_SERVERKEY, rc->curve_public_key, WIRE_Z85_KEY_LEN) ||
        zmq_setsockopt(s->dealer, ZMQ_CURVE_PUBLICKEY, client_pub_z85, WIRE_Z85_KEY_LEN) ||
        zmq_setsockopt(s->dealer, ZMQ_CURVE_SECRETKEY, client_sec_z85, WIRE_Z85_KEY_LEN))
        goto fail;
    what = rc->out_addr;
    if (zmq_connect(s->sub, rc->out_addr) != 0)
        goto fail;
    what = rc->command_addr;
    if (zmq_connect(s->dealer, rc->command_addr) != 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "zmq %s: %s", what, zmq_strerror(zmq_errno()));
    pc_session_close(s);
    return -1;
}

int pc_session_send(struct pc_session *s, const struct wire_frames *f)
{
    if (!s->dealer)
        return 1;
    if (zmq_send(s->dealer, f->header, f->header_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno() == EAGAIN ? 1 : -1;
    /* the rest of a multipart message is always accepted once the first is */
    if (zmq_send(s->dealer, f->body, f->body_len, ZMQ_DONTWAIT) < 0)
        return -1;
    return 0;
}

int pc_session_recv(void *sock, zmq_msg_t *hdr, zmq_msg_t *body)
{
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *m = n == 0 ? hdr : n == 1 ? body : &scratch;
        if (n >= 2)
            zmq_msg_init(&scratch);
        if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
            if (n >= 2)
                zmq_msg_close(&scratch);
            if (n == 0 && zmq_errno() == EAGAIN)
                return 0;
            return -1;
        }
        more = zmq_msg_more(m);
        if (n >= 2)
            zmq_msg_close(&scratch);
        n++;
    }
    return n;
}
