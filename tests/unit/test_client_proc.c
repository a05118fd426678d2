/* Running a job's command (client/proc.c): real processes, no shell
 * between us and them, pipes drained without blocking, process groups
 * killed whole. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/proc.h"

extern char **environ;

static void msleep(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Alive and not a zombie (an orphan may wait for a reaper that never comes). */
static bool running(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

/* Drains pipes and waits for the exit, like the event loop does. */
static void run_to_end(struct pc_proc *p, int timeout_ms)
{
    for (int waited = 0; !pc_proc_done(p); waited += 10) {
        cr_assert(waited < timeout_ms, "process did not finish");
        struct pollfd fds[2] = { { p->out_fd, POLLIN, 0 }, { p->err_fd, POLLIN, 0 } };
        poll(fds, 2, 10);
        if (p->out_fd >= 0)
            pc_proc_drain(p, p->out_fd);
        if (p->err_fd >= 0)
            pc_proc_drain(p, p->err_fd);
        int st;
        pid_t pid = waitpid(p->pid, &st, WNOHANG);
        if (pid > 0)
            pc_proc_note_exit(p, pid, st);
    }
}

static char *const *ENV1;

static void spawn(struct pc_proc *p, const char *script, size_t limit)
{
    char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    char err[256] = "";
    char **env = pc_job_env(environ, "node-1", "job-1");
    cr_assert_not_null(env);
    cr_assert_eq(pc_proc_spawn(p, argv, env, NULL, limit, err, sizeof err), 0, "%s", err);
    pc_env_free(env);
    (void)ENV1;
}

static char *text(const struct pc_capture *c)
{
    char *s = malloc(c->len + 1);
    memcpy(s, c->buf ? c->buf : "", c->len);
    s[c->len] = '\0';
    return s;
}

Test(client_proc, captures_output_and_exit_status)
{
    struct pc_proc p;
    spawn(&p, "echo out; echo err >&2; exit 3", 1000);
    run_to_end(&p, 5000);
    char *o = text(&p.out), *e = text(&p.err);
    cr_expect_str_eq(o, "out\n");
    cr_expect_str_eq(e, "err\n");
    cr_expect_not(pc_proc_succeeded(&p));
    char how[64];
    pc_proc_describe(&p, how, sizeof how);
    cr_expect_str_eq(how, "exit status 3");
    free(o);
    free(e);
    pc_proc_release(&p);
    cr_expect_eq(p.pid, 0);
    spawn(&p, "true", 1000);
    run_to_end(&p, 5000);
    cr_expect(pc_proc_succeeded(&p));
    pc_proc_release(&p);
}

Test(client_proc, environment_stdin_and_fds)
{
    setenv("CHEF_PUSH_JOB_ID", "spoofed", 1);
    setenv("PUSHY_TEST_VAR", "kept", 1);
    int high = dup2(STDOUT_FILENO, 57); /* not close-on-exec: must still not leak */
    cr_assert_eq(high, 57);
    struct pc_proc p;
    spawn(&p, "echo \"$CHEF_PUSH_NODE_NAME $CHEF_PUSH_JOB_ID $PUSHY_TEST_VAR\"; cat; "
              "ls /proc/self/fd | tr '\\n' ' '; env | grep -c '^CHEF_PUSH_JOB_ID='",
          4000);
    run_to_end(&p, 5000);
    char *o = text(&p.out);
    cr_expect(strncmp(o, "node-1 job-1 kept\n", 18) == 0, "%s", o);
    cr_expect(strstr(o, "57") == NULL, "fd 57 leaked: %s", o);
    size_t n = strlen(o);
    cr_expect(n > 3 && strcmp(o + n - 3, " 1\n") == 0, "one CHEF_PUSH_JOB_ID: %s", o);
    free(o);
    pc_proc_release(&p);
    close(57);
}

Test(client_proc, env_builder)
{
    char *env[] = { "A=1", "CHEF_PUSH_NODE_NAME=x", "CHEF_PUSH_NODE_NAMEX=y", "B=2", NULL };
    char **out = pc_job_env(env, "n", "j");
    cr_assert_not_null(out);
    const char *want[] = { "A=1", "CHEF_PUSH_NODE_NAMEX=y", "B=2", "CHEF_PUSH_NODE_NAME=n",
                           "CHEF_PUSH_JOB_ID=j", NULL };
    for (int i = 0; want[i]; i++)
        cr_expect_str_eq(out[i], want[i]);
    cr_expect_null(out[5]);
    pc_env_free(out);
    out = pc_job_env(NULL, "n", "j");
    cr_expect_str_eq(out[0], "CHEF_PUSH_NODE_NAME=n");
    pc_env_free(out);
}

Test(client_proc, large_output_is_drained_and_truncated)
{
    struct pc_proc p;
    /* 4 MiB on each stream: far more than a pipe holds; the command must
     * finish although only 1000 bytes are kept */
    spawn(&p, "head -c 4194304 /dev/zero; head -c 4194304 /dev/zero >&2; echo done >&2", 1000);
    run_to_end(&p, 20000);
    cr_expect(pc_proc_succeeded(&p));
    cr_expect_eq(p.out.len, 1000);
    cr_expect_eq(p.out.dropped, 4194304 - 1000);
    cr_expect_eq(p.err.len, 1000);
    cr_expect_eq(p.err.dropped, 4194304 + 5 - 1000);
    pc_proc_release(&p);
}

Test(client_proc, kill_group_kills_children_too)
{
    /* the signals a daemon blocks must not stay blocked in the job */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct pc_proc p;
    spawn(&p, "sleep 100 & echo $!; sleep 100", 1000);
    pid_t child = 0;
    for (int i = 0; i < 200 && !child; i++) {
        msleep(10);
        pc_proc_drain(&p, p.out_fd);
        if (p.out.len && memchr(p.out.buf, '\n', p.out.len))
            child = (pid_t)atoi(p.out.buf);
    }
    cr_assert(child > 0, "background child pid");
    cr_expect_eq(getpgid(child), p.pid, "same process group");
    cr_expect_eq(getsid(p.pid), p.pid, "own session");
    cr_expect(pc_group_alive(p.pid));
    cr_assert_eq(pc_kill_group(p.pid, SIGTERM), 0);
    run_to_end(&p, 5000);
    cr_expect(WIFSIGNALED(p.wstatus) && WTERMSIG(p.wstatus) == SIGTERM);
    char how[64];
    pc_proc_describe(&p, how, sizeof how);
    cr_expect_str_eq(how, "killed by signal 15");
    for (int i = 0; i < 100 && running(child); i++)
        msleep(10);
    cr_expect_not(running(child), "the background sleep died too");
    pc_proc_release(&p);
}

Test(client_proc, spawn_failure_leaves_nothing)
{
    struct pc_proc p;
    char *argv[] = { "/nonexistent/command", NULL };
    char *env[] = { NULL };
    char err[256] = "";
    cr_expect_eq(pc_proc_spawn(&p, argv, env, NULL, 100, err, sizeof err), -1);
    cr_expect(strstr(err, "/nonexistent/command: No such file or directory") != NULL, "%s", err);
    cr_expect_eq(p.pid, 0);
    cr_expect_eq(p.out_fd, -1);
    char *argv2[] = { "no-such-command-pushy", NULL };
    cr_expect_eq(pc_proc_spawn(&p, argv2, env, NULL, 100, err, sizeof err), -1);
    cr_expect_eq(pc_kill_group(0, SIGTERM), -1);
    cr_expect_not(pc_group_alive(0));
}
