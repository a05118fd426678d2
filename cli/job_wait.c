#include "cli/job_wait.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"

#define LINE_MAX_LEN 128

int cli_job_wait(const struct job_source *src, double poll_interval, FILE *progress, FILE *warn,
             struct job_wait_result *res, char *err, size_t errlen)
{
    char previous[LINE_MAX_LEN] = "";
    int failures = 0;
    res->job = NULL;
    res->raw = NULL;
    bool feed = src->wait_event != NULL;
    for (;;) {
        if (feed) {
            if (src->wait_event(src->ctx, JOB_WAIT_FEED_MAX_S) < 0)
                feed = false; /* ended (the job is done) or unusable: fetch now, then poll */
        } else {
            src->sleep(src->ctx, poll_interval);
            if (progress) {
                fputc('.', progress);
                fflush(progress);
            }
        }
        json_t *job = NULL;
        char *raw = NULL;
        char why[512] = "";
        enum job_fetch_result r = src->fetch(src->ctx, &job, &raw, why, sizeof why);
        if (r != JOB_FETCH_OK) {
            json_decref(job);
            free(raw);
            if (r == JOB_FETCH_RETRY && ++failures <= JOB_WAIT_MAX_RETRIES) {
                if (warn)
                    fprintf(warn, "WARNING: %s (retrying, %d of %d)\n", why, failures,
                            JOB_WAIT_MAX_RETRIES);
                continue;
            }
            if (progress)
                fputc('\n', progress);
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        failures = 0;
        struct job_progress p;
        char line[LINE_MAX_LEN];
        if (cli_job_progress_of(job, &p) || cli_job_progress_line(&p, line, sizeof line)) {
            json_decref(job);
            free(raw);
            if (progress)
                fputc('\n', progress);
            snprintf(err, errlen, "the server's job has an unexpected shape");
            return -1;
        }
        if (strcmp(line, previous)) {
            if (progress) {
                fprintf(progress, "%s\n", line);
                fflush(progress);
            }
            memcpy(previous, line, sizeof line);
        }
        if (p.finished) {
            res->job = job;
            res->raw = raw;
            return 0;
        }
        json_decref(job);
        free(raw);
    }
}

void cli_job_wait_result_free(struct job_wait_result *res)
{
    json_decref(res->job);
    free(res->raw);
    res->job = NULL;
    res->raw = NULL;
}
