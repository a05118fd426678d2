/* heartbeatd's fast reader of commandd's heartbeat batches,
 *   {"type":"heartbeats","items":[[ORG,NODE,INCARNATION,JOB_STATE,JOB_ID],...]}
 * exactly as commandd/hbbatch.c writes them when no string needs an escape
 * (the usual case): no tree is built, the items are handed over one by
 * one. Anything else (escapes, other shapes, whitespace, over-long names)
 * is refused before any item is handed over, and the caller parses the
 * message with jansson as before: the outcome is the same either way. */
#ifndef PUSHY_HEARTBEATD_HBSCAN_H
#define PUSHY_HEARTBEATD_HBSCAN_H

#include <stddef.h>

/* org, node and incarnation are NUL-terminated and valid for the call. */
typedef void (*hb_scan_fn)(void *ctx, const char *org, const char *node, const char *incarnation);

/* The number of items handed to fn, or -1 (nothing handed over: use the
 * full parser). */
long hb_scan_batch(const char *buf, size_t len, hb_scan_fn fn, void *ctx);

#endif
