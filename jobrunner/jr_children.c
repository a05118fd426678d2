/* jobrunner: starting, reading and reaping job processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobrunner/jobrunner.h"
#include "shared/log.h"
#include "shared/timefmt.h"
#include "shared/worker.h"

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The spec in an anonymous file, positioned at its start. */
static int spec_fd(const char *job_id, const json_t *spec)
{
    char *text = json_dumps(spec, JSON_COMPACT);
    if (!text) {
        LOG_ERROR("job=%s spawn: out of memory", job_id);
        return -1;
    }
    int fd = memfd_create("pushy-job-spec", MFD_CLOEXEC);
    if (fd < 0 || write_all(fd, text, strlen(text)) || lseek(fd, 0, SEEK_SET) != 0) {
        LOG_ERROR("job=%s spawn: spec file: %s", job_id, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(text);
    return fd;
}

static struct jr_child *add_child(struct jobrunner *jr)
{
    if (jr->nchildren == jr->cap_children) {
        size_t cap = jr->cap_children ? jr->cap_children * 2 : 16;
        struct jr_child *c = realloc(jr->children, cap * sizeof *c);
        if (!c)
            return NULL;
        jr->children = c;
        jr->cap_children = cap;
    }
    struct jr_child *c = &jr->children[jr->nchildren++];
    memset(c, 0, sizeof *c);
    c->fd = -1;
    line_buf_init(&c->in);
    return c;
}

int jr_spawn(struct jobrunner *jr, const char *job_id, const char *org, const char *org_id,
             const json_t *spec, int64_t lifetime_ms)
{
    int sfd = spec_fd(job_id, spec);
    if (sfd < 0)
        return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        LOG_ERROR("job=%s spawn: socketpair: %s", job_id, strerror(errno));
        close(sfd);
        return -1;
    }
    struct jr_child *c = add_child(jr);
    if (!c) {
        LOG_ERROR("job=%s spawn: out of memory", job_id);
        close(sfd);
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    char *argv[] = { "pushy-job", "-c", (char *)worker_config_path(), (char *)job_id, NULL };
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        LOG_ERROR("job=%s spawn: fork: %s", job_id, strerror(errno));
        jr->nchildren--;
        close(sfd);
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls until exec. The job process must
         * not outlive jobrunner: PDEATHSIG, then make sure the parent did
         * not die before it was set. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(126);
        if (dup2(sfd, STDIN_FILENO) < 0 || dup2(sv[1], JOB_LINK_FD) < 0)
            _exit(126);
        close_range(JOB_LINK_FD + 1, ~0U, 0);
        execv(jr->job_bin, argv);
        _exit(127);
    }
    close(sfd);
    close(sv[1]);
    c->pid = pid;
    c->fd = sv[0];
    c->last = JOB_STATE_NEW;
    c->deadline_ms = time_now_ms() + lifetime_ms;
    memcpy(c->job_id, job_id, JOB_ID_LEN + 1);
    snprintf(c->org, sizeof c->org, "%s", org);
    snprintf(c->org_id, sizeof c->org_id, "%s", org_id);
    LOG_INFO("job=%s org=%s job process started pid=%d", job_id, org, (int)pid);
    return 0;
}

struct jr_child *jr_find_child(struct jobrunner *jr, const char *job_id)
{
    for (size_t i = 0; i < jr->nchildren; i++)
        if (strcmp(jr->children[i].job_id, job_id) == 0)
            return &jr->children[i];
    return NULL;
}

static void kill_child(struct jr_child *c, const char *why)
{
    if (c->killed)
        return;
    LOG_ERROR("job=%s pid=%d: %s; killing the job process", c->job_id, (int)c->pid, why);
    c->killed = true;
    if (kill(c->pid, SIGKILL) && errno != ESRCH)
        LOG_WARN("job=%s kill(%d): %s", c->job_id, (int)c->pid, strerror(errno));
}

static void close_link(struct jr_child *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* dead: the writer is gone, so "nothing more now" means "nothing more". */
static void read_some(struct jobrunner *jr, struct jr_child *c, int64_t now_ms, bool dead)
{
    char buf[65536];
    /* Bounded per call, so that one chatty job can not starve the loop. */
    for (int round = 0; round < 16 && c->fd >= 0; round++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                LOG_WARN("job=%s link read: %s", c->job_id, strerror(errno));
                close_link(c);
            } else if (dead) {
                close_link(c);
            }
            return;
        }
        if (n == 0) {
            close_link(c);
            if (line_buf_pending(&c->in))
                LOG_WARN("job=%s: link closed in the middle of a report", c->job_id);
            return;
        }
        if (c->killed)
            continue; /* a broken peer: nothing it says counts any more */
        if (line_buf_append(&c->in, buf, (size_t)n)) {
            kill_child(c, "report line too long or out of memory");
            continue;
        }
        char *line;
        size_t len;
        while (!c->killed && (line = line_buf_next(&c->in, &len)) != NULL) {
            if (jr_apply_report(jr, c, line, len, now_ms))
                kill_child(c, "malformed report");
            else if (batch_updates(&jr->batch) >= BATCH_MAX_UPDATES)
                jr_flush(jr, now_ms, false); /* a full batch is written at once */
        }
    }
}

void jr_read_child(struct jobrunner *jr, struct jr_child *c, int64_t now_ms)
{
    read_some(jr, c, now_ms, false);
}

/* Reads everything a dead child left in its link. */
static void drain(struct jobrunner *jr, struct jr_child *c, int64_t now_ms)
{
    while (c->fd >= 0)
        read_some(jr, c, now_ms, true);
}

static void describe_status(int status, char *out, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(out, cap, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, cap, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, cap, "status 0x%x", status);
}

static void child_gone(struct jobrunner *jr, size_t idx, int status, int64_t now_ms)
{
    struct jr_child *c = &jr->children[idx];
    drain(jr, c, now_ms);
    char how[96];
    describe_status(status, how, sizeof how);
    if (recovery_exit_needs_crash(c->terminal)) {
        if (jr->stopping)
            LOG_WARN("job=%s org=%s: jobrunner is stopping with the job %s: crashing it",
                     c->job_id, c->org, job_state_name(c->last));
        else
            LOG_ERROR("job=%s org=%s job process pid=%d died (%s) with the job %s: crashing it",
                      c->job_id, c->org, (int)c->pid, how, job_state_name(c->last));
        jr_queue_end(jr, c->job_id, RECOVERY_CRASH);
    } else if (jr->stopping) {
        LOG_INFO("job=%s job process pid=%d stopped after the job finished %s", c->job_id,
                 (int)c->pid, job_state_name(c->last));
    } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        LOG_WARN("job=%s job process pid=%d ended (%s) after the job finished %s", c->job_id,
                 (int)c->pid, how, job_state_name(c->last));
    } else {
        LOG_INFO("job=%s job process pid=%d finished: %s", c->job_id, (int)c->pid,
                 job_state_name(c->last));
    }
    jr_remove_job_socket(jr, c->job_id);
    line_buf_free(&c->in);
    jr->children[idx] = jr->children[--jr->nchildren];
}

void jr_reap(struct jobrunner *jr, int64_t now_ms)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            return;
        size_t i = 0;
        while (i < jr->nchildren && jr->children[i].pid != pid)
            i++;
        if (i == jr->nchildren) {
            LOG_WARN("reaped unknown child pid=%d", (int)pid);
            continue;
        }
        child_gone(jr, i, status, now_ms);
    }
}

void jr_kill_all(struct jobrunner *jr, int64_t now_ms)
{
    for (size_t i = 0; i < jr->nchildren; i++) {
        struct jr_child *c = &jr->children[i];
        LOG_INFO("job=%s: stopping its job process pid=%d", c->job_id, (int)c->pid);
        c->killed = true;
        if (kill(c->pid, SIGKILL) && errno != ESRCH)
            LOG_WARN("job=%s kill(%d): %s", c->job_id, (int)c->pid, strerror(errno));
    }
    while (jr->nchildren > 0) {
        int status;
        pid_t pid = waitpid(jr->children[0].pid, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0) {
            LOG_WARN("job=%s waitpid: %s", jr->children[0].job_id, strerror(errno));
            status = 0;
            jr->children[0].terminal = false;
        }
        child_gone(jr, 0, status, now_ms);
    }
}

void jr_watchdog(struct jobrunner *jr, int64_t now_ms)
{
    for (size_t i = 0; i < jr->nchildren; i++) {
        struct jr_child *c = &jr->children[i];
        if (!c->killed && !c->terminal && now_ms >= c->deadline_ms)
            kill_child(c, "the job outlived its voting and run timeouts");
    }
}

int jr_send_abort(struct jobrunner *jr, struct jr_child *c)
{
    (void)jr;
    if (c->fd < 0 || c->killed)
        return -1;
    json_t *m = json_pack("{s:s}", "type", "abort");
    int rc = m ? job_link_write_nonblock(c->fd, m) : -1;
    json_decref(m);
    if (rc) {
        kill_child(c, "could not pass on the abort");
        return -1;
    }
    return 0;
}
