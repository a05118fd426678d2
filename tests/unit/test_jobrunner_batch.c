/* Batched persistence of job transitions (jobrunner/batch.c): when a
 * batch is due, how updates collapse, and the SQL array parameters. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jobrunner/batch.h"

#define J1 "11111111111111111111111111111111"
#define J2 "22222222222222222222222222222222"

static struct batch b;

static void setup(void) { cr_assert_eq(batch_init(&b), 0); }
static void teardown(void) { batch_free(&b); }

TestSuite(batch, .init = setup, .fini = teardown);

Test(batch, empty_batch_is_never_due)
{
    cr_assert(batch_empty(&b));
    cr_assert_eq(batch_due_ms(&b), -1);
    cr_assert_not(batch_should_flush(&b, 1000000));
}

Test(batch, due_after_the_delay_from_the_first_update)
{
    cr_assert_eq(batch_add_node(&b, J1, "n1", JOB_NODE_READY, 1, 1000), 0);
    cr_assert_eq(batch_add_node(&b, J1, "n2", JOB_NODE_READY, 2, 1015), 0);
    cr_assert_eq(batch_due_ms(&b), 1000 + BATCH_MAX_DELAY_MS, "the oldest update counts");
    cr_assert_not(batch_should_flush(&b, 1000 + BATCH_MAX_DELAY_MS - 1));
    cr_assert(batch_should_flush(&b, 1000 + BATCH_MAX_DELAY_MS));
}

Test(batch, due_at_once_when_full)
{
    char node[16];
    for (int i = 0; i < BATCH_MAX_UPDATES - 1; i++) {
        snprintf(node, sizeof node, "n%d", i);
        cr_assert_eq(batch_add_node(&b, J1, node, JOB_NODE_READY, i, 5000), 0);
    }
    cr_assert_not(batch_should_flush(&b, 5000));
    cr_assert_eq(batch_add_job(&b, J1, JOB_STATE_RUNNING, 9, 5000), 0);
    cr_assert_eq(batch_updates(&b), BATCH_MAX_UPDATES);
    cr_assert(batch_should_flush(&b, 5000), "500 updates are written without waiting");
}

Test(batch, a_terminal_job_state_is_due_at_once)
{
    cr_assert_eq(batch_add_node(&b, J1, "n1", JOB_NODE_SUCCEEDED, 1, 1000), 0);
    cr_assert_eq(batch_add_job(&b, J1, JOB_STATE_RUNNING, 2, 1005), 0);
    cr_assert_not(batch_should_flush(&b, 1005), "a running job waits for the batch delay");
    cr_assert_eq(batch_add_job(&b, J1, JOB_STATE_COMPLETE, 3, 1010), 0);
    cr_assert_eq(batch_due_ms(&b), 1000, "complete: written with what is pending, now");
    cr_assert(batch_should_flush(&b, 1010));
    batch_clear(&b);
    cr_assert_eq(batch_add_job(&b, J2, JOB_STATE_VOTING, 4, 2000), 0);
    cr_assert_eq(batch_due_ms(&b), 2000 + BATCH_MAX_DELAY_MS, "clear forgets the urgency");
}

Test(batch, events_alone_make_a_batch_due)
{
    const char *ev = "{\"event\":\"quorum_vote\"}";
    cr_assert_eq(batch_add_event(&b, ev, strlen(ev), 300), 0);
    cr_assert_not(batch_empty(&b));
    cr_assert_eq(batch_updates(&b), 0);
    cr_assert_eq(batch_due_ms(&b), 300 + BATCH_MAX_DELAY_MS);
}

Test(batch, clear_starts_over)
{
    cr_assert_eq(batch_add_job(&b, J1, JOB_STATE_VOTING, 1, 10), 0);
    batch_clear(&b);
    cr_assert(batch_empty(&b));
    cr_assert_eq(batch_add_job(&b, J1, JOB_STATE_RUNNING, 1, 500), 0);
    cr_assert_eq(batch_due_ms(&b), 500 + BATCH_MAX_DELAY_MS);
}

Test(batch, rejects_bad_input)
{
    cr_assert_eq(batch_add_job(&b, "short", JOB_STATE_VOTING, 1, 1), -1);
    cr_assert_eq(batch_add_job(&b, J1, (enum job_state)99, 1, 1), -1);
    cr_assert_eq(batch_add_node(&b, J1, "", JOB_NODE_READY, 1, 1), -1);
    cr_assert_eq(batch_add_node(&b, J1, NULL, JOB_NODE_READY, 1, 1), -1);
    cr_assert_eq(batch_add_node(&b, J1, "n", (enum job_node_state)99, 1, 1), -1);
    cr_assert(batch_empty(&b));
}

Test(batch, compaction_keeps_the_last_update_per_key)
{
    /* A node's whole life within one batch: new -> ready -> running -> succeeded. */
    batch_add_job(&b, J1, JOB_STATE_VOTING, 10, 1);
    batch_add_node(&b, J1, "n1", JOB_NODE_READY, 11, 1);
    batch_add_node(&b, J2, "n1", JOB_NODE_NACKED, 12, 1);
    batch_add_job(&b, J1, JOB_STATE_RUNNING, 13, 1);
    batch_add_node(&b, J1, "n1", JOB_NODE_RUNNING, 14, 1);
    batch_add_node(&b, J1, "n0", JOB_NODE_READY, 15, 1);
    batch_add_node(&b, J1, "n1", JOB_NODE_SUCCEEDED, 16, 1);
    batch_add_job(&b, J2, JOB_STATE_QUORUM_FAILED, 17, 1);
    batch_compact(&b);
    cr_assert_eq(b.njobs, 2);
    cr_assert_str_eq(b.jobs[0].job_id, J1);
    cr_assert_eq(b.jobs[0].status, JOB_STATE_RUNNING);
    cr_assert_eq(b.jobs[0].at_us, 13);
    cr_assert_eq(b.jobs[1].status, JOB_STATE_QUORUM_FAILED);
    cr_assert_eq(b.nnodes, 3);
    cr_assert_str_eq(b.nodes[0].node, "n0");
    cr_assert_str_eq(b.nodes[1].node, "n1");
    cr_assert_str_eq(b.nodes[1].job_id, J1);
    cr_assert_eq(b.nodes[1].status, JOB_NODE_SUCCEEDED);
    cr_assert_eq(b.nodes[1].at_us, 16);
    cr_assert_str_eq(b.nodes[2].job_id, J2);
    cr_assert_eq(b.nodes[2].status, JOB_NODE_NACKED);
}

Test(batch, compaction_is_stable_for_equal_timestamps)
{
    /* Two updates in the same microsecond: arrival order decides. */
    batch_add_node(&b, J1, "n1", JOB_NODE_READY, 5, 1);
    batch_add_node(&b, J1, "n1", JOB_NODE_WAS_READY, 5, 1);
    batch_compact(&b);
    cr_assert_eq(b.nnodes, 1);
    cr_assert_eq(b.nodes[0].status, JOB_NODE_WAS_READY);
}

Test(batch, array_literal_quotes_and_escapes)
{
    const char *e[] = { "a", "b\"c", "d\\e", "", "x,y}" };
    char *s = pg_array_literal(e, 5);
    cr_assert_str_eq(s, "{\"a\",\"b\\\"c\",\"d\\\\e\",\"\",\"x,y}\"}");
    free(s);
    s = pg_array_literal(NULL, 0);
    cr_assert_str_eq(s, "{}");
    free(s);
}

Test(batch, sql_parameters)
{
    batch_add_job(&b, J1, JOB_STATE_COMPLETE, 1700000000123456LL, 1);
    batch_add_node(&b, J1, "n1", JOB_NODE_SUCCEEDED, 1700000000000001LL, 1);
    batch_add_node(&b, J1, "n2", JOB_NODE_FAILED, 1700000000000002LL, 1);
    batch_compact(&b);
    char *ids, *st, *at;
    cr_assert_eq(batch_job_params(&b, &ids, &st, &at), 0);
    cr_assert_str_eq(ids, "{\"" J1 "\"}");
    cr_assert_str_eq(st, "{\"complete\"}");
    cr_assert_str_eq(at, "{1700000000123456}");
    free(ids);
    free(st);
    free(at);
    char *jids, *nodes;
    cr_assert_eq(batch_node_params(&b, &jids, &nodes, &st, &at), 0);
    cr_assert_str_eq(jids, "{\"" J1 "\",\"" J1 "\"}");
    cr_assert_str_eq(nodes, "{\"n1\",\"n2\"}");
    cr_assert_str_eq(st, "{\"succeeded\",\"failed\"}");
    cr_assert_str_eq(at, "{1700000000000001,1700000000000002}");
    free(jids);
    free(nodes);
    free(st);
    free(at);
}

Test(batch, sql_parameters_of_an_empty_side)
{
    batch_add_node(&b, J1, "n1", JOB_NODE_READY, 1, 1);
    char *ids, *st, *at;
    cr_assert_eq(batch_job_params(&b, &ids, &st, &at), 0);
    cr_assert_str_eq(ids, "{}");
    cr_assert_str_eq(at, "{}");
    free(ids);
    free(st);
    free(at);
}

/* ---- events as stored (job_event_batches, org_events) ---- */

#define EV(job, name, rest) \
    "{\"type\":\"job_event\",\"org\":\"acme\",\"job_id\":\"" job "\",\"event\":\"" name "\"" rest "}"
#define TS ",\"timestamp\":\"2026-12-07 01:02:03.000004Z\""
#define TSD "\"timestamp\":\"2026-12-07 01:02:03.000004Z\""

static void check_line(const char *ev, int want_rc, const char *want_job, const char *want_line)
{
    struct textbuf line = { 0 };
    textbuf_puts(&line, "before|");
    char job[JOB_ID_LEN + 1] = "";
    size_t name_len = 0;
    int rc = batch_event_line(ev, strlen(ev), job, &line, &name_len);
    cr_assert_eq(rc, want_rc, "%s", ev);
    if (rc == 0) {
        cr_assert_str_eq(job, want_job);
        cr_assert_str_eq(line.p + 7, want_line, "%s", ev);
        cr_assert_eq(name_len, strcspn(want_line, " "));
    } else {
        cr_assert_str_eq(line.p, "before|", "a refused event leaves the line as it was");
    }
    textbuf_free(&line);
}

Test(batch, event_line_drops_the_envelope)
{
    check_line(EV(J1, "quorum_vote", TS ",\"node\":\"n1\",\"status\":\"success\""), 0, J1,
               "quorum_vote {" TSD ",\"node\":\"n1\",\"status\":\"success\"}");
    check_line(EV(J2, "quorum_succeeded", TS), 0, J2, "quorum_succeeded {" TSD "}");
    /* other scalars, written back as they were */
    check_line(EV(J1, "start", TS ",\"quorum\":12,\"run_timeout\":-3,\"capture\":true,"
                               "\"x\":false,\"y\":null"),
               0, J1,
               "start {" TSD ",\"quorum\":12,\"run_timeout\":-3,\"capture\":true,\"x\":false,"
               "\"y\":null}");
    /* the envelope in another order, and nothing else */
    check_line("{\"event\":\"rehab\",\"job_id\":\"" J1 "\",\"org\":\"o\",\"type\":\"job_event\"}", 0,
               J1, "rehab {}");
}

Test(batch, event_line_of_nested_or_escaped_events)
{
    /* jansson's path: members keep their order */
    check_line(EV(J1, "start", TS ",\"command\":\"ok\",\"env\":{\"A\":\"b\",\"N\":[1,2]},"
                               "\"dir\":\"/tmp\""),
               0, J1,
               "start {" TSD ",\"command\":\"ok\",\"env\":{\"A\":\"b\",\"N\":[1,2]},\"dir\":\"/tmp\"}");
    check_line(EV(J1, "quorum_vote", TS ",\"node\":\"n1\",\"reason\":\"busy \\\"x\\\"\\nnow\""),
               0, J1,
               "quorum_vote {" TSD ",\"node\":\"n1\",\"reason\":\"busy \\\"x\\\"\\nnow\"}");
    check_line("{ \"job_id\" : \"" J2 "\" , \"event\" : \"run_start\" , \"node\" : \"h\\u00e9\" }",
               0, J2, "run_start {\"node\":\"h\xc3\xa9\"}");
}

Test(batch, event_line_refuses_what_is_not_a_job_event)
{
    check_line("{\"event\":\"start\"}", -1, NULL, NULL);                       /* no job */
    check_line(EV("1234", "start", ""), -1, NULL, NULL);                        /* bad job id */
    check_line(EV("1111111111111111111111111111111X", "start", ""), -1, NULL, NULL);
    check_line(EV(J1, "Start", ""), -1, NULL, NULL);                            /* name */
    check_line(EV(J1, "job complete", ""), -1, NULL, NULL);
    check_line(EV(J1, "", ""), -1, NULL, NULL);
    check_line("{\"job_id\":\"" J1 "\",\"event\":7}", -1, NULL, NULL);
    check_line("{\"job_id\":\"" J1 "\",\"event\":\"start\",\"env\":{}", -1, NULL, NULL);
    check_line("[\"" J1 "\"]", -1, NULL, NULL);
    check_line("not json", -1, NULL, NULL);
}

static void add_ev(const char *ev)
{
    cr_assert_eq(batch_add_event(&b, ev, strlen(ev), 1), 0);
}

static void assert_literal(const char *got, const char *const *want, size_t n)
{
    char *lit = pg_array_literal(want, n);
    cr_assert_str_eq(got, lit);
    free(lit);
}

Test(batch, event_params_group_the_lines_by_job)
{
    add_ev(EV(J2, "start", TS));
    add_ev(EV(J1, "quorum_vote", ",\"node\":\"a\""));
    add_ev("{\"a\":1}"); /* not a job event: left out */
    add_ev(EV(J2, "quorum_vote", ",\"node\":\"b\""));
    add_ev(EV(J1, "job_complete", ",\"status\":\"complete\""));
    add_ev(EV(J2, "job_complete", ""));
    struct batch_event_params p;
    cr_assert_eq(batch_event_params(&b, &p), 0);
    cr_assert_eq(p.skipped, 1);
    cr_assert_eq(p.nrows, 2);
    const char *ids[] = { J1, J2 };
    assert_literal(p.job_ids, ids, 2);
    cr_assert_str_eq(p.counts, "{2,3}");
    cr_assert_str_eq(p.offs, "{0,0}");
    cr_assert_str_eq(p.bodies,
                     "quorum_vote {\"node\":\"a\"}\njob_complete {\"status\":\"complete\"}"
                     BATCH_BODY_SEP
                     "start {" TSD "}\nquorum_vote {\"node\":\"b\"}\njob_complete {}");
    /* the org feed's events in batch order, with their place in their job's lines */
    cr_assert_eq(p.norg, 3);
    const char *org_ids[] = { J2, J1, J2 };
    assert_literal(p.org_job_ids, org_ids, 3);
    cr_assert_str_eq(p.org_pos, "{1,2,3}");
    const char *names[] = { "start", "job_complete", "job_complete" };
    assert_literal(p.org_names, names, 3);
    const char *data[] = {
        "{" TSD ",\"job\":\"" J2 "\"}",
        "{\"status\":\"complete\",\"job\":\"" J1 "\"}",
        "{\"job\":\"" J2 "\"}",
    };
    assert_literal(p.org_data, data, 3);
    batch_event_params_free(&p);
    cr_assert_null(p.bodies);
}

/* A job's events of one batch go into rows of at most EVENT_ROW_MAX
 * consecutive events (a feed page reads a bounded row), numbered on by off;
 * the org feed's positions still count over all of the job's events. */
Test(batch, event_params_split_a_job_into_rows_of_event_row_max)
{
    size_t n1 = 2 * EVENT_ROW_MAX + 3;
    char ev[128];
    add_ev(EV(J1, "start", ""));
    for (size_t i = 2; i < n1; i++) {
        snprintf(ev, sizeof ev, EV(J1, "quorum_vote", ",\"node\":\"n%zu\""), i);
        add_ev(ev);
        if (i == 7)
            add_ev(EV(J2, "start", "")); /* another job's event in between */
    }
    add_ev(EV(J1, "job_complete", ""));
    struct batch_event_params p;
    cr_assert_eq(batch_event_params(&b, &p), 0);
    cr_assert_eq(p.nrows, 4);
    const char *ids[] = { J1, J1, J1, J2 };
    assert_literal(p.job_ids, ids, 4);
    char want[128];
    snprintf(want, sizeof want, "{%d,%d,%d,0}", 0, EVENT_ROW_MAX, 2 * EVENT_ROW_MAX);
    cr_assert_str_eq(p.offs, want);
    snprintf(want, sizeof want, "{%d,%d,3,1}", EVENT_ROW_MAX, EVENT_ROW_MAX);
    cr_assert_str_eq(p.counts, want);
    /* every body holds its count of lines, in order: row k starts with event
     * k * EVENT_ROW_MAX + 1 */
    const char *body = p.bodies;
    for (size_t r = 0; r < 4; r++) {
        size_t len = strcspn(body, BATCH_BODY_SEP), lines = 1;
        for (size_t i = 0; i < len; i++)
            lines += body[i] == '\n';
        cr_assert_eq(lines, r < 2 ? EVENT_ROW_MAX : r == 2 ? 3 : 1, "row %zu", r);
        if (r == 1 || r == 2) {
            snprintf(want, sizeof want, "quorum_vote {\"node\":\"n%zu\"}",
                     r * EVENT_ROW_MAX + 1);
            cr_assert_eq(strncmp(body, want, strlen(want)), 0, "row %zu: %.40s", r, body);
        }
        body += len + (body[len] ? 1 : 0);
    }
    cr_assert_eq(*body, '\0');
    cr_assert(strstr(p.bodies, "\njob_complete {}" BATCH_BODY_SEP "start {}"));
    snprintf(want, sizeof want, "{1,1,%zu}", n1);
    cr_assert_str_eq(p.org_pos, want);
    batch_event_params_free(&p);
}

Test(batch, event_params_of_no_events)
{
    batch_add_node(&b, J1, "n1", JOB_NODE_READY, 1, 1);
    struct batch_event_params p;
    cr_assert_eq(batch_event_params(&b, &p), 0);
    cr_assert_eq(p.nrows, 0);
    cr_assert_eq(p.norg, 0);
    cr_assert_str_eq(p.job_ids, "{}");
    cr_assert_str_eq(p.counts, "{}");
    cr_assert_str_eq(p.offs, "{}");
    cr_assert_str_eq(p.bodies, "");
    cr_assert_str_eq(p.org_data, "{}");
    batch_event_params_free(&p);
}
