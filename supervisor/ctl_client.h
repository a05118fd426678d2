/* pushy-ctl's side of the control socket. */
#ifndef PUSHY_CTL_CLIENT_H
#define PUSHY_CTL_CLIENT_H

#include <jansson.h>

#include "shared/config.h"

/* Sends {"cmd":cmd[,"name":name]} and returns the reply, or NULL when
 * pushyd does not answer (not running). */
json_t *ctl_request(const struct pushy_config *cfg, const char *cmd, const char *name, int timeout_ms);

#endif
