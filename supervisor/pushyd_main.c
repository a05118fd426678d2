/* pushyd: the supervisor. Forks, watches and restarts the Pushy workers
 * (and the embedded PostgreSQL); serves pushy-ctl on the control socket. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shared/bus.h"
#include "shared/config.h"
#include "shared/db.h"
#include "shared/log.h"
#include "shared/sdnotify.h"
#include "shared/server_keys.h"
#include "supervisor/privilege.h"
#include "supervisor/supervisor.h"

static int g_notify_fd = -1; /* --daemon: tells the waiting parent how start went */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void notify_parent(const char *msg)
{
    if (g_notify_fd < 0)
        return;
    ssize_t w = write(g_notify_fd, msg, strlen(msg));
    (void)w;
    close(g_notify_fd);
    g_notify_fd = -1;
}

static void on_all_ready(struct supervisor *sv)
{
    (void)sv;
    sd_notify_state("READY=1\nSTATUS=all components running");
    notify_parent("READY\n");
}

static void on_fatal(struct supervisor *sv, const char *why)
{
    (void)sv;
    char msg[512];
    snprintf(msg, sizeof msg, "FAIL %s\n", why);
    notify_parent(msg);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pushyd [-c FILE] [--daemon]\n"
            "       pushyd --config-reference\n"
            "  -c, --config FILE     configuration (default %s)\n"
            "  -d, --daemon          detach; exit 0 once every component is ready, 1 if start fails\n"
            "      --migrate         apply database migrations and exit (run by pushyd itself)\n"
            "      --config-reference  print every configuration key with its default\n"
            "      --config-reference-markdown  the same as a Markdown table\n"
            "Normally started with `pushy-ctl start`.\n",
            PUSHY_DEFAULT_CONFIG);
}

/* The one-shot migrate step, run by pushyd as a child so that the
 * supervisor never blocks on the database. */
static int run_migrate(const struct pushy_config *cfg)
{
    if (!cfg->database_url[0] && db_create_database(cfg, "pushy"))
        return 1;
    struct db db;
    db_init(&db, cfg);
    PGconn *c = db_get(&db);
    if (!c)
        return 1;
    int v = db_migrate(c);
    /* A new server start: no node is connected to it yet. Rows the last
     * run left up or available would let node_states and new jobs count
     * nodes that may be gone; the nodes come back up with their next
     * heartbeats and handshake (workers restarted later keep the rows). */
    int reset = v < 0 ? 0
                      : db_command(&db, "node liveness reset",
                                   "UPDATE nodes SET status = 'down', availability = 'unavailable', "
                                   "updated_at = now() "
                                   "WHERE status <> 'down' OR availability <> 'unavailable'",
                                   0, NULL);
    db_close(&db);
    if (v < 0 || reset != 0)
        return 1;
    LOG_INFO("database schema at version %d; node liveness reset for this server start", v);
    return 0;
}

/* Detaches; the original process waits for READY or FAIL and exits. */
static void daemonize(const struct pushy_config *cfg)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        perror("pushyd: pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("pushyd: fork");
        exit(1);
    }
    if (pid > 0) {
        close(pfd[1]);
        char buf[600];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof buf - 1 && (n = read(pfd[0], buf + len, sizeof buf - 1 - len)) != 0) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            len += (size_t)n;
        }
        buf[len] = '\0';
        if (!strncmp(buf, "READY", 5))
            exit(0);
        buf[strcspn(buf, "\n")] = '\0';
        fprintf(stderr, "pushyd: start failed: %s (see %s/pushyd.log)\n",
                len > 5 ? buf + 5 : "exited before all components were ready", cfg->log_dir);
        exit(1);
    }
    close(pfd[0]);
    if (setsid() < 0)
        exit(1);
    pid = fork();
    if (pid < 0)
        exit(1);
    if (pid > 0)
        _exit(0);
    g_notify_fd = pfd[1];
    if (chdir("/"))
        exit(1);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > 2)
            close(devnull);
    }
}

static int write_pid_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) {
        int old = 0;
        if (fscanf(f, "%d", &old) == 1 && old > 0 && kill(old, 0) == 0) {
            fclose(f);
            LOG_ERROR("pushyd is already running (pid %d, %s)", old, path);
            return -1;
        }
        fclose(f);
    }
    f = fopen(path, "w");
    if (!f) {
        LOG_ERROR("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f)) {
        LOG_ERROR("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static json_t *error_reply(const char *msg)
{
    return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *handle_control(struct supervisor *sv, json_t *req, const char *config_path)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    const char *name = json_string_value(json_object_get(req, "name"));
    if (!cmd)
        return error_reply("missing cmd");
    int64_t now = now_ms();
    const char *err = NULL;
    if (!strcmp(cmd, "status")) {
        json_t *st = supervisor_status_json(sv, now);
        json_object_set_new(st, "ok", json_true());
        return st;
    } else if (!strcmp(cmd, "stop") && !name) {
        supervisor_shutdown(sv, 0, "stop requested by pushy-ctl");
        sd_notify_state("STOPPING=1");
        return json_pack("{s:b, s:I}", "ok", 1, "pid", (json_int_t)getpid());
    } else if (!strcmp(cmd, "stop")) {
        err = supervisor_stop_child(sv, name, now);
    } else if (!strcmp(cmd, "start") && name) {
        err = supervisor_start_child(sv, name);
    } else if (!strcmp(cmd, "restart") && name) {
        err = supervisor_restart_child(sv, name);
    } else if (!strcmp(cmd, "kill") && name) {
        err = supervisor_kill_child(sv, name);
    } else if (!strcmp(cmd, "reload")) {
        struct pushy_config fresh;
        char cerr[512];
        if (config_load(&fresh, config_path, false, cerr, sizeof cerr))
            return error_reply(cerr);
        supervisor_reload(sv, &fresh);
        log_set_level((enum log_level)log_level_parse(fresh.log_level));
    } else {
        return error_reply("unknown command");
    }
    return err ? error_reply(err) : json_pack("{s:b}", "ok", 1);
}

static void serve_control(struct supervisor *sv, nng_socket rep, const char *config_path)
{
    for (;;) {
        json_t *req = bus_recv_json(rep, NNG_FLAG_NONBLOCK);
        if (!req)
            return; /* nothing pending, or junk (logged; its sender times out) */
        json_t *reply = handle_control(sv, req, config_path);
        json_decref(req);
        if (bus_send_json(rep, reply, 0))
            LOG_WARN("control: reply failed");
        json_decref(reply);
    }
}

static void reload_config(struct supervisor *sv, const char *config_path)
{
    struct pushy_config fresh;
    char err[512];
    if (config_load(&fresh, config_path, false, err, sizeof err)) {
        LOG_ERROR("SIGHUP: keeping the running configuration: %s", err);
        return;
    }
    supervisor_reload(sv, &fresh);
    log_set_level((enum log_level)log_level_parse(fresh.log_level));
    LOG_INFO("SIGHUP: configuration re-read from %s", config_path);
}

int main(int argc, char **argv)
{
    const char *config_arg = NULL;
    bool daemon_mode = false, migrate = false;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            config_arg = argv[++i];
        } else if (!strcmp(argv[i], "-d") || !strcmp(argv[i], "--daemon")) {
            daemon_mode = true;
        } else if (!strcmp(argv[i], "--migrate")) {
            migrate = true;
        } else if (!strcmp(argv[i], "--config-reference")) {
            config_print_reference(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--config-reference-markdown")) {
            config_print_reference_markdown(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "pushyd: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!config_arg)
        config_arg = config_path_from_args(1, argv);
    char config_path[PATH_MAX];
    if (!realpath(config_arg, config_path)) {
        fprintf(stderr, "pushyd: configuration %s: %s\n", config_arg, strerror(errno));
        return 2;
    }
    struct pushy_config cfg;
    char err[512];
    if (config_load(&cfg, config_path, false, err, sizeof err)) {
        fprintf(stderr, "pushyd: bad configuration: %s\n", err);
        return 2;
    }
    log_init(migrate ? "migrate" : "pushyd", (enum log_level)log_level_parse(cfg.log_level), cfg.log_json);
    if (migrate)
        return run_migrate(&cfg);

    if (privilege_setup(&cfg, err, sizeof err)) {
        fprintf(stderr, "pushyd: %s\n", err);
        return 1;
    }
    char log_path[CONFIG_STR_MAX + 32];
    snprintf(log_path, sizeof log_path, "%s/pushyd.log", cfg.log_dir);
    if (daemon_mode) {
        daemonize(&cfg);
        if (log_open_file(log_path)) {
            notify_parent("FAIL cannot open log file\n");
            return 1;
        }
    }
    char pid_path[CONFIG_STR_MAX + 32];
    snprintf(pid_path, sizeof pid_path, "%s/pushyd.pid", cfg.run_dir);
    if (write_pid_file(pid_path)) {
        notify_parent("FAIL already running\n");
        return 1;
    }

    if (server_keys_ensure(&cfg, err, sizeof err)) {
        LOG_ERROR("server keys: %s", err);
        notify_parent("FAIL cannot create server keys\n");
        unlink(pid_path);
        return 1;
    }
    /* One incarnation per pushyd start, shared by every worker it runs. */
    char incarnation[37];
    if (uuid_v4(incarnation) || setenv("PUSHY_INCARNATION_ID", incarnation, 1)) {
        LOG_ERROR("cannot make the server incarnation id");
        unlink(pid_path);
        return 1;
    }
    LOG_INFO("server incarnation %s", incarnation);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    static struct supervisor sv;
    int rc = 1;
    nng_socket rep = NNG_SOCKET_INITIALIZER;
    bool rep_open = false;
    if (sigfd < 0) {
        LOG_ERROR("signalfd: %s", strerror(errno));
        goto out;
    }
    if (supervisor_init(&sv, &cfg, config_path, err, sizeof err)) {
        LOG_ERROR("%s", err);
        goto out;
    }
    sv.on_all_ready = on_all_ready;
    sv.on_fatal = on_fatal;
    if (sv.embedded) {
        char pg_log[CONFIG_STR_MAX + 32];
        snprintf(pg_log, sizeof pg_log, "%s/postgres.log", cfg.log_dir);
        /* Before any thread exists: initdb is a plain fork/exec/wait. */
        if (embedded_pg_initdb(&sv.pg, &cfg, pg_log, err, sizeof err)) {
            LOG_ERROR("%s", err);
            goto out;
        }
    }
    int rv = nng_rep0_open(&rep);
    if (rv) {
        LOG_ERROR("control socket: %s", nng_strerror(rv));
        goto out;
    }
    rep_open = true;
    if (bus_listen(rep, &cfg, BUS_CONTROL))
        goto out;
    int ctlfd = bus_recv_fd(rep);
    if (ctlfd < 0)
        goto out;
    LOG_INFO("pushyd starting (config %s, %s database)", config_path,
             sv.embedded ? "embedded" : "external");

    while (!sv.finished) {
        int timeout = supervisor_tick(&sv, now_ms());
        if (sv.finished)
            break;
        struct pollfd pfds[2 + MAX_CHILDREN];
        int n = 0;
        pfds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        pfds[n++] = (struct pollfd){ .fd = ctlfd, .events = POLLIN };
        for (int i = 0; i < sv.nchildren; i++)
            if (sv.children[i].ready_fd >= 0)
                pfds[n++] = (struct pollfd){ .fd = sv.children[i].ready_fd, .events = POLLIN };
        int pr = poll(pfds, (nfds_t)n, timeout);
        if (pr < 0 && errno != EINTR) {
            LOG_ERROR("poll: %s", strerror(errno));
            supervisor_shutdown(&sv, 1, "poll failed");
            continue;
        }
        if (pr <= 0)
            continue;
        if (pfds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    supervisor_reap(&sv, now_ms());
                } else if (si.ssi_signo == SIGHUP) {
                    reload_config(&sv, config_path);
                } else {
                    sd_notify_state("STOPPING=1");
                    supervisor_shutdown(&sv, 0, si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                }
            }
        }
        if (pfds[1].revents & POLLIN)
            serve_control(&sv, rep, config_path);
        for (int i = 2; i < n; i++)
            if (pfds[i].revents & (POLLIN | POLLHUP))
                supervisor_ready_fd(&sv, pfds[i].fd, now_ms());
    }
    rc = sv.exit_code;
    LOG_INFO("pushyd stopped (exit %d)", rc);
out:
    if (rep_open)
        nng_close(rep);
    if (rc != 0)
        notify_parent("FAIL pushyd stopped\n");
    unlink(pid_path);
    return rc;
}
