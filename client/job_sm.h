/* The node's job state machine (PROTOCOL-NOTES §4.4), as a pure function:
 * an input (a server command or a process event) and the facts the caller
 * looked up give the state change, the reply to send and what to do with
 * the process. No I/O, no clock.
 *
 *   idle --commit ok--> committed --run same id--> running --exit--> idle
 *   any --abort (no id, or this job's id)--> idle (the process is killed)
 *
 * | input    | condition                                   | reply        |
 * |----------|---------------------------------------------|--------------|
 * | commit   | not idle                                    | nack_commit  |
 * |          | invalid (no job_id/command, bad option)     | nack_commit  |
 * |          | server offline                              | nack_commit  |
 * |          | refused (not whitelisted, unsupported       | nack_commit  |
 * |          |   option, previous process still dying...)  |              |
 * |          | otherwise -> committed                      | ack_commit   |
 * | run      | committed and same job id -> running, START | ack_run      |
 * |          | otherwise (state unchanged)                 | nack_run     |
 * | abort    | naming another job than the current one:    | aborted with |
 * |          |   state unchanged, the current job goes on  | the named id |
 * |          | otherwise -> idle; KILL when running        | aborted with |
 * |          |                                             | the old id   |
 * |          |                                             | (null: idle) |
 * | exit     | running, same job id -> idle, REPORT        | succeeded /  |
 * |          |                                             | failed       |
 * |          | otherwise: stale, ignored                   | none         |
 * | ack      | ignored                                     | none         |
 * Nack replies carry the job id of the command (null when it had none).
 */
#ifndef PUSHY_CLIENT_JOB_SM_H
#define PUSHY_CLIENT_JOB_SM_H

#include <stdbool.h>

#include "shared/wire.h"

enum pc_job_state { PC_JOB_IDLE = 0, PC_JOB_COMMITTED, PC_JOB_RUNNING };

struct pc_job_sm {
    enum pc_job_state state;
    char job_id[WIRE_JOB_ID_MAX + 1]; /* "" when idle */
    bool capture;                     /* the commit asked for output */
};

enum pc_job_input { PC_IN_COMMIT, PC_IN_RUN, PC_IN_ABORT, PC_IN_EXIT, PC_IN_ACK };

struct pc_job_event {
    enum pc_job_input type;
    const char *job_id;       /* NULL: none */
    /* commit */
    const char *invalid;      /* wire_server_msg.invalid */
    bool server_online;
    const char *refused;      /* the caller's reason to refuse, or NULL */
    bool capture;
    /* exit */
    bool success;
};

enum pc_job_act { PC_ACT_NONE = 0, PC_ACT_START, PC_ACT_KILL, PC_ACT_REPORT };

struct pc_job_action {
    enum wire_msg_type reply;           /* WIRE_MSG_NONE: no reply */
    bool reply_has_job_id;
    char reply_job_id[WIRE_JOB_ID_MAX + 1];
    enum pc_job_act act;
    const char *reason;                 /* why (for the log), or NULL */
};

/* Applies ev to sm and fills out. */
void pc_job_step(struct pc_job_sm *sm, const struct pc_job_event *ev, struct pc_job_action *out);

/* "idle" | "committed" | "running" (heartbeat job_state). */
const char *pc_job_state_name(enum pc_job_state s);

#endif
