/* The internal nng bus: endpoint names and small helpers. Every endpoint
 * is ipc://RUN_DIR/NAME.ipc; the listener of each is fixed below, everyone
 * else dials (nng re-dials in the background after a peer restarts). */
#ifndef PUSHY_BUS_H
#define PUSHY_BUS_H

#include <jansson.h>
#include <nng/nng.h>
#include <stddef.h>

#include "shared/config.h"

#define BUS_CONTROL     "control"     /* REP, pushyd: pushy-ctl requests */
#define BUS_HEARTBEATS  "heartbeats"  /* PULL, heartbeatd: verified node heartbeats from commandd */
#define BUS_NODE_EVENTS "node-events" /* PUB, heartbeatd: node up/down transitions */
#define BUS_COMMANDS    "commands"    /* PULL, commandd: messages to send to nodes */
#define BUS_JOBRUNNER   "jobrunner"   /* REP, jobrunner: start/abort job requests */
#define BUS_JOB_EVENTS  "job-events"  /* PUB, jobrunner: per commit, which jobs/orgs got events */

/* ipc://RUN_DIR/NAME.ipc; -1 if it does not fit. */
int bus_url(const struct pushy_config *cfg, const char *name, char *out, size_t outlen);

/* Listens on the named endpoint of an opened socket (removing a stale
 * socket file first). 0 or -1 (logged). */
int bus_listen(nng_socket s, const struct pushy_config *cfg, const char *name);
/* Dials without waiting for the peer; nng keeps re-dialing. 0 or -1. */
int bus_dial(nng_socket s, const struct pushy_config *cfg, const char *name);

/* Sends a JSON object (compact). flags: 0 or NNG_FLAG_NONBLOCK. 0 or -1. */
int bus_send_json(nng_socket s, const json_t *msg, int flags);
/* Receives one message (*buf, *len; release with nng_free). 0, or -1 when
 * none came (timeout, closed, nothing waiting; any other error logged). */
int bus_recv_bytes(nng_socket s, int flags, char **buf, size_t *len);
/* Receives one JSON object; NULL on error, timeout or a non-object (logged). */
json_t *bus_recv_json(nng_socket s, int flags);

/* The file descriptor that polls readable when a message can be received. */
int bus_recv_fd(nng_socket s);

#endif
