/* Validation of the jobs API input, as pure functions: the POST jobs body
 * and the GET jobs query. Every rejection is a 400 whose message names
 * the field.
 *
 * POST jobs body (knife-push 2.x sends command, nodes, quorum as a count,
 * capture_output, env (often {}), and run_timeout/user/dir/file when given):
 *   command         required non-empty string
 *   nodes           array of unique node names; required (non-empty) unless
 *                   search is given
 *   search          optional search query (string of 1..JOB_MAX_SEARCH bytes,
 *                   docs/search.md); the targets are the union of nodes and
 *                   the matches, added with job_request_add_matches
 *   quorum          optional: a count 0..number of targets (integer, or a
 *                   whole real), or a string "N" / "P%" (shared/quorum.h);
 *                   default 100%
 *   run_timeout     optional whole number of seconds, 1..JOB_MAX_RUN_TIMEOUT;
 *                   default: the server's default_run_timeout
 *   capture_output  optional boolean
 *   user            optional user name ([A-Za-z0-9_.][A-Za-z0-9_.@-]*, <= 255)
 *   dir             optional absolute path without control characters (<= 4096)
 *   env             optional object of string values; names [A-Za-z_][A-Za-z0-9_]*,
 *                   all names and values together <= JOB_MAX_ENV_TOTAL bytes
 *   file            optional "raw:..." or "base64:..." (<= JOB_MAX_FILE bytes decoded)
 *   anything else   refused ("invalid key supplied") */
#ifndef PUSHY_APID_JOB_REQUEST_H
#define PUSHY_APID_JOB_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JOB_MAX_RUN_TIMEOUT 604800   /* one week, like default_run_timeout's limit */
#define JOB_MAX_COMMAND 16384        /* bytes */
#define JOB_MAX_NODES 100000
#define JOB_MAX_FILE 100000          /* decoded bytes, as the original */
#define JOB_MAX_PATH 4096            /* dir */
#define JOB_MAX_USER 255
#define JOB_MAX_ENV_KEY 1024
#define JOB_MAX_ENV_TOTAL 65536     /* bytes of names and values */
#define JOB_MAX_SEARCH 4096          /* bytes of the search query */

struct job_request {
    const char *command;   /* borrowed from the body */
    json_t *nodes;         /* owned: the targets, an array of strings (the given
                              nodes, then the search matches not among them) */
    size_t n_nodes;
    const char *search;    /* borrowed from the body; NULL when not given */
    bool resolved;         /* targets complete, quorum resolved */
    const json_t *quorum_value; /* borrowed: the body's quorum, NULL if absent */
    size_t quorum;         /* nodes that must ack (resolved count) */
    long run_timeout;      /* seconds */
    json_t *options;       /* owned object: capture_output (only when true), user,
                              dir, env (only when non-empty), file */
};

/* Validates body (a JSON object). On success returns 0 and fills req
 * (free with job_request_free); otherwise -1 with the 400 message.
 * Without search the request is complete (resolved); with search the
 * caller runs it and then calls job_request_add_matches. */
int job_request_parse(const json_t *body, long default_run_timeout, struct job_request *req,
                      char *err, size_t errlen);

/* Adds the search's matches (sorted, distinct names) to the targets,
 * skipping those given in nodes, then checks the target count (at least
 * one, at most JOB_MAX_NODES) and resolves the quorum against it. 0, or -1
 * with the 400 message. */
int job_request_add_matches(struct job_request *req, const char *const *names, size_t n,
                            char *err, size_t errlen);
void job_request_free(struct job_request *req);

/* GET jobs query: limit (1..JOB_LIST_MAX_LIMIT, default
 * JOB_LIST_DEFAULT_LIMIT), offset (>= 0, default 0), status (a job state
 * name, optional). */
#define JOB_LIST_DEFAULT_LIMIT 1000
#define JOB_LIST_MAX_LIMIT 10000

struct job_list_query {
    long limit;
    long offset;
    char status[32];       /* "" for any */
};
int job_list_query_parse(const char *query, struct job_list_query *out, char *err,
                         size_t errlen);

/* 32 lowercase hex characters. */
bool job_id_is_valid(const char *s);

#endif
