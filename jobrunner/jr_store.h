/* jobrunner's database work, on its one connection: creating jobs,
 * reading node availability, writing transition batches, reading jobs
 * back for crash recovery, the retention purge. Every function logs its
 * failures with the job id and returns -1; none leaves a transaction
 * open. */
#ifndef PUSHY_JR_STORE_H
#define PUSHY_JR_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "jobrunner/batch.h"
#include "jobrunner/job_fsm.h"
#include "jobrunner/job_spec.h"
#include "shared/db.h"

/* available[i] = nodes[i] is up and available in org org_id (nodes.status
 * 'up' and nodes.availability 'available'); unknown nodes are not. */
int store_node_availability(struct db *db, const char *org_id, const char *const *nodes,
                            size_t n, bool *available);

struct store_new_job {
    const char *job_id, *org_id, *command, *created_by;
    const char *const *nodes;
    size_t n_nodes;
    size_t quorum;
    long run_timeout_s;
    const json_t *options;
    const char *search_query; /* jobs.search_query; NULL when not by search */
};
/* Inserts the job (status new) and its nodes (status new) in one
 * transaction. */
int store_insert_job(struct db *db, const struct store_new_job *j);

/* Writes the batch (compacted first) in one transaction. The batch is left
 * as it was on failure, for a retry; the caller clears it on success. */
int store_flush(struct db *db, struct batch *b);

/* Ids of the jobs in new, voting or running (malloc'd array). */
int store_unfinished_jobs(struct db *db, char (**ids)[JOB_ID_LEN + 1], size_t *n);

/* A job read back for recovery. */
struct store_job {
    bool found;
    enum job_state state;
    char org[256];
    char org_id[24];
    size_t n;
    char **nodes;                    /* owned (one block with the names) */
    enum job_node_state *states;     /* owned */
};
int store_load_job(struct db *db, const char *job_id, struct store_job *out);
void store_job_free(struct store_job *j);

/* The state of job_id in org_id: *found false when there is none. */
int store_job_state(struct db *db, const char *job_id, const char *org_id, bool *found,
                    enum job_state *state);

/* Deletes finished jobs created more than days ago; returns how many. */
long store_purge(struct db *db, int days);

#endif
