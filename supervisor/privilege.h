/* Least privilege: when started as root, pushyd makes sure the service
 * user exists, hands it the run/data/log directories and becomes it, so
 * that neither pushyd nor any child keeps root. */
#ifndef PUSHY_PRIVILEGE_H
#define PUSHY_PRIVILEGE_H

#include "shared/config.h"

/* Creates run_dir, data_dir and log_dir; as root also creates the user if
 * missing, chowns the directories and drops to the user for good.
 * Returns 0 or -1 with a message in err. */
int privilege_setup(const struct pushy_config *cfg, char *err, size_t errlen);

/* As root: ensures cfg->user exists (for tools that need its uid). */
int privilege_ensure_user(const char *user, const char *home, char *err, size_t errlen);

#endif
