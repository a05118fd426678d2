/* The JSON shapes of jobs in the API, as the original server answers
 * (PROTOCOL-NOTES §3.3, §3.4), from database rows. Pure code.
 *
 * summary (GET jobs items):
 *   {"id","command","status","run_timeout","created_at","updated_at"}
 *   + "user","dir","env" when set, "capture_output":true when set,
 *   "file_specified":true when a file was sent, "search" (the query) when
 *   the job was started by search
 * detail (GET jobs/ID): the summary + "quorum" + "nodes": an object from
 *   node state to the names in it (only states that occur);
 *   ?include_file=true gives "file" instead of "file_specified".
 * Timestamps are RFC 1123. */
#ifndef PUSHY_APID_JOB_VIEW_H
#define PUSHY_APID_JOB_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct job_row {
    const char *id, *command, *status;
    long quorum, run_timeout;
    const char *options_json;  /* jobs.options as text; NULL or "" = none */
    time_t created_at, updated_at;
    const char *search;        /* jobs.search_query; NULL = none */
};

/* NULL when out of memory. */
json_t *job_view_summary(const struct job_row *r);
json_t *job_view_detail(const struct job_row *r, bool include_file);

/* Adds "nodes" grouped by state to job, from parallel arrays (the order of
 * names inside a group is kept). 0 or -1. */
int job_view_add_nodes(json_t *job, const char *const *names, const char *const *states,
                       size_t n);

#endif
