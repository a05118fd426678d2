#include "shared/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "shared/log.h"

static int g_sigfd = -1;
static const char *g_config_path = PUSHY_DEFAULT_CONFIG;

const char *worker_config_path(void) { return g_config_path; }

int worker_init(const char *component, const char *usage, int argc, char **argv,
                struct pushy_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: %s [-c FILE]\n%s\n  -c, --config FILE  configuration (default %s)\n",
                   component, usage, PUSHY_DEFAULT_CONFIG);
            exit(0);
        } else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: -c needs a file name\n", component);
                exit(2);
            }
            i++;
        } else {
            fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", component, argv[i]);
            exit(2);
        }
    }
    g_config_path = config_path_from_args(argc, argv);
    char err[512];
    if (config_load(cfg, g_config_path, false, err, sizeof err)) {
        fprintf(stderr, "%s: bad configuration: %s\n", component, err);
        exit(2);
    }
    log_init(component, (enum log_level)log_level_parse(cfg->log_level), cfg->log_json);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL)) {
        LOG_ERROR("sigprocmask: %s", strerror(errno));
        exit(1);
    }
    signal(SIGPIPE, SIG_IGN);
    g_sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (g_sigfd < 0) {
        LOG_ERROR("signalfd: %s", strerror(errno));
        exit(1);
    }
    return 0;
}

int worker_signal_fd(void) { return g_sigfd; }

enum worker_signal worker_read_signal(void)
{
    struct signalfd_siginfo si;
    ssize_t n = read(g_sigfd, &si, sizeof si);
    if (n != (ssize_t)sizeof si)
        return WORKER_SIG_NONE;
    switch (si.ssi_signo) {
    case SIGTERM:
    case SIGINT:
        return WORKER_SIG_STOP;
    case SIGHUP:
        return WORKER_SIG_RELOAD;
    case SIGCHLD:
        return WORKER_SIG_CHILD;
    default:
        return WORKER_SIG_NONE;
    }
}

bool worker_handle_signals(struct pushy_config *cfg)
{
    bool stop = false;
    enum worker_signal s;
    while ((s = worker_read_signal()) != WORKER_SIG_NONE) {
        if (s == WORKER_SIG_STOP)
            stop = true;
        else if (s == WORKER_SIG_RELOAD)
            worker_reload(cfg);
    }
    return stop;
}

void worker_reload(struct pushy_config *cfg)
{
    struct pushy_config fresh;
    char err[512];
    if (config_load(&fresh, g_config_path, false, err, sizeof err)) {
        LOG_ERROR("reload: keeping the running configuration: %s", err);
        return;
    }
    log_set_level((enum log_level)log_level_parse(fresh.log_level));
    snprintf(cfg->log_level, sizeof cfg->log_level, "%s", fresh.log_level);
    LOG_INFO("reload: configuration re-read from %s (log_level=%s)", g_config_path, cfg->log_level);
}

void worker_ready(void)
{
    const char *fdenv = getenv("PUSHY_READY_FD");
    if (!fdenv)
        return;
    int fd = atoi(fdenv);
    if (fd <= 2)
        return;
    static const char msg[] = "READY\n";
    if (write(fd, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
        LOG_WARN("could not report readiness: %s", strerror(errno));
    close(fd);
    unsetenv("PUSHY_READY_FD");
}
