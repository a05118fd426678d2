/* The run lock of whitelist entries with :lock (PROTOCOL-NOTES §4.4), as
 * the original client does it: before committing to such a job the client
 * takes flock(LOCK_EX|LOCK_NB) on a lock file; when another process holds
 * it (a chef-client run in progress holds its runlock, Chef's
 * `lockfile`) the commit is refused (nack_commit). The client keeps the
 * lock while the job is committed and lets it go just before the command
 * starts (so the chef-client it starts can take its own runlock) or when
 * the job is aborted.
 *
 *   :lock => true     client.rb `lockfile`, else
 *                     `<file_cache_path>/chef-client-running.pid`
 *                     (file_cache_path default /var/chef/cache)
 *   :lock => "/path"  that file
 *
 * The file is opened without truncating it (Chef writes its pid there)
 * and created (0644) when missing. When its directory does not exist no
 * run can hold it: the job is accepted without a lock (logged). The
 * original truncated the file and, when the lock was free, never answered
 * the commit (its bug); Pushy answers. */
#ifndef PUSHY_CLIENT_RUNLOCK_H
#define PUSHY_CLIENT_RUNLOCK_H

#include <stddef.h>

enum pc_runlock_result {
    PC_RUNLOCK_TAKEN,   /* *fd holds the lock */
    PC_RUNLOCK_NO_DIR,  /* the directory does not exist: nothing to lock, *fd = -1 */
    PC_RUNLOCK_BUSY,    /* another process holds it: refuse (why set) */
    PC_RUNLOCK_ERROR,   /* could not open or lock it: refuse (why set) */
};

/* The lock file of an entry's lock spec ("" = :lock => true: default_path). */
const char *pc_runlock_path(const char *spec, const char *default_path);

enum pc_runlock_result pc_runlock_take(const char *path, int *fd, char *why, size_t cap);

/* Unlocks and closes *fd (when >= 0); sets it to -1. */
void pc_runlock_release(int *fd);

#endif
