/* Until a worker's own issue fills it in, it runs as a real process that
 * opens its bus endpoints, reports ready and serves nothing else. */
#ifndef PUSHY_IDLE_WORKER_H
#define PUSHY_IDLE_WORKER_H

#include <nng/nng.h>

#include "shared/config.h"

struct idle_endpoint {
    int (*open)(nng_socket *);
    const char *name;
    int listen;   /* 1 listen, 0 dial */
    int reply_not_implemented; /* REP: answer every request with an error */
};

/* Opens endpoints, reports ready, loops until SIGTERM. Returns exit code. */
int idle_worker_run(struct pushy_config *cfg, const struct idle_endpoint *eps, int n);

#endif
