/* The job spec: everything a job process needs to run one job, handed to
 * it by jobrunner as one JSON object on its stdin, so that job processes
 * need no database connection:
 *
 *   {"job_id":"<32 hex>","org":"ORG","org_id":"17","created_by":"alice",
 *    "command":"chef-client","nodes":["n1","n2"],"available":[true,false],
 *    "quorum":2,"run_timeout":3600,"voting_timeout":61,
 *    "options":{"capture_output":true,"user":..,"dir":..,"env":{..},"file":..}}
 *
 * quorum is the required node count (already resolved from a percentage);
 * timeouts are seconds; available[i] says nodes[i] was up and available
 * when the job was created. Pure code: no I/O. */
#ifndef PUSHY_JOB_SPEC_H
#define PUSHY_JOB_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOB_ID_LEN 32

struct job_spec {
    json_t *root;             /* owned; every string below points into it */
    const char *job_id, *org, *org_id, *created_by, *command;
    size_t n_nodes;
    const char **nodes;       /* owned array, job order */
    bool *available;          /* owned, parallel to nodes */
    size_t quorum;
    int64_t run_timeout_s, voting_timeout_s;
    json_t *options;          /* borrowed from root: an object, maybe empty */
};

/* Validates root (stolen, also on failure) and fills spec. 0, or -1 with
 * a message in err. */
int job_spec_parse(json_t *root, struct job_spec *spec, char *err, size_t errlen);
void job_spec_free(struct job_spec *spec);

/* Voting timeout of a job of n_nodes targets:
 * base + per_100 * ceil(n_nodes / 100) seconds. */
int64_t job_voting_timeout_s(int base_s, int per_100_s, size_t n_nodes);

/* True for 32 lowercase hex characters. */
bool job_id_valid(const char *s);

/* Fills out with a new random job id (32 lowercase hex + NUL) from
 * RAND_bytes. 0, or -1 when the random generator fails. */
int job_id_generate(char out[JOB_ID_LEN + 1]);

#endif
