/* The job-events notice built from a batch's events
 * (jobrunner/event_notice.h), and read back by apid's hub (apid/sse.h). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/sse.h"
#include "jobrunner/event_notice.h"

#define J1 "11111111111111111111111111111111"
#define J2 "22222222222222222222222222222222"
#define J3 "33333333333333333333333333333333"

static struct batch b;
static struct textbuf out;

static void setup(void)
{
    cr_assert_eq(batch_init(&b), 0);
    memset(&out, 0, sizeof out);
}
static void teardown(void)
{
    batch_free(&b);
    textbuf_free(&out);
}

TestSuite(event_notice, .init = setup, .fini = teardown);

/* An event as job_actions.c writes it. */
static void add(const char *org, const char *job, const char *name, const char *rest)
{
    char ev[1024];
    int n = snprintf(ev, sizeof ev,
                     "{\"type\":\"job_event\",\"org\":\"%s\",\"job_id\":\"%s\",\"event\":\"%s\","
                     "\"timestamp\":\"2026-11-25 08:00:00.123456Z\"%s}",
                     org, job, name, rest);
    cr_assert(n > 0 && (size_t)n < sizeof ev);
    cr_assert_eq(batch_add_event(&b, ev, (size_t)n, 1), 0);
}

static void add_raw(const char *ev)
{
    cr_assert_eq(batch_add_event(&b, ev, strlen(ev), 1), 0);
}

static int build(size_t *skipped)
{
    return event_notices(&b, &out, skipped);
}

Test(event_notice, nothing_for_a_batch_without_events)
{
    size_t skipped = 9;
    cr_assert_eq(batch_add_node(&b, J1, "n1", JOB_NODE_READY, 1, 1), 0);
    cr_assert_eq(build(&skipped), 0);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(skipped, 0);
}

Test(event_notice, one_job_without_org_feed_events)
{
    size_t skipped;
    add("acme", J1, "quorum_vote", ",\"node\":\"n1\",\"status\":\"success\"");
    add("acme", J1, "quorum_vote", ",\"node\":\"n2\",\"status\":\"success\"");
    add("acme", J1, "run_start", "");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_str_eq(out.p, "{\"type\":\"job_events\",\"jobs\":[\"" J1 "\"],\"orgs\":[]}\n");
    cr_assert_eq(skipped, 0);
}

Test(event_notice, start_and_job_complete_name_the_org)
{
    size_t skipped;
    /* start carries nested options: read in place all the same */
    add("acme", J1, "start", ",\"command\":\"ok\",\"options\":{\"env\":{\"A\":\"1\"}}");
    add("acme", J1, "quorum_vote", ",\"node\":\"n1\",\"status\":\"success\"");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_str_eq(out.p, "{\"type\":\"job_events\",\"jobs\":[\"" J1 "\"],\"orgs\":[\"acme\"]}\n");
    textbuf_reset(&out);
    batch_clear(&b);
    add("acme", J1, "run_complete", ",\"node\":\"n1\",\"status\":\"success\"");
    add("acme", J1, "job_complete", ",\"status\":\"complete\"");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_str_eq(out.p, "{\"type\":\"job_events\",\"jobs\":[\"" J1 "\"],\"orgs\":[\"acme\"]}\n");
}

Test(event_notice, jobs_and_orgs_once_each_sorted)
{
    size_t skipped;
    add("zeta", J3, "start", "");
    add("beta", J2, "quorum_vote", ",\"node\":\"n1\",\"status\":\"success\"");
    add("acme", J1, "job_complete", ",\"status\":\"complete\"");
    add("zeta", J3, "quorum_vote", ",\"node\":\"n1\",\"status\":\"success\"");
    add("beta", J2, "run_start", "");
    add("acme", J1, "start", ""); /* a second org-feed event of J1 */
    add("zeta", J3, "job_complete", ",\"status\":\"complete\"");
    cr_assert_eq(build(&skipped), 1);
    /* beta: J2's events here are none of the org feed's */
    cr_assert_str_eq(out.p, "{\"type\":\"job_events\",\"jobs\":[\"" J1 "\",\"" J2 "\",\"" J3
                            "\"],\"orgs\":[\"acme\",\"zeta\"]}\n");
}

Test(event_notice, other_shapes_are_parsed)
{
    size_t skipped;
    /* another member order and an escaped org: jansson, org re-encoded */
    add_raw("{\"event\":\"start\",\"job_id\":\"" J2 "\",\"org\":\"ac\\\"me\",\"type\":\"job_event\"}");
    add_raw("{\"type\":\"job_event\",\"org\":\"acme\",\"job_id\":\"" J1
            "\",\"event\":\"rehab\",\"reason\":\"caf\\u00e9\"}");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_eq(skipped, 0);
    json_t *n = json_loads(out.p, 0, NULL);
    cr_assert(n, "notice is JSON: %s", out.p);
    cr_assert_eq(json_array_size(json_object_get(n, "jobs")), 2);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(n, "jobs"), 1)), J2);
    cr_assert_eq(json_array_size(json_object_get(n, "orgs")), 1);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(n, "orgs"), 0)), "ac\"me");
    json_decref(n);
}

Test(event_notice, events_without_a_job_id_are_left_out)
{
    size_t skipped;
    add_raw("{\"type\":\"job_event\",\"org\":\"acme\",\"event\":\"start\"}");
    add_raw("{\"type\":\"job_event\",\"org\":\"acme\",\"job_id\":\"../etc\",\"event\":\"start\"}");
    add_raw("{\"type\":\"job_event\",\"org\":\"acme\",\"job_id\":\"" J1 "\",\"event\":7}");
    add_raw("not json");
    cr_assert_eq(build(&skipped), 0);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(skipped, 4);
    add("acme", J2, "run_start", "");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_eq(skipped, 4);
    cr_assert_str_eq(out.p, "{\"type\":\"job_events\",\"jobs\":[\"" J2 "\"],\"orgs\":[]}\n");
}

Test(event_notice, appends_after_what_out_holds)
{
    size_t skipped;
    textbuf_puts(&out, "x\n");
    add("acme", J1, "run_start", "");
    cr_assert_eq(build(&skipped), 1);
    cr_assert_str_eq(out.p, "x\n{\"type\":\"job_events\",\"jobs\":[\"" J1 "\"],\"orgs\":[]}\n");
}

/* A batch of many jobs (a long database outage): bounded notices. */
Test(event_notice, many_jobs_are_split)
{
    size_t skipped, total = EVENT_NOTICE_MAX_JOBS + 5;
    for (size_t i = 0; i < total; i++) {
        char id[JOB_ID_LEN + 1];
        snprintf(id, sizeof id, "%032zx", total - i);
        add(i % 2 ? "beta" : "acme", id, "start", "");
    }
    cr_assert_eq(build(&skipped), 2);
    size_t seen = 0;
    char *save = NULL;
    for (char *line = strtok_r(out.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *n = json_loads(line, 0, NULL);
        cr_assert(n);
        size_t k = json_array_size(json_object_get(n, "jobs"));
        cr_assert(k >= 1 && k <= EVENT_NOTICE_MAX_JOBS);
        cr_assert(json_array_size(json_object_get(n, "orgs")) >= 1);
        seen += k;
        json_decref(n);
    }
    cr_assert_eq(seen, total);
}

/* ---- apid's side ---- */

Test(event_notice, the_hub_reads_what_jobrunner_writes)
{
    size_t skipped;
    add("acme", J1, "job_complete", ",\"status\":\"complete\"");
    add("beta", J2, "run_start", "");
    cr_assert_eq(build(&skipped), 1);
    struct sse_notice n;
    char err[128];
    cr_assert_eq(sse_notice_parse(out.p, out.len - 1, &n, err, sizeof err), 0, "%s", err);
    cr_assert(sse_notice_has_job(&n, J1));
    cr_assert(sse_notice_has_job(&n, J2));
    cr_assert_not(sse_notice_has_job(&n, J3));
    cr_assert(sse_notice_has_org(&n, "acme"));
    cr_assert_not(sse_notice_has_org(&n, "beta"), "no org-feed event of beta");
    sse_notice_free(&n);
}

/* -1: refused; else how many names were kept (jobs + orgs), *skipped the
 * invalid entries left out. */
static int parse_kept(const char *s, size_t *skipped)
{
    struct sse_notice n;
    char err[128] = "";
    int rc = sse_notice_parse(s, strlen(s), &n, err, sizeof err);
    if (rc == 0) {
        rc = (int)(n.njobs + n.norgs);
        *skipped = n.skipped;
        if (n.skipped)
            cr_assert(err[0], "a message for %s", s);
        sse_notice_free(&n);
    } else {
        cr_assert(err[0], "a message for %s", s);
    }
    return rc;
}

static int parse(const char *s)
{
    size_t skipped = 0;
    int rc = parse_kept(s, &skipped);
    return rc < 0 ? -1 : skipped ? -2 : 0;
}

Test(event_notice, the_hub_validates_types)
{
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[],\"orgs\":[]}"), 0);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[\"" J1 "\"],\"orgs\":[\"a\"]}"), 0);
    cr_assert_eq(parse("not json"), -1);
    cr_assert_eq(parse("[]"), -1);
    cr_assert_eq(parse("{\"type\":\"job_event\",\"jobs\":[],\"orgs\":[]}"), -1);
    cr_assert_eq(parse("{\"jobs\":[],\"orgs\":[]}"), -1);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"orgs\":[]}"), -1);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[]}"), -1);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":\"" J1 "\",\"orgs\":[]}"), -1);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[1],\"orgs\":[]}"), -2);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[\"../x\"],\"orgs\":[]}"), -2);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[\"\"],\"orgs\":[]}"), -2);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[],\"orgs\":[\"\"]}"), -2);
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[],\"orgs\":[null]}"), -2);
    /* jansson refuses \u0000 without JSON_ALLOW_NUL: the whole notice */
    cr_assert_eq(parse("{\"type\":\"job_events\",\"jobs\":[],\"orgs\":[\"a\\u0000b\"]}"), -1);
    char big[400];
    int k = snprintf(big, sizeof big, "{\"type\":\"job_events\",\"jobs\":[],\"orgs\":[\"%0256d\"]}", 0);
    cr_assert(k > 0 && (size_t)k < sizeof big);
    cr_assert_eq(parse(big), -2, "an org name longer than a stream's");
    size_t skipped = 0;
    cr_assert_eq(parse_kept("{\"type\":\"job_events\",\"jobs\":[\"" J1 "\",7,\"../x\"],"
                            "\"orgs\":[\"\",\"a\"]}", &skipped), 2,
                 "the valid entries are kept (%zu skipped)", skipped);
    cr_assert_eq(skipped, 3);
}
