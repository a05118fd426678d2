#include "apid/job_view.h"

#include <string.h>

#include "shared/timefmt.h"

static int set_time(json_t *o, const char *key, time_t t)
{
    char buf[TIME_RFC1123_SIZE];
    if (time_format_rfc1123(t, buf, sizeof buf))
        buf[0] = '\0';
    return json_object_set_new(o, key, json_string(buf));
}

static json_t *base(const struct job_row *r, bool include_file)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "id", r->id, "command", r->command, "status",
                          r->status, "run_timeout", (int)r->run_timeout);
    if (!o)
        return NULL;
    int rc = set_time(o, "created_at", r->created_at) | set_time(o, "updated_at", r->updated_at);
    json_t *opts = NULL;
    if (r->options_json && *r->options_json)
        opts = json_loads(r->options_json, 0, NULL);
    if (json_is_object(opts)) {
        static const char *const copy[] = { "user", "dir", "env" };
        for (size_t i = 0; i < sizeof copy / sizeof *copy; i++) {
            json_t *v = json_object_get(opts, copy[i]);
            if (v)
                rc |= json_object_set(o, copy[i], v);
        }
        if (json_is_true(json_object_get(opts, "capture_output")))
            rc |= json_object_set_new(o, "capture_output", json_true());
        json_t *file = json_object_get(opts, "file");
        if (file && include_file)
            rc |= json_object_set(o, "file", file);
        else if (file)
            rc |= json_object_set_new(o, "file_specified", json_true());
    }
    json_decref(opts);
    if (r->search)
        rc |= json_object_set_new(o, "search", json_string(r->search));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *job_view_summary(const struct job_row *r)
{
    return base(r, false);
}

json_t *job_view_detail(const struct job_row *r, bool include_file)
{
    json_t *o = base(r, include_file);
    if (o && json_object_set_new(o, "quorum", json_integer(r->quorum))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int job_view_add_nodes(json_t *job, const char *const *names, const char *const *states,
                       size_t n)
{
    json_t *groups = json_object();
    if (!groups)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_object_get(groups, states[i]);
        if (!list) {
            list = json_array();
            if (!list || json_object_set_new(groups, states[i], list)) {
                json_decref(groups);
                return -1;
            }
        }
        if (json_array_append_new(list, json_string(names[i]))) {
            json_decref(groups);
            return -1;
        }
    }
    return json_object_set_new(job, "nodes", groups);
}
