#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/feed.h"
#include "cli/job_wait.h"

Test(cli_sse_parser, counts_events_across_chunks)
{
    struct sse_parser p;
    sse_parser_init(&p);
    const char *s = ": keepalive\n\nevent: start\nid: job-1\ndata: {\"a\":1}\n\nevent: quorum_vote\r\nid: job-2\r\ndata: {}\r\n\r\n";
    for (size_t i = 0; i < strlen(s); i++) /* one byte at a time */
        sse_parser_feed(&p, s + i, 1);
    cr_assert_eq(p.events, 2);
    cr_assert_str_eq(p.last_event, "quorum_vote");
    cr_assert_str_eq(p.last_id, "job-2");
    sse_parser_feed(&p, "data: x\n\n", 9);
    cr_assert_eq(p.events, 3);
    cr_assert_str_eq(p.last_event, "message");
}

Test(cli_sse_parser, long_lines_are_survived)
{
    struct sse_parser p;
    sse_parser_init(&p);
    sse_parser_feed(&p, "event: summary\ndata: ", 21);
    char big[5000];
    memset(big, 'x', sizeof big);
    sse_parser_feed(&p, big, sizeof big);
    sse_parser_feed(&p, "\n\n", 2);
    cr_assert_eq(p.events, 1);
    cr_assert_str_eq(p.last_event, "summary");
}

/* job_wait driven by a feed: no dots, no sleeps, a fetch per wake-up, and
 * polling once the feed ends. */
struct fscript {
    const char *const *jobs;
    size_t n, next;
    const int *waits; /* results of wait_event */
    size_t nw, nextw;
    int sleeps;
};

static enum job_fetch_result ffetch(void *ctx, json_t **job, char **raw, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct fscript *s = ctx;
    cr_assert_lt(s->next, s->n);
    const char *step = s->jobs[s->next++];
    *job = json_loads(step, 0, NULL);
    *raw = strdup(step);
    return JOB_FETCH_OK;
}

static void fsleep(void *ctx, double seconds)
{
    (void)seconds;
    ((struct fscript *)ctx)->sleeps++;
}

static int fwait(void *ctx, double max_s)
{
    struct fscript *s = ctx;
    cr_assert_float_eq(max_s, JOB_WAIT_FEED_MAX_S, 1e-9);
    cr_assert_lt(s->nextw, s->nw);
    return s->waits[s->nextw++];
}

Test(cli_job_wait, follows_the_feed_then_polls_when_it_ends)
{
    static const char *const jobs[] = {
        "{\"status\":\"voting\",\"nodes\":{\"new\":[\"n1\"]}}",
        "{\"status\":\"running\",\"nodes\":{\"running\":[\"n1\"]}}",
        "{\"status\":\"running\",\"nodes\":{\"running\":[\"n1\"]}}",
        "{\"status\":\"complete\",\"nodes\":{\"succeeded\":[\"n1\"]}}",
    };
    static const int waits[] = { 1, 1, 0, -1 };
    struct fscript s = { jobs, 4, 0, waits, 4, 0, 0 };
    char *progress;
    size_t plen;
    FILE *p = open_memstream(&progress, &plen);
    struct job_source src = { ffetch, fsleep, &s, fwait };
    struct job_wait_result res;
    char err[256];
    cr_assert_eq(cli_job_wait(&src, 1.0, p, NULL, &res, err, sizeof err), 0, "%s", err);
    fclose(p);
    cr_assert_str_eq(progress, "Voting.\nRunning (1/1 in progress) ...\nComplete.\n");
    cr_assert_eq(s.sleeps, 0, "the feed's end is followed by an immediate fetch");
    cli_job_wait_result_free(&res);
    free(progress);
}
