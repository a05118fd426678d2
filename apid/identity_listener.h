/* apid's LISTEN pushy_identity connection (see apid/auth_cache.h): a
 * notification means an identity table changed, so the auth cache is
 * invalidated; while the connection is down the cache is suspended.
 * Driven from apid's main loop (one thread), separate from the HTTP
 * threads' connections. */
#ifndef PUSHY_APID_IDENTITY_LISTENER_H
#define PUSHY_APID_IDENTITY_LISTENER_H

#include "shared/config.h"

void identity_listener_init(const struct pushy_config *cfg);

/* The socket to poll for input, or -1 while not connected. */
int identity_listener_fd(void);

/* Connects (and LISTENs) when not connected, reads pending notifications
 * and invalidates the cache when there were any. Call when the socket is
 * readable and at least every IDENTITY_LISTENER_RETRY_MS otherwise. */
void identity_listener_service(void);
#define IDENTITY_LISTENER_RETRY_MS 1000

void identity_listener_close(void);

#endif
