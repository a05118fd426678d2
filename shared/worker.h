/* What every supervised worker process shares: option parsing, config,
 * logging, signals as a pollable fd, and the readiness report to pushyd. */
#ifndef PUSHY_WORKER_H
#define PUSHY_WORKER_H

#include <stdbool.h>

#include "shared/config.h"

enum worker_signal { WORKER_SIG_NONE = 0, WORKER_SIG_STOP, WORKER_SIG_RELOAD, WORKER_SIG_CHILD };

/* Parses "-c FILE" (and --help/--version), loads the config, starts
 * logging as component, blocks SIGTERM/SIGINT/SIGHUP/SIGCHLD into a
 * signalfd. Call before creating any thread. Exits the process on a bad
 * config with a message; returns 0. */
int worker_init(const char *component, const char *usage, int argc, char **argv,
                struct pushy_config *cfg);

/* The signalfd to poll; worker_read_signal drains one signal. */
int worker_signal_fd(void);
enum worker_signal worker_read_signal(void);

/* Drains pending signals: SIGHUP re-reads the config (worker_reload);
 * returns true when SIGTERM/SIGINT asked the worker to stop. For workers
 * with no children (SIGCHLD is ignored here). */
bool worker_handle_signals(struct pushy_config *cfg);

/* Re-reads the config file (on SIGHUP) and applies what can change at run
 * time (log level). Keeps the old config when the new one is bad. */
void worker_reload(struct pushy_config *cfg);

/* Tells pushyd this process is ready (writes to $PUSHY_READY_FD). */
void worker_ready(void);

/* The config file path this worker was started with. */
const char *worker_config_path(void);

#endif
