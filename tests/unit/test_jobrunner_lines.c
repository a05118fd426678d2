/* Report lines and events written without JSON trees (jobrunner/textbuf.c,
 * job_link.c, job_actions.c, batch.c): the same bytes as jansson's
 * compact dump of the objects they replace, and the fallbacks. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jobrunner/batch.h"
#include "jobrunner/job_actions.h"
#include "jobrunner/job_link.h"

#define JOB "0123456789abcdef0123456789abcdef"

static char *dump_line(json_t *m)
{
    char *text = json_dumps(m, JSON_COMPACT);
    cr_assert_not_null(text);
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    memcpy(line, text, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    free(text);
    json_decref(m);
    return line;
}

Test(textbuf, appends_and_resets)
{
    struct textbuf t = { 0 };
    textbuf_puts(&t, "ab");
    textbuf_printf(&t, "%d-%s", 42, "x");
    cr_assert_str_eq(t.p, "ab42-x");
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    textbuf_printf(&t, "%s", big); /* longer than the printf scratch buffer */
    cr_assert_eq(t.len, 6 + 599);
    cr_assert(textbuf_put_plain_str(&t, "n1"));
    cr_assert_not(textbuf_put_plain_str(&t, "a\"b"));
    cr_assert_not(textbuf_is_plain("caf\xc3\xa9"));
    cr_assert_not(textbuf_is_plain("tab\there"));
    cr_assert(textbuf_is_plain("web-01.example:x_y"));
    cr_assert_eq(t.len, 6 + 599 + 4);
    textbuf_reset(&t);
    textbuf_put_i64(&t, 0);
    textbuf_put(&t, " ", 1);
    textbuf_put_i64(&t, -9223372036854775807LL - 1);
    textbuf_put(&t, " ", 1);
    textbuf_put_i64(&t, 1700000000123456LL);
    cr_assert_str_eq(t.p, "0 -9223372036854775808 1700000000123456");
    textbuf_reset(&t);
    cr_assert_eq(t.len, 0);
    cr_assert_not(t.oom);
    textbuf_free(&t);
}

Test(lines, state_lines_match_jansson)
{
    struct textbuf t = { 0 };
    cr_assert_eq(job_link_node_state_line(&t, "web-01.example:x_y", "succeeded", 1700000000123456LL), 0);
    char *want = dump_line(job_link_node_state("web-01.example:x_y", "succeeded", 1700000000123456LL));
    cr_assert_str_eq(t.p, want);
    free(want);
    textbuf_reset(&t);
    /* a name the fast form may not carry goes through jansson */
    cr_assert_eq(job_link_node_state_line(&t, "we\"ird", "ready", -5), 0);
    want = dump_line(job_link_node_state("we\"ird", "ready", -5));
    cr_assert_str_eq(t.p, want);
    free(want);
    textbuf_reset(&t);
    cr_assert_eq(job_link_node_state_line(&t, "n1", "ready", -5), 0);
    want = dump_line(job_link_node_state("n1", "ready", -5));
    cr_assert_str_eq(t.p, want);
    free(want);
    textbuf_reset(&t);
    cr_assert_eq(job_link_job_state_line(&t, "quorum_failed", 7), 0);
    want = dump_line(job_link_job_state("quorum_failed", 7));
    cr_assert_str_eq(t.p, want);
    free(want);
    textbuf_free(&t);
}

static void check_event(const struct job_ctx *ctx, const struct job_action *a, const char *reason)
{
    struct textbuf t = { 0 };
    cr_assert_eq(job_event_line(&t, ctx, a, 1700000000000001LL), 0);
    json_t *ev = job_event_json(ctx, a, 1700000000000001LL);
    cr_assert_not_null(ev);
    if (reason)
        json_object_set_new(ev, "reason", json_string(reason));
    char *want = dump_line(job_link_event(ev));
    cr_assert_str_eq(t.p, want);
    free(want);
    textbuf_free(&t);
}

Test(lines, event_lines_match_jansson)
{
    struct job_ctx ctx = { .org = "acme", .job_id = JOB };
    struct job_action vote = { .kind = JOB_ACT_EVENT, .event = JOB_EV_QUORUM_VOTE,
                               .node_name = "n1", .status = "success" };
    struct job_action run = { .kind = JOB_ACT_EVENT, .event = JOB_EV_RUN_START,
                              .node_name = "n1" };
    struct job_action done = { .kind = JOB_ACT_EVENT, .event = JOB_EV_JOB_COMPLETE,
                               .status = "complete" };
    struct job_action qs = { .kind = JOB_ACT_EVENT, .event = JOB_EV_QUORUM_SUCCEEDED };
    check_event(&ctx, &vote, NULL);
    check_event(&ctx, &run, NULL);
    check_event(&ctx, &done, NULL);
    check_event(&ctx, &qs, NULL);
    /* start with its extras: jansson */
    json_t *extra = json_pack("{s:s, s:i}", "command", "up\"time", "node_count", 3);
    struct job_ctx sctx = { .org = "acme", .job_id = JOB, .start_extra = extra };
    struct job_action start = { .kind = JOB_ACT_EVENT, .event = JOB_EV_START };
    check_event(&sctx, &start, NULL);
    json_decref(extra);
    /* a name that needs escaping: jansson */
    struct job_action odd = vote;
    odd.node_name = "n\\1";
    check_event(&ctx, &odd, NULL);
    /* the reason goes to its node's vote only */
    struct job_ctx rctx = { .org = "acme", .job_id = JOB, .reason_node = "n1",
                            .reason = "busy with \"x\"" };
    check_event(&rctx, &vote, "busy with \"x\"");
    check_event(&rctx, &run, NULL);
    struct job_action other = vote;
    other.node_name = "n2";
    check_event(&rctx, &other, NULL);
}

Test(lines, batch_keeps_event_texts_in_order)
{
    struct batch b;
    cr_assert_eq(batch_init(&b), 0);
    cr_assert(batch_empty(&b));
    cr_assert_eq(batch_add_event(&b, "{\"a\":1}", 7, 5), 0);
    cr_assert_eq(batch_add_event(&b, "{\"b\":\"x\"}", 9, 6), 0);
    cr_assert_eq(batch_add_event(&b, "", 0, 6), -1);
    cr_assert_eq(b.nevents, 2);
    cr_assert_eq(b.first_ms, 5);
    cr_assert_eq(strncmp(b.event_text.p + b.ev_off[0], "{\"a\":1}", b.ev_len[0]), 0);
    cr_assert_eq(strncmp(b.event_text.p + b.ev_off[1], "{\"b\":\"x\"}", b.ev_len[1]), 0);
    batch_clear(&b);
    cr_assert(batch_empty(&b));
    cr_assert_eq(b.nevents, 0);
    batch_free(&b);
}

/* commandd's batches undo an append that failed with textbuf_truncate. */
Test(textbuf, truncate_undoes_an_append_and_clears_oom)
{
    struct textbuf t = { 0 };
    textbuf_puts(&t, "a");
    textbuf_put(&t, "\nbc", 3);
    cr_assert_eq(t.len, 4);
    t.oom = true;
    textbuf_truncate(&t, 1);
    cr_assert_not(t.oom);
    cr_assert_eq(t.len, 1);
    cr_assert_str_eq(t.p, "a");
    textbuf_truncate(&t, 5); /* longer than the text: no change */
    cr_assert_eq(t.len, 1);
    textbuf_put(&t, "\nd", 2);
    cr_assert_str_eq(t.p, "a\nd");
    textbuf_free(&t);
}
