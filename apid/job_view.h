/* The JSON shapes of jobs in the API, as the original server answers
 * (PROTOCOL-NOTES §3.3, §3.4), from database rows. Pure code.
 *
 * summary (GET jobs items):
 *   {"id","command","status","run_timeout","created_at","updated_at"}
 *   + "user","dir","env" when set, "capture_output":true when set,
 *   "file_specified":true when a file was sent, "search" (the query) when
 *   the job was started by search
 * detail (GET jobs/ID): the summary + "quorum" + "nodes": an object from
 *   node state to the names in it (only states that occur; states in byte
 *   order, names in the order the database sorts node names);
 *   ?include_file=true gives "file" instead of "file_specified".
 * Timestamps are RFC 1123. */
#ifndef PUSHY_APID_JOB_VIEW_H
#define PUSHY_APID_JOB_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "apid/json_write.h"

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

/* Adds "nodes" grouped by state to job, from parallel arrays in node name
 * order (as the query returns them): the groups come in state order
 * (strcmp), the names inside a group keep their order. 0 or -1. */
int job_view_add_nodes(json_t *job, const char *const *names, const char *const *states,
                       size_t n);

/* The same "nodes" object written as JSON text, byte for byte what
 * json_dumps(JSON_COMPACT) gives for job_view_add_nodes' object. */
void job_view_write_nodes(struct json_buf *b, const char *const *names,
                          const char *const *states, size_t n);

/* The whole detail (job_view_detail + "nodes") as JSON text: the same
 * bytes as json_dumps(JSON_COMPACT) of job_view_detail + job_view_add_nodes,
 * without a jansson array per state and a string per node. */
void job_view_write_detail(struct json_buf *b, const struct job_row *r, bool include_file,
                           const char *const *names, const char *const *states, size_t n);

#endif
