/* Where the CLI's identity and server come from: a knife configuration
 * file (-c FILE, else ~/.chef/knife.rb when it exists), then the command
 * line overrides -u/--user, -k/--key and -s/--server-url. All three
 * settings must end up set. trusted_certs_dir defaults, as in knife, to
 * the trusted_certs directory next to the knife.rb used (none without a
 * knife.rb). */
#ifndef PUSHY_CLI_SETTINGS_H
#define PUSHY_CLI_SETTINGS_H

#include <stddef.h>

#include "cli/cli_args.h"
#include "cli/knife_config.h"

/* home: $HOME (may be NULL). Fills *out (free with knife_config_free,
 * also after a failure). Returns 0, or -1 with a one-line message. */
int cli_settings_resolve(const struct cli_args *a, const char *home, struct knife_config *out,
                         char *err, size_t errlen);

#endif
