/* libmicrohttpd glue: the listening daemon (a pool of api_threads polling
 * threads), request body collection with the size limit, replies, and
 * one log line plus metrics per request. */
#ifndef PUSHY_APID_HTTP_H
#define PUSHY_APID_HTTP_H

#include "shared/config.h"

struct MHD_Daemon;

/* Listens on api_listen_address:api_port. NULL on failure (logged). */
struct MHD_Daemon *http_start(const struct pushy_config *cfg);
void http_stop(struct MHD_Daemon *d);

#endif
