/* The node -> server job event messages, and fitting captured output into
 * them: with output, "stdout" and "stderr" keep the head of each stream and
 * end with a truncation marker when anything was dropped, cut so that the
 * serialized body, once sequence and timestamp are added, is at most
 * max_body bytes. (The original drops both streams whole when they are too
 * large.) A stream that is not valid UTF-8 (or holds NUL) also goes as
 * "stdout_b64"/"stderr_b64", base64 of its exact bytes (a Pushy extension:
 * the text form has U+FFFD in their place; the original server ignores the
 * extra field). */
#ifndef PUSHY_CLIENT_REPORT_H
#define PUSHY_CLIENT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "client/capture.h"
#include "shared/wire.h"

/* Room kept for "sequence" and "timestamp", added when the message is sealed. */
#define PC_SEAL_OVERHEAD 100

/* Valid UTF-8 without NUL bytes? */
bool pc_report_text_exact(const unsigned char *p, size_t n);

/* out/err NULL: no output fields. NULL on out of memory. */
json_t *pc_report_event(const struct wire_node_ident *id, enum wire_msg_type type,
                        const char *job_id, const struct pc_capture *out,
                        const struct pc_capture *err, size_t max_body);

#endif
