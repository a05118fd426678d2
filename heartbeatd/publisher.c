#include "heartbeatd/publisher.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

int hb_publisher_open(struct hb_publisher *p, void *zctx, const struct pushy_config *cfg,
                      EVP_PKEY *key, const char *incarnation)
{
    memset(p, 0, sizeof *p);
    p->key = key;
    snprintf(p->server, sizeof p->server, "%s", cfg->server_name);
    snprintf(p->incarnation, sizeof p->incarnation, "%s", incarnation);
    p->sock = zmq_socket(zctx, ZMQ_PUB);
    if (!p->sock) {
        LOG_ERROR("heartbeat publisher: %s", zmq_strerror(errno));
        return -1;
    }
    int linger = 0, hwm = PUBLISHER_SNDHWM;
    if (zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0) {
        LOG_ERROR("heartbeat publisher: socket options: %s", zmq_strerror(errno));
        return -1;
    }
    char ep[256];
    snprintf(ep, sizeof ep, "%s:%d", cfg->zeromq_listen_address, cfg->server_heartbeat_port);
    if (zmq_bind(p->sock, ep) != 0) {
        LOG_ERROR("heartbeat publisher: bind %s: %s", ep, zmq_strerror(errno));
        return -1;
    }
    LOG_INFO("server heartbeats on %s every %d ms (server %s, incarnation %s)", ep,
             cfg->heartbeat_interval, p->server, p->incarnation);
    return 0;
}

int hb_publisher_beat(struct hb_publisher *p)
{
    json_t *msg = wire_msg_server_heartbeat(p->server, p->incarnation);
    struct wire_frames fr;
    if (!msg || wire_seal_rsa(msg, p->sequence, time_wall(), p->key, &fr) != 0) {
        json_decref(msg);
        p->failed++;
        LOG_ERROR("heartbeat publisher: could not build or sign heartbeat %lld",
                  (long long)p->sequence);
        return -1;
    }
    json_decref(msg);
    p->sequence++;
    int rc = 0;
    if (zmq_send(p->sock, fr.header, fr.header_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->sock, fr.body, fr.body_len, ZMQ_DONTWAIT) < 0) {
        p->failed++;
        LOG_WARN("heartbeat publisher: send failed: %s", zmq_strerror(errno));
        rc = -1;
    } else {
        p->sent++;
    }
    wire_frames_free(&fr);
    return rc;
}

void hb_publisher_close(struct hb_publisher *p)
{
    if (p->sock)
        zmq_close(p->sock);
    p->sock = NULL;
}
