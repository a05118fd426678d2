/* pushy-client: the server's commands and the job's process, around the
 * pure state machine of job_sm.h. */
#include "client/client_int.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/cmdline.h"
#include "client/report.h"
#include "client/runlock.h"
#include "shared/log.h"

extern char **environ;

const char *pcl_jid(const struct client *c) { return c->sm.job_id[0] ? c->sm.job_id : "-"; }

static void reply(struct client *c, const struct pc_job_action *a, bool with_output)
{
    if (a->reply == WIRE_MSG_NONE)
        return;
    const char *id = a->reply_has_job_id ? a->reply_job_id : NULL;
    json_t *msg = with_output ? pc_report_event(&c->ident, a->reply, id, &c->proc.out,
                                                &c->proc.err, c->max_out_body)
                              : pc_report_event(&c->ident, a->reply, id, NULL, NULL, 0);
    /* Pushy's extension: why a commit or run was refused (the original
     * server ignores unknown fields; Pushy's shows it in the job's events). */
    if (msg && a->reason && (a->reply == WIRE_MSG_NACK_COMMIT || a->reply == WIRE_MSG_NACK_RUN))
        json_object_set_new(msg, "reason", json_string(a->reason));
    LOG_INFO("node=%s job=%s reply %s", c->set->node_name, id ? id : "null",
             wire_msg_type_name(a->reply));
    pcl_enqueue(c, msg);
}

void pcl_drop_committed(struct client *c)
{
    if (c->lock_fd >= 0)
        LOG_INFO("node=%s releasing the run lock", c->set->node_name);
    pc_runlock_release(&c->lock_fd);
    pc_argv_free(c->job_argv);
    c->job_argv = NULL;
    pc_job_opts_free(&c->job_opts);
}

/* The running job's options: its file is deleted. */
static void drop_run_opts(struct client *c)
{
    pc_job_opts_free(&c->run_opts);
}

static void kill_job(struct client *c)
{
    if (!c->proc.pid)
        return;
    pid_t pid = c->proc.pid;
    LOG_INFO("node=%s killing job process group %d (SIGTERM, SIGKILL in %d ms)",
             c->set->node_name, (int)pid, PC_KILL_GRACE_MS);
    if (!c->proc.exited) {
        pc_kill_group(pid, SIGTERM);
        c->linger_pid = pid;
        c->linger_kill_at = pcl_now_ms() + PC_KILL_GRACE_MS;
    } else if (pc_group_alive(pid)) {
        pc_kill_group(pid, SIGKILL);
    }
    pc_proc_release(&c->proc);
    drop_run_opts(c);
    c->pipe_deadline = 0;
}

static void after_job(struct client *c)
{
    if (c->periodic_due && c->sm.state == PC_JOB_IDLE) {
        c->periodic_due = false;
        pcl_schedule(c, pcl_now_ms(), R_LIFETIME);
    }
}

/* The run lock of an entry with :lock (client/runlock.h): NULL when the
 * job may go on (*lockfd holds the lock, or -1), else the reason. */
static const char *take_run_lock(struct client *c, const char *command, int *lockfd, char *why,
                                 size_t cap)
{
    const char *spec = pc_whitelist_lock(&c->set->whitelist, command);
    if (!spec)
        return NULL;
    const char *path = pc_runlock_path(spec, c->set->lockfile);
    switch (pc_runlock_take(path, lockfd, why, cap)) {
    case PC_RUNLOCK_TAKEN:
        LOG_INFO("node=%s took the run lock %s", c->set->node_name, path);
        return NULL;
    case PC_RUNLOCK_NO_DIR:
        LOG_INFO("node=%s run lock %s: its directory does not exist, so no run holds it; going "
                 "on without the lock", c->set->node_name, path);
        return NULL;
    default:
        return why;
    }
}

/* The whitelist entry's argv for a commit, or a reason to refuse. */
static const char *vet_commit(struct client *c, const struct wire_server_msg *m, char ***argv,
                              struct pc_job_opts *opts, int *lockfd, char *why, size_t cap)
{
    *argv = NULL;
    *lockfd = -1;
    memset(opts, 0, sizeof *opts);
    if (m->invalid || !m->command)
        return NULL; /* job_sm nacks it */
    if (c->linger_pid)
        return "the previous job's process is still being killed";
    switch (pc_whitelist_lookup(&c->set->whitelist, m->command, argv, why, cap)) {
    case PC_WL_OK: {
        /* The job options (client/job_opts.h): user, dir, env, file. */
        const char *r = pc_job_opts_vet(m->user, m->dir, m->env, m->file, opts, why, cap);
        if (!r && (r = take_run_lock(c, m->command, lockfd, why, cap)) != NULL)
            pc_job_opts_free(opts);
        if (r) {
            pc_argv_free(*argv);
            *argv = NULL;
        }
        return r;
    }
    case PC_WL_NOT_FOUND: {
        char shown[128];
        snprintf(why, cap, "command '%s' is not in the whitelist",
                 pcl_printable(m->command, shown, sizeof shown));
        return why;
    }
    default:
        return why;
    }
}

static void start_job(struct client *c)
{
    char err[256] = "out of memory";
    size_t limit = c->max_out_body;
    drop_run_opts(c);
    c->run_opts = c->job_opts; /* moved: the file lives until the job ends */
    memset(&c->job_opts, 0, sizeof c->job_opts);
    struct pc_job_opts *o = &c->run_opts;
    char **env = NULL;
    /* the command may take the lock itself (a chef-client's runlock) */
    if (c->lock_fd >= 0)
        LOG_INFO("node=%s job=%s releasing the run lock to start the command", c->set->node_name,
                 pcl_jid(c));
    pc_runlock_release(&c->lock_fd);
    if (pc_job_opts_write_file(o, c->set->file_dir, err, sizeof err) == 0)
        env = pc_job_env_build(environ, o->env, c->set->overwritable_env,
                               o->switch_user ? o->user : NULL, o->home,
                               o->file_path, c->set->node_name, c->sm.job_id);
    struct pc_spawn_user as = { o->uid, o->gid, o->groups, o->ngroups };
    if (env && c->job_argv &&
        pc_proc_spawn_as(&c->proc, c->job_argv, env, o->dir, o->switch_user ? &as : NULL, limit,
                         err, sizeof err) == 0) {
        LOG_INFO("node=%s job=%s started '%s' as pid %d%s%s%s%s", c->set->node_name, pcl_jid(c),
                 c->job_argv[0], (int)c->proc.pid, o->switch_user ? " as user " : "",
                 o->switch_user ? o->user : "", o->dir ? " in " : "", o->dir ? o->dir : "");
        pc_env_free(env);
        pcl_drop_committed(c);
        return;
    }
    pc_env_free(env);
    drop_run_opts(c);
    LOG_WARN("node=%s job=%s could not start the command: %s", c->set->node_name, pcl_jid(c), err);
    /* report it as a failed run, with the reason as stderr */
    pc_proc_init(&c->proc);
    pc_capture_init(&c->proc.out, limit);
    pc_capture_init(&c->proc.err, limit);
    char msg[320];
    int n = snprintf(msg, sizeof msg, "pushy-client: could not start the command: %s\n", err);
    pc_capture_append(&c->proc.err, msg, n > 0 ? (size_t)n : 0);
    struct pc_job_event ev = { .type = PC_IN_EXIT, .job_id = c->sm.job_id, .success = false };
    struct pc_job_action a;
    bool capture = c->sm.capture;
    pc_job_step(&c->sm, &ev, &a);
    reply(c, &a, capture);
    pc_proc_release(&c->proc);
    pcl_drop_committed(c);
    after_job(c);
}

void pcl_finish_job(struct client *c)
{
    char how[64];
    pc_proc_describe(&c->proc, how, sizeof how);
    LOG_INFO("node=%s job=%s process %d finished: %s (stdout %zu bytes, stderr %zu bytes%s)",
             c->set->node_name, pcl_jid(c), (int)c->proc.pid, how,
             c->proc.out.len + c->proc.out.dropped, c->proc.err.len + c->proc.err.dropped,
             c->proc.out.dropped || c->proc.err.dropped ? ", truncated" : "");
    struct pc_job_event ev = { .type = PC_IN_EXIT, .job_id = c->sm.job_id,
                               .success = pc_proc_succeeded(&c->proc) };
    struct pc_job_action a;
    bool capture = c->sm.capture;
    pc_job_step(&c->sm, &ev, &a);
    reply(c, &a, capture);
    pc_proc_release(&c->proc);
    drop_run_opts(c);
    c->pipe_deadline = 0;
    after_job(c);
}

void pcl_on_command(struct client *c, const struct wire_server_msg *m)
{
    struct pc_job_event ev = { .job_id = m->has_job_id ? m->job_id : NULL };
    struct pc_job_action a;
    char why[256];
    char **argv = NULL;
    struct pc_job_opts opts = { 0 };
    int lockfd = -1;
    switch (m->type) {
    case WIRE_MSG_COMMIT:
        ev.type = PC_IN_COMMIT;
        ev.invalid = m->invalid;
        ev.server_online = c->live.online;
        ev.capture = m->capture;
        if (c->sm.state == PC_JOB_IDLE)
            ev.refused = vet_commit(c, m, &argv, &opts, &lockfd, why, sizeof why);
        break;
    case WIRE_MSG_RUN: ev.type = PC_IN_RUN; break;
    case WIRE_MSG_ABORT: ev.type = PC_IN_ABORT; break;
    default:
        LOG_DEBUG("server says %s", wire_msg_type_name(m->type));
        return;
    }
    char shown[128];
    LOG_INFO("node=%s job=%s received %s%s%s", c->set->node_name, ev.job_id ? ev.job_id : "null",
             wire_msg_type_name(m->type), m->command ? " command=" : "",
             m->command ? pcl_printable(m->command, shown, sizeof shown) : "");
    pc_job_step(&c->sm, &ev, &a);
    if (a.reason)
        LOG_INFO("node=%s job=%s %s: %s", c->set->node_name, ev.job_id ? ev.job_id : "null",
                 wire_msg_type_name(a.reply), a.reason);
    if (a.reply == WIRE_MSG_ACK_COMMIT) {
        pcl_drop_committed(c);
        c->job_argv = argv;
        argv = NULL;
        c->job_opts = opts;
        memset(&opts, 0, sizeof opts);
        c->lock_fd = lockfd;
        lockfd = -1;
    }
    pc_runlock_release(&lockfd);
    pc_argv_free(argv);
    pc_job_opts_free(&opts);
    if (m->type == WIRE_MSG_ABORT)
        pcl_drop_committed(c);
    reply(c, &a, false);
    if (a.act == PC_ACT_START)
        start_job(c);
    else if (a.act == PC_ACT_KILL)
        kill_job(c);
    if (m->type == WIRE_MSG_ABORT)
        after_job(c);
}

void pcl_reap(struct client *c)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            return;
        if (pc_proc_note_exit(&c->proc, pid, st)) {
            c->pipe_deadline = pcl_now_ms() + PC_PIPE_GRACE_MS;
        } else if (pid == c->linger_pid) {
            LOG_INFO("node=%s aborted job process %d is gone", c->set->node_name, (int)pid);
            if (pc_group_alive(pid))
                pc_kill_group(pid, SIGKILL);
            c->linger_pid = 0;
            c->linger_kill_at = 0;
        }
    }
}

/* On stop: the job's process group gets SIGTERM, then SIGKILL. */
void pcl_stop_job(struct client *c)
{
    pid_t pids[2] = { c->proc.pid && !c->proc.exited ? c->proc.pid : 0, c->linger_pid };
    for (int i = 0; i < 2; i++) {
        if (!pids[i])
            continue;
        LOG_INFO("node=%s terminating job process group %d", c->set->node_name, (int)pids[i]);
        pc_kill_group(pids[i], SIGTERM);
        int64_t end = pcl_now_ms() + PC_KILL_GRACE_MS;
        while (pcl_now_ms() < end && waitpid(pids[i], NULL, WNOHANG) == 0)
            usleep(20000);
        if (pc_group_alive(pids[i]))
            pc_kill_group(pids[i], SIGKILL);
        waitpid(pids[i], NULL, WNOHANG);
    }
    pc_proc_release(&c->proc);
    drop_run_opts(c);
    pc_job_opts_free(&c->job_opts);
}

/* The job's timers: children to reap, the SIGKILL of an aborted job, the
 * pipes of a job whose process has exited. */
void pcl_job_timers(struct client *c, int64_t now)
{
    /* SIGCHLD only wakes the loop: children are also looked for on every
     * pass (a signal can be lost to a thread that does not block it when
     * the client is embedded, as in tests) */
    if ((c->proc.pid && !c->proc.exited) || c->linger_pid)
        pcl_reap(c);
    if (c->linger_pid && c->linger_kill_at && now >= c->linger_kill_at) {
        LOG_WARN("node=%s aborted job process group %d still alive after %d ms: SIGKILL",
                 c->set->node_name, (int)c->linger_pid, PC_KILL_GRACE_MS);
        pc_kill_group(c->linger_pid, SIGKILL);
        c->linger_kill_at = 0;
    }
    if (c->proc.pid && c->proc.exited && !pc_proc_done(&c->proc) && c->pipe_deadline &&
        now >= c->pipe_deadline) {
        LOG_WARN("node=%s job=%s output pipes still open %d ms after the process exited "
                 "(a background process holds them): reporting now",
                 c->set->node_name, pcl_jid(c), PC_PIPE_GRACE_MS);
        pc_proc_drain(&c->proc, c->proc.out_fd);
        pc_proc_drain(&c->proc, c->proc.err_fd);
        pcl_finish_job(c);
    }
}
