/* Waiting for a job to finish, for `pushy job start` (unless --nowait).
 * This is the one place that decides how to wait. With an event source
 * (wait_event, the job's SSE feed job_status_feed/ID), it GETs the job
 * each time events arrive (or every JOB_WAIT_FEED_MAX_S without any) and
 * prints the status line (cli/progress.h) whenever it changes; when the
 * feed is unavailable or ends, it falls back to polling GET jobs/ID every
 * poll interval, printing "." per poll, like knife. The fetching, waiting
 * and sleeping are callbacks so the loop is tested without a server. */
#ifndef PUSHY_CLI_JOB_WAIT_H
#define PUSHY_CLI_JOB_WAIT_H

#include <jansson.h>
#include <stdio.h>

enum job_fetch_result {
    JOB_FETCH_OK,
    JOB_FETCH_RETRY, /* transient: connection failed, 502/503/504 */
    JOB_FETCH_FAIL,  /* give up: err says why */
};

struct job_source {
    /* GET the job. On OK sets *job (a new reference) and *raw (the body,
     * malloc'd, NUL-terminated); both become the caller's. Otherwise err
     * says why. */
    enum job_fetch_result (*fetch)(void *ctx, json_t **job, char **raw, char *err,
                                   size_t errlen);
    void (*sleep)(void *ctx, double seconds);
    void *ctx;
    /* Optional (NULL: poll). Waits up to max_s for job events: 1 when some
     * arrived, 0 on timeout, -1 when the feed is unavailable or ended. */
    int (*wait_event)(void *ctx, double max_s);
};

#define JOB_WAIT_FEED_MAX_S 30.0

/* Consecutive transient failures tolerated while polling. */
#define JOB_WAIT_MAX_RETRIES 5

struct job_wait_result {
    json_t *job; /* the final job */
    char *raw;   /* its JSON as the server sent it */
};

/* Polls until the job's status is final. Progress goes to `progress`,
 * warnings about retried requests to `warn` (either may be NULL). Returns
 * 0 with *res filled (free with cli_job_wait_result_free), or -1 with err. */
int cli_job_wait(const struct job_source *src, double poll_interval, FILE *progress, FILE *warn,
             struct job_wait_result *res, char *err, size_t errlen);

void cli_job_wait_result_free(struct job_wait_result *res);

#endif
