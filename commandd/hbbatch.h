/* The batch of verified heartbeats commandd hands to heartbeatd once per
 * loop turn, written as JSON text directly (no per-heartbeat objects):
 *   {"type":"heartbeats","items":[[ORG,NODE,INCARNATION_ID,JOB_STATE,JOB_ID|null],...]}
 * (docs/internals.md). One bus message per turn instead of one per
 * heartbeat keeps the bus cost constant as the fleet grows. */
#ifndef PUSHY_COMMANDD_HBBATCH_H
#define PUSHY_COMMANDD_HBBATCH_H

#include <stdbool.h>
#include <stddef.h>

struct hb_batch {
    char *buf;
    size_t len, cap;
    size_t count;
    bool failed;        /* out of memory since the last reset */
};

void hb_batch_init(struct hb_batch *b);
void hb_batch_free(struct hb_batch *b);
/* Appends one heartbeat (job_id NULL: null). Strings are JSON-escaped.
 * 0, or -1 on out of memory (the batch is then dropped at finish). */
int hb_batch_add(struct hb_batch *b, const char *org, const char *node, const char *incarnation,
                 const char *job_state, const char *job_id);
/* The complete message text (NUL-terminated) and its length, or NULL when
 * the batch is empty or failed. Valid until the next reset. */
const char *hb_batch_finish(struct hb_batch *b, size_t *len);
/* Empties the batch (keeps the buffer). */
void hb_batch_reset(struct hb_batch *b);

#endif
