/* One job's process (pushy-job): runs the job FSM against the bus.
 *
 * In:  PULL   jobs/JOB_ID.ipc  node replies from commandd
 *      SUB    node-events      node_status down / node_restarted from heartbeatd
 *      link   fd 3             {"type":"abort"} from jobrunner
 *      timers                  the FSM's voting / running deadline
 * Out: link   fd 3             transition reports and events (jobrunner
 *                              persists and publishes them)
 *      PUSH   commands         commit / run / abort to nodes, one message per
 *                              kind for up to JOB_SEND_CHUNK nodes
 * The process exits once the job is terminal (after a short linger that
 * absorbs late replies), or at once when jobrunner goes away. */
#ifndef PUSHY_JOB_PROC_H
#define PUSHY_JOB_PROC_H

#include "jobrunner/job_spec.h"
#include "shared/config.h"

#define JOB_PROC_LINGER_MS 2000

/* Runs the job to its end. sig_fd: a signalfd (SIGTERM/SIGINT crash the
 * job). Returns the process exit status. */
int job_proc_run(const struct pushy_config *cfg, struct job_spec *spec, int sig_fd);

#endif
