/* Job state machine (jobrunner/job_fsm.c): every test checks the states
 * and the exact actions emitted. Actions are rendered as a compact trace:
 *   commit a | run a | abort a     send a command to node a
 *   a:new>ready                    node state change
 *   job:voting>running             job state change
 *   ev:NAME / ev:NAME(node,status) SSE event
 *   set:voting@T / cancel:voting   timers */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobrunner/job_fsm.h"
#include "shared/quorum.h"

#define T0 1000000   /* start time, ms */
#define VOTE_MS 60000
#define RUN_MS 3600000

static char trace_buf[1 << 16];

/* Renders and clears the pending actions. */
static const char *trace(struct job_fsm *f)
{
    size_t n, len = 0;
    const struct job_action *a = job_fsm_actions(f, &n);
    trace_buf[0] = '\0';
    for (size_t i = 0; i < n; i++, a++) {
        char one[256];
        switch (a->kind) {
        case JOB_ACT_SEND_COMMIT: snprintf(one, sizeof one, "commit %s", a->node_name); break;
        case JOB_ACT_SEND_RUN:    snprintf(one, sizeof one, "run %s", a->node_name); break;
        case JOB_ACT_SEND_ABORT:  snprintf(one, sizeof one, "abort %s", a->node_name); break;
        case JOB_ACT_NODE_STATE:
            snprintf(one, sizeof one, "%s:%s>%s", a->node_name,
                     job_node_state_name(a->old_state), job_node_state_name(a->new_state));
            break;
        case JOB_ACT_JOB_STATE:
            snprintf(one, sizeof one, "job:%s>%s", job_state_name(a->old_state),
                     job_state_name(a->new_state));
            break;
        case JOB_ACT_EVENT:
            if (a->node_name && a->status)
                snprintf(one, sizeof one, "ev:%s(%s,%s)", job_event_name(a->event),
                         a->node_name, a->status);
            else if (a->node_name)
                snprintf(one, sizeof one, "ev:%s(%s)", job_event_name(a->event), a->node_name);
            else if (a->status)
                snprintf(one, sizeof one, "ev:%s(%s)", job_event_name(a->event), a->status);
            else
                snprintf(one, sizeof one, "ev:%s", job_event_name(a->event));
            break;
        case JOB_ACT_SET_TIMER:
            snprintf(one, sizeof one, "set:%s@%lld", job_timer_name(a->timer),
                     (long long)a->at_ms);
            break;
        case JOB_ACT_CANCEL_TIMER:
            snprintf(one, sizeof one, "cancel:%s", job_timer_name(a->timer));
            break;
        }
        len += (size_t)snprintf(trace_buf + len, sizeof trace_buf - len, "%s%s",
                                i ? " " : "", one);
        cr_assert(len < sizeof trace_buf, "trace too long");
    }
    job_fsm_clear_actions(f);
    return trace_buf;
}

#define EXPECT(fsm, str) cr_assert_str_eq(trace(fsm), str)

static struct job_fsm *make(size_t quorum, const char *const *nodes, size_t n)
{
    struct job_fsm_params p = { .job_id = "job1", .quorum = quorum,
                                .voting_timeout_ms = VOTE_MS, .run_timeout_ms = RUN_MS };
    char err[128] = "";
    struct job_fsm *f = job_fsm_new(&p, nodes, n, err, sizeof err);
    cr_assert_not_null(f, "job_fsm_new: %s", err);
    return f;
}

static const char *const ABC[] = { "a", "b", "c" };
static const char *const ABCDE[] = { "a", "b", "c", "d", "e" };

/* Convenience wrappers; all replies carry this job's id. */
static enum job_fsm_result rep(struct job_fsm *f, const char *node, enum job_msg m)
{
    return job_fsm_reply(f, T0 + 10, node, "job1", m);
}

static enum job_node_state st(struct job_fsm *f, const char *node)
{
    size_t i = job_fsm_node_index(f, node);
    cr_assert_neq(i, JOB_FSM_NO_NODE, "no node %s", node);
    return job_fsm_node_state(f, i);
}

#define ACK JOB_MSG_ACK_COMMIT
#define NACK JOB_MSG_NACK_COMMIT
#define ACKRUN JOB_MSG_ACK_RUN
#define NACKRUN JOB_MSG_NACK_RUN
#define OK_ JOB_MSG_SUCCEEDED
#define FAIL JOB_MSG_FAILED

/* a, b, c all acked and running (ack_run), actions cleared. */
static struct job_fsm *running3(void)
{
    struct job_fsm *f = make(3, ABC, 3);
    cr_assert_eq(job_fsm_start(f, T0, NULL), JOB_FSM_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(rep(f, ABC[i], ACK), JOB_FSM_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(rep(f, ABC[i], ACKRUN), JOB_FSM_OK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    return f;
}

/* ---- names, codes, predicates ---- */

Test(job_fsm, job_state_names_and_codes)
{
    const char *names[] = { "new", "voting", "running", "complete", "quorum_failed",
                            "crashed", "timed_out", "aborted" };
    const int codes[] = { 5, 0, 1, 2, 3, 7, 6, 4 };
    for (int s = 0; s < JOB_STATE_COUNT; s++) {
        cr_assert_str_eq(job_state_name(s), names[s]);
        cr_assert_eq(job_state_from_name(names[s]), s);
        cr_assert_eq(job_state_db_code(s), codes[s]);
        cr_assert_eq(job_state_from_db_code(codes[s]), s);
    }
    cr_assert_eq(job_state_from_name("bogus"), -1);
    cr_assert_eq(job_state_from_name(NULL), -1);
    cr_assert_eq(job_state_from_db_code(8), -1);
    cr_assert_eq(job_state_from_db_code(-1), -1);
    cr_assert_str_eq(job_state_name(JOB_STATE_COUNT), "?");
    cr_assert_eq(job_state_db_code(JOB_STATE_COUNT), -1);
    cr_assert_not(job_state_is_terminal(JOB_STATE_NEW));
    cr_assert_not(job_state_is_terminal(JOB_STATE_VOTING));
    cr_assert_not(job_state_is_terminal(JOB_STATE_RUNNING));
    for (int s = JOB_STATE_COMPLETE; s < JOB_STATE_COUNT; s++)
        cr_assert(job_state_is_terminal(s), "%s is terminal", job_state_name(s));
}

Test(job_fsm, node_state_names_and_codes)
{
    const char *names[] = { "new", "ready", "running", "succeeded", "failed", "aborted",
                            "crashed", "nacked", "unavailable", "was_ready", "timed_out" };
    const int codes[] = { 0, 1, 2, 3, 4, 5, 10, 7, 6, 9, 11 };
    for (int s = 0; s < JOB_NODE_STATE_COUNT; s++) {
        cr_assert_str_eq(job_node_state_name(s), names[s]);
        cr_assert_eq(job_node_state_from_name(names[s]), s);
        cr_assert_eq(job_node_state_db_code(s), codes[s]);
        cr_assert_eq(job_node_state_from_db_code(codes[s]), s);
        cr_assert_eq(job_node_state_is_terminal(s), s > JOB_NODE_RUNNING, "%s", names[s]);
    }
    cr_assert_eq(job_node_state_from_db_code(8), -1, "faulty is never used");
    cr_assert_eq(job_node_state_from_db_code(12), -1);
    cr_assert_eq(job_node_state_from_name("faulty"), -1);
    cr_assert_str_eq(job_node_state_name(JOB_NODE_STATE_COUNT), "?");
}

Test(job_fsm, message_types_and_misc_names)
{
    cr_assert_eq(job_msg_from_type("ack_commit"), JOB_MSG_ACK_COMMIT);
    cr_assert_eq(job_msg_from_type("nack_commit"), JOB_MSG_NACK_COMMIT);
    cr_assert_eq(job_msg_from_type("ack_run"), JOB_MSG_ACK_RUN);
    cr_assert_eq(job_msg_from_type("nack_run"), JOB_MSG_NACK_RUN);
    cr_assert_eq(job_msg_from_type("succeeded"), JOB_MSG_SUCCEEDED);
    cr_assert_eq(job_msg_from_type("failed"), JOB_MSG_FAILED);
    cr_assert_eq(job_msg_from_type("aborted"), JOB_MSG_ABORTED);
    cr_assert_eq(job_msg_from_type("heartbeat"), JOB_MSG_OTHER);
    cr_assert_eq(job_msg_from_type("other"), JOB_MSG_OTHER);
    cr_assert_eq(job_msg_from_type(NULL), JOB_MSG_OTHER);
    cr_assert_str_eq(job_msg_name(JOB_MSG_NACK_RUN), "nack_run");
    cr_assert_str_eq(job_event_name(JOB_EV_QUORUM_VOTE), "quorum_vote");
    cr_assert_str_eq(job_event_name(JOB_EV_JOB_COMPLETE), "job_complete");
    cr_assert_str_eq(job_timer_name(JOB_TIMER_RUNNING), "running");
    cr_assert_str_eq(job_fsm_result_str(JOB_FSM_FINISHED), "job already finished");
    for (int r = JOB_FSM_OK; r <= JOB_FSM_NOMEM; r++)
        cr_assert_str_neq(job_fsm_result_str(r), "?");
}

/* ---- construction ---- */

Test(job_fsm, new_rejects_bad_input)
{
    struct job_fsm_params p = { .quorum = 1, .voting_timeout_ms = 1, .run_timeout_ms = 1 };
    char err[128];
    const char *dup[] = { "b", "a", "b" };
    cr_assert_null(job_fsm_new(&p, dup, 3, err, sizeof err));
    cr_assert_str_eq(err, "job: duplicate node name 'b'");
    const char *empty[] = { "a", "" };
    cr_assert_null(job_fsm_new(&p, empty, 2, err, sizeof err));
    cr_assert(strstr(err, "empty name"), "%s", err);
    const char *nul[] = { "a", NULL };
    cr_assert_null(job_fsm_new(&p, nul, 2, err, sizeof err));
    p.quorum = 4; /* absolute quorum n+1 */
    cr_assert_null(job_fsm_new(&p, ABC, 3, err, sizeof err));
    cr_assert_str_eq(err, "job: quorum 4 exceeds the 3 nodes");
    p.quorum = 1;
    p.run_timeout_ms = 0;
    cr_assert_null(job_fsm_new(&p, ABC, 3, err, sizeof err));
    cr_assert(strstr(err, "timeouts"), "%s", err);
    cr_assert_null(job_fsm_new(NULL, ABC, 3, NULL, 0));
}

Test(job_fsm, new_job_state_and_lookup)
{
    const char *names[] = { "web3", "db1", "web1", "app" };
    struct job_fsm *f = make(4, names, 4);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_NEW);
    cr_assert_eq(job_fsm_quorum(f), 4);
    cr_assert_eq(job_fsm_node_count(f), 4);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_NEW), 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(job_fsm_node_index(f, names[i]), i, "indices are in job order");
        cr_assert_str_eq(job_fsm_node_name(f, i), names[i]);
        cr_assert_eq(job_fsm_node_state(f, i), JOB_NODE_NEW);
    }
    cr_assert_eq(job_fsm_node_index(f, "web2"), JOB_FSM_NO_NODE);
    cr_assert_eq(job_fsm_node_index(f, NULL), JOB_FSM_NO_NODE);
    cr_assert_null(job_fsm_node_name(f, 4));
    cr_assert_eq(job_fsm_deadline(f), -1);
    EXPECT(f, "");
    job_fsm_free(f);
    job_fsm_free(NULL);
}

/* ---- happy path ---- */

Test(job_fsm, all_ack_run_succeed_complete)
{
    struct job_fsm *f = make(3, ABC, 3);
    cr_assert_eq(job_fsm_start(f, T0, NULL), JOB_FSM_OK);
    EXPECT(f, "ev:start job:new>voting commit a commit b commit c set:voting@1060000");
    cr_assert_eq(job_fsm_deadline(f), T0 + VOTE_MS);

    cr_assert_eq(job_fsm_reply(f, T0 + 1, "a", "job1", ACK), JOB_FSM_OK);
    EXPECT(f, "a:new>ready ev:quorum_vote(a,success)");
    cr_assert_eq(job_fsm_reply(f, T0 + 2, "b", "job1", ACK), JOB_FSM_OK);
    EXPECT(f, "b:new>ready ev:quorum_vote(b,success)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    cr_assert_eq(job_fsm_reply(f, T0 + 3, "c", "job1", ACK), JOB_FSM_OK);
    EXPECT(f, "c:new>ready ev:quorum_vote(c,success) ev:quorum_succeeded cancel:voting "
              "job:voting>running run a run b run c set:running@4600003");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    cr_assert_eq(job_fsm_deadline(f), T0 + 3 + RUN_MS);

    cr_assert_eq(rep(f, "b", ACKRUN), JOB_FSM_OK);
    EXPECT(f, "b:ready>running ev:run_start(b)");
    cr_assert_eq(rep(f, "a", ACKRUN), JOB_FSM_OK);
    cr_assert_eq(rep(f, "c", ACKRUN), JOB_FSM_OK);
    EXPECT(f, "a:ready>running ev:run_start(a) c:ready>running ev:run_start(c)");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_RUNNING), 3);

    cr_assert_eq(rep(f, "a", OK_), JOB_FSM_OK);
    cr_assert_eq(rep(f, "c", OK_), JOB_FSM_OK);
    EXPECT(f, "a:running>succeeded ev:run_complete(a,success) "
              "c:running>succeeded ev:run_complete(c,success)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    cr_assert_eq(rep(f, "b", OK_), JOB_FSM_OK);
    EXPECT(f, "b:running>succeeded ev:run_complete(b,success) cancel:running "
              "job:running>complete ev:job_complete(complete)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_COMPLETE);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_SUCCEEDED), 3);
    cr_assert_eq(job_fsm_deadline(f), -1);
    job_fsm_free(f);
}

Test(job_fsm, failed_exit_still_completes)
{
    struct job_fsm *f = running3();
    cr_assert_eq(rep(f, "a", FAIL), JOB_FSM_OK);
    EXPECT(f, "a:running>failed ev:run_complete(a,failure)");
    cr_assert_eq(rep(f, "b", FAIL), JOB_FSM_OK);
    cr_assert_eq(rep(f, "c", OK_), JOB_FSM_OK);
    EXPECT(f, "b:running>failed ev:run_complete(b,failure) c:running>succeeded "
              "ev:run_complete(c,success) cancel:running job:running>complete "
              "ev:job_complete(complete)");
    cr_assert_eq(st(f, "a"), JOB_NODE_FAILED);
    cr_assert_eq(st(f, "c"), JOB_NODE_SUCCEEDED);
    job_fsm_free(f);
}

Test(job_fsm, all_fail_is_still_complete)
{
    struct job_fsm *f = running3();
    for (int i = 0; i < 3; i++)
        cr_assert_eq(rep(f, ABC[i], FAIL), JOB_FSM_OK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_COMPLETE);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_FAILED), 3);
    job_fsm_free(f);
}

/* ---- quorum ---- */

Test(job_fsm, all_nack_quorum_failed_at_first_nack)
{
    /* 100%: the first nack makes quorum impossible, voting ends at once. */
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    trace(f);
    cr_assert_eq(rep(f, "a", NACK), JOB_FSM_OK);
    EXPECT(f, "a:new>nacked ev:quorum_vote(a,failure) b:new>unavailable abort b ev:rehab(b) "
              "c:new>unavailable abort c ev:rehab(c) cancel:voting job:voting>quorum_failed "
              "ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_QUORUM_FAILED);
    /* the other nacks arrive after the end */
    cr_assert_eq(rep(f, "b", NACK), JOB_FSM_FINISHED);
    cr_assert_eq(rep(f, "c", NACK), JOB_FSM_FINISHED);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_NACKED), 1);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_UNAVAILABLE), 2);
    job_fsm_free(f);
}

Test(job_fsm, all_nack_with_quorum_one)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    trace(f);
    cr_assert_eq(rep(f, "a", NACK), JOB_FSM_OK);
    cr_assert_eq(rep(f, "b", NACK), JOB_FSM_OK);
    EXPECT(f, "a:new>nacked ev:quorum_vote(a,failure) b:new>nacked ev:quorum_vote(b,failure)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING, "c could still make quorum");
    cr_assert_eq(rep(f, "c", NACK), JOB_FSM_OK);
    EXPECT(f, "c:new>nacked ev:quorum_vote(c,failure) cancel:voting "
              "job:voting>quorum_failed ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_NACKED), 3);
    job_fsm_free(f);
}

Test(job_fsm, quorum_exactly_met_80_percent_of_5)
{
    struct quorum_spec q;
    cr_assert_eq(quorum_parse("80%", 5, &q, NULL, 0), 0);
    struct job_fsm *f = make(quorum_required(&q, 5), ABCDE, 5);
    cr_assert_eq(job_fsm_quorum(f), 4);
    job_fsm_start(f, T0, NULL);
    trace(f);
    rep(f, "a", ACK);
    rep(f, "b", ACK);
    rep(f, "c", NACK);
    rep(f, "d", ACK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    cr_assert_eq(rep(f, "e", ACK), JOB_FSM_OK);
    EXPECT(f, "e:new>ready ev:quorum_vote(e,success) ev:quorum_succeeded cancel:voting "
              "job:voting>running run a run b run d run e set:running@4600010");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_READY), 4);
    cr_assert_eq(st(f, "c"), JOB_NODE_NACKED);
    job_fsm_free(f);
}

Test(job_fsm, quorum_one_short_90_percent_of_5)
{
    struct quorum_spec q;
    cr_assert_eq(quorum_parse("90%", 5, &q, NULL, 0), 0);
    struct job_fsm *f = make(quorum_required(&q, 5), ABCDE, 5);
    cr_assert_eq(job_fsm_quorum(f), 5);
    job_fsm_start(f, T0, NULL);
    trace(f);
    for (int i = 0; i < 4; i++)
        rep(f, ABCDE[i], ACK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    cr_assert_eq(rep(f, "e", NACK), JOB_FSM_OK);
    EXPECT(f, "e:new>nacked ev:quorum_vote(e,failure) "
              "a:ready>was_ready abort a ev:rehab(a) b:ready>was_ready abort b ev:rehab(b) "
              "c:ready>was_ready abort c ev:rehab(c) d:ready>was_ready abort d ev:rehab(d) "
              "cancel:voting job:voting>quorum_failed ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_WAS_READY), 4);
    job_fsm_free(f);
}

Test(job_fsm, absolute_quorum_zero_all_nack_runs_nothing_and_completes)
{
    struct job_fsm *f = make(0, ABC, 3);
    job_fsm_start(f, T0, NULL);
    trace(f);
    rep(f, "a", NACK);
    rep(f, "b", NACK);
    trace(f);
    cr_assert_eq(rep(f, "c", NACK), JOB_FSM_OK);
    EXPECT(f, "c:new>nacked ev:quorum_vote(c,failure) ev:quorum_succeeded cancel:voting "
              "job:voting>running job:running>complete ev:job_complete(complete)");
    job_fsm_free(f);
}

Test(job_fsm, absolute_quorum_zero_waits_for_answers)
{
    /* quorum 0 is met from the start, but voting still waits for every node */
    struct job_fsm *f = make(0, ABC, 3);
    job_fsm_start(f, T0, NULL);
    EXPECT(f, "ev:start job:new>voting commit a commit b commit c set:voting@1060000");
    rep(f, "a", ACK);
    rep(f, "b", NACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    rep(f, "c", ACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    EXPECT(f, "a:new>ready ev:quorum_vote(a,success) b:new>nacked ev:quorum_vote(b,failure) "
              "c:new>ready ev:quorum_vote(c,success) ev:quorum_succeeded cancel:voting "
              "job:voting>running run a run c set:running@4600010");
    job_fsm_free(f);
}

Test(job_fsm, absolute_quorum_one)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", NACK);
    rep(f, "b", ACK);
    rep(f, "c", NACK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_READY), 1);
    job_fsm_free(f);
}

Test(job_fsm, absolute_quorum_n_needs_everyone)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", ACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    rep(f, "c", NACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_QUORUM_FAILED);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_WAS_READY), 2);
    job_fsm_free(f);
}

Test(job_fsm, absolute_quorum_n_plus_one_rejected)
{
    struct quorum_spec q;
    char err[128];
    cr_assert_eq(quorum_from_count(4, 3, &q, err, sizeof err), -1);
    struct job_fsm_params p = { .quorum = 4, .voting_timeout_ms = 1, .run_timeout_ms = 1 };
    cr_assert_null(job_fsm_new(&p, ABC, 3, err, sizeof err));
}

Test(job_fsm, voting_ends_early_when_quorum_impossible)
{
    struct job_fsm *f = make(4, ABCDE, 5);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    trace(f);
    cr_assert_eq(rep(f, "b", NACK), JOB_FSM_OK);
    EXPECT(f, "b:new>nacked ev:quorum_vote(b,failure)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING, "1 ready + 3 pending can still make 4");
    cr_assert_eq(rep(f, "c", NACK), JOB_FSM_OK);
    EXPECT(f, "c:new>nacked ev:quorum_vote(c,failure) a:ready>was_ready abort a ev:rehab(a) "
              "d:new>unavailable abort d ev:rehab(d) e:new>unavailable abort e ev:rehab(e) "
              "cancel:voting job:voting>quorum_failed ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_deadline(f), -1);
    /* the outstanding nodes answer afterwards: ignored, reported */
    cr_assert_eq(rep(f, "d", ACK), JOB_FSM_FINISHED);
    EXPECT(f, "");
    job_fsm_free(f);
}

Test(job_fsm, voting_waits_while_quorum_possible)
{
    struct job_fsm *f = make(3, ABCDE, 5);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", ACK);
    rep(f, "c", ACK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING, "quorum met, but d and e have not answered");
    cr_assert_eq(job_fsm_deadline(f), T0 + VOTE_MS);
    rep(f, "d", NACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    rep(f, "e", ACK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    EXPECT(f, "d:new>nacked ev:quorum_vote(d,failure) e:new>ready ev:quorum_vote(e,success) "
              "ev:quorum_succeeded cancel:voting job:voting>running run a run b run c run e "
              "set:running@4600010");
    job_fsm_free(f);
}

/* ---- start with unavailable nodes ---- */

Test(job_fsm, start_with_unavailable_nodes)
{
    struct job_fsm *f = make(2, ABC, 3);
    bool avail[] = { true, false, true };
    cr_assert_eq(job_fsm_start(f, T0, avail), JOB_FSM_OK);
    EXPECT(f, "ev:start job:new>voting commit a b:new>unavailable ev:quorum_vote(b,down) "
              "commit c set:voting@1060000");
    rep(f, "a", ACK);
    rep(f, "c", ACK);
    EXPECT(f, "a:new>ready ev:quorum_vote(a,success) c:new>ready ev:quorum_vote(c,success) "
              "ev:quorum_succeeded cancel:voting job:voting>running run a run c "
              "set:running@4600010");
    job_fsm_free(f);
}

Test(job_fsm, start_all_unavailable_fails_at_once)
{
    struct job_fsm *f = make(1, ABC, 3);
    bool avail[] = { false, false, false };
    job_fsm_start(f, T0, avail);
    EXPECT(f, "ev:start job:new>voting a:new>unavailable ev:quorum_vote(a,down) "
              "b:new>unavailable ev:quorum_vote(b,down) c:new>unavailable "
              "ev:quorum_vote(c,down) job:voting>quorum_failed ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_deadline(f), -1);
    job_fsm_free(f);
}

Test(job_fsm, start_too_few_available_fails_at_once)
{
    /* two of three down with a 100% quorum: no point waiting for c */
    struct job_fsm *f = make(3, ABC, 3);
    bool avail[] = { false, false, true };
    job_fsm_start(f, T0, avail);
    EXPECT(f, "ev:start job:new>voting a:new>unavailable ev:quorum_vote(a,down) "
              "b:new>unavailable ev:quorum_vote(b,down) commit c c:new>unavailable abort c "
              "ev:rehab(c) job:voting>quorum_failed ev:job_complete(quorum_failed)");
    job_fsm_free(f);
}

Test(job_fsm, start_all_unavailable_quorum_zero_completes)
{
    struct job_fsm *f = make(0, ABC, 3);
    bool avail[] = { false, false, false };
    job_fsm_start(f, T0, avail);
    EXPECT(f, "ev:start job:new>voting a:new>unavailable ev:quorum_vote(a,down) "
              "b:new>unavailable ev:quorum_vote(b,down) c:new>unavailable "
              "ev:quorum_vote(c,down) ev:quorum_succeeded job:voting>running "
              "job:running>complete ev:job_complete(complete)");
    job_fsm_free(f);
}

Test(job_fsm, start_twice_is_refused)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    trace(f);
    cr_assert_eq(job_fsm_start(f, T0, NULL), JOB_FSM_BAD_STATE);
    EXPECT(f, "");
    job_fsm_free(f);
}

/* ---- unexpected messages while voting ---- */

Test(job_fsm, duplicate_ack_commit)
{
    struct job_fsm *f = make(2, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    trace(f);
    cr_assert_eq(rep(f, "a", ACK), JOB_FSM_DUPLICATE);
    EXPECT(f, "ev:quorum_vote(a,unexpected_commit)");
    cr_assert_eq(st(f, "a"), JOB_NODE_READY);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_READY), 1, "counted once");
    job_fsm_free(f);
}

Test(job_fsm, nack_from_ready_loses_availability)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    trace(f);
    cr_assert_eq(rep(f, "a", NACK), JOB_FSM_OK);
    EXPECT(f, "a:ready>unavailable abort a ev:rehab(a) ev:quorum_vote(a,lost_availibility)");
    job_fsm_free(f);
}

Test(job_fsm, other_message_while_voting_makes_node_unavailable)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "b", ACK);
    trace(f);
    cr_assert_eq(rep(f, "a", ACKRUN), JOB_FSM_OK);
    EXPECT(f, "a:new>unavailable abort a ev:rehab(a)");
    cr_assert_eq(rep(f, "b", OK_), JOB_FSM_OK);
    EXPECT(f, "b:ready>unavailable abort b ev:rehab(b)");
    cr_assert_eq(rep(f, "c", JOB_MSG_OTHER), JOB_FSM_OK);
    EXPECT(f, "c:new>unavailable abort c ev:rehab(c) cancel:voting job:voting>quorum_failed "
              "ev:job_complete(quorum_failed)");
    job_fsm_free(f);
}

Test(job_fsm, replies_from_terminal_node_while_voting)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    job_fsm_node_down(f, T0 + 5, "a");
    trace(f);
    /* a's client was committed after all: it must be aborted */
    cr_assert_eq(rep(f, "a", ACK), JOB_FSM_LATE);
    EXPECT(f, "abort a ev:rehab(a) ev:quorum_vote(a,client_died_while_voting)");
    /* the answer to our abort, and nacks, never trigger another abort */
    cr_assert_eq(rep(f, "a", JOB_MSG_ABORTED), JOB_FSM_LATE);
    cr_assert_eq(rep(f, "a", NACK), JOB_FSM_LATE);
    EXPECT(f, "");
    cr_assert_eq(rep(f, "a", OK_), JOB_FSM_LATE);
    EXPECT(f, "abort a ev:rehab(a)");
    cr_assert_eq(st(f, "a"), JOB_NODE_UNAVAILABLE);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    job_fsm_free(f);
}

/* ---- node down ---- */

Test(job_fsm, node_down_during_voting)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "b", ACK);
    trace(f);
    cr_assert_eq(job_fsm_node_down(f, T0 + 5, "a"), JOB_FSM_OK);
    EXPECT(f, "a:new>unavailable abort a ev:rehab(a) ev:quorum_vote(a,down)");
    cr_assert_eq(job_fsm_node_down(f, T0 + 5, "b"), JOB_FSM_OK);
    EXPECT(f, "b:ready>unavailable abort b ev:rehab(b) ev:quorum_vote(b,down)");
    cr_assert_eq(job_fsm_node_down(f, T0 + 5, "a"), JOB_FSM_LATE);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_node_down(f, T0 + 5, "zz"), JOB_FSM_UNKNOWN_NODE);
    cr_assert_eq(job_fsm_node_down(f, T0 + 6, "c"), JOB_FSM_OK);
    EXPECT(f, "c:new>unavailable abort c ev:rehab(c) ev:quorum_vote(c,down) cancel:voting "
              "job:voting>quorum_failed ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_node_down(f, T0 + 7, "c"), JOB_FSM_FINISHED);
    job_fsm_free(f);
}

Test(job_fsm, node_down_during_running)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    rep(f, "a", ACKRUN);
    rep(f, "c", ACKRUN);
    rep(f, "c", OK_);
    trace(f);
    cr_assert_eq(job_fsm_node_down(f, T0 + 20, "a"), JOB_FSM_OK);
    EXPECT(f, "a:running>crashed abort a ev:rehab(a) ev:run_complete(a,crashed)");
    cr_assert_eq(job_fsm_node_down(f, T0 + 20, "c"), JOB_FSM_LATE, "c already succeeded");
    EXPECT(f, "");
    cr_assert_eq(st(f, "c"), JOB_NODE_SUCCEEDED);
    cr_assert_eq(job_fsm_node_down(f, T0 + 21, "b"), JOB_FSM_OK);
    EXPECT(f, "b:ready>crashed abort b ev:rehab(b) ev:run_complete(b,crashed) "
              "cancel:running job:running>complete ev:job_complete(complete)");
    job_fsm_free(f);
}

/* ---- timers ---- */

Test(job_fsm, voting_timeout_then_run)
{
    struct job_fsm *f = make(2, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", ACK);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
    cr_assert_eq(job_fsm_timer(f, T0 + VOTE_MS - 1), JOB_FSM_NOT_DUE);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_timer(f, T0 + VOTE_MS), JOB_FSM_OK);
    EXPECT(f, "ev:quorum_vote(c,voting_timeout) c:new>unavailable abort c ev:rehab(c) "
              "ev:quorum_succeeded job:voting>running run a run b set:running@4660000");
    cr_assert_eq(job_fsm_deadline(f), T0 + VOTE_MS + RUN_MS);
    job_fsm_free(f);
}

Test(job_fsm, voting_timeout_quorum_failed)
{
    struct job_fsm *f = make(2, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    trace(f);
    cr_assert_eq(job_fsm_timer(f, T0 + VOTE_MS + 50), JOB_FSM_OK);
    EXPECT(f, "ev:quorum_vote(b,voting_timeout) b:new>unavailable abort b ev:rehab(b) "
              "ev:quorum_vote(c,voting_timeout) c:new>unavailable abort c ev:rehab(c) "
              "a:ready>was_ready abort a ev:rehab(a) job:voting>quorum_failed "
              "ev:job_complete(quorum_failed)");
    cr_assert_eq(job_fsm_timer(f, T0 + VOTE_MS + 60), JOB_FSM_FINISHED);
    job_fsm_free(f);
}

Test(job_fsm, run_timeout_with_sleeping_nodes)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    rep(f, "a", ACKRUN); /* a runs forever, b never acks run, c succeeds */
    rep(f, "c", ACKRUN);
    rep(f, "c", OK_);
    trace(f);
    int64_t due = job_fsm_deadline(f);
    cr_assert_eq(due, T0 + 10 + RUN_MS);
    cr_assert_eq(job_fsm_timer(f, due - 1), JOB_FSM_NOT_DUE);
    cr_assert_eq(job_fsm_timer(f, due), JOB_FSM_OK);
    EXPECT(f, "a:running>timed_out abort a ev:rehab(a) ev:run_complete(a,timed_out) "
              "b:ready>timed_out abort b ev:rehab(b) ev:run_complete(b,timed_out) "
              "job:running>timed_out ev:job_complete(timed_out)");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_TIMED_OUT);
    cr_assert_eq(st(f, "c"), JOB_NODE_SUCCEEDED);
    cr_assert_eq(job_fsm_deadline(f), -1);
    /* a finishes after all: too late */
    cr_assert_eq(rep(f, "a", OK_), JOB_FSM_FINISHED);
    EXPECT(f, "");
    job_fsm_free(f);
}

Test(job_fsm, stale_voting_timer_is_ignored)
{
    struct job_fsm *f = running3();
    /* the job process's old voting timer fires after voting ended */
    cr_assert_eq(job_fsm_timer(f, T0 + VOTE_MS), JOB_FSM_NOT_DUE);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_RUNNING), 3);
    job_fsm_free(f);
}

Test(job_fsm, timer_before_start)
{
    struct job_fsm *f = make(3, ABC, 3);
    cr_assert_eq(job_fsm_timer(f, T0), JOB_FSM_NOT_STARTED);
    cr_assert_eq(rep(f, "a", ACK), JOB_FSM_NOT_STARTED);
    cr_assert_eq(job_fsm_node_down(f, T0, "a"), JOB_FSM_NOT_STARTED);
    EXPECT(f, "");
    cr_assert_eq(st(f, "a"), JOB_NODE_NEW);
    job_fsm_free(f);
}

/* ---- running-phase replies ---- */

Test(job_fsm, succeeded_from_ready_is_crashed)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    trace(f);
    cr_assert_eq(rep(f, "a", OK_), JOB_FSM_OK);
    EXPECT(f, "a:ready>crashed abort a ev:rehab(a) ev:run_complete(a,crashed)");
    cr_assert_eq(rep(f, "b", FAIL), JOB_FSM_OK);
    EXPECT(f, "b:ready>crashed abort b ev:rehab(b) ev:run_complete(b,crashed)");
    cr_assert_eq(rep(f, "c", JOB_MSG_ABORTED), JOB_FSM_OK);
    EXPECT(f, "c:ready>crashed abort c ev:rehab(c) ev:run_complete(c,crashed) "
              "cancel:running job:running>complete ev:job_complete(complete)");
    job_fsm_free(f);
}

Test(job_fsm, nack_run)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    rep(f, "b", ACKRUN);
    rep(f, "c", ACKRUN);
    trace(f);
    cr_assert_eq(rep(f, "a", NACKRUN), JOB_FSM_OK);
    EXPECT(f, "a:ready>failed abort a ev:rehab(a) ev:run_complete(a,run_nacked)");
    cr_assert_eq(rep(f, "b", NACKRUN), JOB_FSM_OK);
    EXPECT(f, "b:running>failed abort b ev:rehab(b) ev:run_complete(b,run_nacked_while_running)");
    cr_assert_eq(rep(f, "c", JOB_MSG_ABORTED), JOB_FSM_OK);
    EXPECT(f, "c:running>crashed abort c ev:rehab(c) ev:run_complete(c,crashed) "
              "cancel:running job:running>complete ev:job_complete(complete)");
    job_fsm_free(f);
}

Test(job_fsm, duplicate_ack_run_is_ignored)
{
    struct job_fsm *f = running3();
    cr_assert_eq(rep(f, "a", ACKRUN), JOB_FSM_DUPLICATE);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_RUNNING), 3);
    job_fsm_free(f);
}

Test(job_fsm, replies_from_terminal_node_while_running)
{
    struct job_fsm *f = running3();
    rep(f, "a", OK_);
    trace(f);
    /* a duplicate succeeded: the original rehabs the node */
    cr_assert_eq(rep(f, "a", OK_), JOB_FSM_LATE);
    EXPECT(f, "abort a ev:rehab(a) ev:run_complete(a,client_died_while_running)");
    cr_assert_eq(rep(f, "a", JOB_MSG_ABORTED), JOB_FSM_LATE);
    cr_assert_eq(rep(f, "a", NACKRUN), JOB_FSM_LATE);
    EXPECT(f, "");
    cr_assert_eq(st(f, "a"), JOB_NODE_SUCCEEDED);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_SUCCEEDED), 1);
    job_fsm_free(f);
}

Test(job_fsm, late_ack_commit_from_timed_out_voter_while_running)
{
    struct job_fsm *f = make(2, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", ACK);
    job_fsm_timer(f, T0 + VOTE_MS);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    cr_assert_eq(rep(f, "c", ACK), JOB_FSM_LATE);
    EXPECT(f, "abort c ev:rehab(c) ev:run_complete(c,client_died_while_running)");
    cr_assert_eq(st(f, "c"), JOB_NODE_UNAVAILABLE);
    job_fsm_free(f);
}

Test(job_fsm, late_succeeded_after_complete)
{
    struct job_fsm *f = running3();
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], OK_);
    trace(f);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_COMPLETE);
    cr_assert_eq(rep(f, "b", OK_), JOB_FSM_FINISHED);
    cr_assert_eq(rep(f, "b", ACK), JOB_FSM_FINISHED);
    EXPECT(f, "");
    cr_assert_eq(st(f, "b"), JOB_NODE_SUCCEEDED);
    job_fsm_free(f);
}

Test(job_fsm, unknown_node_and_wrong_job)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    trace(f);
    cr_assert_eq(rep(f, "mallory", ACK), JOB_FSM_UNKNOWN_NODE);
    cr_assert_eq(job_fsm_reply(f, T0, NULL, "job1", ACK), JOB_FSM_UNKNOWN_NODE);
    cr_assert_eq(job_fsm_reply(f, T0, "a", "job2", ACK), JOB_FSM_WRONG_JOB);
    EXPECT(f, "");
    cr_assert_eq(st(f, "a"), JOB_NODE_NEW);
    /* NULL job_id: not checked */
    cr_assert_eq(job_fsm_reply(f, T0, "a", NULL, ACK), JOB_FSM_OK);
    EXPECT(f, "a:new>ready ev:quorum_vote(a,success)");
    job_fsm_free(f);
}

Test(job_fsm, no_job_id_means_no_check)
{
    struct job_fsm_params p = { .quorum = 1, .voting_timeout_ms = 5, .run_timeout_ms = 5 };
    struct job_fsm *f = job_fsm_new(&p, ABC, 1, NULL, 0);
    cr_assert_not_null(f);
    job_fsm_start(f, 0, NULL);
    cr_assert_eq(job_fsm_reply(f, 1, "a", "whatever", ACK), JOB_FSM_OK);
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    job_fsm_free(f);
}

/* ---- abort and crash ---- */

Test(job_fsm, abort_in_new)
{
    struct job_fsm *f = make(3, ABC, 3);
    cr_assert_eq(job_fsm_abort(f), JOB_FSM_OK);
    /* nobody got a commit, so nobody needs an abort */
    EXPECT(f, "a:new>aborted b:new>aborted c:new>aborted job:new>aborted "
              "ev:job_complete(aborted)");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_ABORTED), 3);
    cr_assert_eq(job_fsm_start(f, T0, NULL), JOB_FSM_BAD_STATE);
    job_fsm_free(f);
}

Test(job_fsm, abort_in_voting)
{
    struct job_fsm *f = make(1, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", NACK);
    trace(f);
    cr_assert_eq(job_fsm_abort(f), JOB_FSM_OK);
    EXPECT(f, "a:ready>aborted abort a ev:rehab(a) c:new>aborted abort c ev:rehab(c) "
              "cancel:voting job:voting>aborted ev:job_complete(aborted)");
    cr_assert_eq(st(f, "b"), JOB_NODE_NACKED);
    cr_assert_eq(job_fsm_deadline(f), -1);
    job_fsm_free(f);
}

Test(job_fsm, abort_in_running)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    rep(f, "a", ACKRUN);
    rep(f, "c", ACKRUN);
    rep(f, "c", OK_);
    trace(f);
    cr_assert_eq(job_fsm_abort(f), JOB_FSM_OK);
    EXPECT(f, "a:running>aborted abort a ev:rehab(a) ev:run_complete(a,aborted) "
              "b:ready>aborted abort b ev:rehab(b) ev:run_complete(b,aborted) "
              "cancel:running job:running>aborted ev:job_complete(aborted)");
    cr_assert_eq(st(f, "c"), JOB_NODE_SUCCEEDED);
    /* a's client answers the abort */
    cr_assert_eq(rep(f, "a", JOB_MSG_ABORTED), JOB_FSM_FINISHED);
    EXPECT(f, "");
    job_fsm_free(f);
}

Test(job_fsm, abort_in_terminal_is_a_noop)
{
    struct job_fsm *f = running3();
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], OK_);
    trace(f);
    enum job_fsm_result r = job_fsm_abort(f);
    cr_assert_eq(r, JOB_FSM_FINISHED);
    cr_assert_str_eq(job_fsm_result_str(r), "job already finished");
    EXPECT(f, "");
    cr_assert_eq(job_fsm_state(f), JOB_STATE_COMPLETE);
    cr_assert_eq(job_fsm_crash(f), JOB_FSM_FINISHED);
    EXPECT(f, "");
    job_fsm_free(f);
}

Test(job_fsm, crash_while_running)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < 3; i++)
        rep(f, ABC[i], ACK);
    rep(f, "a", ACKRUN);
    rep(f, "a", FAIL);
    rep(f, "b", ACKRUN);
    trace(f);
    cr_assert_eq(job_fsm_crash(f), JOB_FSM_OK);
    EXPECT(f, "b:running>crashed abort b ev:rehab(b) ev:run_complete(b,crashed) "
              "c:ready>crashed abort c ev:rehab(c) ev:run_complete(c,crashed) "
              "cancel:running job:running>crashed ev:job_complete(crashed)");
    cr_assert_eq(st(f, "a"), JOB_NODE_FAILED);
    job_fsm_free(f);
}

Test(job_fsm, crash_while_voting)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "b", ACK);
    trace(f);
    cr_assert_eq(job_fsm_crash(f), JOB_FSM_OK);
    EXPECT(f, "a:new>crashed abort a ev:rehab(a) b:ready>crashed abort b ev:rehab(b) "
              "c:new>crashed abort c ev:rehab(c) cancel:voting job:voting>crashed "
              "ev:job_complete(crashed)");
    job_fsm_free(f);
}

Test(job_fsm, crash_after_load_from_database)
{
    /* jobrunner start-up: a job left running by a dead process */
    const char *names[] = { "n1", "n2", "n3", "n4" };
    struct job_fsm *f = make(2, names, 4);
    enum job_node_state db[] = { JOB_NODE_SUCCEEDED, JOB_NODE_RUNNING, JOB_NODE_READY,
                                 JOB_NODE_NACKED };
    cr_assert_eq(job_fsm_load(f, JOB_STATE_RUNNING, db), JOB_FSM_OK);
    EXPECT(f, "");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_NEW), 0);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_RUNNING), 1);
    cr_assert_eq(job_fsm_deadline(f), -1);
    cr_assert_eq(job_fsm_crash(f), JOB_FSM_OK);
    EXPECT(f, "n2:running>crashed abort n2 ev:rehab(n2) ev:run_complete(n2,crashed) "
              "n3:ready>crashed abort n3 ev:rehab(n3) ev:run_complete(n3,crashed) "
              "job:running>crashed ev:job_complete(crashed)");
    cr_assert_eq(job_fsm_count(f, JOB_NODE_CRASHED), 2);
    job_fsm_free(f);
}

Test(job_fsm, load_rejects_bad_input)
{
    struct job_fsm *f = make(1, ABC, 3);
    enum job_node_state bad[] = { JOB_NODE_NEW, JOB_NODE_STATE_COUNT, JOB_NODE_NEW };
    cr_assert_eq(job_fsm_load(f, JOB_STATE_RUNNING, bad), JOB_FSM_BAD_STATE);
    enum job_node_state ok[] = { JOB_NODE_NEW, JOB_NODE_NEW, JOB_NODE_NEW };
    cr_assert_eq(job_fsm_load(f, JOB_STATE_COUNT, ok), JOB_FSM_BAD_STATE);
    job_fsm_start(f, T0, NULL);
    cr_assert_eq(job_fsm_load(f, JOB_STATE_RUNNING, ok), JOB_FSM_BAD_STATE);
    job_fsm_free(f);
}

/* ---- buffer, views, scale ---- */

Test(job_fsm, actions_accumulate_until_cleared)
{
    struct job_fsm *f = make(3, ABC, 3);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    size_t n;
    const struct job_action *a = job_fsm_actions(f, &n);
    cr_assert_eq(n, 8);
    cr_assert_eq(a[0].kind, JOB_ACT_EVENT);
    cr_assert_eq(a[0].event, JOB_EV_START);
    cr_assert_eq(a[0].node, JOB_FSM_NO_NODE);
    cr_assert_null(a[0].node_name);
    cr_assert_eq(a[6].kind, JOB_ACT_NODE_STATE);
    cr_assert_eq(a[6].node, 0);
    cr_assert_eq(a[6].old_state, JOB_NODE_NEW);
    cr_assert_eq(a[6].new_state, JOB_NODE_READY);
    EXPECT(f, "ev:start job:new>voting commit a commit b commit c set:voting@1060000 "
              "a:new>ready ev:quorum_vote(a,success)");
    job_fsm_actions(f, &n);
    cr_assert_eq(n, 0);
    job_fsm_free(f);
}

Test(job_fsm, grouped_view)
{
    struct job_fsm *f = make(1, ABCDE, 5);
    job_fsm_start(f, T0, NULL);
    rep(f, "a", ACK);
    rep(f, "b", NACK);
    rep(f, "c", ACK);
    job_fsm_node_down(f, T0, "d");
    rep(f, "e", NACK);
    rep(f, "c", ACKRUN);
    trace(f);
    size_t counts[JOB_NODE_STATE_COUNT];
    job_fsm_node_counts_by_state(f, counts);
    cr_assert_eq(counts[JOB_NODE_READY], 1);
    cr_assert_eq(counts[JOB_NODE_RUNNING], 1);
    cr_assert_eq(counts[JOB_NODE_NACKED], 2);
    cr_assert_eq(counts[JOB_NODE_UNAVAILABLE], 1);
    cr_assert_eq(counts[JOB_NODE_NEW], 0);
    char got[64] = "";
    for (size_t pos = 0, i; (i = job_fsm_next_in_state(f, JOB_NODE_NACKED, &pos)) != JOB_FSM_NO_NODE;)
        strcat(got, job_fsm_node_name(f, i));
    cr_assert_str_eq(got, "be");
    size_t pos = 0;
    cr_assert_eq(job_fsm_next_in_state(f, JOB_NODE_SUCCEEDED, &pos), JOB_FSM_NO_NODE);
    job_fsm_free(f);
}

/* 1,000 nodes: 100 down at start, quorum 90% (900), everyone else acks;
 * checks counters at each step and that every reply is O(1) work apart
 * from the phase ends (action count per reply stays constant). */
Test(job_fsm, thousand_nodes)
{
    enum { N = 1000 };
    static char names[N][16];
    const char *ptrs[N];
    bool avail[N];
    for (int i = 0; i < N; i++) {
        /* reverse order so the sorted lookup really has to search */
        snprintf(names[i], sizeof names[i], "node%04d", N - 1 - i);
        ptrs[i] = names[i];
        avail[i] = (i % 10) != 0;
    }
    struct quorum_spec q;
    cr_assert_eq(quorum_parse("90%", N, &q, NULL, 0), 0);
    struct job_fsm *f = make(quorum_required(&q, N), ptrs, N);
    cr_assert_eq(job_fsm_quorum(f), 900);
    job_fsm_start(f, T0, avail);
    size_t n;
    job_fsm_actions(f, &n);
    cr_assert_eq(n, 3 + 900 + 2 * 100, "start, voting, commits, down votes, timer");
    job_fsm_clear_actions(f);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_UNAVAILABLE), 100);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_NEW), 900);

    int acked = 0;
    for (int i = 0; i < N; i++) {
        if (!avail[i])
            continue;
        cr_assert_eq(rep(f, ptrs[i], ACK), JOB_FSM_OK);
        if (++acked < 900) {
            job_fsm_actions(f, &n);
            cr_assert_eq(n, 2);
            job_fsm_clear_actions(f);
            cr_assert_eq(job_fsm_state(f), JOB_STATE_VOTING);
        }
    }
    cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    job_fsm_actions(f, &n);
    cr_assert_eq(n, 2 + 3 + 900 + 1, "vote, succeeded, cancel, running, runs, timer");
    job_fsm_clear_actions(f);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_READY), 900);

    /* a node that was down at start never gets run, and its late reply is
     * reported */
    cr_assert_eq(rep(f, ptrs[0], OK_), JOB_FSM_LATE);
    job_fsm_clear_actions(f);

    for (int i = 0; i < N; i++)
        if (avail[i])
            cr_assert_eq(rep(f, ptrs[i], ACKRUN), JOB_FSM_OK);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_RUNNING), 900);
    int done = 0;
    for (int i = 0; i < N; i++) {
        if (!avail[i])
            continue;
        cr_assert_eq(rep(f, ptrs[i], i == 1 ? FAIL : OK_), JOB_FSM_OK);
        if (++done < 900)
            cr_assert_eq(job_fsm_state(f), JOB_STATE_RUNNING);
    }
    cr_assert_eq(job_fsm_state(f), JOB_STATE_COMPLETE);
    size_t counts[JOB_NODE_STATE_COUNT];
    job_fsm_node_counts_by_state(f, counts);
    cr_assert_eq(counts[JOB_NODE_SUCCEEDED], 899);
    cr_assert_eq(counts[JOB_NODE_FAILED], 1);
    cr_assert_eq(counts[JOB_NODE_UNAVAILABLE], 100);
    size_t total = 0;
    for (int s = 0; s < JOB_NODE_STATE_COUNT; s++)
        total += counts[s];
    cr_assert_eq(total, N);
    cr_assert_eq(job_fsm_node_index(f, "node0999"), 0);
    cr_assert_eq(job_fsm_node_index(f, "node0000"), N - 1);
    cr_assert_eq(job_fsm_node_index(f, "node1000"), JOB_FSM_NO_NODE);
    job_fsm_free(f);
}

/* Many nodes, aborted at once without draining in between: the action
 * buffer grows for every input, never loses an action. */
Test(job_fsm, big_job_abort_without_draining)
{
    enum { N = 5000 };
    static char names[N][16];
    const char *ptrs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "h%d", i);
        ptrs[i] = names[i];
    }
    struct job_fsm *f = make(N, ptrs, N);
    job_fsm_start(f, T0, NULL);
    for (int i = 0; i < N / 2; i++)
        rep(f, ptrs[i], ACK);
    cr_assert_eq(job_fsm_abort(f), JOB_FSM_OK);
    size_t n;
    const struct job_action *a = job_fsm_actions(f, &n);
    /* start: event, state, N commits, timer; acks: 2 each;
     * abort: 3 per node, then cancel, job state, job_complete */
    cr_assert_eq(n, 3 + N + 2 * (N / 2) + 3 * N + 3);
    size_t aborts = 0;
    for (size_t k = 0; k < n; k++)
        aborts += a[k].kind == JOB_ACT_SEND_ABORT;
    cr_assert_eq(aborts, N);
    cr_assert_eq(job_fsm_count(f, JOB_NODE_ABORTED), N);
    job_fsm_free(f);
}
