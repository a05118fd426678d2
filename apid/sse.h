/* Server-Sent Events for the job feeds (GET job_status_feed[/ID]).
 *
 * Events are durable (written by jobrunner with the transitions; the job
 * feed reads job_event_batches, rows of at most SSE_FETCH_BATCH events,
 * the org feed org_events, migration 051): a stream remembers the last id
 * it sent and reads what follows from the database, so a reader that
 * resumes with Last-Event-ID misses nothing and sees every event once, in
 * order, at most SSE_FETCH_BATCH events per read.
 *
 * No thread is held by a waiting reader: the response is a libmicrohttpd
 * callback response; when it has nothing to send the callback suspends the
 * connection (MHD_suspend_connection). A hub thread SUBscribes to the
 * job-events bus, where jobrunner publishes after each commit one notice
 * naming the jobs that have new events and the orgs whose feed has
 * (jobrunner/event_notice.h), and resumes the streams a notice names; it
 * also resumes idle streams for a keep-alive comment (every sse_keepalive,
 * default 15 s, env PUSHY_SSE_KEEPALIVE_MS for tests) and every few
 * seconds as a backstop for a lost (or malformed) notice.
 *
 * Framing: "event: NAME\nid: job-N\ndata: {json}\n\n"; keep-alive ": keepalive\n\n".
 * Job feed: events after Last-Event-ID (or all), live ones, closed after
 * job_complete (or when the job is terminal and every event was sent).
 * Org feed: start and job_complete of every job of the org (data has "job"),
 * ids org-N; never closed by the server. */
#ifndef PUSHY_APID_SSE_H
#define PUSHY_APID_SSE_H

#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/event_rows.h"

struct MHD_Connection;
struct MHD_Response;

enum sse_kind { SSE_JOB, SSE_ORG };

#define SSE_DEFAULT_KEEPALIVE_MS 15000
#define SSE_BACKSTOP_MS 5000
#define SSE_FETCH_BATCH EVENT_ROW_MAX /* a stored row's events at most */

/* ---- pure helpers ---- */

/* Parses a Last-Event-ID value "PREFIX-N" (prefix "job" or "org", N a
 * non-negative decimal that fits a long long). 0 and *n, or -1. */
int sse_parse_last_id(const char *value, const char *prefix, long long *n);

/* Appends one event frame to a growing buffer (*buf malloc'd, *len,
 * *cap). id may be NULL. A data value with newlines is split into several
 * data: lines, as SSE requires. 0 or -1 (out of memory). */
int sse_frame(char **buf, size_t *len, size_t *cap, const char *event, const char *id,
              const char *data);

/* Removes the JSON whitespace outside strings from s[0..n) in place (the
 * stored data is sent compact); returns the new length. */
size_t sse_json_compact(char *s, size_t n);

/* A job-events notice, {"type":"job_events","jobs":[JOB_ID,...],
 * "orgs":[ORG,...]}: the feeds to wake. */
struct json_t;
struct sse_notice {
    struct json_t *root;   /* owns the strings below */
    const char **jobs;     /* job ids, sorted */
    size_t njobs;
    const char **orgs;     /* org names, sorted */
    size_t norgs;
    size_t skipped;        /* invalid entries left out (err says the first) */
};
/* Parses and validates one (type "job_events"; jobs: an array of job ids,
 * wire_valid_job_id; orgs: an array of 1..255 byte strings without NUL).
 * An invalid entry is left out (skipped; the others still wake their
 * feeds). 0, or -1 with a message in err when the notice itself is not
 * one (nothing to free then). */
int sse_notice_parse(const char *buf, size_t len, struct sse_notice *n, char *err,
                     size_t errlen);
bool sse_notice_has_job(const struct sse_notice *n, const char *job_id);
bool sse_notice_has_org(const struct sse_notice *n, const char *org);
void sse_notice_free(struct sse_notice *n);

/* ---- streams ---- */

struct sse_stream;

/* A stream for org_id (and job_id for SSE_JOB) that continues after the
 * event number `after`. org: the org's name (notices carry names). */
struct sse_stream *sse_stream_new(enum sse_kind kind, const char *org, const char *org_id,
                                  const char *job_id, long long after);
/* Queues a frame to send before anything else (summary, start_of_history). */
int sse_stream_push(struct sse_stream *s, const char *event, const char *id, const char *data);
/* The stream ends once what is queued is sent. */
void sse_stream_finish(struct sse_stream *s);
void sse_stream_free(struct sse_stream *s); /* only for a stream never given to sse_response */

/* The libmicrohttpd response for s (which it then owns), with the SSE
 * headers; NULL on failure (s freed). */
struct MHD_Response *sse_response(struct sse_stream *s, struct MHD_Connection *conn);

/* The hub: 0 or -1. events: the SUB socket dialed to job-events. */
int sse_hub_start(nng_socket events);
/* Ends every stream (resumed so that they close) and joins the thread.
 * Call before stopping the HTTP daemon. */
void sse_hub_stop(void);
bool sse_hub_closing(void);
long sse_keepalive_ms(void);

#endif
