/* systemd readiness notification (sd_notify protocol, no libsystemd). */
#ifndef PUSHY_SDNOTIFY_H
#define PUSHY_SDNOTIFY_H

/* Sends state (e.g. "READY=1") to $NOTIFY_SOCKET if set. 0 when sent or
 * not under systemd, -1 on error. */
int sd_notify_state(const char *state);

#endif
