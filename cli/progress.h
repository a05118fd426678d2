/* What `pushy job start` shows while it waits, and its exit code. Pure.
 *
 * Status line, as knife prints it: "Initialized." (new), "Voting.",
 * "Running (X/Y in progress) ...", else the status capitalized plus "."
 * ("Complete.", "Quorum_failed.", "Timed_out.", "Crashed.", "Aborted.").
 * X counts the NODES in new, ready or running (knife counted the state
 * names instead); Y counts all nodes. Any status other than new, voting
 * and running is final, as in knife. */
#ifndef PUSHY_CLI_PROGRESS_H
#define PUSHY_CLI_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct job_progress {
    const char *status; /* points into the job JSON; "" when absent */
    size_t in_progress; /* nodes in new, ready or running */
    size_t total;       /* all nodes */
    bool finished;
};

/* Reads the job object (status, nodes grouped by state). Returns 0, or -1
 * when job is not an object or its "nodes" is not an object of arrays. */
int cli_job_progress_of(const json_t *job, struct job_progress *p);

/* Writes the status line (without newline). Returns 0, or -1 if cap is
 * too small. */
int cli_job_progress_line(const struct job_progress *p, char *out, size_t cap);

/* 0 iff the job is complete and every one of its nodes succeeded; else 1.
 * (Stricter than knife, which also accepts nacked and unavailable nodes.) */
int cli_job_exit_code(const json_t *job);

#endif
