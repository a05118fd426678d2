/* pushy-ctl's identity-store commands (org-create, user-create,
 * client-create, group-add, ...), which talk to PostgreSQL directly. */
#ifndef PUSHY_CTL_IDENTITY_H
#define PUSHY_CTL_IDENTITY_H

#include "shared/config.h"

/* argv[0] is the command name. Returns the exit status, or -1 when argv[0]
 * is not an identity command. */
int ctl_identity_main(const struct pushy_config *cfg, int argc, char **argv);

/* Appends the identity commands' help to pushy-ctl --help. */
extern const char ctl_identity_usage[];

#endif
