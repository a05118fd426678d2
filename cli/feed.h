/* Reading a job's Server-Sent Events feed (GET job_status_feed/ID) with
 * libcurl's multi interface, so that the caller can wait for "something
 * happened" with a timeout. Only event boundaries matter to `pushy job
 * start`: it then GETs the job and prints its progress line. The SSE
 * parsing itself (sse_parser_*) is pure and unit-tested. */
#ifndef PUSHY_CLI_FEED_H
#define PUSHY_CLI_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/http.h"

/* Incremental SSE parser: feed bytes, count complete events. */
struct sse_parser {
    char line[1024];
    size_t len;
    bool overflow;          /* the current line is longer than line[]: ignored */
    char event[64];         /* of the event being read */
    bool has_field;         /* an event:/id:/data: line in the current block */
    unsigned long events;   /* complete events so far */
    char last_event[64];    /* name of the last complete one ("message" by default) */
    char last_id[64];
};
void sse_parser_init(struct sse_parser *p);
void sse_parser_feed(struct sse_parser *p, const char *data, size_t n);

struct cli_feed {
    void *multi, *easy, *headers;
    struct sse_parser parser;
    unsigned long seen;     /* events already reported */
    bool ended;
    long status;
};

/* Starts the request. 0, or -1 with err (then nothing is open). */
int cli_feed_open(struct cli_feed *f, struct cli_http *c, const char *url, char *err,
                  size_t errlen);
/* Waits up to max_s seconds: 1 when new events arrived, 0 on timeout, -1
 * when the feed ended or failed (not 200: f->status). */
int cli_feed_wait(struct cli_feed *f, double max_s);
void cli_feed_close(struct cli_feed *f);

#endif
