/* The server heartbeat broadcast: a ZeroMQ PUB bound on
 * zeromq_listen_address:server_heartbeat_port publishing, every
 * heartbeat_interval, {"server","type":"heartbeat","incarnation_id",
 * "sequence","timestamp"} signed rsa2048_sha1 with the server key (two
 * frames, no topic), as the original's pushy_heartbeat_generator. A
 * subscriber that does not keep up loses beats (tiny high-water mark):
 * only the newest counts. */
#ifndef PUSHY_HEARTBEATD_PUBLISHER_H
#define PUSHY_HEARTBEATD_PUBLISHER_H

#include <openssl/evp.h>
#include <stdint.h>

#include "shared/config.h"

#define PUBLISHER_SNDHWM 4

struct hb_publisher {
    void *sock;
    EVP_PKEY *key;          /* borrowed */
    char server[256];
    char incarnation[64];
    int64_t sequence;       /* next one; starts at 0 */
    uint64_t sent, failed;
};

/* Binds the PUB socket. 0 or -1 (logged). */
int hb_publisher_open(struct hb_publisher *p, void *zctx, const struct pushy_config *cfg,
                      EVP_PKEY *key, const char *incarnation);
/* Publishes one signed heartbeat (never blocks). 0 or -1 (logged). */
int hb_publisher_beat(struct hb_publisher *p);
void hb_publisher_close(struct hb_publisher *p);

#endif
