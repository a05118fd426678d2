/* The pushy commands. Each returns the process exit status: 0 success,
 * 1 failure (an error line was printed). `job start` returns 1 unless the
 * job completed with every node succeeded. */
#ifndef PUSHY_CLI_COMMANDS_H
#define PUSHY_CLI_COMMANDS_H

#include "cli/cli_args.h"
#include "cli/session.h"

int cmd_job_start(const struct cli_args *a, struct cli_session *s);
int cmd_job_list(const struct cli_args *a, struct cli_session *s);
int cmd_job_status(const struct cli_args *a, struct cli_session *s);
int cmd_job_abort(const struct cli_args *a, struct cli_session *s);
int cmd_job_output(const struct cli_args *a, struct cli_session *s);
int cmd_node_status(const struct cli_args *a, struct cli_session *s);

#endif
