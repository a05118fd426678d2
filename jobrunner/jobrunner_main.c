/* jobrunner: job supervisor. Foundation stage: owns its bus endpoints and
 * answers every request with a "not implemented yet" error. */
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>

#include "shared/bus.h"
#include "shared/idle_worker.h"
#include "shared/worker.h"

int main(int argc, char **argv)
{
    struct pushy_config cfg;
    worker_init("jobrunner", "Pushy job supervisor (started by pushyd).", argc, argv, &cfg);
    const struct idle_endpoint eps[] = {
        { nng_rep0_open, BUS_JOBRUNNER, 1, 1 },
        { nng_pub0_open, BUS_JOB_EVENTS, 1, 0 },
    };
    return idle_worker_run(&cfg, eps, 2);
}
