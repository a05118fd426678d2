/* pushy job start: POST the job, then (unless --nowait) wait for it to
 * finish and print it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/api_error.h"
#include "cli/commands.h"
#include "cli/feed.h"
#include "cli/format.h"
#include "cli/job_request.h"
#include "cli/job_wait.h"
#include "cli/progress.h"
#include "cli/url.h"
#include "shared/fsutil.h"

/* The job id of a POST jobs answer: "id", else the end of "uri" (the
 * original server sends only the uri). Malloc'd, or NULL. */
static char *job_id_of(const json_t *answer)
{
    const char *id = json_string_value(json_object_get(answer, "id"));
    if (id && *id)
        return strdup(id);
    const char *uri = json_string_value(json_object_get(answer, "uri"));
    if (!uri)
        return NULL;
    size_t n = strlen(uri);
    while (n && uri[n - 1] == '/')
        n--;
    size_t start = n;
    while (start && uri[start - 1] != '/')
        start--;
    return start < n ? strndup(uri + start, n - start) : NULL;
}

/* Polling source for job_wait: GET jobs/ID. */
struct poll_ctx {
    struct cli_session *s;
    const char *url;
    struct cli_feed *feed; /* NULL: poll only */
};

static int feed_wait(void *ctx, double max_s)
{
    struct poll_ctx *p = ctx;
    return cli_feed_wait(p->feed, max_s);
}

static enum job_fetch_result poll_fetch(void *ctx, json_t **job, char **raw, char *err,
                                        size_t errlen)
{
    struct poll_ctx *p = ctx;
    struct cli_response resp;
    int transient = 0;
    if (cli_http_request(&p->s->http, "GET", p->url, NULL, 0, "application/json", &resp, &transient,
                    err, errlen))
        return transient ? JOB_FETCH_RETRY : JOB_FETCH_FAIL;
    if (resp.status < 200 || resp.status > 299) {
        cli_error_line(resp.status, resp.body, resp.len, err, errlen);
        long st = resp.status;
        cli_response_free(&resp);
        return st == 502 || st == 503 || st == 504 ? JOB_FETCH_RETRY : JOB_FETCH_FAIL;
    }
    json_error_t je;
    *job = json_loadb(resp.body, resp.len, 0, &je);
    if (!*job) {
        snprintf(err, errlen, "the answer from %s is not JSON: %s", p->url, je.text);
        cli_response_free(&resp);
        return JOB_FETCH_FAIL;
    }
    *raw = resp.body; /* handed over */
    return JOB_FETCH_OK;
}

static void poll_sleep(void *ctx, double seconds)
{
    (void)ctx;
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* Reads --file, limited to what the server accepts. */
static unsigned char *read_job_file(const char *path, size_t *len)
{
    char *data = read_file(path, JOB_FILE_MAX, len);
    if (!data) {
        if (errno == EFBIG)
            cli_error("--file %s is larger than the %d bytes the server accepts", path,
                      JOB_FILE_MAX);
        else
            cli_error("cannot read --file %s: %s", path, strerror(errno));
    }
    return (unsigned char *)data;
}

/* POSTs the job. Returns 0 with *id and *answer set, or 1. */
static int post_job(const struct cli_args *a, struct cli_session *s, char **id,
                    struct cli_response *answer)
{
    size_t file_len = 0;
    unsigned char *file = NULL;
    if (a->file && !(file = read_job_file(a->file, &file_len)))
        return 1;
    char err[512];
    json_t *body = cli_job_request_body(a, file, file_len, err, sizeof err);
    free(file);
    if (!body) {
        cli_error("%s", err);
        return 1;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    const char *segs[] = { "jobs" };
    char *url = cli_url_build(s->base, segs, 1, NULL, 0);
    if (!text || !url) {
        free(text);
        free(url);
        cli_error("out of memory");
        return 1;
    }
    json_t *reply;
    int rc = cli_call_json(s, "POST", url, text, strlen(text), &reply, answer);
    free(text);
    free(url);
    if (rc)
        return 1;
    *id = job_id_of(reply);
    json_decref(reply);
    if (!*id) {
        cli_error("the server accepted the job but sent no job id: %.200s", answer->body);
        cli_response_free(answer);
        return 1;
    }
    return 0;
}

int cmd_job_start(const struct cli_args *a, struct cli_session *s)
{
    char *id = NULL;
    struct cli_response answer;
    if (post_job(a, s, &id, &answer))
        return 1;
    /* With -F json, stdout carries only JSON: the rest goes to stderr. */
    FILE *talk = a->json ? stderr : stdout;
    fprintf(talk, "Started.  Job ID: %s\n", id);
    fflush(talk);
    if (a->nowait) {
        int rc = a->json ? cli_print_raw(&answer) : 0;
        cli_response_free(&answer);
        free(id);
        return rc;
    }
    cli_response_free(&answer);
    const char *segs[] = { "jobs", id };
    char *url = cli_url_build(s->base, segs, 2, NULL, 0);
    if (!url) {
        free(id);
        cli_error("out of memory");
        return 1;
    }
    /* Live progress from the job's event feed; polling when it fails. */
    const char *fsegs[] = { "job_status_feed", id };
    char *feed_url = cli_url_build(s->base, fsegs, 2, NULL, 0);
    struct cli_feed feed;
    char ferr[256];
    bool have_feed = feed_url && cli_feed_open(&feed, &s->http, feed_url, ferr, sizeof ferr) == 0;
    struct poll_ctx ctx = { s, url, have_feed ? &feed : NULL };
    struct job_source src = { poll_fetch, poll_sleep, &ctx, have_feed ? feed_wait : NULL };
    struct job_wait_result res;
    char err[1024];
    int rc = cli_job_wait(&src, a->poll_interval, talk, stderr, &res, err, sizeof err);
    if (have_feed)
        cli_feed_close(&feed);
    free(feed_url);
    if (rc) {
        cli_error("%s (job %s is still on the server: pushy job status %s)", err, id, id);
        free(url);
        free(id);
        return 1;
    }
    if (a->json) {
        struct cli_response raw = { 200, res.raw, strlen(res.raw) };
        rc = cli_print_raw(&raw);
    } else {
        rc = cli_fmt_knife(stdout, res.job) ? 1 : 0;
    }
    if (!rc)
        rc = cli_job_exit_code(res.job);
    cli_job_wait_result_free(&res);
    free(url);
    free(id);
    return rc;
}
