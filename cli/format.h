/* Text output of the pushy CLI. Pure: each function writes to a FILE and
 * returns 0, or -1 when writing failed or the JSON has the wrong shape.
 *
 * cli_fmt_knife prints an object the way knife's summary format does: keys
 * sorted, "key:" padded to the longest key + 1, then a space and the value;
 * arrays of scalars joined with spaces; nested objects on the following
 * lines, indented by two spaces, with their own alignment:
 *
 *   command:     chef-client
 *   nodes:
 *     failed:    node3
 *     succeeded: node1 node2
 *   run_timeout: 3600 */
#ifndef PUSHY_CLI_FORMAT_H
#define PUSHY_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

int cli_fmt_knife(FILE *out, const json_t *obj);

/* `pushy job list`: the array of job summaries as a table with the
 * columns Job ID, Status, Command, Created at. */
int cli_fmt_job_list(FILE *out, const json_t *jobs);

/* `pushy job status`: the job's id, command and status, then a table
 * Node name / Status / Last updated, sorted by node name. The job's
 * "nodes" object groups names by state. A node's time is its own when the
 * job carries per-node times ("node_updated_at": {"NODE": "RFC 1123"}),
 * else the job's updated_at. */
int cli_fmt_job_status(FILE *out, const json_t *job);

/* `pushy node status`: one node object or an array of them.
 * Short form, knife's: "NODE<TAB>available|unavailable" per line.
 * Long form: a table NODE / STATUS / AVAILABILITY / UPDATED_AT. */
int cli_fmt_node_status(FILE *out, const json_t *nodes, bool long_form);

/* Writes the rows as columns separated by two spaces, each padded to its
 * widest cell (the last column is not padded). cells holds nrows * ncols
 * strings, row after row. */
int cli_fmt_table(FILE *out, const char *const *cells, size_t nrows, size_t ncols);

#endif
