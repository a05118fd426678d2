/* pushy-client's daemon: one thread, one zmq_poll loop over
 *   - a signalfd (TERM/INT/QUIT stop, USR1 reconfigure, HUP reopens the
 *     log file, CHLD reaps the job),
 *   - the SUB socket (server heartbeats) and the DEALER (commands),
 *   - the running job's stdout/stderr pipes,
 *   - the config fetch's sockets (libcurl multi),
 * with every timer on the monotonic clock. The decisions live in pure
 * modules: job_sm (job states and replies), srvlive (is the server alive),
 * backoff (when to retry), whitelist/cmdline (what to run), report (what
 * to send back). The daemon itself: client.c (loop, timers, signals),
 * client_conn.c (fetch, connect, inbound), client_out.c (outbound),
 * client_job.c (commands, the job's process); shared state in
 * client_int.h.
 *
 * Connection life cycle:
 *   start -> fetch config -> connect -> ... -> reconfigure -> fetch ...
 * Reconfigure (close sockets, fetch config, connect; a running job is left
 * alone and reports when it ends) happens on:
 *   - start, SIGUSR1: at once;
 *   - a config fetch that failed: after backoff;
 *   - no verified message on the command channel within 3 s of connecting
 *     ("possible encryption problem"): after backoff;
 *   - server heartbeats silent for offline_threshold intervals: after
 *     backoff (cancelled when the server comes back online first);
 *   - sends failing continuously for max(3 s, min(60 s, 6 intervals)),
 *     counted from the first failure (later failures do not push it back:
 *     the original's bug #193): after backoff;
 *   - a new server incarnation id in a server heartbeat: after a random
 *     splay in [0, interval);
 *   - config lifetime * (1 - rand(0.1)) after connecting, but only while
 *     idle (deferred until the job ends).
 * The backoff (1 s doubling to 60 s, +-50 % jitter) is reset once a
 * connection has both a verified command message and a server heartbeat. */
#ifndef PUSHY_CLIENT_CLIENT_H
#define PUSHY_CLIENT_CLIENT_H

#include "client/options.h"

/* How long an aborted job's process group gets between SIGTERM and SIGKILL. */
#define PC_KILL_GRACE_MS 3000
/* No verified command message this long after connecting -> reconfigure. */
#define PC_FIRST_MESSAGE_MS 3000
/* After the job's process exited, how long its pipes may stay open (held
 * by a background grandchild) before the job is reported anyway. */
#define PC_PIPE_GRACE_MS 2000
#define PC_FETCH_TIMEOUT_MS 10000
#define PC_BACKOFF_BASE_MS 1000
#define PC_BACKOFF_MAX_MS 60000

/* Runs the daemon until a stop signal. Returns the process exit code. */
int pc_client_main(struct pc_settings *settings);

#endif
