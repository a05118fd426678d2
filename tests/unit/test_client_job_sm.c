/* The node's job state machine (client/job_sm.c): each transition of the
 * table in job_sm.h, with the exact reply and action. */
#include <criterion/criterion.h>
#include <string.h>

#include "client/job_sm.h"

static struct pc_job_sm sm;
static struct pc_job_action act;

static void setup(void) { memset(&sm, 0, sizeof sm); }
TestSuite(client_job_sm, .init = setup);

static void commit(const char *id, bool online, const char *refused, const char *invalid)
{
    struct pc_job_event ev = { .type = PC_IN_COMMIT, .job_id = id, .server_online = online,
                               .refused = refused, .invalid = invalid, .capture = true };
    pc_job_step(&sm, &ev, &act);
}

static void simple(enum pc_job_input t, const char *id)
{
    struct pc_job_event ev = { .type = t, .job_id = id };
    pc_job_step(&sm, &ev, &act);
}

static void exited(const char *id, bool ok)
{
    struct pc_job_event ev = { .type = PC_IN_EXIT, .job_id = id, .success = ok };
    pc_job_step(&sm, &ev, &act);
}

static void expect(enum wire_msg_type reply, const char *reply_id, enum pc_job_act a,
                   enum pc_job_state st)
{
    cr_expect_eq(act.reply, reply, "reply %s, want %s", wire_msg_type_name(act.reply),
                 wire_msg_type_name(reply));
    if (reply_id) {
        cr_expect(act.reply_has_job_id, "reply should carry a job id");
        cr_expect_str_eq(act.reply_job_id, reply_id);
    } else {
        cr_expect_not(act.reply_has_job_id, "reply job id should be null");
    }
    cr_expect_eq(act.act, a, "action %d want %d", act.act, a);
    cr_expect_eq(sm.state, st, "state %s want %s", pc_job_state_name(sm.state),
                 pc_job_state_name(st));
}

Test(client_job_sm, happy_path_succeeded)
{
    commit("j1", true, NULL, NULL);
    expect(WIRE_MSG_ACK_COMMIT, "j1", PC_ACT_NONE, PC_JOB_COMMITTED);
    cr_expect(sm.capture);
    simple(PC_IN_RUN, "j1");
    expect(WIRE_MSG_ACK_RUN, "j1", PC_ACT_START, PC_JOB_RUNNING);
    exited("j1", true);
    expect(WIRE_MSG_SUCCEEDED, "j1", PC_ACT_REPORT, PC_JOB_IDLE);
    cr_expect_str_eq(sm.job_id, "");
}

Test(client_job_sm, failed_exit)
{
    commit("j1", true, NULL, NULL);
    simple(PC_IN_RUN, "j1");
    exited("j1", false);
    expect(WIRE_MSG_FAILED, "j1", PC_ACT_REPORT, PC_JOB_IDLE);
}

Test(client_job_sm, commit_refusals_keep_idle)
{
    commit("j1", false, NULL, NULL);
    expect(WIRE_MSG_NACK_COMMIT, "j1", PC_ACT_NONE, PC_JOB_IDLE);
    cr_expect(strstr(act.reason, "offline") != NULL);
    commit("j2", true, "command 'x' is not in the whitelist", NULL);
    expect(WIRE_MSG_NACK_COMMIT, "j2", PC_ACT_NONE, PC_JOB_IDLE);
    cr_expect_str_eq(act.reason, "command 'x' is not in the whitelist");
    commit("j3", true, NULL, "missing command");
    expect(WIRE_MSG_NACK_COMMIT, "j3", PC_ACT_NONE, PC_JOB_IDLE);
    commit(NULL, true, NULL, "missing job_id");
    expect(WIRE_MSG_NACK_COMMIT, NULL, PC_ACT_NONE, PC_JOB_IDLE);
    commit("", true, NULL, NULL);
    expect(WIRE_MSG_NACK_COMMIT, NULL, PC_ACT_NONE, PC_JOB_IDLE);
}

Test(client_job_sm, offline_server_does_not_stop_a_running_job)
{
    commit("j1", true, NULL, NULL);
    simple(PC_IN_RUN, "j1");
    /* the server goes offline: new work is refused ... */
    commit("j2", false, NULL, NULL);
    expect(WIRE_MSG_NACK_COMMIT, "j2", PC_ACT_NONE, PC_JOB_RUNNING);
    /* ... the current one still finishes and reports */
    exited("j1", true);
    expect(WIRE_MSG_SUCCEEDED, "j1", PC_ACT_REPORT, PC_JOB_IDLE);
}

Test(client_job_sm, busy_nacks_commit)
{
    commit("j1", true, NULL, NULL);
    commit("j2", true, NULL, NULL);
    expect(WIRE_MSG_NACK_COMMIT, "j2", PC_ACT_NONE, PC_JOB_COMMITTED);
    cr_expect_str_eq(sm.job_id, "j1");
    commit("j1", true, NULL, NULL); /* even the same job: the original does too */
    expect(WIRE_MSG_NACK_COMMIT, "j1", PC_ACT_NONE, PC_JOB_COMMITTED);
    simple(PC_IN_RUN, "j1");
    commit("j3", true, NULL, NULL);
    expect(WIRE_MSG_NACK_COMMIT, "j3", PC_ACT_NONE, PC_JOB_RUNNING);
}

Test(client_job_sm, run_mismatches_nack)
{
    simple(PC_IN_RUN, "j1");
    expect(WIRE_MSG_NACK_RUN, "j1", PC_ACT_NONE, PC_JOB_IDLE);
    commit("j1", true, NULL, NULL);
    simple(PC_IN_RUN, "j2");
    expect(WIRE_MSG_NACK_RUN, "j2", PC_ACT_NONE, PC_JOB_COMMITTED);
    simple(PC_IN_RUN, NULL);
    expect(WIRE_MSG_NACK_RUN, NULL, PC_ACT_NONE, PC_JOB_COMMITTED);
    simple(PC_IN_RUN, "j1");
    expect(WIRE_MSG_ACK_RUN, "j1", PC_ACT_START, PC_JOB_RUNNING);
    simple(PC_IN_RUN, "j1");
    expect(WIRE_MSG_NACK_RUN, "j1", PC_ACT_NONE, PC_JOB_RUNNING);
}

Test(client_job_sm, abort_always_replies)
{
    simple(PC_IN_ABORT, NULL);
    expect(WIRE_MSG_ABORTED, NULL, PC_ACT_NONE, PC_JOB_IDLE);
    simple(PC_IN_ABORT, "whatever");
    expect(WIRE_MSG_ABORTED, NULL, PC_ACT_NONE, PC_JOB_IDLE);
    commit("j1", true, NULL, NULL);
    simple(PC_IN_ABORT, NULL);
    expect(WIRE_MSG_ABORTED, "j1", PC_ACT_NONE, PC_JOB_IDLE);
    commit("j2", true, NULL, NULL);
    simple(PC_IN_RUN, "j2");
    simple(PC_IN_ABORT, "j2");
    expect(WIRE_MSG_ABORTED, "j2", PC_ACT_KILL, PC_JOB_IDLE);
    /* the killed process's exit is stale now */
    exited("j2", false);
    expect(WIRE_MSG_NONE, NULL, PC_ACT_NONE, PC_JOB_IDLE);
}

Test(client_job_sm, abort_for_another_job_leaves_the_current_one)
{
    commit("j1", true, NULL, NULL);
    simple(PC_IN_RUN, "j1");
    simple(PC_IN_ABORT, "old-job");
    expect(WIRE_MSG_ABORTED, "old-job", PC_ACT_NONE, PC_JOB_RUNNING);
    simple(PC_IN_ABORT, "j1");
    expect(WIRE_MSG_ABORTED, "j1", PC_ACT_KILL, PC_JOB_IDLE);
    commit("j2", true, NULL, NULL);
    simple(PC_IN_ABORT, "old-job");
    expect(WIRE_MSG_ABORTED, "old-job", PC_ACT_NONE, PC_JOB_COMMITTED);
    simple(PC_IN_ABORT, NULL);
    expect(WIRE_MSG_ABORTED, "j2", PC_ACT_NONE, PC_JOB_IDLE);
}

Test(client_job_sm, stale_exit_and_ack_ignored)
{
    commit("j1", true, NULL, NULL);
    simple(PC_IN_RUN, "j1");
    exited("other", true);
    expect(WIRE_MSG_NONE, NULL, PC_ACT_NONE, PC_JOB_RUNNING);
    simple(PC_IN_ACK, NULL);
    expect(WIRE_MSG_NONE, NULL, PC_ACT_NONE, PC_JOB_RUNNING);
    cr_expect_str_eq(pc_job_state_name(PC_JOB_RUNNING), "running");
    cr_expect_str_eq(pc_job_state_name(PC_JOB_COMMITTED), "committed");
    cr_expect_str_eq(pc_job_state_name(PC_JOB_IDLE), "idle");
}
