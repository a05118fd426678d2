/* The :lock run lock (client/runlock.c): flock semantics as the original
 * client and Chef's runlock use them. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "client/runlock.h"

static char dir[64];
static char path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pushy-runlock-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/chef-client-running.pid", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

TestSuite(client_runlock, .init = setup, .fini = teardown);

Test(client_runlock, path_of_spec)
{
    cr_expect_str_eq(pc_runlock_path("", "/var/chef/cache/chef-client-running.pid"),
                     "/var/chef/cache/chef-client-running.pid");
    cr_expect_str_eq(pc_runlock_path("/run/x.lock", "/d"), "/run/x.lock");
}

Test(client_runlock, free_busy_released)
{
    char why[256] = "";
    int fd = -1, fd2 = -1;
    cr_assert_eq(pc_runlock_take(path, &fd, why, sizeof why), PC_RUNLOCK_TAKEN, "%s", why);
    cr_assert_geq(fd, 0);
    cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC, "a job's command must not inherit the lock");
    /* flock locks belong to the open file: a second open conflicts, as a
     * chef-client run would */
    cr_expect_eq(pc_runlock_take(path, &fd2, why, sizeof why), PC_RUNLOCK_BUSY);
    cr_expect_eq(fd2, -1);
    cr_expect(strstr(why, path) != NULL, "%s", why);
    pc_runlock_release(&fd);
    cr_expect_eq(fd, -1);
    cr_expect_eq(pc_runlock_take(path, &fd2, why, sizeof why), PC_RUNLOCK_TAKEN, "%s", why);
    pc_runlock_release(&fd2);
    pc_runlock_release(&fd2); /* harmless twice */
}

Test(client_runlock, held_by_another_process_refuses)
{
    int holder = open(path, O_RDWR | O_CREAT, 0644);
    cr_assert_geq(holder, 0);
    cr_assert_eq(flock(holder, LOCK_EX), 0);
    char why[256] = "";
    int fd = -1;
    cr_expect_eq(pc_runlock_take(path, &fd, why, sizeof why), PC_RUNLOCK_BUSY);
    close(holder);
    cr_expect_eq(pc_runlock_take(path, &fd, why, sizeof why), PC_RUNLOCK_TAKEN, "%s", why);
    pc_runlock_release(&fd);
}

/* Chef writes its pid into the lock file: taking the lock keeps it. */
Test(client_runlock, file_not_truncated)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("4242\n", f);
    fclose(f);
    char why[256] = "";
    int fd = -1;
    cr_assert_eq(pc_runlock_take(path, &fd, why, sizeof why), PC_RUNLOCK_TAKEN, "%s", why);
    pc_runlock_release(&fd);
    char buf[16] = "";
    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_expect_not_null(fgets(buf, sizeof buf, f));
    fclose(f);
    cr_expect_str_eq(buf, "4242\n");
}

Test(client_runlock, missing_dir_and_errors)
{
    char why[256] = "";
    int fd = 7;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-dir/lock.pid", dir);
    cr_expect_eq(pc_runlock_take(missing, &fd, why, sizeof why), PC_RUNLOCK_NO_DIR);
    cr_expect_eq(fd, -1);
    cr_expect_eq(pc_runlock_take("/dev/null/x.lock", &fd, why, sizeof why), PC_RUNLOCK_ERROR);
    cr_expect(strstr(why, "/dev/null/x.lock") != NULL, "%s", why);
}

/* A symlink at the lock path is refused, and its target is not created. */
Test(client_runlock, symlink_refused)
{
    char target[160];
    snprintf(target, sizeof target, "%s/elsewhere", dir);
    cr_assert_eq(symlink(target, path), 0);
    char why[256] = "";
    int fd = -1;
    cr_expect_eq(pc_runlock_take(path, &fd, why, sizeof why), PC_RUNLOCK_ERROR);
    cr_expect_eq(fd, -1);
    cr_expect(strstr(why, path) != NULL, "%s", why);
    cr_expect_neq(access(target, F_OK), 0, "the symlink's target must not be created");
}
