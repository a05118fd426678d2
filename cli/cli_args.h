/* Command line of `pushy`, parsed into one struct; no I/O.
 *
 *   pushy [GLOBAL OPTIONS] NOUN VERB [ARGS] [OPTIONS]
 *
 * Options may come anywhere after the program name, before or after the
 * positional arguments ("--" ends them); "--name=value" and "-xVALUE" work
 * for options that take a value. Global options: -c/--config FILE,
 * -u/--user NAME, -k/--key FILE, -s/--server-url URL, -F/--format
 * text|summary|json, -h/--help, --version. In `job start`, -s is --search
 * (as in knife job start); --server-url still works there.
 *
 * Strings in the struct point into argv. */
#ifndef PUSHY_CLI_ARGS_H
#define PUSHY_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/quorum_arg.h"

enum cli_cmd {
    CLI_NONE,        /* no command words */
    CLI_HELP,        /* --help or `help`: help_noun/help_verb say for what */
    CLI_VERSION,
    CLI_JOB_START,
    CLI_JOB_LIST,
    CLI_JOB_STATUS,
    CLI_JOB_ABORT,
    CLI_JOB_OUTPUT,
    CLI_NODE_STATUS,
};

#define CLI_DEFAULT_POLL_INTERVAL 1.0

struct cli_args {
    enum cli_cmd cmd;
    /* The command the line is about, also after an error (for usage). */
    const char *noun, *verb;
    const char *help_noun, *help_verb; /* CLI_HELP; NULL for the main help */

    /* global */
    const char *config, *user, *key, *server_url;
    bool json;

    /* job start: COMMAND NODE... */
    const char *command;
    const char **nodes; /* also node status NODE...; malloc'd array */
    size_t nnodes;
    const char *search;
    bool has_timeout;
    long timeout;
    bool has_quorum;
    struct quorum_arg quorum;
    bool nowait;
    double poll_interval;
    bool capture;
    const char *with_env, *in_dir, *as_user, *file;

    /* job list */
    const char *status;
    bool has_limit, has_offset;
    long limit, offset;

    /* job status|abort ID, job output ID NODE */
    const char *job_id;
    const char *node;
    const char *channel; /* "stdout" (default) or "stderr" */

    /* node status */
    bool long_format;
};

/* Parses argv[1..argc). Returns 0, or -1 with a message for the user in
 * err (a->cmd, a->noun and a->verb then say which command was meant, when
 * known). Free with cli_args_free in both cases. */
int cli_args_parse(int argc, char **argv, struct cli_args *a, char *err, size_t errlen);

void cli_args_free(struct cli_args *a);

/* True when status is one of the job statuses. */
bool cli_job_status_valid(const char *status);

#endif
