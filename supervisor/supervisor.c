#include "supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/log.h"

extern char **environ;

static const char *const worker_names[] = { "heartbeatd", "commandd", "jobrunner", "apid" };

const char *child_state_name(enum child_state s)
{
    switch (s) {
    case CH_STOPPED: return "stopped";
    case CH_STARTING: return "starting";
    case CH_RUNNING: return "running";
    case CH_BACKOFF: return "backoff";
    case CH_STOPPING: return "stopping";
    case CH_DONE: return "done";
    }
    return "?";
}

static struct child *add_child(struct supervisor *sv, const char *name, enum child_kind kind)
{
    struct child *c = &sv->children[sv->nchildren++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->kind = kind;
    c->wanted = true;
    c->state = CH_STOPPED;
    c->pid = -1;
    c->ready_fd = -1;
    return c;
}

int supervisor_init(struct supervisor *sv, const struct pushy_config *cfg, const char *config_path,
                    char *err, size_t errlen)
{
    memset(sv, 0, sizeof *sv);
    sv->cfg = *cfg;
    snprintf(sv->config_path, sizeof sv->config_path, "%s", config_path);
    ssize_t n = readlink("/proc/self/exe", sv->self_path, sizeof sv->self_path - 1);
    if (n <= 0) {
        snprintf(err, errlen, "readlink /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    sv->self_path[n] = '\0';
    snprintf(sv->bin_dir, sizeof sv->bin_dir, "%s", sv->self_path);
    char *slash = strrchr(sv->bin_dir, '/');
    if (slash)
        *slash = '\0';

    sv->embedded = cfg->database_url[0] == '\0';
    if (sv->embedded) {
        if (embedded_pg_prepare(&sv->pg, cfg, err, errlen))
            return -1;
        add_child(sv, "postgres", CHILD_POSTGRES);
    }
    add_child(sv, "migrate", CHILD_ONESHOT);
    for (size_t i = 0; i < sizeof worker_names / sizeof worker_names[0]; i++) {
        char path[CONFIG_STR_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", sv->bin_dir, worker_names[i]);
        if (access(path, X_OK)) {
            snprintf(err, errlen, "worker binary %s: %s", path, strerror(errno));
            return -1;
        }
        add_child(sv, worker_names[i], CHILD_WORKER);
    }
    intensity_init(&sv->intensity, cfg->max_restarts, (int64_t)cfg->restart_window * 1000);
    return 0;
}

struct child *supervisor_find(struct supervisor *sv, const char *name)
{
    for (int i = 0; i < sv->nchildren; i++)
        if (!strcmp(sv->children[i].name, name))
            return &sv->children[i];
    return NULL;
}

/* Builds envp = environ + PUSHY_READY_FD=3 before fork (setenv is not safe
 * between fork and exec). */
static char **child_env(bool with_ready_fd)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PUSHY_READY_FD=", 15) && strncmp(environ[i], "NOTIFY_SOCKET=", 14))
            env[j++] = environ[i];
    if (with_ready_fd)
        env[j++] = "PUSHY_READY_FD=3";
    env[j] = NULL;
    return env;
}

static int spawn(struct supervisor *sv, struct child *c, int64_t now_ms)
{
    char log_path[CONFIG_STR_MAX + 64];
    snprintf(log_path, sizeof log_path, "%s/%s.log", sv->cfg.log_dir, c->kind == CHILD_ONESHOT ? "pushyd" : c->name);
    int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logfd < 0) {
        LOG_ERROR("component=%s cannot open log %s: %s", c->name, log_path, strerror(errno));
        return -1;
    }
    int pipefd[2] = { -1, -1 };
    bool with_ready = c->kind == CHILD_WORKER;
    if (with_ready && pipe2(pipefd, O_CLOEXEC)) {
        LOG_ERROR("component=%s pipe: %s", c->name, strerror(errno));
        close(logfd);
        return -1;
    }
    char path[CONFIG_STR_MAX + 64];
    char *argv_worker[5];
    char *const *argv;
    if (c->kind == CHILD_POSTGRES) {
        snprintf(path, sizeof path, "%s", sv->pg.postgres_path);
        argv = sv->pg.argv;
    } else if (c->kind == CHILD_ONESHOT) {
        snprintf(path, sizeof path, "%s", sv->self_path);
        argv_worker[0] = "pushyd";
        argv_worker[1] = "--migrate";
        argv_worker[2] = "-c";
        argv_worker[3] = sv->config_path;
        argv_worker[4] = NULL;
        argv = argv_worker;
    } else {
        snprintf(path, sizeof path, "%s/%s", sv->bin_dir, c->name);
        argv_worker[0] = c->name;
        argv_worker[1] = "-c";
        argv_worker[2] = sv->config_path;
        argv_worker[3] = NULL;
        argv = argv_worker;
    }
    char **env = child_env(with_ready);
    if (!env) {
        close(logfd);
        if (with_ready) {
            close(pipefd[0]);
            close(pipefd[1]);
        }
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        LOG_ERROR("component=%s fork: %s", c->name, strerror(errno));
        free(env);
        close(logfd);
        if (with_ready) {
            close(pipefd[0]);
            close(pipefd[1]);
        }
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls until exec. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0); /* own group: a SIGKILL at stop takes its children too */
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(logfd, STDOUT_FILENO);
        dup2(logfd, STDERR_FILENO);
        if (with_ready)
            dup2(pipefd[1], 3);
        close_range(with_ready ? 4 : 3, UINT_MAX, 0);
        execve(path, argv, env);
        _exit(127);
    }
    free(env);
    close(logfd);
    if (with_ready) {
        close(pipefd[1]);
        c->ready_fd = pipefd[0];
    }
    c->pid = pid;
    c->state = CH_STARTING;
    c->started_ms = now_ms;
    c->started_wall = time(NULL);
    c->deadline_ms = now_ms + (int64_t)sv->cfg.ready_timeout * 1000;
    LOG_INFO("component=%s started pid=%d", c->name, (int)pid);
    return 0;
}

static void close_ready_fd(struct child *c)
{
    if (c->ready_fd >= 0)
        close(c->ready_fd);
    c->ready_fd = -1;
}

static void mark_running(struct supervisor *sv, struct child *c, int64_t now_ms)
{
    (void)sv;
    close_ready_fd(c);
    c->state = CH_RUNNING;
    LOG_INFO("component=%s ready pid=%d after %lld ms", c->name, (int)c->pid,
             (long long)(now_ms - c->started_ms));
}

void supervisor_ready_fd(struct supervisor *sv, int fd, int64_t now_ms)
{
    for (int i = 0; i < sv->nchildren; i++) {
        struct child *c = &sv->children[i];
        if (c->ready_fd != fd)
            continue;
        char buf[16];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0 && c->state == CH_STARTING)
            mark_running(sv, c, now_ms);
        else if (n <= 0)
            close_ready_fd(c); /* EOF without READY: its exit is handled by reap */
        return;
    }
}

static bool is_up(const struct child *c)
{
    return c->state == CH_RUNNING || c->state == CH_DONE;
}

static void signal_child(struct child *c, int sig, bool group)
{
    if (c->pid <= 0)
        return;
    if (kill(group ? -c->pid : c->pid, sig) && errno != ESRCH)
        LOG_WARN("component=%s kill(%d): %s", c->name, sig, strerror(errno));
}

static void begin_stop(struct supervisor *sv, struct child *c, int64_t now_ms)
{
    switch (c->state) {
    case CH_STARTING:
    case CH_RUNNING:
        /* postgres: SIGINT is its "fast" shutdown; others stop on SIGTERM */
        signal_child(c, c->kind == CHILD_POSTGRES ? SIGINT : SIGTERM, false);
        c->state = CH_STOPPING;
        c->deadline_ms = now_ms + (int64_t)sv->cfg.stop_timeout * 1000;
        LOG_INFO("component=%s stopping pid=%d", c->name, (int)c->pid);
        break;
    case CH_BACKOFF:
    case CH_DONE:
        c->state = CH_STOPPED;
        break;
    default:
        break;
    }
}

static void handle_exit(struct supervisor *sv, struct child *c, int status, int64_t now_ms)
{
    char how[64];
    if (WIFEXITED(status))
        snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(how, sizeof how, "status 0x%x", status);
    close_ready_fd(c);
    pid_t pid = c->pid;
    c->pid = -1;

    if (c->state == CH_STOPPING) {
        LOG_INFO("component=%s stopped pid=%d (%s)", c->name, (int)pid, how);
        c->state = CH_STOPPED;
        if (c->restart_requested && !sv->shutting_down) {
            c->restart_requested = false;
            c->wanted = true;
        }
        return;
    }
    if (c->kind == CHILD_ONESHOT && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        LOG_INFO("component=%s finished", c->name);
        c->state = CH_DONE;
        return;
    }
    if (sv->shutting_down) {
        c->state = CH_STOPPED;
        return;
    }
    LOG_ERROR("component=%s pid=%d died unexpectedly: %s", c->name, (int)pid, how);
    if (intensity_record(&sv->intensity, now_ms)) {
        char why[256];
        snprintf(why, sizeof why,
                 "restart intensity exceeded: more than %d restarts in %d s (last: %s %s); giving up",
                 sv->cfg.max_restarts, sv->cfg.restart_window, c->name, how);
        c->state = CH_STOPPED;
        supervisor_shutdown(sv, 1, why);
        if (sv->on_fatal)
            sv->on_fatal(sv, why);
        return;
    }
    if (c->state == CH_RUNNING && now_ms - c->started_ms >= BACKOFF_RESET_AFTER_MS)
        c->consecutive = 0;
    c->consecutive++;
    c->restarts++;
    int64_t delay = backoff_delay_ms(c->consecutive, sv->cfg.restart_backoff_ms,
                                     sv->cfg.restart_backoff_max_ms);
    c->state = CH_BACKOFF;
    c->deadline_ms = now_ms + delay;
    LOG_INFO("component=%s restarting in %lld ms (restart %d)", c->name, (long long)delay, c->restarts);
}

void supervisor_reap(struct supervisor *sv, int64_t now_ms)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        for (int i = 0; i < sv->nchildren; i++)
            if (sv->children[i].pid == pid) {
                handle_exit(sv, &sv->children[i], status, now_ms);
                break;
            }
    }
}

void supervisor_shutdown(struct supervisor *sv, int exit_code, const char *why)
{
    if (!sv->shutting_down) {
        LOG_INFO("shutting down: %s", why);
        sv->exit_code = exit_code;
    } else if (exit_code > sv->exit_code) {
        sv->exit_code = exit_code;
    }
    sv->shutting_down = true;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int supervisor_tick(struct supervisor *sv, int64_t now_ms)
{
    int64_t next = now_ms + 1000;

    for (int i = 0; i < sv->nchildren; i++) {
        struct child *c = &sv->children[i];
        switch (c->state) {
        case CH_STARTING:
            if (c->kind == CHILD_POSTGRES && embedded_pg_ready(&sv->cfg)) {
                mark_running(sv, c, now_ms);
                break;
            }
            if (now_ms >= c->deadline_ms) {
                LOG_ERROR("component=%s not ready after %d s; killing it", c->name, sv->cfg.ready_timeout);
                signal_child(c, SIGKILL, true);
                c->deadline_ms = now_ms + 1000;
            }
            next = min64(next, c->kind == CHILD_POSTGRES ? now_ms + 100 : c->deadline_ms);
            break;
        case CH_BACKOFF:
            if (sv->shutting_down)
                break;
            if (now_ms >= c->deadline_ms) {
                if (spawn(sv, c, now_ms)) {
                    c->deadline_ms = now_ms + 1000;
                    next = min64(next, c->deadline_ms);
                }
            } else {
                next = min64(next, c->deadline_ms);
            }
            break;
        case CH_STOPPING:
            if (now_ms >= c->deadline_ms) {
                LOG_WARN("component=%s did not stop in %d s; sending SIGKILL", c->name, sv->cfg.stop_timeout);
                signal_child(c, SIGKILL, true);
                c->deadline_ms = now_ms + 1000;
            }
            next = min64(next, c->deadline_ms);
            break;
        default:
            break;
        }
    }

    if (sv->shutting_down) {
        /* Reverse order, one at a time. */
        for (int i = sv->nchildren - 1; i >= 0; i--) {
            struct child *c = &sv->children[i];
            if (c->state == CH_STOPPING)
                return (int)(next - now_ms);
            if (c->state != CH_STOPPED) {
                begin_stop(sv, c, now_ms);
                if (c->state == CH_STOPPING)
                    return 100;
            }
        }
        sv->finished = true;
        return 0;
    }

    /* Start wanted children in order, each after the previous is up. */
    for (int i = 0; i < sv->nchildren; i++) {
        struct child *c = &sv->children[i];
        if (!c->wanted)
            continue;
        if (c->state == CH_STOPPED) {
            if (spawn(sv, c, now_ms)) {
                supervisor_shutdown(sv, 1, "cannot start a component");
                return 0;
            }
            next = min64(next, now_ms + 100);
            break;
        }
        if (!is_up(c))
            break;
    }

    if (!sv->all_up_reported) {
        bool all = true;
        for (int i = 0; i < sv->nchildren; i++)
            if (sv->children[i].wanted && !is_up(&sv->children[i]))
                all = false;
        if (all) {
            sv->all_up_reported = true;
            LOG_INFO("all components ready");
            if (sv->on_all_ready)
                sv->on_all_ready(sv);
        }
    }
    int64_t d = next - now_ms;
    return d < 0 ? 0 : (int)d;
}

static struct child *find_component(struct supervisor *sv, const char *name, const char **err)
{
    struct child *c = supervisor_find(sv, name);
    if (!c || c->kind == CHILD_ONESHOT) {
        *err = "no such component";
        return NULL;
    }
    if (sv->shutting_down) {
        *err = "pushyd is shutting down";
        return NULL;
    }
    return c;
}

const char *supervisor_restart_child(struct supervisor *sv, const char *name)
{
    const char *err = NULL;
    struct child *c = find_component(sv, name, &err);
    if (!c)
        return err;
    int64_t now = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    c->wanted = true;
    if (c->state == CH_RUNNING || c->state == CH_STARTING) {
        c->restart_requested = true;
        c->wanted = false; /* hold it stopped until the old one is gone */
        begin_stop(sv, c, now);
    } else if (c->state == CH_BACKOFF) {
        c->deadline_ms = now;
    }
    return NULL;
}

const char *supervisor_kill_child(struct supervisor *sv, const char *name)
{
    const char *err = NULL;
    struct child *c = find_component(sv, name, &err);
    if (!c)
        return err;
    if (c->pid <= 0)
        return "component is not running";
    LOG_WARN("component=%s SIGKILL requested by operator", c->name);
    signal_child(c, SIGKILL, false);
    return NULL;
}

const char *supervisor_start_child(struct supervisor *sv, const char *name)
{
    const char *err = NULL;
    struct child *c = find_component(sv, name, &err);
    if (!c)
        return err;
    c->wanted = true;
    return NULL;
}

const char *supervisor_stop_child(struct supervisor *sv, const char *name, int64_t now_ms)
{
    const char *err = NULL;
    struct child *c = find_component(sv, name, &err);
    if (!c)
        return err;
    c->wanted = false;
    c->restart_requested = false;
    begin_stop(sv, c, now_ms);
    return NULL;
}

void supervisor_reload(struct supervisor *sv, const struct pushy_config *cfg)
{
    sv->cfg.max_restarts = cfg->max_restarts;
    sv->cfg.restart_window = cfg->restart_window;
    sv->cfg.restart_backoff_ms = cfg->restart_backoff_ms;
    sv->cfg.restart_backoff_max_ms = cfg->restart_backoff_max_ms;
    sv->cfg.stop_timeout = cfg->stop_timeout;
    sv->cfg.ready_timeout = cfg->ready_timeout;
    snprintf(sv->cfg.log_level, sizeof sv->cfg.log_level, "%s", cfg->log_level);
    sv->intensity.max_restarts = cfg->max_restarts;
    sv->intensity.window_ms = (int64_t)cfg->restart_window * 1000;
    for (int i = 0; i < sv->nchildren; i++) {
        struct child *c = &sv->children[i];
        if (c->kind == CHILD_WORKER && (c->state == CH_RUNNING || c->state == CH_STARTING))
            signal_child(c, SIGHUP, false);
    }
}

json_t *supervisor_status_json(struct supervisor *sv, int64_t now_ms)
{
    (void)now_ms;
    json_t *list = json_array();
    time_t now = time(NULL);
    for (int i = 0; i < sv->nchildren; i++) {
        struct child *c = &sv->children[i];
        if (c->kind == CHILD_ONESHOT)
            continue;
        bool has_pid = c->pid > 0;
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:i, s:b}",
            "name", c->name,
            "state", child_state_name(c->state),
            "pid", (json_int_t)(has_pid ? c->pid : 0),
            "uptime", (json_int_t)(c->state == CH_RUNNING ? now - c->started_wall : 0),
            "restarts", c->restarts,
            "wanted", c->wanted));
    }
    return json_pack("{s:I, s:b, s:o}", "pid", (json_int_t)getpid(), "shutting_down",
                     sv->shutting_down, "components", list);
}
