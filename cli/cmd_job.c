/* pushy job list | status ID | abort ID | output ID NODE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/url.h"

/* GETs or POSTs url and prints the answer: raw with -F json, else with
 * fmt. Returns the exit status. */
static int show(const struct cli_args *a, struct cli_session *s, const char *method, char *url,
                int (*fmt)(FILE *, const json_t *))
{
    if (!url) {
        cli_error("out of memory");
        return 1;
    }
    json_t *v;
    struct cli_response resp;
    int rc = cli_call_json(s, method, url, NULL, 0, &v, &resp);
    free(url);
    if (rc)
        return 1;
    if (a->json) {
        rc = cli_print_raw(&resp);
    } else if (fmt(stdout, v)) {
        cli_error("unexpected answer from the server: %.300s", resp.body);
        rc = 1;
    }
    json_decref(v);
    cli_response_free(&resp);
    return rc;
}

int cmd_job_list(const struct cli_args *a, struct cli_session *s)
{
    char limit[32], offset[32];
    snprintf(limit, sizeof limit, "%ld", a->limit);
    snprintf(offset, sizeof offset, "%ld", a->offset);
    const struct url_param params[] = {
        { "status", a->status },
        { "limit", a->has_limit ? limit : NULL },
        { "offset", a->has_offset ? offset : NULL },
    };
    const char *segs[] = { "jobs" };
    return show(a, s, "GET", cli_url_build(s->base, segs, 1, params, 3), cli_fmt_job_list);
}

int cmd_job_status(const struct cli_args *a, struct cli_session *s)
{
    const char *segs[] = { "jobs", a->job_id };
    return show(a, s, "GET", cli_url_build(s->base, segs, 2, NULL, 0), cli_fmt_job_status);
}

int cmd_job_abort(const struct cli_args *a, struct cli_session *s)
{
    const char *segs[] = { "jobs", a->job_id, "abort" };
    char *url = cli_url_build(s->base, segs, 3, NULL, 0);
    if (!url) {
        cli_error("out of memory");
        return 1;
    }
    struct cli_response resp;
    int rc = cli_call(s, "POST", url, NULL, 0, "application/json", &resp);
    free(url);
    if (rc)
        return 1;
    json_t *v = json_loadb(resp.body, resp.len, 0, NULL);
    if (a->json)
        rc = cli_print_raw(&resp);
    else if (json_is_object(v))
        rc = cli_fmt_knife(stdout, v) ? 1 : 0;
    else
        rc = printf("Abort requested for job %s.\n", a->job_id) < 0;
    json_decref(v);
    cli_response_free(&resp);
    return rc;
}

int cmd_job_output(const struct cli_args *a, struct cli_session *s)
{
    const char *segs[] = { "jobs", a->job_id, "output", a->node, a->channel };
    char *url = cli_url_build(s->base, segs, 5, NULL, 0);
    if (!url) {
        cli_error("out of memory");
        return 1;
    }
    struct cli_response resp;
    int rc = cli_call(s, "GET", url, NULL, 0, "application/octet-stream", &resp);
    free(url);
    if (rc)
        return 1;
    /* The bytes as the node wrote them: no newline added. */
    if ((resp.len && fwrite(resp.body, 1, resp.len, stdout) != resp.len) || fflush(stdout)) {
        cli_error("cannot write the output");
        rc = 1;
    }
    cli_response_free(&resp);
    return rc;
}
