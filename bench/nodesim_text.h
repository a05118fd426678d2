/* nodesim: the messages a node sends (heartbeats and job replies), written
 * as text straight into a caller's buffer and signed with the node's keyed
 * HMAC context. The bytes are exactly those of wire_msg_node_heartbeat /
 * wire_msg_node_event sealed by wire_seal_hmac (jansson's compact dump:
 * members in insertion order, its string escapes), which is what
 * pushy-client sends; building and dumping a jansson tree per message and
 * two mallocs per frame were a large part of the simulator's CPU. */
#ifndef PUSHY_BENCH_NODESIM_TEXT_H
#define PUSHY_BENCH_NODESIM_TEXT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/wire.h"

/* Enough for any body nodesim writes: four names of <= 255 bytes, each
 * escaped at most 6x, plus the fixed members. */
#define NST_BODY_MAX 8192
/* "Version:2.0;SigningMethod:hmac_sha256;Signature:" + 44 base64 + NUL */
#define NST_HEADER_MAX 96

/* All strings valid UTF-8 (the caller checks; jansson would refuse others). */
struct nst_ident {
    const char *node, *client, *org, *incarnation_id;
};

/* The body of a heartbeat (type WIRE_MSG_HEARTBEAT, job_state required) or
 * a job event (ack_commit .. aborted; job_state ignored; with_output adds
 * "stdout":"" and "stderr":"" as a reply with capture does), job_id NULL
 * for null, then "sequence" and "timestamp" (RFC 1123 text). Returns the
 * length written (NUL-terminated), or -1 (bad type or argument, cap too
 * small). */
long nst_body(char *out, size_t cap, const struct nst_ident *id, enum wire_msg_type type,
              const char *job_state, const char *job_id, bool with_output, int64_t sequence,
              const char *timestamp);

/* Appends s as a JSON string (quotes included) escaped as jansson dumps
 * it; returns the new length, or -1 when it does not fit cap (with the
 * NUL). */
long nst_json_string(char *out, size_t cap, size_t len, const char *s);

#endif
