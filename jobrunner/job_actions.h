/* Turning job FSM actions (jobrunner/job_fsm.h) into what leaves a job
 * process: transition reports for jobrunner (jobrunner/job_link.h), the
 * job event objects jobrunner stores, and node commands grouped into
 * few bus messages. Used by the job process and by jobrunner's crash and
 * abort recovery, so both speak the same vocabulary. Pure code.
 *
 * Job event (stored by jobrunner, served by apid's feeds; the PUB
 * job-events bus carries only a notice naming the job, event_notice.h),
 * one object per FSM event:
 *   {"type":"job_event","org":O,"job_id":J,"event":"quorum_vote",
 *    "timestamp":"2026-11-25 08:00:00.123456Z","node":"n1","status":"success"}
 * node/status only where the event has them; `start` also carries the
 * job's command, quorum, run_timeout, node_count, user and options.
 *
 * Node commands (PUSH commands, docs/internals.md): one bus message per
 * kind and per JOB_SEND_CHUNK nodes (fewer when their names are long, so a
 * message stays well under nng's default 1 MB receive limit):
 *   {"type":"send","org":O,"nodes":["n1",...],"message":{"type":"commit",...}} */
#ifndef PUSHY_JOB_ACTIONS_H
#define PUSHY_JOB_ACTIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "jobrunner/job_fsm.h"
#include "shared/textbuf.h"

#define JOB_SEND_CHUNK 5000              /* nodes per bus message, at most */
#define JOB_SEND_CHUNK_BYTES (512u << 10) /* and about this many bytes of names */

/* What events need to know about the job. */
struct job_ctx {
    const char *org;
    const char *job_id;
    json_t *start_extra;  /* borrowed, may be NULL: fields merged into `start` */
    /* A nack's reason (may be NULL): added as "reason" to reason_node's
     * quorum_vote and run_complete events. */
    const char *reason_node;
    const char *reason;
};

enum job_send_kind { JOB_SEND_COMMIT, JOB_SEND_RUN, JOB_SEND_ABORT, JOB_SEND_KINDS };

/* Everything one input produced, in execution order: reports first (so
 * that jobrunner knows a job started before any node hears of it), then
 * the node commands. */
struct job_outbox {
    struct textbuf reports;          /* job_link report lines, each ending in '\n' */
    size_t nreports;
    json_t *sends[JOB_SEND_KINDS];   /* arrays of node names */
};

int job_outbox_init(struct job_outbox *o);  /* 0, or -1 when out of memory */
void job_outbox_clear(struct job_outbox *o); /* empties, keeps the arrays */
void job_outbox_free(struct job_outbox *o);
size_t job_outbox_sends(const struct job_outbox *o); /* nodes to message, all kinds */
/* The report lines parsed into an array of objects (for tests; NULL when
 * a line is not JSON or out of memory). */
json_t *job_outbox_reports_json(const struct job_outbox *o);

/* Appends the translation of n actions at time at_us. Timer actions need
 * no output (the caller polls job_fsm_deadline). 0, or -1 when out of
 * memory (the outbox may then hold part of the actions). */
int job_outbox_add(struct job_outbox *o, const struct job_ctx *ctx,
                   const struct job_action *acts, size_t n, int64_t at_us);

/* One job event for an EVENT action (NULL when out of memory). */
json_t *job_event_json(const struct job_ctx *ctx, const struct job_action *a, int64_t at_us);
/* The same event's report line ({"type":"event","event":{...}} and '\n'),
 * appended to t: written directly when every string is plain (the same
 * bytes json_dumps gives), through jansson otherwise. 0 or -1 (memory). */
int job_event_line(struct textbuf *t, const struct job_ctx *ctx, const struct job_action *a,
                   int64_t at_us);

/* Where the chunk of nodes starting at `from` ends (exclusive): at most
 * JOB_SEND_CHUNK names and, beyond the first, JOB_SEND_CHUNK_BYTES. */
size_t job_send_chunk_end(const json_t *nodes, size_t from);

/* The bus message sending `message` (borrowed) to nodes[from .. to). */
json_t *job_send_msg(const char *org, const json_t *nodes, size_t from, size_t to,
                     json_t *message);

#endif
