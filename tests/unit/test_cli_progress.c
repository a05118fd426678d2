#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/job_wait.h"
#include "cli/progress.h"

static json_t *j(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    cr_assert_not_null(v, "bad test JSON: %s", e.text);
    return v;
}

static void line_of(const char *job_text, char *line, size_t cap, struct job_progress *p)
{
    json_t *job = j(job_text);
    cr_assert_eq(cli_job_progress_of(job, p), 0);
    cr_assert_eq(cli_job_progress_line(p, line, cap), 0);
    json_decref(job);
}

Test(cli_progress, status_lines)
{
    static const struct {
        const char *job;
        const char *line;
        bool finished;
    } cases[] = {
        { "{\"status\":\"new\",\"nodes\":{\"new\":[\"a\",\"b\"]}}", "Initialized.", false },
        { "{\"status\":\"voting\",\"nodes\":{\"new\":[\"a\"],\"ready\":[\"b\"]}}", "Voting.",
          false },
        /* X counts nodes, not state names: 3 in progress of 4 */
        { "{\"status\":\"running\",\"nodes\":{\"ready\":[\"a\"],\"running\":[\"b\",\"c\"],"
          "\"succeeded\":[\"d\"]}}",
          "Running (3/4 in progress) ...", false },
        { "{\"status\":\"running\",\"nodes\":{\"running\":[\"a\",\"b\"],"
          "\"failed\":[\"c\"],\"nacked\":[\"d\"]}}",
          "Running (2/4 in progress) ...", false },
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\"]}}", "Complete.", true },
        { "{\"status\":\"quorum_failed\",\"nodes\":{}}", "Quorum_failed.", true },
        { "{\"status\":\"timed_out\"}", "Timed_out.", true },
        { "{\"status\":\"crashed\"}", "Crashed.", true },
        { "{\"status\":\"aborted\"}", "Aborted.", true },
        { "{}", "Unknown status.", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct job_progress p;
        char line[128];
        line_of(cases[i].job, line, sizeof line, &p);
        cr_assert_str_eq(line, cases[i].line, "%s", cases[i].job);
        cr_assert_eq(p.finished, cases[i].finished, "%s", cases[i].job);
    }
}

Test(cli_progress, bad_shapes)
{
    struct job_progress p;
    json_t *v = j("[]");
    cr_assert_eq(cli_job_progress_of(v, &p), -1);
    json_decref(v);
    v = j("{\"status\":\"running\",\"nodes\":[\"a\"]}");
    cr_assert_eq(cli_job_progress_of(v, &p), -1);
    json_decref(v);
    v = j("{\"status\":\"running\",\"nodes\":{\"running\":\"a\"}}");
    cr_assert_eq(cli_job_progress_of(v, &p), -1);
    json_decref(v);
    char small[8];
    p = (struct job_progress){ "running", 1, 2, false };
    cr_assert_eq(cli_job_progress_line(&p, small, sizeof small), -1);
}

Test(cli_progress, exit_code)
{
    static const struct {
        const char *job;
        int rc;
    } cases[] = {
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\",\"b\"]}}", 0 },
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\"],\"failed\":[]}}", 0 },
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\"],\"failed\":[\"b\"]}}", 1 },
        /* stricter than knife: nacked and unavailable nodes fail the command */
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\"],\"nacked\":[\"b\"]}}", 1 },
        { "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"a\"],\"unavailable\":[\"b\"]}}", 1 },
        { "{\"status\":\"quorum_failed\",\"nodes\":{\"succeeded\":[\"a\"]}}", 1 },
        { "{\"status\":\"complete\",\"nodes\":{}}", 1 },
        { "{\"status\":\"complete\"}", 1 },
        { "{\"status\":\"aborted\",\"nodes\":{\"aborted\":[\"a\"]}}", 1 },
        { "{\"status\":\"timed_out\",\"nodes\":{\"timed_out\":[\"a\"]}}", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = j(cases[i].job);
        cr_assert_eq(cli_job_exit_code(v), cases[i].rc, "%s", cases[i].job);
        json_decref(v);
    }
}

/* A scripted server for job_wait. */
struct script {
    const char *const *steps; /* JSON of the job, or "RETRY", or "FAIL" */
    size_t n, next;
    int sleeps;
    double slept;
};

static enum job_fetch_result fake_fetch(void *ctx, json_t **job, char **raw, char *err,
                                        size_t errlen)
{
    struct script *s = ctx;
    cr_assert_lt(s->next, s->n, "polled after the job finished");
    const char *step = s->steps[s->next++];
    if (!strcmp(step, "RETRY")) {
        snprintf(err, errlen, "503 Service Unavailable");
        return JOB_FETCH_RETRY;
    }
    if (!strcmp(step, "FAIL")) {
        snprintf(err, errlen, "404 Not Found: no such job");
        return JOB_FETCH_FAIL;
    }
    *job = j(step);
    *raw = strdup(step);
    return JOB_FETCH_OK;
}

static void fake_sleep(void *ctx, double seconds)
{
    struct script *s = ctx;
    s->sleeps++;
    s->slept += seconds;
}

static int run_script(struct script *s, char **progress, char **warnings,
                      struct job_wait_result *res, char *err, size_t errlen)
{
    size_t plen, wlen;
    FILE *p = open_memstream(progress, &plen);
    FILE *w = open_memstream(warnings, &wlen);
    struct job_source src = { fake_fetch, fake_sleep, s, NULL };
    int rc = cli_job_wait(&src, 0.25, p, w, res, err, errlen);
    fclose(p);
    fclose(w);
    return rc;
}

Test(cli_job_wait, prints_dots_and_changes_like_knife)
{
    static const char *const steps[] = {
        "{\"status\":\"voting\",\"nodes\":{\"new\":[\"n1\",\"n2\"]}}",
        "{\"status\":\"running\",\"nodes\":{\"running\":[\"n1\",\"n2\"]}}",
        "{\"status\":\"running\",\"nodes\":{\"running\":[\"n1\",\"n2\"]}}",
        "{\"status\":\"running\",\"nodes\":{\"running\":[\"n2\"],\"succeeded\":[\"n1\"]}}",
        "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"n1\",\"n2\"]}}",
    };
    struct script s = { steps, 5, 0, 0, 0 };
    char *progress, *warnings, err[256];
    struct job_wait_result res;
    cr_assert_eq(run_script(&s, &progress, &warnings, &res, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(progress, ".Voting.\n"
                               ".Running (2/2 in progress) ...\n"
                               "."
                               ".Running (1/2 in progress) ...\n"
                               ".Complete.\n");
    cr_assert_str_eq(warnings, "");
    cr_assert_eq(s.sleeps, 5);
    cr_assert_float_eq(s.slept, 1.25, 1e-9);
    cr_assert_str_eq(json_string_value(json_object_get(res.job, "status")), "complete");
    cr_assert_str_eq(res.raw, steps[4]);
    cli_job_wait_result_free(&res);
    free(progress);
    free(warnings);
}

Test(cli_job_wait, retries_transient_failures_then_gives_up)
{
    static const char *const ok_steps[] = {
        "RETRY", "RETRY", "{\"status\":\"quorum_failed\",\"nodes\":{\"nacked\":[\"n1\"]}}",
    };
    struct script s = { ok_steps, 3, 0, 0, 0 };
    char *progress, *warnings, err[256];
    struct job_wait_result res;
    cr_assert_eq(run_script(&s, &progress, &warnings, &res, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(progress, "...Quorum_failed.\n");
    cr_assert(strstr(warnings, "WARNING: 503 Service Unavailable (retrying, 2 of 5)"), "%s",
              warnings);
    cli_job_wait_result_free(&res);
    free(progress);
    free(warnings);

    static const char *const bad_steps[] = { "RETRY", "RETRY", "RETRY", "RETRY", "RETRY", "RETRY" };
    struct script s2 = { bad_steps, 6, 0, 0, 0 };
    cr_assert_eq(run_script(&s2, &progress, &warnings, &res, err, sizeof err), -1);
    cr_assert_str_eq(err, "503 Service Unavailable");
    cr_assert_null(res.job);
    free(progress);
    free(warnings);
}

Test(cli_job_wait, fatal_error_and_bad_shape_stop_at_once)
{
    static const char *const steps[] = { "{\"status\":\"voting\"}", "FAIL" };
    struct script s = { steps, 2, 0, 0, 0 };
    char *progress, *warnings, err[256];
    struct job_wait_result res;
    cr_assert_eq(run_script(&s, &progress, &warnings, &res, err, sizeof err), -1);
    cr_assert_str_eq(err, "404 Not Found: no such job");
    cr_assert_str_eq(progress, ".Voting.\n.\n");
    free(progress);
    free(warnings);

    static const char *const shape[] = { "{\"status\":\"running\",\"nodes\":[]}" };
    struct script s2 = { shape, 1, 0, 0, 0 };
    cr_assert_eq(run_script(&s2, &progress, &warnings, &res, err, sizeof err), -1);
    cr_assert(strstr(err, "unexpected shape"), "%s", err);
    free(progress);
    free(warnings);
}
