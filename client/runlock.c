#include "client/runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "shared/log.h"

const char *pc_runlock_path(const char *spec, const char *default_path)
{
    return spec && spec[0] ? spec : default_path;
}

enum pc_runlock_result pc_runlock_take(const char *path, int *fd, char *why, size_t cap)
{
    *fd = -1;
    /* O_NOFOLLOW: a symlink planted at the lock path must not make a root
     * client create or lock a file elsewhere. */
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
    if (f < 0) {
        if (errno == ENOENT)
            return PC_RUNLOCK_NO_DIR;
        snprintf(why, cap, "cannot open lock file %s: %s", path, strerror(errno));
        return PC_RUNLOCK_ERROR;
    }
    int rc;
    while ((rc = flock(f, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK) {
            snprintf(why, cap, "lock file %s is held by another process (a run is in progress)",
                     path);
            return PC_RUNLOCK_BUSY;
        }
        snprintf(why, cap, "cannot lock %s: %s", path, strerror(e));
        return PC_RUNLOCK_ERROR;
    }
    *fd = f;
    return PC_RUNLOCK_TAKEN;
}

void pc_runlock_release(int *fd)
{
    if (*fd < 0)
        return;
    /* close releases the lock as well (no other descriptor shares it) */
    if (flock(*fd, LOCK_UN) != 0)
        LOG_WARN("unlocking the run lock: %s", strerror(errno));
    if (close(*fd) != 0)
        LOG_WARN("closing the run lock: %s", strerror(errno));
    *fd = -1;
}
