/* Decisions jobrunner makes about jobs without a live job process, as
 * pure functions:
 *  - a job process exited: was its job finished, or is it crashed?
 *  - a job found new/voting/running in the database (at start-up, after a
 *    job process died, or by the periodic sweep) ends `crashed`; an abort
 *    request for such a job ends it `aborted`. Which nodes change, which
 *    get `abort`, which events go out: the job FSM (job_fsm_load +
 *    job_fsm_crash/abort) decides, so the rules are the same as in a live
 *    job (a node only gets `abort` when the job had started, i.e. it may
 *    have heard `commit`).
 *  - what an abort request gets for a job that is not live. */
#ifndef PUSHY_JOB_RECOVERY_H
#define PUSHY_JOB_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobrunner/job_actions.h"
#include "jobrunner/job_fsm.h"

/* A job process is gone: its job must be crashed unless the last job state
 * it reported was terminal (how it exited does not matter then). */
bool recovery_exit_needs_crash(bool reported_terminal);

enum recovery_kind { RECOVERY_CRASH, RECOVERY_ABORT };

/* Ends a job read back from the database: state and node states (job
 * order). On 0 the outbox (initialized by the caller) holds the job_state
 * and node_state reports to persist, the events to publish and the nodes to
 * send `abort`. Returns 1 when the job is already terminal (nothing to do),
 * -1 on bad input or out of memory (message in err). */
int recovery_end_job(enum recovery_kind kind, const struct job_ctx *ctx, enum job_state state,
                     const char *const *nodes, const enum job_node_state *states, size_t n,
                     int64_t at_us, struct job_outbox *out, char *err, size_t errlen);

/* The answer to an abort request for a job that has no live process. */
enum abort_answer {
    ABORT_NOT_FOUND,  /* 404: no such job in this org */
    ABORT_FINISHED,   /* 409: already terminal */
    ABORT_END_IT,     /* non-terminal leftover: end it `aborted` now */
};
enum abort_answer recovery_abort_answer(bool found, enum job_state state);

#endif
