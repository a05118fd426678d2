/* Help texts of the pushy CLI. */
#ifndef PUSHY_CLI_USAGE_H
#define PUSHY_CLI_USAGE_H

#include "cli/cli_args.h"

#define PUSHY_CLI_VERSION "0.1.0"

/* The help for `pushy [NOUN [VERB]] --help` (noun and verb may be NULL),
 * or NULL for an unknown topic. */
const char *cli_usage(const char *noun, const char *verb);

/* One "usage: ..." line for a command (the main one for CLI_NONE etc.). */
const char *cli_synopsis(enum cli_cmd cmd);

#endif
