/* pushy-ctl: operator tool for pushyd (start/stop/status/restart/kill/tail). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/config.h"
#include "supervisor/ctl_client.h"
#include "supervisor/ctl_identity.h"

static const char usage_text[] =
    "usage: pushy-ctl [-c FILE] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  start              start pushyd in the background; waits until every component\n"
    "                     is ready (exit 0) or start failed (exit 1)\n"
    "  start NAME         start a component that was stopped with `stop NAME`\n"
    "  stop               stop every component in reverse order, then pushyd; waits\n"
    "  stop NAME          stop one component (it stays down until `start NAME`)\n"
    "  status             one line per component: name, state, pid, uptime, restarts;\n"
    "                     exit 1 if pushyd or any component is not running\n"
    "  restart NAME       stop and start one component; waits until it is running\n"
    "  kill NAME          SIGKILL one component (pushyd restarts it: tests supervision)\n"
    "  reload             re-read the configuration (as SIGHUP to pushyd)\n"
    "  tail               follow every component's log\n"
    "\n"
    "Components: postgres (embedded database only), heartbeatd, commandd, jobrunner, apid.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE  configuration (default /etc/pushy/pushy.conf, or $PUSHY_CONFIG)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage or configuration error.\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void format_uptime(long s, char *out, size_t len)
{
    if (s >= 86400)
        snprintf(out, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(out, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(out, len, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, len, "%lds", s);
}

static int cmd_status(const struct pushy_config *cfg)
{
    json_t *r = ctl_request(cfg, "status", NULL, 5000);
    if (!r) {
        printf("pushyd: not running (no answer on %s/control.ipc)\n", cfg->run_dir);
        return 1;
    }
    int rc = 0;
    printf("%-12s %-9s %8s %9s %8s\n", "component", "state", "pid", "uptime", "restarts");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "components"), i, c) {
        const char *state = json_string_value(json_object_get(c, "state"));
        char up[32];
        format_uptime((long)json_integer_value(json_object_get(c, "uptime")), up, sizeof up);
        printf("%-12s %-9s %8lld %9s %8lld\n", json_string_value(json_object_get(c, "name")),
               state ? state : "?", (long long)json_integer_value(json_object_get(c, "pid")), up,
               (long long)json_integer_value(json_object_get(c, "restarts")));
        if (!state || strcmp(state, "running"))
            rc = 1;
    }
    json_decref(r);
    return rc;
}

static int self_dir(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n <= 0)
        return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    return 0;
}

static int cmd_start(const struct pushy_config *cfg, const char *config_path)
{
    json_t *r = ctl_request(cfg, "status", NULL, 2000);
    if (r) {
        printf("pushyd is already running (pid %lld)\n", (long long)json_integer_value(json_object_get(r, "pid")));
        json_decref(r);
        return 0;
    }
    char dir[PATH_MAX], pushyd[PATH_MAX + 16];
    if (self_dir(dir, sizeof dir)) {
        perror("pushy-ctl: /proc/self/exe");
        return 1;
    }
    snprintf(pushyd, sizeof pushyd, "%s/pushyd", dir);
    pid_t pid = fork();
    if (pid < 0) {
        perror("pushy-ctl: fork");
        return 1;
    }
    if (pid == 0) {
        char *const argv[] = { "pushyd", "--daemon", "-c", (char *)config_path, NULL };
        execv(pushyd, argv);
        fprintf(stderr, "pushy-ctl: cannot run %s: %s\n", pushyd, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("pushyd started\n");
        return 0;
    }
    return 1;
}

static int cmd_stop(const struct pushy_config *cfg)
{
    json_t *r = ctl_request(cfg, "stop", NULL, 5000);
    if (!r) {
        printf("pushyd is not running\n");
        return 0;
    }
    pid_t pid = (pid_t)json_integer_value(json_object_get(r, "pid"));
    json_decref(r);
    /* Each component gets stop_timeout, then SIGKILL; wait for all of it. */
    int64_t deadline = now_ms() + (int64_t)(cfg->stop_timeout + 2) * 6 * 1000;
    while (pid > 0 && kill(pid, 0) == 0) {
        if (now_ms() > deadline) {
            fprintf(stderr, "pushy-ctl: pushyd (pid %d) did not stop in time\n", (int)pid);
            return 1;
        }
        sleep_ms(50);
    }
    printf("pushyd stopped\n");
    return 0;
}

static const char *component_state(const struct pushy_config *cfg, const char *name, long long *pid)
{
    static char state[32];
    json_t *r = ctl_request(cfg, "status", NULL, 2000);
    if (!r)
        return NULL;
    size_t i;
    json_t *c;
    state[0] = '\0';
    json_array_foreach(json_object_get(r, "components"), i, c) {
        if (!strcmp(json_string_value(json_object_get(c, "name")), name)) {
            snprintf(state, sizeof state, "%s", json_string_value(json_object_get(c, "state")));
            *pid = json_integer_value(json_object_get(c, "pid"));
        }
    }
    json_decref(r);
    return state;
}

static int cmd_simple(const struct pushy_config *cfg, const char *cmd, const char *name)
{
    json_t *r = ctl_request(cfg, cmd, name, 5000);
    if (!r) {
        fprintf(stderr, "pushy-ctl: pushyd is not running\n");
        return 1;
    }
    int ok = json_is_true(json_object_get(r, "ok"));
    if (!ok)
        fprintf(stderr, "pushy-ctl: %s%s%s: %s\n", cmd, name ? " " : "", name ? name : "",
                json_string_value(json_object_get(r, "error")));
    json_decref(r);
    if (!ok)
        return 1;
    if (!strcmp(cmd, "restart") || !strcmp(cmd, "start")) {
        int64_t deadline = now_ms() + (int64_t)(cfg->ready_timeout + cfg->stop_timeout + 5) * 1000;
        for (;;) {
            long long pid = 0;
            const char *st = component_state(cfg, name, &pid);
            if (st && !strcmp(st, "running")) {
                printf("%s running (pid %lld)\n", name, pid);
                return 0;
            }
            if (now_ms() > deadline) {
                fprintf(stderr, "pushy-ctl: %s is not running (state %s)\n", name, st ? st : "unknown");
                return 1;
            }
            sleep_ms(50);
        }
    }
    printf("ok\n");
    return 0;
}

static int cmd_tail(const struct pushy_config *cfg)
{
    char pattern[CONFIG_STR_MAX + 16];
    snprintf(pattern, sizeof pattern, "%s/*.log", cfg->log_dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) || g.gl_pathc == 0) {
        fprintf(stderr, "pushy-ctl: no logs in %s\n", cfg->log_dir);
        return 1;
    }
    char **argv = calloc(g.gl_pathc + 4, sizeof *argv);
    if (!argv)
        return 1;
    int n = 0;
    argv[n++] = "tail";
    argv[n++] = "-n";
    argv[n++] = "20";
    argv[n++] = "-F";
    /* argv ends after -F; file names follow */
    char **full = calloc(g.gl_pathc + 5, sizeof *full);
    if (!full)
        return 1;
    for (int i = 0; i < n; i++)
        full[i] = argv[i];
    for (size_t i = 0; i < g.gl_pathc; i++)
        full[n + (int)i] = g.gl_pathv[i];
    execvp("tail", full);
    perror("pushy-ctl: tail");
    return 1;
}

int main(int argc, char **argv)
{
    const char *config_arg = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            config_arg = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "help")) {
            fputs(usage_text, stdout);
            fputs(ctl_identity_usage, stdout);
            return 0;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fputs(usage_text, stderr);
        fputs(ctl_identity_usage, stderr);
        return 2;
    }
    const char *cmd = argv[i];
    if (!config_arg) {
        const char *env = getenv("PUSHY_CONFIG");
        config_arg = env && *env ? env : PUSHY_DEFAULT_CONFIG;
    }
    char config_path[PATH_MAX];
    if (!realpath(config_arg, config_path)) {
        fprintf(stderr, "pushy-ctl: configuration %s: %s\n", config_arg, strerror(errno));
        return 2;
    }
    struct pushy_config cfg;
    char err[512];
    if (config_load(&cfg, config_path, false, err, sizeof err)) {
        fprintf(stderr, "pushy-ctl: bad configuration: %s\n", err);
        return 2;
    }
    int idrc = ctl_identity_main(&cfg, argc - i, argv + i);
    if (idrc >= 0)
        return idrc;
    const char *name = i + 1 < argc ? argv[i + 1] : NULL;
    if (i + 2 < argc) {
        fprintf(stderr, "pushy-ctl: too many arguments\n");
        return 2;
    }

    if (!strcmp(cmd, "start"))
        return name ? cmd_simple(&cfg, "start", name) : cmd_start(&cfg, config_path);
    if (!strcmp(cmd, "stop"))
        return name ? cmd_simple(&cfg, "stop", name) : cmd_stop(&cfg);
    if (!strcmp(cmd, "status") && !name)
        return cmd_status(&cfg);
    if (!strcmp(cmd, "reload") && !name)
        return cmd_simple(&cfg, "reload", NULL);
    if (!strcmp(cmd, "tail") && !name)
        return cmd_tail(&cfg);
    if ((!strcmp(cmd, "restart") || !strcmp(cmd, "kill"))) {
        if (!name) {
            fprintf(stderr, "pushy-ctl: %s needs a component name\n", cmd);
            return 2;
        }
        return cmd_simple(&cfg, cmd, name);
    }
    fprintf(stderr, "pushy-ctl: unknown command '%s' (try --help)\n", cmd);
    return 2;
}
