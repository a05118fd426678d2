/* Running a job's command: posix_spawn (safe next to libzmq's threads) of
 * argv in a new session, so the command and everything it starts form one
 * process group that abort can kill; stdin is /dev/null; stdout and stderr
 * are pipes whose read ends are non-blocking and drained by the event loop
 * into bounded captures. The child gets default signal dispositions, an
 * empty signal mask and no other inherited file descriptors.
 *
 * Job options (issue 7, client/job_opts.h): the spawn takes the
 * environment as a whole and a working directory; pc_proc_spawn_as also
 * switches user. */
#ifndef PUSHY_CLIENT_PROC_H
#define PUSHY_CLIENT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "client/capture.h"

struct pc_proc {
    pid_t pid;            /* 0: none */
    int out_fd, err_fd;   /* read ends, -1 once at EOF */
    bool exited;
    int wstatus;
    struct pc_capture out, err;
};

/* The job's environment: env minus any CHEF_PUSH_NODE_NAME / CHEF_PUSH_JOB_ID,
 * plus those two set to node and job_id. NULL-terminated, malloc'd (free
 * with pc_env_free); NULL on out of memory. */
char **pc_job_env(char *const *env, const char *node, const char *job_id);
void pc_env_free(char **env);

void pc_proc_init(struct pc_proc *p);
/* Starts argv[0] (looked up in PATH) with envp; dir NULL: the client's own
 * working directory. 0, or -1 with a message (nothing is left running). */
int pc_proc_spawn(struct pc_proc *p, char *const argv[], char *const envp[], const char *dir,
                  size_t capture_limit, char *err, size_t errlen);
/* Running as another user (issue 7): the child sets groups, gid and uid
 * before exec (fork path: posix_spawn cannot switch users; the child makes
 * only system calls). */
struct pc_spawn_user {
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int ngroups;
};
/* pc_proc_spawn, as user when not NULL. */
int pc_proc_spawn_as(struct pc_proc *p, char *const argv[], char *const envp[], const char *dir,
                     const struct pc_spawn_user *user, size_t capture_limit, char *err,
                     size_t errlen);

/* Reads whatever fd (p->out_fd or p->err_fd) has; closes it at EOF or on
 * error. */
void pc_proc_drain(struct pc_proc *p, int fd);
/* Records the exit status of pid if it is p's. */
bool pc_proc_note_exit(struct pc_proc *p, pid_t pid, int wstatus);
bool pc_proc_done(const struct pc_proc *p); /* exited and both pipes at EOF */
bool pc_proc_succeeded(const struct pc_proc *p);
/* "exit status N" / "killed by signal N". */
void pc_proc_describe(const struct pc_proc *p, char *buf, size_t cap);
/* Closes the pipes and frees the captures (the process is not touched). */
void pc_proc_release(struct pc_proc *p);

/* Signals the process group pgid (falling back to the process itself). */
int pc_kill_group(pid_t pgid, int sig);
/* True while any process of group pgid exists. */
bool pc_group_alive(pid_t pgid);

#endif
