/* Batched persistence of job transitions. Job processes report every
 * transition to jobrunner; jobrunner collects them here and writes them
 * in one transaction per batch: when BATCH_MAX_UPDATES are pending, when
 * the oldest has waited BATCH_MAX_DELAY_MS, at once when a job reached a
 * terminal state (what a client polling the job waits for), or when a
 * caller forces it.
 * Several updates of one job or one node in a batch collapse to the last
 * (the transaction is atomic, so nobody could have seen the others).
 * Events wait in the batch too; the notice naming their jobs is published
 * after the commit (event_notice.h), so a subscriber woken for a job's
 * `job_complete` finds the job complete in the database. Pure code: the
 * SQL itself runs in jobrunner/jr_store.c. */
#ifndef PUSHY_JOB_BATCH_H
#define PUSHY_JOB_BATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobrunner/job_fsm.h"
#include "jobrunner/job_spec.h"
#include "shared/textbuf.h"
#include "shared/pgarray.h"
#include "shared/event_rows.h"

#define BATCH_MAX_UPDATES 500
#define BATCH_MAX_DELAY_MS 20
#define BATCH_OUTPUT_WEIGHT 10 /* one captured output counts as this many updates */

struct batch_job_upd {
    char job_id[JOB_ID_LEN + 1];
    enum job_state status;
    int64_t at_us;
    size_t seq;              /* arrival order */
};

struct batch_node_upd {
    char job_id[JOB_ID_LEN + 1];
    char *node;              /* owned */
    enum job_node_state status;
    int64_t at_us;
    size_t seq;
};

struct batch {
    struct batch_job_upd *jobs;
    size_t njobs, cap_jobs;
    struct batch_node_upd *nodes;
    size_t nnodes, cap_nodes;
    /* events, arrival order (stored, see batch_event_params): their compact
     * JSON objects joined by ',' in event_text, each at ev_off[i], ev_len[i] */
    struct textbuf event_text;
    size_t *ev_off, *ev_len;
    size_t nevents, cap_events;
    json_t *outputs;         /* array of captured outputs (job_output rows):
                                {"job_id","node","stdout","stderr" (base64),
                                 "stdout_truncated","stderr_truncated"} */
    int64_t first_ms;        /* when the batch became non-empty */
    bool urgent;             /* holds a terminal job state: due at once */
    size_t seq;
};

int batch_init(struct batch *b);   /* 0, or -1 when out of memory */
void batch_free(struct batch *b);
/* Forgets everything (after a successful commit and its notice). */
void batch_clear(struct batch *b);

/* Adders: 0, or -1 when out of memory or job_id is invalid. */
int batch_add_job(struct batch *b, const char *job_id, enum job_state status, int64_t at_us,
                  int64_t now_ms);
int batch_add_node(struct batch *b, const char *job_id, const char *node,
                   enum job_node_state status, int64_t at_us, int64_t now_ms);
/* event: one compact JSON object (len bytes, not checked here) */
int batch_add_event(struct batch *b, const char *event, size_t len, int64_t now_ms);
int batch_add_output(struct batch *b, json_t *output, int64_t now_ms); /* borrowed */

bool batch_empty(const struct batch *b);
size_t batch_updates(const struct batch *b); /* job + node updates pending */
/* When the batch must be written: -1 when empty, else first_ms + max delay
 * (or first_ms when already full or holding a terminal job state). */
int64_t batch_due_ms(const struct batch *b);
bool batch_should_flush(const struct batch *b, int64_t now_ms);

/* Keeps only the last update per job and per (job, node), ordered by key. */
void batch_compact(struct batch *b);

/* PostgreSQL array literals of the (compacted) updates, for unnest():
 * malloc'd strings the caller frees; 0 or -1 when out of memory. */
int batch_job_params(const struct batch *b, char **ids, char **statuses, char **at_us);
int batch_node_params(const struct batch *b, char **job_ids, char **nodes, char **statuses,
                      char **at_us);

/* ---- events as stored (job_event_batches and org_events, migration 051) ---- */

/* One stored event: the SSE data of a job_event object (its members
 * without type, org, job_id and event, as a compact JSON object on one
 * line) appended to line as "NAME DATA". name_len: the name's length. 0, or
 * -1 when ev is not a job event (no valid job_id, no event name of
 * [a-z_], not a JSON object) or out of memory (line->oom). */
int batch_event_line(const char *ev, size_t len, char job_id[JOB_ID_LEN + 1],
                     struct textbuf *line, size_t *name_len);

/* Whether an event of that name (n bytes) is also on its org's feed
 * (`start`, `job_complete`). */
bool batch_org_feed_event(const char *name, size_t n);

/* Separates the jobs' bodies in batch_event_params: a control character,
 * which no line holds (JSON escapes them in strings, names are [a-z_]), so
 * the text needs no quoting and postgres splits it with string_to_array. */
#define BATCH_BODY_SEP "\x1e"

/* The batch's events as the parameters of jr_store.c's events statement
 * (malloc'd PostgreSQL array literals, but bodies):
 * - per stored row, jobs in job_id order, a job's rows in batch order:
 *   job_ids, offs (the job's events here in its earlier rows), counts (how
 *   many events, at most EVENT_ROW_MAX: a bounded row per feed page, also
 *   when a batch grows while the database is down) and, in bodies, the
 *   row's lines in batch order joined by '\n', the rows' bodies joined by
 *   BATCH_BODY_SEP;
 * - per org-feed event (start, job_complete), in batch order: org_job_ids,
 *   org_pos (its place among its job's events here, from 1), org_names
 *   and org_data (its data plus "job":JOB_ID).
 * An event batch_event_line refuses is left out and counted in skipped. */
struct batch_event_params {
    char *job_ids, *offs, *counts, *bodies;
    char *org_job_ids, *org_pos, *org_names, *org_data;
    size_t nrows, norg, skipped;
};
/* 0, or -1 when out of memory (nothing to free then). */
int batch_event_params(const struct batch *b, struct batch_event_params *p);
void batch_event_params_free(struct batch_event_params *p);

#endif
