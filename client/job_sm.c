#include "client/job_sm.h"

#include <stdio.h>
#include <string.h>

const char *pc_job_state_name(enum pc_job_state s)
{
    switch (s) {
    case PC_JOB_COMMITTED: return "committed";
    case PC_JOB_RUNNING: return "running";
    default: return "idle";
    }
}

static void reply(struct pc_job_action *out, enum wire_msg_type type, const char *job_id)
{
    out->reply = type;
    out->reply_has_job_id = job_id && *job_id;
    snprintf(out->reply_job_id, sizeof out->reply_job_id, "%s", out->reply_has_job_id ? job_id : "");
}

static bool same_job(const struct pc_job_sm *sm, const char *job_id)
{
    return job_id && *job_id && strcmp(sm->job_id, job_id) == 0;
}

static void go_idle(struct pc_job_sm *sm)
{
    sm->state = PC_JOB_IDLE;
    sm->job_id[0] = '\0';
    sm->capture = false;
}

static void commit(struct pc_job_sm *sm, const struct pc_job_event *ev, struct pc_job_action *out)
{
    const char *why = NULL;
    if (sm->state != PC_JOB_IDLE)
        why = sm->state == PC_JOB_RUNNING ? "busy: a job is running" : "busy: a job is committed";
    else if (ev->invalid)
        why = ev->invalid;
    else if (!ev->job_id || !*ev->job_id)
        why = "missing job_id";
    else if (!ev->server_online)
        why = "server is offline (no server heartbeats)";
    else if (ev->refused)
        why = ev->refused;
    if (why) {
        reply(out, WIRE_MSG_NACK_COMMIT, ev->job_id);
        out->reason = why;
        return;
    }
    sm->state = PC_JOB_COMMITTED;
    snprintf(sm->job_id, sizeof sm->job_id, "%s", ev->job_id);
    sm->capture = ev->capture;
    reply(out, WIRE_MSG_ACK_COMMIT, ev->job_id);
}

void pc_job_step(struct pc_job_sm *sm, const struct pc_job_event *ev, struct pc_job_action *out)
{
    memset(out, 0, sizeof *out);
    switch (ev->type) {
    case PC_IN_COMMIT:
        commit(sm, ev, out);
        break;
    case PC_IN_RUN:
        if (sm->state == PC_JOB_COMMITTED && same_job(sm, ev->job_id)) {
            sm->state = PC_JOB_RUNNING;
            out->act = PC_ACT_START;
            reply(out, WIRE_MSG_ACK_RUN, ev->job_id);
        } else {
            out->reason = sm->state == PC_JOB_COMMITTED ? "run for another job than the committed one"
                          : sm->state == PC_JOB_RUNNING ? "already running"
                                                         : "run without a commit";
            reply(out, WIRE_MSG_NACK_RUN, ev->job_id);
        }
        break;
    case PC_IN_ABORT:
        /* An abort naming another job (a late rehab for a job this node
         * already left) must not kill the job it runs now; an abort with
         * no job id (the server's availability handshake) aborts anything. */
        if (sm->state != PC_JOB_IDLE && ev->job_id && *ev->job_id && !same_job(sm, ev->job_id)) {
            reply(out, WIRE_MSG_ABORTED, ev->job_id);
            out->reason = "abort for another job: the current job goes on";
            break;
        }
        reply(out, WIRE_MSG_ABORTED, sm->job_id);
        if (sm->state == PC_JOB_RUNNING)
            out->act = PC_ACT_KILL;
        go_idle(sm);
        break;
    case PC_IN_EXIT:
        if (sm->state == PC_JOB_RUNNING && same_job(sm, ev->job_id)) {
            reply(out, ev->success ? WIRE_MSG_SUCCEEDED : WIRE_MSG_FAILED, sm->job_id);
            out->act = PC_ACT_REPORT;
            go_idle(sm);
        } else {
            out->reason = "exit of a process that is no longer the job";
        }
        break;
    case PC_IN_ACK:
        break;
    }
}
