#include "client/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool is_var(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

void pc_env_free(char **env)
{
    if (!env)
        return;
    for (char **p = env; *p; p++)
        free(*p);
    free(env);
}

char **pc_job_env(char *const *env, const char *node, const char *job_id)
{
    size_t n = 0;
    while (env && env[n])
        n++;
    char **out = calloc(n + 3, sizeof *out);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_var(env[i], "CHEF_PUSH_NODE_NAME") || is_var(env[i], "CHEF_PUSH_JOB_ID"))
            continue;
        if (!(out[j++] = strdup(env[i])))
            goto oom;
    }
    if (asprintf(&out[j], "CHEF_PUSH_NODE_NAME=%s", node) < 0) {
        out[j] = NULL;
        goto oom;
    }
    j++;
    if (asprintf(&out[j], "CHEF_PUSH_JOB_ID=%s", job_id) < 0) {
        out[j] = NULL;
        goto oom;
    }
    return out;
oom:
    pc_env_free(out);
    return NULL;
}

void pc_proc_init(struct pc_proc *p)
{
    memset(p, 0, sizeof *p);
    p->out_fd = p->err_fd = -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* argv0 looked up in PATH (of the client), for the fork path. */
static char *find_program(const char *argv0)
{
    if (strchr(argv0, '/'))
        return strdup(argv0);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char *full = NULL;
        if (asprintf(&full, "%.*s/%s", (int)n, n ? p : ".", argv0) < 0)
            return NULL;
        if (access(full, X_OK) == 0)
            return full;
        free(full);
        p += n;
        if (*p == ':')
            p++;
    }
    return NULL;
}

/* The child of the fork path: only system calls until execve. Exits 127
 * (with a line on its stderr, the job's captured stderr) on failure. */
static void child_as(const char *prog, char *const argv[], char *const envp[], const char *dir,
                     const struct pc_spawn_user *u, int out_w, int err_w)
{
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    const char *step = "stdin";
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        goto fail;
    step = "setsid";
    if (setsid() < 0)
        goto fail;
    step = "groups";
    if (setgroups((size_t)u->ngroups, u->groups) != 0 || setgid(u->gid) != 0)
        goto fail;
    step = "uid";
    if (setuid(u->uid) != 0)
        goto fail;
    step = "directory";
    if (dir && chdir(dir) != 0)
        goto fail;
    closefrom(3);
    step = "exec";
    execve(prog, argv, envp);
fail:;
    char msg[160];
    int n = snprintf(msg, sizeof msg, "pushy-client: cannot start the command (%s): %s\n", step,
                     strerror(errno));
    if (n > 0)
        (void)!write(2, msg, (size_t)n);
    _exit(127);
}

int pc_proc_spawn_as(struct pc_proc *p, char *const argv[], char *const envp[], const char *dir,
                     const struct pc_spawn_user *user, size_t capture_limit, char *err,
                     size_t errlen)
{
    if (!user)
        return pc_proc_spawn(p, argv, envp, dir, capture_limit, err, errlen);
    pc_proc_init(p);
    char *prog = find_program(argv[0]);
    if (!prog) {
        snprintf(err, errlen, "%s: not found in PATH", argv[0]);
        return -1;
    }
    int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        fcntl(out[0], F_SETFL, O_NONBLOCK) != 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        child_as(prog, argv, envp, dir, user, out[1], errp[1]);
    free(prog);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    p->pid = pid;
    p->out_fd = out[0];
    p->err_fd = errp[0];
    pc_capture_init(&p->out, capture_limit);
    pc_capture_init(&p->err, capture_limit);
    return 0;
fail:
    free(prog);
    close_fd(&out[0]);
    close_fd(&errp[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    return -1;
}

int pc_proc_spawn(struct pc_proc *p, char *const argv[], char *const envp[], const char *dir,
                  size_t capture_limit, char *err, size_t errlen)
{
    pc_proc_init(p);
    int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ok = false, attr_ok = false;
    int rc = -1;
    const char *what = "pipe";
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0)
        goto fail_errno;
    what = "fcntl";
    if (fcntl(out[0], F_SETFL, O_NONBLOCK) != 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) != 0)
        goto fail_errno;
    what = "spawn set-up";
    if ((errno = posix_spawn_file_actions_init(&fa)) != 0)
        goto fail_errno;
    fa_ok = true;
    if ((errno = posix_spawnattr_init(&attr)) != 0)
        goto fail_errno;
    attr_ok = true;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if ((errno = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) ||
        (errno = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) ||
        (errno = posix_spawn_file_actions_adddup2(&fa, errp[1], 2)) ||
        (errno = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) ||
        (dir && (errno = posix_spawn_file_actions_addchdir_np(&fa, dir))) ||
        (errno = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                                     POSIX_SPAWN_SETSIGDEF)) ||
        (errno = posix_spawnattr_setsigmask(&attr, &none)) ||
        (errno = posix_spawnattr_setsigdefault(&attr, &all)))
        goto fail_errno;
    pid_t pid;
    what = argv[0];
    if ((errno = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp)) != 0)
        goto fail_errno;
    close_fd(&out[1]);
    close_fd(&errp[1]);
    p->pid = pid;
    p->out_fd = out[0];
    p->err_fd = errp[0];
    pc_capture_init(&p->out, capture_limit);
    pc_capture_init(&p->err, capture_limit);
    rc = 0;
    goto done;
fail_errno:
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    close_fd(&out[0]);
    close_fd(&errp[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
done:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    return rc;
}

void pc_proc_drain(struct pc_proc *p, int fd)
{
    if (fd < 0 || (fd != p->out_fd && fd != p->err_fd))
        return;
    struct pc_capture *c = fd == p->out_fd ? &p->out : &p->err;
    char buf[65536];
    for (int i = 0; i < 16; i++) { /* at most 1 MiB per call: stay fair */
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            pc_capture_append(c, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        close_fd(fd == p->out_fd ? &p->out_fd : &p->err_fd); /* EOF or error */
        return;
    }
}

bool pc_proc_note_exit(struct pc_proc *p, pid_t pid, int wstatus)
{
    if (p->pid == 0 || pid != p->pid || p->exited)
        return false;
    p->exited = true;
    p->wstatus = wstatus;
    return true;
}

bool pc_proc_done(const struct pc_proc *p)
{
    return p->pid && p->exited && p->out_fd < 0 && p->err_fd < 0;
}

bool pc_proc_succeeded(const struct pc_proc *p)
{
    return p->exited && WIFEXITED(p->wstatus) && WEXITSTATUS(p->wstatus) == 0;
}

void pc_proc_describe(const struct pc_proc *p, char *buf, size_t cap)
{
    if (!p->exited)
        snprintf(buf, cap, "still running");
    else if (WIFEXITED(p->wstatus))
        snprintf(buf, cap, "exit status %d", WEXITSTATUS(p->wstatus));
    else if (WIFSIGNALED(p->wstatus))
        snprintf(buf, cap, "killed by signal %d", WTERMSIG(p->wstatus));
    else
        snprintf(buf, cap, "wait status %d", p->wstatus);
}

void pc_proc_release(struct pc_proc *p)
{
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    pc_capture_free(&p->out);
    pc_capture_free(&p->err);
    pc_proc_init(p);
}

int pc_kill_group(pid_t pgid, int sig)
{
    if (pgid <= 0)
        return -1;
    if (kill(-pgid, sig) == 0)
        return 0;
    return kill(pgid, sig);
}

bool pc_group_alive(pid_t pgid)
{
    return pgid > 0 && (kill(-pgid, 0) == 0 || errno == EPERM);
}
