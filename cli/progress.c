#include "cli/progress.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool in_progress_state(const char *s)
{
    return !strcmp(s, "new") || !strcmp(s, "ready") || !strcmp(s, "running");
}

int cli_job_progress_of(const json_t *job, struct job_progress *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(job))
        return -1;
    const char *status = json_string_value(json_object_get(job, "status"));
    p->status = status ? status : "";
    const json_t *nodes = json_object_get(job, "nodes");
    if (nodes && !json_is_object(nodes))
        return -1;
    const char *state;
    json_t *names;
    json_object_foreach((json_t *)nodes, state, names) {
        if (!json_is_array(names))
            return -1;
        size_t n = json_array_size(names);
        p->total += n;
        if (in_progress_state(state))
            p->in_progress += n;
    }
    p->finished = strcmp(p->status, "new") && strcmp(p->status, "voting") &&
                  strcmp(p->status, "running");
    return 0;
}

int cli_job_progress_line(const struct job_progress *p, char *out, size_t cap)
{
    int n;
    if (!strcmp(p->status, "new"))
        n = snprintf(out, cap, "Initialized.");
    else if (!strcmp(p->status, "voting"))
        n = snprintf(out, cap, "Voting.");
    else if (!strcmp(p->status, "running"))
        n = snprintf(out, cap, "Running (%zu/%zu in progress) ...", p->in_progress, p->total);
    else if (!p->status[0])
        n = snprintf(out, cap, "Unknown status.");
    else
        n = snprintf(out, cap, "%c%s.", toupper((unsigned char)p->status[0]),
                     p->status[0] ? p->status + 1 : "");
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int cli_job_exit_code(const json_t *job)
{
    const char *status = json_string_value(json_object_get(job, "status"));
    const json_t *nodes = json_object_get(job, "nodes");
    if (!status || strcmp(status, "complete") || !json_is_object(nodes))
        return 1;
    size_t succeeded = 0;
    const char *state;
    json_t *names;
    json_object_foreach((json_t *)nodes, state, names) {
        if (!json_is_array(names))
            return 1;
        if (json_array_size(names) == 0)
            continue;
        if (strcmp(state, "succeeded"))
            return 1;
        succeeded += json_array_size(names);
    }
    return succeeded > 0 ? 0 : 1;
}
