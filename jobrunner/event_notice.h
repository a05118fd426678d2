/* The job-events notice: what jobrunner publishes on PUB `job-events`
 * after a commit that stored events, instead of the events themselves
 * (the only subscriber, apid's SSE hub, reads them from the database and
 * only needs to know which feeds to wake):
 *   {"type":"job_events","jobs":["J1","J2",...],"orgs":["acme",...]}
 * jobs: every job with events in the batch (sorted, once each); orgs:
 * the orgs (names, sorted, once each) of those jobs whose events here
 * include an org-feed event (start, job_complete). One notice per flush;
 * a batch holding more than EVENT_NOTICE_MAX_JOBS jobs (a long database
 * outage) gets one per that many jobs, so a notice stays well under nng's
 * default 1 MB receive limit (org names are at most 255 bytes). Pure code. */
#ifndef PUSHY_JOB_EVENT_NOTICE_H
#define PUSHY_JOB_EVENT_NOTICE_H

#include <stddef.h>

#include "jobrunner/batch.h"
#include "shared/textbuf.h"

#define EVENT_NOTICE_MAX_JOBS 1000

/* Appends the notices for b's events to out, each a compact JSON object
 * on its own line ending in '\n' (none when b has no event). Returns how
 * many, or -1 when out of memory (out->oom; out is cut back). skipped:
 * events without a valid job_id or event name, left out of the notices
 * (batch_event_line refuses such events too, so they are not stored). */
int event_notices(const struct batch *b, struct textbuf *out, size_t *skipped);

#endif
