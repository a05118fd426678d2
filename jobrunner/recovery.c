#include "jobrunner/recovery.h"

#include <stdio.h>

bool recovery_exit_needs_crash(bool reported_terminal)
{
    return !reported_terminal;
}

enum abort_answer recovery_abort_answer(bool found, enum job_state state)
{
    if (!found)
        return ABORT_NOT_FOUND;
    return job_state_is_terminal(state) ? ABORT_FINISHED : ABORT_END_IT;
}

int recovery_end_job(enum recovery_kind kind, const struct job_ctx *ctx, enum job_state state,
                     const char *const *nodes, const enum job_node_state *states, size_t n,
                     int64_t at_us, struct job_outbox *out, char *err, size_t errlen)
{
    if ((unsigned)state >= JOB_STATE_COUNT) {
        snprintf(err, errlen, "job %s: unknown state %d", ctx->job_id, (int)state);
        return -1;
    }
    if (job_state_is_terminal(state))
        return 1;
    /* Quorum and timeouts do not matter to crash/abort. */
    struct job_fsm_params p = { .job_id = ctx->job_id, .quorum = 0,
                                .voting_timeout_ms = 1, .run_timeout_ms = 1 };
    struct job_fsm *f = job_fsm_new(&p, nodes, n, err, errlen);
    if (!f)
        return -1;
    int rc = -1;
    if (job_fsm_load(f, state, states) != JOB_FSM_OK) {
        snprintf(err, errlen, "job %s: states read back are invalid", ctx->job_id);
        goto out;
    }
    enum job_fsm_result r = kind == RECOVERY_ABORT ? job_fsm_abort(f) : job_fsm_crash(f);
    if (r != JOB_FSM_OK) {
        snprintf(err, errlen, "job %s: %s", ctx->job_id, job_fsm_result_str(r));
        goto out;
    }
    size_t nacts;
    const struct job_action *acts = job_fsm_actions(f, &nacts);
    if (job_outbox_add(out, ctx, acts, nacts, at_us)) {
        snprintf(err, errlen, "job %s: out of memory", ctx->job_id);
        goto out;
    }
    rc = 0;
out:
    job_fsm_free(f);
    return rc;
}
