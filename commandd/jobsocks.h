/* Connections from commandd to job processes: one PUSH per job, dialed on
 * demand to ipc://RUN_DIR/jobs/JOB_ID.ipc (the job process listens there),
 * cached, and closed after JOBSOCK_IDLE_MS without traffic. A job process
 * "exists" while its socket file does and accepts the connection. */
#ifndef PUSHY_COMMANDD_JOBSOCKS_H
#define PUSHY_COMMANDD_JOBSOCKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/config.h"

#define JOBSOCK_IDLE_MS 30000
#define JOBSOCK_CHECK_MS 1000 /* how long an existence check is trusted */
/* A lost connection to a job process is redialed after up to
 * JOBSOCK_REDIAL_MIN_MS, then less and less often (doubling, at most every
 * JOBSOCK_REDIAL_MAX_MS) until the job answers or the socket is swept. */
#define JOBSOCK_REDIAL_MIN_MS 100
#define JOBSOCK_REDIAL_MAX_MS 10000

enum jobsock_rc { JOBSOCK_SENT = 0, JOBSOCK_NO_JOB = -1, JOBSOCK_BUSY = -2 };

struct jobsocks;

struct jobsocks *jobsocks_new(const struct pushy_config *cfg);
void jobsocks_free(struct jobsocks *j);

/* Node replies travel in batches: one bus message carries up to
 * JOBSOCK_BATCH_REPLIES replies (JOBSOCK_BATCH_BYTES) of one job, one
 * compact JSON object per line ('\n' between them; compact JSON never
 * holds a raw newline). Per message, nng costs both processes several
 * system calls and thread hand-offs, which was most of a job process's
 * CPU time when every reply was its own message. */
#define JOBSOCK_BATCH_REPLIES 128
#define JOBSOCK_BATCH_BYTES (64u << 10)
/* At most one batch per job per JOBSOCK_BATCH_MS: a reply after a quiet
 * moment goes out at once, replies that follow it within that time wait
 * for the rest of it (a 1,000-node job's replies trickle in over ~100 ms
 * per phase; flushed every loop turn they made ~490 bus messages per job,
 * ~6 replies each). The price is at most that much latency per reply. */
#define JOBSOCK_BATCH_MS 2

/* Adds one reply (compact JSON text, len bytes, no newline) for job_id's
 * process to its batch; the batch goes out when full or from
 * jobsocks_flush. What the process's PUSH does not take at once (a burst
 * over its send buffer) waits in a bounded per-job overflow queue
 * (commandd/overflow.h) and goes out, in order, from jobsocks_pump.
 * JOBSOCK_NO_JOB when there is no such process, JOBSOCK_BUSY when the
 * reply was dropped (queue full, out of memory; logged). */
enum jobsock_rc jobsocks_send_text(struct jobsocks *j, const char *job_id, const char *text,
                                   size_t len, int64_t now_ms);
/* Same for a JSON object. */
enum jobsock_rc jobsocks_send(struct jobsocks *j, const char *job_id, const json_t *msg,
                              int64_t now_ms);
/* Sends the pending batches whose job's last batch went out at least
 * JOBSOCK_BATCH_MS ago, or every pending batch when all (call once per loop
 * turn, after the node messages of the turn); returns how many batches
 * went out or were queued. */
size_t jobsocks_flush(struct jobsocks *j, int64_t now_ms, bool all);
/* When the next pending batch is due (the loop wakes up then), or -1. */
int64_t jobsocks_next_flush(const struct jobsocks *j);
/* Whether job_id's process exists (its socket file; checked at most once
 * per JOBSOCK_CHECK_MS per job). */
bool jobsocks_exists(struct jobsocks *j, const char *job_id, int64_t now_ms);
/* Closes connections idle for JOBSOCK_IDLE_MS and forgets old checks. */
void jobsocks_sweep(struct jobsocks *j, int64_t now_ms);
size_t jobsocks_open_count(const struct jobsocks *j);
/* Retries the queued replies of every job (call every loop turn); returns
 * how many went out. */
size_t jobsocks_pump(struct jobsocks *j, int64_t now_ms);
/* How many batches of replies went to job processes (or their queues). */
uint64_t jobsocks_batch_count(const struct jobsocks *j);
/* Whether replies wait in some overflow queue (the loop should then wake
 * up soon to pump them). */
bool jobsocks_queued(const struct jobsocks *j);

#endif
