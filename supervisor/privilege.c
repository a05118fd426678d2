#include "supervisor/privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/fsutil.h"
#include "shared/log.h"

int privilege_ensure_user(const char *user, const char *home, char *err, size_t errlen)
{
    if (getpwnam(user))
        return 0;
    LOG_INFO("creating system user %s", user);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char *const argv[] = { "useradd", "--system", "--user-group", "--no-create-home",
                               "--home-dir", (char *)home, "--shell", "/usr/sbin/nologin",
                               (char *)user, NULL };
        execv("/usr/sbin/useradd", argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* A concurrent start may have created it meanwhile: check again. */
    if (!getpwnam(user)) {
        snprintf(err, errlen, "could not create user '%s' (useradd exit %d)", user,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

int privilege_setup(const struct pushy_config *cfg, char *err, size_t errlen)
{
    const char *dirs[] = { cfg->run_dir, cfg->data_dir, cfg->log_dir };
    for (int i = 0; i < 3; i++) {
        if (mkdir_p(dirs[i], 0750)) {
            snprintf(err, errlen, "cannot create %s: %s", dirs[i], strerror(errno));
            return -1;
        }
    }
    if (geteuid() != 0)
        return 0;

    if (privilege_ensure_user(cfg->user, cfg->data_dir, err, errlen))
        return -1;
    struct passwd *pw = getpwnam(cfg->user);
    if (!pw) {
        snprintf(err, errlen, "user '%s' not found", cfg->user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    for (int i = 0; i < 3; i++) {
        if (chown(dirs[i], uid, gid)) {
            snprintf(err, errlen, "chown %s: %s", dirs[i], strerror(errno));
            return -1;
        }
    }
    if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
        snprintf(err, errlen, "dropping privileges to %s: %s", cfg->user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        snprintf(err, errlen, "privileges could be regained after dropping them");
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        if (access(dirs[i], R_OK | W_OK | X_OK)) {
            snprintf(err, errlen,
                     "user %s cannot use %s (%s): check the permissions of its parent directories",
                     cfg->user, dirs[i], strerror(errno));
            return -1;
        }
    }
    LOG_INFO("running as user %s (uid %d)", cfg->user, (int)uid);
    return 0;
}
