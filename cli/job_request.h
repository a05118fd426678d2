/* The body of POST /pushy/jobs for `pushy job start`, from the parsed
 * command line (no I/O: the caller reads --file). Keys, as knife sends
 * them: command, nodes (or search), quorum (a number, or "P%" as given),
 * run_timeout (only with --timeout), capture_output (always), env
 * (--with-env), dir (--in-dir), user (--as-user), file (--file: "raw:" +
 * the contents when they are UTF-8 text without NUL bytes, else "base64:" +
 * their encoding; knife always sends raw:). */
#ifndef PUSHY_CLI_JOB_REQUEST_H
#define PUSHY_CLI_JOB_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "cli/cli_args.h"

/* The server refuses larger files (decoded size). */
#define JOB_FILE_MAX 100000

/* Returns a new JSON object, or NULL with a message in err (--with-env is
 * not a JSON object of strings, the file is too large, out of memory).
 * file may be NULL when a->file is NULL. */
json_t *cli_job_request_body(const struct cli_args *a, const unsigned char *file, size_t file_len,
                         char *err, size_t errlen);

#endif
