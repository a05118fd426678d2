/* A bounded FIFO of serialized bus messages, one per job process: what
 * commandd could not hand to a job's nng PUSH at once (its send buffer,
 * JOB_SENDBUF messages, was full during a reply burst) waits here, in
 * arrival order, and is retried on every loop turn. Bounded by message
 * count and bytes; a push over either bound is refused (the caller logs
 * and counts the drop). Pure code: no sockets, no clock. */
#ifndef PUSHY_COMMANDD_OVERFLOW_H
#define PUSHY_COMMANDD_OVERFLOW_H

#include <stdbool.h>
#include <stddef.h>

/* Counts messages, each a batch of 1..JOBSOCK_BATCH_REPLIES replies
 * (jobsocks.h): still enough were every reply its own batch (> 20,000
 * nodes x 3 replies + heartbeat slack); OVERFLOW_MAX_BYTES binds first. */
#define OVERFLOW_MAX_BATCHES 200000
#define OVERFLOW_MAX_BYTES (64u << 20)   /* per job */

struct overflow_item {
    char *data; /* owned, malloc'd */
    size_t len;
};

struct overflow {
    struct overflow_item *items; /* ring buffer */
    size_t cap, head, count;
    size_t bytes;
    size_t max_msgs, max_bytes;
};

/* An empty queue with the given bounds (0 = the defaults above). */
void overflow_init(struct overflow *q, size_t max_msgs, size_t max_bytes);
/* Frees every queued message. */
void overflow_free(struct overflow *q);

/* Appends data (ownership passes to the queue on success only).
 * 0, or -1 when a bound would be exceeded or out of memory. */
int overflow_push(struct overflow *q, char *data, size_t len);
/* The oldest message, or NULL when empty (still owned by the queue). */
const struct overflow_item *overflow_peek(const struct overflow *q);
/* Removes and frees the oldest message (no-op when empty). */
void overflow_pop(struct overflow *q);

static inline bool overflow_empty(const struct overflow *q) { return q->count == 0; }
static inline size_t overflow_count(const struct overflow *q) { return q->count; }
static inline size_t overflow_bytes(const struct overflow *q) { return q->bytes; }

#endif
