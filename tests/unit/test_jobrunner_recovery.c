/* Crash and abort decisions for jobs without a live process
 * (jobrunner/recovery.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "jobrunner/recovery.h"

#define JOB "0123456789abcdef0123456789abcdef"

static struct job_outbox out;
static struct job_ctx ctx = { .org = "acme", .job_id = JOB, .start_extra = NULL };
static char err[256];

static void setup(void) { cr_assert_eq(job_outbox_init(&out), 0); }
static void teardown(void) { job_outbox_free(&out); }

TestSuite(recovery, .init = setup, .fini = teardown);

/* "job:crashed n1:crashed ..." from the reports, in order. */
static const char *reports(void)
{
    static char buf[2048];
    buf[0] = '\0';
    size_t i;
    json_t *r;
    json_t *reps = job_outbox_reports_json(&out);
    cr_assert_not_null(reps);
    json_array_foreach(reps, i, r) {
        const char *type = json_string_value(json_object_get(r, "type"));
        char one[128];
        if (!strcmp(type, "job_state"))
            snprintf(one, sizeof one, "job:%s", json_string_value(json_object_get(r, "status")));
        else if (!strcmp(type, "node_state"))
            snprintf(one, sizeof one, "%s:%s", json_string_value(json_object_get(r, "node")),
                     json_string_value(json_object_get(r, "status")));
        else
            snprintf(one, sizeof one, "ev:%s",
                     json_string_value(json_object_get(json_object_get(r, "event"), "event")));
        strcat(buf, i ? " " : "");
        strcat(buf, one);
    }
    json_decref(reps);
    return buf;
}

static const char *aborts(void)
{
    static char buf[512];
    buf[0] = '\0';
    size_t i;
    json_t *n;
    json_array_foreach(out.sends[JOB_SEND_ABORT], i, n) {
        strcat(buf, i ? " " : "");
        strcat(buf, json_string_value(n));
    }
    return buf;
}

static const char *const NODES[] = { "n1", "n2", "n3", "n4" };

Test(recovery, a_finished_job_process_is_not_crashed)
{
    cr_assert_not(recovery_exit_needs_crash(true));
    cr_assert(recovery_exit_needs_crash(false));
}

Test(recovery, running_job_crashes_and_its_live_nodes_get_abort)
{
    enum job_node_state st[] = { JOB_NODE_RUNNING, JOB_NODE_SUCCEEDED, JOB_NODE_READY,
                                 JOB_NODE_NACKED };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_RUNNING, NODES, st, 4, 42,
                                  &out, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(reports(), "n1:crashed ev:rehab ev:run_complete n3:crashed ev:rehab "
                                "ev:run_complete job:crashed ev:job_complete");
    cr_assert_str_eq(aborts(), "n1 n3", "only nodes that may hold the job");
    cr_assert_eq(json_array_size(out.sends[JOB_SEND_COMMIT]), 0);
    cr_assert_eq(json_array_size(out.sends[JOB_SEND_RUN]), 0);
}

Test(recovery, voting_job_crashes_and_pending_nodes_get_abort)
{
    enum job_node_state st[] = { JOB_NODE_NEW, JOB_NODE_READY, JOB_NODE_UNAVAILABLE,
                                 JOB_NODE_NACKED };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_VOTING, NODES, st, 4, 42,
                                  &out, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(reports(), "n1:crashed ev:rehab n2:crashed ev:rehab job:crashed "
                                "ev:job_complete");
    cr_assert_str_eq(aborts(), "n1 n2");
}

Test(recovery, a_job_that_never_started_sends_no_abort)
{
    /* Status new: no node heard `commit`, so none may be disturbed. */
    enum job_node_state st[] = { JOB_NODE_NEW, JOB_NODE_NEW };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_NEW, NODES, st, 2, 42, &out,
                                  err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(reports(), "n1:crashed n2:crashed job:crashed ev:job_complete");
    cr_assert_str_eq(aborts(), "");
}

Test(recovery, abort_of_a_leftover_ends_it_aborted)
{
    enum job_node_state st[] = { JOB_NODE_RUNNING, JOB_NODE_FAILED };
    cr_assert_eq(recovery_end_job(RECOVERY_ABORT, &ctx, JOB_STATE_RUNNING, NODES, st, 2, 42,
                                  &out, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(reports(), "n1:aborted ev:rehab ev:run_complete job:aborted "
                                "ev:job_complete");
    cr_assert_str_eq(aborts(), "n1");
}

Test(recovery, terminal_jobs_are_left_alone)
{
    enum job_node_state st[] = { JOB_NODE_SUCCEEDED };
    for (int s = JOB_STATE_COMPLETE; s < JOB_STATE_COUNT; s++) {
        cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, (enum job_state)s, NODES, st, 1, 1,
                                      &out, err, sizeof err), 1, "state %d", s);
    }
    cr_assert_str_eq(reports(), "");
}

Test(recovery, events_name_the_job_and_org)
{
    enum job_node_state st[] = { JOB_NODE_RUNNING };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_RUNNING, NODES, st, 1,
                                  1700000000000000LL, &out, err, sizeof err), 0);
    json_t *reps = job_outbox_reports_json(&out);
    cr_assert_not_null(reps);
    json_t *last = json_object_get(json_array_get(reps, json_array_size(reps) - 1), "event");
    cr_assert_str_eq(json_string_value(json_object_get(last, "type")), "job_event");
    cr_assert_str_eq(json_string_value(json_object_get(last, "event")), "job_complete");
    cr_assert_str_eq(json_string_value(json_object_get(last, "status")), "crashed");
    cr_assert_str_eq(json_string_value(json_object_get(last, "job_id")), JOB);
    cr_assert_str_eq(json_string_value(json_object_get(last, "org")), "acme");
    cr_assert_str_eq(json_string_value(json_object_get(last, "timestamp")),
                     "2023-11-14 22:13:20.000000Z");
    json_decref(reps);
}

Test(recovery, bad_states_are_errors)
{
    enum job_node_state st[] = { (enum job_node_state)77 };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_RUNNING, NODES, st, 1, 1,
                                  &out, err, sizeof err), -1);
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, (enum job_state)77, NODES, st, 1, 1,
                                  &out, err, sizeof err), -1);
    const char *dup[] = { "a", "a" };
    enum job_node_state st2[] = { JOB_NODE_NEW, JOB_NODE_NEW };
    cr_assert_eq(recovery_end_job(RECOVERY_CRASH, &ctx, JOB_STATE_VOTING, dup, st2, 2, 1, &out,
                                  err, sizeof err), -1);
}

Test(recovery, abort_answers)
{
    cr_assert_eq(recovery_abort_answer(false, JOB_STATE_RUNNING), ABORT_NOT_FOUND);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_COMPLETE), ABORT_FINISHED);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_CRASHED), ABORT_FINISHED);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_ABORTED), ABORT_FINISHED);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_NEW), ABORT_END_IT);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_VOTING), ABORT_END_IT);
    cr_assert_eq(recovery_abort_answer(true, JOB_STATE_RUNNING), ABORT_END_IT);
}
