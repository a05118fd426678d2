/* apid: the HTTP API. Foundation stage: owns its bus endpoints. */
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "shared/bus.h"
#include "shared/idle_worker.h"
#include "shared/worker.h"

int main(int argc, char **argv)
{
    struct pushy_config cfg;
    worker_init("apid", "Pushy HTTP API (started by pushyd).", argc, argv, &cfg);
    const struct idle_endpoint eps[] = {
        { nng_req0_open, BUS_JOBRUNNER, 0, 0 },
        { nng_sub0_open, BUS_NODE_EVENTS, 0, 0 },
        { nng_sub0_open, BUS_JOB_EVENTS, 0, 0 },
    };
    return idle_worker_run(&cfg, eps, 3);
}
