/* pushyd's child table: start in order with readiness, one_for_one
 * restart with backoff and intensity, stop in reverse order with a grace
 * period. Driven by supervisor_tick() and supervisor_child_exited() from
 * pushyd's event loop; holds no business state. */
#ifndef PUSHY_SUPERVISOR_H
#define PUSHY_SUPERVISOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "shared/config.h"
#include "supervisor/embedded_pg.h"
#include "supervisor/restart_policy.h"

enum child_kind { CHILD_WORKER, CHILD_POSTGRES, CHILD_ONESHOT };
enum child_state { CH_STOPPED, CH_STARTING, CH_RUNNING, CH_BACKOFF, CH_STOPPING, CH_DONE };

#define MAX_CHILDREN 8

struct child {
    char name[32];
    enum child_kind kind;
    bool wanted;              /* the operator wants it up */
    bool restart_requested;   /* `pushy-ctl restart NAME`: start again once stopped */
    enum child_state state;
    pid_t pid;
    int ready_fd;             /* read end of the readiness pipe, or -1 */
    int64_t deadline_ms;      /* ready / restart / kill deadline, by state */
    int64_t started_ms;
    time_t started_wall;
    int restarts;             /* unplanned restarts since pushyd started */
    int consecutive;          /* crashes without a stable run in between */
};

struct supervisor {
    struct pushy_config cfg;
    char config_path[CONFIG_STR_MAX];
    char bin_dir[CONFIG_STR_MAX];     /* where the worker binaries are */
    char self_path[CONFIG_STR_MAX];   /* pushyd itself, for the migrate step */
    struct embedded_pg pg;
    bool embedded;
    struct child children[MAX_CHILDREN];
    int nchildren;
    struct restart_intensity intensity;
    bool all_up_reported;
    bool shutting_down;
    int exit_code;
    bool finished;                    /* everything stopped after shutdown */
    void (*on_all_ready)(struct supervisor *);
    void (*on_fatal)(struct supervisor *, const char *why);
};

int supervisor_init(struct supervisor *sv, const struct pushy_config *cfg, const char *config_path,
                    char *err, size_t errlen);
/* Advances every child's state machine; returns ms until the next deadline
 * (capped), for the poll timeout. */
int supervisor_tick(struct supervisor *sv, int64_t now_ms);
/* A readiness pipe became readable. */
void supervisor_ready_fd(struct supervisor *sv, int fd, int64_t now_ms);
/* Reaps exited children. */
void supervisor_reap(struct supervisor *sv, int64_t now_ms);
void supervisor_shutdown(struct supervisor *sv, int exit_code, const char *why);

struct child *supervisor_find(struct supervisor *sv, const char *name);
/* Operator actions; return NULL or an error message. */
const char *supervisor_restart_child(struct supervisor *sv, const char *name);
const char *supervisor_kill_child(struct supervisor *sv, const char *name);
const char *supervisor_start_child(struct supervisor *sv, const char *name);
const char *supervisor_stop_child(struct supervisor *sv, const char *name, int64_t now_ms);
/* Applies a re-read config (restart policy, timeouts) and forwards SIGHUP. */
void supervisor_reload(struct supervisor *sv, const struct pushy_config *cfg);

/* {"pid":..,"components":[{"name","state","pid","uptime","restarts"}]} */
json_t *supervisor_status_json(struct supervisor *sv, int64_t now_ms);
const char *child_state_name(enum child_state s);

#endif
