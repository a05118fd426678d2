/* commandd: the ZeroMQ front door for nodes. Foundation stage: owns its
 * bus endpoints. */
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>

#include "shared/bus.h"
#include "shared/idle_worker.h"
#include "shared/worker.h"

int main(int argc, char **argv)
{
    struct pushy_config cfg;
    worker_init("commandd", "Pushy node command channel (started by pushyd).", argc, argv, &cfg);
    const struct idle_endpoint eps[] = {
        { nng_pull0_open, BUS_COMMANDS, 1, 0 },
        { nng_push0_open, BUS_HEARTBEATS, 0, 0 },
    };
    return idle_worker_run(&cfg, eps, 2);
}
