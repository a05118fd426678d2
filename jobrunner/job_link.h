/* The link between jobrunner and one job process: a stream socketpair
 * (the job process's fd 3) carrying compact JSON objects, one per line.
 *
 * job process -> jobrunner (reports, in the order things happened):
 *   {"type":"job_state","status":"voting","at_us":T}
 *   {"type":"node_state","node":"n1","status":"ready","at_us":T}
 *   {"type":"event","event":{...the job event to store (jobrunner publishes a notice)...}}
 * jobrunner -> job process:
 *   {"type":"abort"}
 * at_us: wall clock microseconds of the transition (becomes updated_at).
 *
 * The line buffer is pure; the two write helpers do the I/O. */
#ifndef PUSHY_JOB_LINK_H
#define PUSHY_JOB_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/textbuf.h"

#define JOB_LINK_FD 3                     /* the job process's end */
#define JOB_LINK_MAX_LINE (8u << 20)      /* a longer line is a broken peer */

/* Accumulates bytes and hands out complete lines. */
struct line_buf {
    char *data;
    size_t start, len, cap; /* unread bytes are data[start .. len) */
};

void line_buf_init(struct line_buf *lb);
void line_buf_free(struct line_buf *lb);
/* Appends n bytes. -1 when out of memory or when an unfinished line would
 * exceed JOB_LINK_MAX_LINE. */
int line_buf_append(struct line_buf *lb, const void *p, size_t n);
/* The next complete line (without its '\n', NUL-terminated, valid until
 * the next call), or NULL when there is none. *len gets its length. */
char *line_buf_next(struct line_buf *lb, size_t *len);
/* Bytes of an unfinished last line. */
size_t line_buf_pending(const struct line_buf *lb);

/* Report constructors (NULL when out of memory). */
json_t *job_link_job_state(const char *status, int64_t at_us);
json_t *job_link_node_state(const char *node, const char *status, int64_t at_us);
json_t *job_link_event(json_t *event); /* steals event */

/* Parses exactly the node_state line job_link_node_state_line writes for
 * plain names (no whitespace, names as wire_valid_name), without jansson:
 * 0 with node, status and at_us filled, or -1 (the caller then parses the
 * line as general JSON). */
int job_link_parse_node_state(const char *line, size_t len, char *node, size_t node_cap,
                              char *status, size_t status_cap, int64_t *at_us);

/* The report lines of job_link_node_state / job_link_job_state, appended
 * to t without building an object (the same bytes as their json_dumps).
 * 0 or -1 (out of memory). */
int job_link_node_state_line(struct textbuf *t, const char *node, const char *status,
                             int64_t at_us);
int job_link_job_state_line(struct textbuf *t, const char *status, int64_t at_us);
/* Appends msg's compact JSON and '\n' (the general case). 0 or -1. */
int job_link_json_line(struct textbuf *t, const json_t *msg);

/* Writes len bytes of ready lines to a blocking fd, all of them. 0 or -1. */
int job_link_write_text(int fd, const char *text, size_t len);
/* Writes msg as one line to a blocking fd, the whole of it. 0 or -1. */
int job_link_write(int fd, const json_t *msg);
/* Same without waiting (MSG_DONTWAIT): -1 when the line did not fit at
 * once; the stream may then hold part of it, so the caller must give up
 * on the peer (jobrunner only ever sends one tiny `abort`). */
int job_link_write_nonblock(int fd, const json_t *msg);

#endif
