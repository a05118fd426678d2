/* What travels between jobrunner and job processes: the job spec, the
 * link's line framing, and the translation of FSM actions into reports,
 * events and grouped node commands (jobrunner/job_spec.c, job_link.c,
 * job_actions.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobrunner/job_actions.h"
#include "jobrunner/job_link.h"
#include "jobrunner/job_spec.h"

#define JOB "0123456789abcdef0123456789abcdef"

/* ---- spec ---- */

static json_t *spec_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s,s,s], s:[b,b,b], s:i, s:i, s:i, s:{s:b}}",
                     "job_id", JOB, "org", "acme", "org_id", "7", "created_by", "alice",
                     "command", "chef-client", "nodes", "n1", "n2", "n3", "available", 1, 0, 1,
                     "quorum", 2, "run_timeout", 300, "voting_timeout", 61, "options",
                     "capture_output", 1);
}

Test(job_spec, parses_a_valid_spec)
{
    struct job_spec s;
    char err[256];
    cr_assert_eq(job_spec_parse(spec_json(), &s, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s.job_id, JOB);
    cr_assert_str_eq(s.org, "acme");
    cr_assert_eq(s.n_nodes, 3);
    cr_assert_str_eq(s.nodes[1], "n2");
    cr_assert(s.available[0]);
    cr_assert_not(s.available[1]);
    cr_assert_eq(s.quorum, 2);
    cr_assert_eq(s.run_timeout_s, 300);
    cr_assert_eq(s.voting_timeout_s, 61);
    cr_assert(json_is_true(json_object_get(s.options, "capture_output")));
    job_spec_free(&s);
}

static void bad_spec(const char *key, json_t *value, const char *needle)
{
    json_t *j = spec_json();
    if (value)
        json_object_set_new(j, key, value);
    else
        json_object_del(j, key);
    struct job_spec s;
    char err[256] = "";
    cr_assert_eq(job_spec_parse(j, &s, err, sizeof err), -1, "accepted bad %s", key);
    cr_assert(strstr(err, needle), "'%s' lacks '%s'", err, needle);
}

Test(job_spec, refuses_bad_specs)
{
    bad_spec("job_id", json_string("ABC"), "job_id");
    bad_spec("org", NULL, "org");
    bad_spec("command", json_string(""), "command");
    bad_spec("run_timeout", json_integer(0), "run_timeout");
    bad_spec("voting_timeout", json_string("5"), "voting_timeout");
    bad_spec("nodes", json_array(), "nodes");
    bad_spec("available", json_pack("[b,b]", 1, 1), "available");
    bad_spec("available", json_pack("[b,i,b]", 1, 1, 1), "node 1");
    bad_spec("quorum", json_integer(4), "quorum");
    bad_spec("quorum", json_integer(-1), "quorum");
    bad_spec("options", json_string("x"), "options");
}

Test(job_spec, options_default_to_empty)
{
    json_t *j = spec_json();
    json_object_del(j, "options");
    struct job_spec s;
    char err[256];
    cr_assert_eq(job_spec_parse(j, &s, err, sizeof err), 0, "%s", err);
    cr_assert(json_is_object(s.options));
    job_spec_free(&s);
}

Test(job_spec, voting_timeout_scales_with_size)
{
    cr_assert_eq(job_voting_timeout_s(60, 1, 1), 61);
    cr_assert_eq(job_voting_timeout_s(60, 1, 100), 61);
    cr_assert_eq(job_voting_timeout_s(60, 1, 101), 62);
    cr_assert_eq(job_voting_timeout_s(60, 5, 5000), 310);
    cr_assert_eq(job_voting_timeout_s(60, 0, 5000), 60);
}

Test(job_spec, job_ids)
{
    char a[JOB_ID_LEN + 1], b[JOB_ID_LEN + 1];
    cr_assert_eq(job_id_generate(a), 0);
    cr_assert_eq(job_id_generate(b), 0);
    cr_assert(job_id_valid(a), "%s", a);
    cr_assert_str_neq(a, b);
    cr_assert_not(job_id_valid("0123"));
    cr_assert_not(job_id_valid(NULL));
}

/* ---- link framing ---- */

Test(line_buf, splits_lines_across_chunks)
{
    struct line_buf lb;
    line_buf_init(&lb);
    size_t len;
    cr_assert_eq(line_buf_append(&lb, "{\"a\":1}\n{\"b\"", 12), 0);
    char *l = line_buf_next(&lb, &len);
    cr_assert_str_eq(l, "{\"a\":1}");
    cr_assert_eq(len, 7);
    cr_assert_null(line_buf_next(&lb, &len));
    cr_assert_eq(line_buf_pending(&lb), 4);
    cr_assert_eq(line_buf_append(&lb, ":2}\n\n", 5), 0);
    cr_assert_str_eq(line_buf_next(&lb, &len), "{\"b\":2}");
    l = line_buf_next(&lb, &len);
    cr_assert_str_eq(l, "");
    cr_assert_null(line_buf_next(&lb, &len));
    cr_assert_eq(line_buf_pending(&lb), 0);
    line_buf_free(&lb);
}

Test(line_buf, refuses_an_endless_line)
{
    struct line_buf lb;
    line_buf_init(&lb);
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    int rc = 0;
    for (int i = 0; i < 9 && rc == 0; i++)
        rc = line_buf_append(&lb, chunk, sizeof chunk);
    cr_assert_eq(rc, -1);
    line_buf_free(&lb);
}

Test(job_link, writes_one_line_per_message)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    json_t *a = job_link_node_state("n1", "ready", 5);
    json_t *b = job_link_job_state("running", 6);
    cr_assert_eq(job_link_write(sv[0], a), 0);
    cr_assert_eq(job_link_write_nonblock(sv[0], b), 0);
    char buf[256];
    ssize_t n = read(sv[1], buf, sizeof buf - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "{\"type\":\"node_state\",\"node\":\"n1\",\"status\":\"ready\","
                          "\"at_us\":5}\n{\"type\":\"job_state\",\"status\":\"running\","
                          "\"at_us\":6}\n");
    json_decref(a);
    json_decref(b);
    close(sv[0]);
    close(sv[1]);
}

/* ---- actions -> outbox ---- */

static struct job_fsm *fsm_of(const char *const *nodes, size_t n, size_t quorum)
{
    struct job_fsm_params p = { .job_id = JOB, .quorum = quorum, .voting_timeout_ms = 1000,
                                .run_timeout_ms = 5000 };
    char err[128];
    struct job_fsm *f = job_fsm_new(&p, nodes, n, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    return f;
}

static void drain(struct job_fsm *f, struct job_outbox *o, const struct job_ctx *ctx)
{
    size_t n;
    const struct job_action *a = job_fsm_actions(f, &n);
    cr_assert_eq(job_outbox_add(o, ctx, a, n, 1700000000000000LL), 0);
    job_fsm_clear_actions(f);
}

Test(job_actions, start_reports_before_commands_and_groups_commits)
{
    const char *nodes[] = { "n1", "n2", "n3" };
    bool avail[] = { true, false, true };
    struct job_fsm *f = fsm_of(nodes, 3, 2);
    json_t *extra = json_pack("{s:s, s:i}", "command", "uptime", "node_count", 3);
    struct job_ctx ctx = { .org = "acme", .job_id = JOB, .start_extra = extra };
    struct job_outbox o;
    cr_assert_eq(job_outbox_init(&o), 0);
    cr_assert_eq(job_fsm_start(f, 0, avail), JOB_FSM_OK);
    drain(f, &o, &ctx);

    /* start event (with extras), voting, n2 unavailable + its vote. */
    json_t *reps = job_outbox_reports_json(&o);
    cr_assert_not_null(reps);
    cr_assert_eq(json_array_size(reps), 4);
    cr_assert_eq(o.nreports, 4);
    json_t *start = json_object_get(json_array_get(reps, 0), "event");
    cr_assert_str_eq(json_string_value(json_object_get(start, "event")), "start");
    cr_assert_str_eq(json_string_value(json_object_get(start, "command")), "uptime");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(reps, 1), "status")),
                     "voting");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(reps, 2), "node")),
                     "n2");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(reps, 3), "type")),
                     "event");
    json_decref(reps);
    cr_assert_eq(json_array_size(o.sends[JOB_SEND_COMMIT]), 2);
    cr_assert_eq(job_outbox_sends(&o), 2);

    /* One bus message carries the commit to both nodes. */
    json_t *commit = json_pack("{s:s}", "type", "commit");
    json_t *m = job_send_msg("acme", o.sends[JOB_SEND_COMMIT], 0, JOB_SEND_CHUNK, commit);
    char *text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(text, "{\"message\":{\"type\":\"commit\"},\"nodes\":[\"n1\",\"n3\"],"
                           "\"org\":\"acme\",\"type\":\"send\"}");
    free(text);
    json_decref(m);
    json_decref(commit);

    job_outbox_clear(&o);
    cr_assert_eq(o.reports.len, 0);
    cr_assert_eq(o.nreports, 0);
    cr_assert_eq(job_outbox_sends(&o), 0);
    job_outbox_free(&o);
    json_decref(extra);
    job_fsm_free(f);
}

Test(job_actions, quorum_then_run_then_completion)
{
    const char *nodes[] = { "a", "b" };
    struct job_fsm *f = fsm_of(nodes, 2, 2);
    struct job_ctx ctx = { .org = "acme", .job_id = JOB, .start_extra = NULL };
    struct job_outbox o;
    cr_assert_eq(job_outbox_init(&o), 0);
    job_fsm_start(f, 0, NULL);
    drain(f, &o, &ctx);
    job_outbox_clear(&o);
    job_fsm_reply(f, 1, "a", JOB, JOB_MSG_ACK_COMMIT);
    job_fsm_reply(f, 2, "b", JOB, JOB_MSG_ACK_COMMIT);
    drain(f, &o, &ctx);
    cr_assert_eq(json_array_size(o.sends[JOB_SEND_RUN]), 2, "run goes to both ready nodes");
    cr_assert_eq(json_array_size(o.sends[JOB_SEND_ABORT]), 0);
    job_outbox_clear(&o);
    job_fsm_reply(f, 3, "a", JOB, JOB_MSG_ACK_RUN);
    job_fsm_reply(f, 3, "b", JOB, JOB_MSG_ACK_RUN);
    job_fsm_reply(f, 4, "a", JOB, JOB_MSG_SUCCEEDED);
    job_fsm_reply(f, 4, "b", JOB, JOB_MSG_FAILED);
    drain(f, &o, &ctx);
    json_t *reps = job_outbox_reports_json(&o);
    cr_assert_not_null(reps);
    json_t *last = json_array_get(reps, json_array_size(reps) - 1);
    json_t *ev = json_object_get(last, "event");
    cr_assert_str_eq(json_string_value(json_object_get(ev, "event")), "job_complete");
    cr_assert_str_eq(json_string_value(json_object_get(ev, "status")), "complete");
    json_decref(reps);
    job_outbox_free(&o);
    job_fsm_free(f);
}

Test(job_actions, big_fan_out_is_chunked)
{
    json_t *nodes = json_array();
    char name[16];
    for (int i = 0; i < JOB_SEND_CHUNK + 3; i++) {
        snprintf(name, sizeof name, "n%d", i);
        json_array_append_new(nodes, json_string(name));
    }
    json_t *msg = json_pack("{s:s}", "type", "abort");
    cr_assert_eq(job_send_chunk_end(nodes, 0), JOB_SEND_CHUNK);
    cr_assert_eq(job_send_chunk_end(nodes, JOB_SEND_CHUNK), JOB_SEND_CHUNK + 3);
    json_t *m1 = job_send_msg("acme", nodes, 0, JOB_SEND_CHUNK, msg);
    json_t *m2 = job_send_msg("acme", nodes, JOB_SEND_CHUNK, 2 * JOB_SEND_CHUNK, msg);
    cr_assert_eq(json_array_size(json_object_get(m1, "nodes")), JOB_SEND_CHUNK);
    cr_assert_eq(json_array_size(json_object_get(m2, "nodes")), 3);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(m2, "nodes"), 0)), "n5000");
    json_decref(m1);
    json_decref(m2);
    json_decref(msg);
    json_decref(nodes);
}

Test(job_actions, long_names_make_smaller_chunks)
{
    json_t *nodes = json_array();
    char name[256];
    memset(name, 'x', 250);
    for (int i = 0; i < 5000; i++) {
        for (int d = 4, v = i; d >= 0; d--, v /= 10)
            name[250 + d] = (char)('0' + v % 10);
        name[255] = '\0';
        json_array_append_new(nodes, json_string(name));
    }
    size_t end = job_send_chunk_end(nodes, 0);
    cr_assert_lt(end, 5000);
    cr_assert_leq(end * 258, JOB_SEND_CHUNK_BYTES);
    cr_assert_gt((end + 1) * 258, JOB_SEND_CHUNK_BYTES);
    json_t *msg = json_pack("{s:s}", "type", "run");
    json_t *m = job_send_msg("acme", nodes, 0, end, msg);
    char *text = json_dumps(m, JSON_COMPACT);
    cr_assert_lt(strlen(text), 600u << 10);
    free(text);
    json_decref(m);
    json_decref(msg);
    /* a single name is one chunk */
    json_t *one = json_pack("[s]", "y");
    cr_assert_eq(job_send_chunk_end(one, 0), 1);
    cr_assert_eq(job_send_chunk_end(one, 1), 1);
    json_decref(one);
    json_decref(nodes);
}
