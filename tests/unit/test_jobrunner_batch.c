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
