/* Waiting for a job to finish, for `pushy job start` (unless --nowait).
 * This is the one place that decides how to wait: today it polls
 * GET jobs/ID every poll interval, printing "." per poll and the status
 * line (cli/progress.h) whenever it changes, like knife. (Issue 7 moves
 * this to the job's SSE feed.) The fetching and sleeping are callbacks so
 * the loop is tested without a server. */
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
};

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
