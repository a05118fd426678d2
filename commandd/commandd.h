/* commandd's process state and the pieces of its event loop:
 *  - inbound.c:  the ROUTER side: frames, ZAP user id, verification,
 *                sessions, routing to heartbeatd and job processes;
 *  - outbound.c: sealing and sending to nodes (abort, ack, and the
 *                `commands` bus fan-out);
 *  - commandd_main.c: sockets, timers, the loop.
 * Single-threaded except for the ZAP handler (zap.h). */
#ifndef PUSHY_COMMANDD_COMMANDD_H
#define PUSHY_COMMANDD_COMMANDD_H

#include <jansson.h>
#include <nng/nng.h>
#include <stdint.h>

#include "commandd/hbbatch.h"
#include "commandd/jobsocks.h"
#include "commandd/ratelimit.h"
#include "commandd/sessions.h"
#include "shared/config.h"
#include "shared/db.h"

#define COMMANDD_REHAB_MS 1000      /* abort resend interval (the original's rehab timer) */
#define COMMANDD_DROP_LOGS_PER_S 20 /* drop log lines per second; the rest are counted */
#define COMMANDD_HB_BATCH_MAX 1000  /* heartbeats per bus message to heartbeatd */
#define COMMANDD_DB_RETRY_MS 1000   /* back-off after a database error */

struct commandd_stats {
    uint64_t received, verified, dropped, throttled;
    uint64_t heartbeats, hb_forward_failed, hb_batches;
    uint64_t job_replies, sent, send_failed, unreachable;
};

struct commandd {
    const struct pushy_config *cfg;
    void *zctx;
    void *router;
    nng_socket commands;   /* PULL, listen */
    nng_socket heartbeats; /* PUSH, dial heartbeatd */
    nng_socket events;     /* SUB, dial heartbeatd's node-events */
    struct sessions *sessions;
    struct jobsocks *jobs;
    struct db db;
    struct token_bucket admit;
    int64_t db_retry_at;   /* after a database error, no new attempt before this */
    struct hb_batch hb_batch; /* heartbeats for heartbeatd, sent once per loop turn */
    struct commandd_stats st;
    /* drop log rate limit */
    int64_t droplog_second;
    int droplog_count;
    uint64_t droplog_suppressed;
};

/* inbound.c: receives and handles up to max ROUTER messages; returns how
 * many were read (0: none waiting). */
int inbound_drain(struct commandd *c, int max);
/* Sends the heartbeats collected since the last call to heartbeatd as one
 * bus message (never blocking: if heartbeatd is not taking them, they are
 * dropped; the next ones count). */
void inbound_flush_heartbeats(struct commandd *c);
/* The peer of an inbound message, described only when something is logged. */
struct peer {
    const unsigned char *rid;
    size_t rid_len;
    const char *user;       /* ZAP user id, or NULL */
    bool described;
    char text[160];
};
/* "peer=<routing id hex> user=<zap user id>", untrusted bytes made safe. */
const char *peer_str(struct peer *p);
/* Logs a dropped inbound message (rate limited, counted). */
void inbound_drop(struct commandd *c, struct peer *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* outbound.c */
/* Seals msg for n (next sequence number, its session key) and sends it to
 * n's current routing id without blocking. 0, or -1 (logged). */
int outbound_send(struct commandd *c, struct cnode *n, json_t *msg);
int outbound_abort(struct commandd *c, struct cnode *n);
int outbound_ack(struct commandd *c, struct cnode *n);
/* Handles one `commands` bus message: {"type":"send","org","nodes","message"}. */
void outbound_command(struct commandd *c, json_t *cmd);

#endif
