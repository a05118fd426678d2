/* jobrunner: the job supervisor. One process, one thread, one database
 * connection. It answers apid's start_job/abort_job requests (REP
 * `jobrunner`), forks one `pushy-job` process per job, collects their
 * transition reports, writes them in batches, publishes after each commit
 * a notice of the jobs with new events (PUB `job-events`, event_notice.h),
 * and crashes the jobs whose process
 * died (and, at start-up and periodically, every unfinished job that has
 * no process). See docs/internals.md. */
#ifndef PUSHY_JOBRUNNER_H
#define PUSHY_JOBRUNNER_H

#include <limits.h>
#include <nng/nng.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "jobrunner/batch.h"
#include "jobrunner/job_link.h"
#include "jobrunner/job_spec.h"
#include "jobrunner/recovery.h"
#include "shared/config.h"
#include "shared/db.h"

#define JR_SWEEP_INTERVAL_MS 60000       /* unfinished jobs without a process */
#define JR_PURGE_INTERVAL_MS 3600000     /* job_retention_days */
#define JR_RETRY_MS 1000                 /* after a database failure */
#define JR_ABORT_WAIT_MS 3000            /* abort_job reply deadline */
#define JR_WATCHDOG_GRACE_MS 60000       /* beyond voting + run timeouts */

/* One live job process. */
struct jr_child {
    pid_t pid;
    char job_id[JOB_ID_LEN + 1];
    char org[256];
    char org_id[24];
    int fd;                   /* link socket; -1 after EOF */
    struct line_buf in;
    bool terminal;            /* reported a terminal job state */
    enum job_state last;      /* last reported job state */
    bool killed;              /* we killed it (broken link, watchdog, stop) */
    int64_t deadline_ms;      /* watchdog: the job must have ended by then */
};

/* A job to end from its database state (no live process). */
struct jr_end {
    char job_id[JOB_ID_LEN + 1];
    enum recovery_kind kind;
};

/* An abort_job request waiting for its outcome to be persisted. */
struct jr_abort_wait {
    bool active;
    char job_id[JOB_ID_LEN + 1];
    int64_t deadline_ms;
    bool known;               /* final state known */
    enum job_state final;
};

struct jobrunner {
    struct pushy_config *cfg;
    struct db db;
    nng_socket rep, pub, commands;
    char job_bin[PATH_MAX];

    struct jr_child *children;
    size_t nchildren, cap_children;
    struct jr_end *ends;
    size_t nends, cap_ends;
    struct batch batch;
    struct jr_abort_wait abort_wait;

    int64_t next_sweep_ms, next_purge_ms, next_end_ms, next_flush_retry_ms;
    bool stopping;
};

/* jr_children.c */
/* Forks and execs pushy-job with spec (a JSON object, borrowed) on its
 * stdin; the job must end within lifetime_ms (the watchdog kills a job
 * process that hangs, and its job is crashed). 0, or -1 (logged) when it
 * could not be started. */
int jr_spawn(struct jobrunner *jr, const char *job_id, const char *org, const char *org_id,
             const json_t *spec, int64_t lifetime_ms);
/* Kills job processes past their deadline. */
void jr_watchdog(struct jobrunner *jr, int64_t now_ms);
struct jr_child *jr_find_child(struct jobrunner *jr, const char *job_id);
/* Reads what a child sent; applies complete reports. */
void jr_read_child(struct jobrunner *jr, struct jr_child *c, int64_t now_ms);
/* Reaps every exited child: drains its link, crashes its job when it had
 * not finished. */
void jr_reap(struct jobrunner *jr, int64_t now_ms);
/* SIGKILLs every child and reaps them (shutdown). */
void jr_kill_all(struct jobrunner *jr, int64_t now_ms);
/* Sends {"type":"abort"} down a child's link. 0 or -1. */
int jr_send_abort(struct jobrunner *jr, struct jr_child *c);

/* jr_requests.c */
/* Receives and answers one request from the REP socket (or defers the
 * answer of abort_job: jr_abort_wait). */
void jr_handle_request(struct jobrunner *jr, int64_t now_ms);
/* Answers the deferred abort_job when its outcome is persisted or its
 * deadline passed. */
void jr_abort_wait_check(struct jobrunner *jr, int64_t now_ms);

/* jobrunner_core.c */
/* Removes RUN_DIR/jobs/JOB_ID.ipc, which a killed job process leaves
 * behind (commandd takes an existing file for a live job). */
void jr_remove_job_socket(struct jobrunner *jr, const char *job_id);
/* Queues a job to be ended from its database state. */
void jr_queue_end(struct jobrunner *jr, const char *job_id, enum recovery_kind kind);
bool jr_end_queued(const struct jobrunner *jr, const char *job_id);
/* Writes the batch when due (or when force); publishes the notice of its
 * events after the commit. */
void jr_flush(struct jobrunner *jr, int64_t now_ms, bool force);
/* Ends queued jobs (only with an empty batch, so the database is current). */
void jr_process_ends(struct jobrunner *jr, int64_t now_ms);
/* Queues every unfinished job without a live process. */
void jr_sweep(struct jobrunner *jr, int64_t now_ms);
/* Applies one report line of a child to the batch; -1 when malformed. */
int jr_apply_report(struct jobrunner *jr, struct jr_child *c, const char *line, size_t len,
                    int64_t now_ms);
/* Sends `message` to nodes (array of names) in JOB_SEND_CHUNK pieces. */
void jr_send_nodes(struct jobrunner *jr, const char *org, const json_t *nodes, json_t *message);

#endif
