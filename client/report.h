/* The node -> server job event messages, and fitting captured output into
 * them: with output, "stdout" and "stderr" keep the head of each stream and
 * end with a truncation marker when anything was dropped, cut so that the
 * serialized body, once sequence and timestamp are added, is at most
 * max_body bytes. (The original drops both streams whole when they are too
 * large.) */
#ifndef PUSHY_CLIENT_REPORT_H
#define PUSHY_CLIENT_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "client/capture.h"
#include "shared/wire.h"

/* Room kept for "sequence" and "timestamp", added when the message is sealed. */
#define PC_SEAL_OVERHEAD 100

/* out/err NULL: no output fields. NULL on out of memory. */
json_t *pc_report_event(const struct wire_node_ident *id, enum wire_msg_type type,
                        const char *job_id, const struct pc_capture *out,
                        const struct pc_capture *err, size_t max_body);

#endif
