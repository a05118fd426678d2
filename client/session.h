/* The two ZeroMQ sockets of a configured client:
 *  - SUB to out_addr, subscribed to everything: RSA-signed server heartbeats;
 *  - DEALER to command_addr, CURVE client (server key from the config,
 *    the client's own key pair made at start): commands in, replies and
 *    heartbeats out.
 * LINGER 0 on both; the DEALER has a small SNDHWM and ZMQ_IMMEDIATE, so a
 * send without a working (handshaken) connection fails at once with EAGAIN
 * instead of queueing stale messages; reconnect intervals are jittered so a
 * fleet does not reconnect in lock step. */
#ifndef PUSHY_CLIENT_SESSION_H
#define PUSHY_CLIENT_SESSION_H

#include <stddef.h>
#include <zmq.h>

#include "client/remote_config.h"
#include "shared/wire.h"

#define PC_SNDHWM 8

struct pc_session {
    void *sub, *dealer;
};

/* 0, or -1 with a message (the session is then closed). */
int pc_session_open(struct pc_session *s, void *zctx, const struct pc_remote_config *rc,
                    const char *client_pub_z85, const char *client_sec_z85, char *err,
                    size_t errlen);
void pc_session_close(struct pc_session *s);
/* 0 sent; 1 not now (no connection or high-water mark); -1 error. */
int pc_session_send(struct pc_session *s, const struct wire_frames *f);

/* One message from sock without waiting. Returns the number of frames read
 * (0: none waiting, -1: error); the first two are in hdr and body (both
 * initialised by the caller, closed by the caller). Extra frames are read
 * and dropped. */
int pc_session_recv(void *sock, zmq_msg_t *hdr, zmq_msg_t *body);

#endif
