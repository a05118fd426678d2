/* The embedded PostgreSQL: a cluster in data_dir/postgresql served on a
 * unix socket in run_dir only (no TCP), run as a supervised child. */
#ifndef PUSHY_EMBEDDED_PG_H
#define PUSHY_EMBEDDED_PG_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/config.h"

#define PG_ARGV_MAX 24

struct embedded_pg {
    char bin_dir[CONFIG_STR_MAX];
    char data_dir[CONFIG_STR_MAX + 16];
    char postgres_path[CONFIG_STR_MAX + 16];
    char port[8];
    char socket_dir[CONFIG_STR_MAX];
    char *argv[PG_ARGV_MAX];
};

/* Finds the binaries (postgres_bin_dir or the newest installed) and fills
 * paths and the postgres argv. 0 or -1 with err. */
int embedded_pg_prepare(struct embedded_pg *pg, const struct pushy_config *cfg,
                        char *err, size_t errlen);

/* Runs initdb when the cluster does not exist yet (blocking; output goes
 * to log_path). 0 or -1 with err. */
int embedded_pg_initdb(const struct embedded_pg *pg, const struct pushy_config *cfg,
                       const char *log_path, char *err, size_t errlen);

/* True when the server accepts connections. */
bool embedded_pg_ready(const struct pushy_config *cfg);

/* Picks the highest version directory name among names (e.g. "13","15"). */
int embedded_pg_pick_version(const char *const *names, int n);

#endif
