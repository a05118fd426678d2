/* heartbeatd: node liveness. Foundation stage: owns its bus endpoints. */
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/pub.h>

#include "shared/bus.h"
#include "shared/idle_worker.h"
#include "shared/worker.h"

int main(int argc, char **argv)
{
    struct pushy_config cfg;
    worker_init("heartbeatd", "Pushy node liveness (started by pushyd).", argc, argv, &cfg);
    const struct idle_endpoint eps[] = {
        { nng_pull0_open, BUS_HEARTBEATS, 1, 0 },
        { nng_pub0_open, BUS_NODE_EVENTS, 1, 0 },
    };
    return idle_worker_run(&cfg, eps, 2);
}
