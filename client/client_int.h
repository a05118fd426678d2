/* Internals of pushy-client's daemon, shared by its parts:
 *   client.c       the loop, timers, signals, reconfigure scheduling;
 *   client_conn.c  config fetch, connecting, inbound messages;
 *   client_out.c   outbound messages (job replies queue, heartbeats);
 *   client_job.c   server commands and the job's process;
 *   client_facts.c the facts report after each config fetch.
 * Not a public interface: only these files include it. */
#ifndef PUSHY_CLIENT_CLIENT_INT_H
#define PUSHY_CLIENT_CLIENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/backoff.h"
#include "client/client.h"
#include "client/http.h"
#include "client/job_sm.h"
#include "client/job_opts.h"
#include "client/proc.h"
#include "client/remote_config.h"
#include "client/session.h"
#include "client/srvlive.h"
#include "shared/wire.h"

#define OUTQ_MAX 16
#define SEND_RETRY_MS 50
#define MAX_POLL_ITEMS 32

enum phase { PH_DISCONNECTED, PH_FETCHING, PH_CONNECTED };

/* Why a reconfigure is pending (some are cancelled by later good news). */
enum reason { R_NONE, R_START, R_SIGNAL, R_FETCH_FAILED, R_NO_COMMAND_MSG, R_SERVER_SILENT,
              R_SEND_FAILING, R_INCARNATION, R_LIFETIME };

/* Rate-limited warnings for dropped frames (a flood must not fill the log). */
struct droplog {
    int64_t last_ms;
    long suppressed;
};

struct client {
    struct pc_settings *set;
    EVP_PKEY *client_key;
    char hostname[256];
    char incarnation_id[37];
    char curve_pub[WIRE_Z85_KEY_LEN + 1], curve_sec[WIRE_Z85_KEY_LEN + 1];
    struct wire_node_ident ident;
    void *zctx;
    int sigfd;
    bool stop;

    enum phase phase;
    struct pc_http *http;
    struct pc_http *facts_http; /* the facts PUT in flight, or NULL */
    char fqdn[256];             /* resolved once at start */
    bool have_config;
    struct pc_remote_config rc;
    struct pc_session sess;
    int64_t seq;
    size_t max_out_body;

    /* timers: monotonic ms, 0 = off */
    int64_t next_tick;
    int64_t reconfig_at;
    enum reason reconfig_reason;
    int64_t first_msg_deadline;
    int64_t send_fail_since;
    int64_t periodic_at;
    bool periodic_due;
    int64_t retry_send_at;
    bool heartbeat_due;
    bool got_command, got_heartbeat; /* on this connection */

    struct pc_backoff backoff;
    struct pc_srvlive live;

    struct pc_job_sm sm;
    char **job_argv;       /* the committed command */
    int lock_fd;           /* run lock held while committed (client/runlock.h), -1: none */
    struct pc_job_opts job_opts; /* the committed job's options (issue 7) */
    struct pc_job_opts run_opts; /* the running job's (its file is deleted at the end) */
    struct pc_proc proc;   /* the running job */
    int64_t pipe_deadline; /* after the process exited */
    pid_t linger_pid;      /* an aborted job's group, being killed */
    int64_t linger_kill_at;

    json_t *outq[OUTQ_MAX];
    int outq_n;

    struct droplog drop_sub, drop_cmd;
    char inc_seen[WIRE_INCARNATION_MAX + 1]; /* last incarnation that triggered a reconfigure */
    bool live_armed;                          /* skip the liveness tick at connect */
};

/* client.c */
int64_t pcl_now_ms(void);
const char *pcl_reason_text(enum reason r);
/* Text from the network made safe for one log line (truncated). */
const char *pcl_printable(const char *s, char *buf, size_t cap);
void pcl_droplog(struct droplog *d, const char *node, const char *channel,
                 const struct wire_error *e);
/* Reconfigure at `at` unless one is already due earlier. */
void pcl_schedule(struct client *c, int64_t at, enum reason r);
/* Reconfigure after the next backoff delay, unless one is pending. */
void pcl_schedule_backoff(struct client *c, enum reason r);
void pcl_maybe_healthy(struct client *c);

/* client_out.c */
void pcl_enqueue(struct client *c, json_t *msg);
void pcl_flush(struct client *c, int64_t now);

/* client_conn.c */
void pcl_start_fetch(struct client *c);
void pcl_fetch_done(struct client *c);
void pcl_on_sub(struct client *c);
void pcl_on_dealer(struct client *c);

/* client_facts.c */
void pcl_report_facts(struct client *c);
void pcl_facts_done(struct client *c);
void pcl_facts_cancel(struct client *c);

/* client_job.c */
const char *pcl_jid(const struct client *c);
void pcl_on_command(struct client *c, const struct wire_server_msg *m);
void pcl_reap(struct client *c);
void pcl_job_timers(struct client *c, int64_t now);
void pcl_finish_job(struct client *c);
void pcl_stop_job(struct client *c);
void pcl_drop_committed(struct client *c);

#endif
