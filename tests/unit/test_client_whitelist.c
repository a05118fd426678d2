/* Whitelist lookup (client/whitelist.c): exact keys first, then regex keys
 * in order; back-references fill words, never add them. */
#include <criterion/criterion.h>
#include <string.h>

#include "client/cmdline.h"
#include "client/whitelist.h"

static struct pc_whitelist wl;

static void add(const char *k, const char *v, bool re, bool icase, const char *lock)
{
    char err[128] = "";
    cr_assert_eq(pc_whitelist_add(&wl, k, v, re, icase, lock, err, sizeof err), 0, "%s", err);
}

static void setup(void)
{
    memset(&wl, 0, sizeof wl);
    add("^cat (.*)$", "/bin/cat -- \\1", true, false, NULL);
    add("chef-client", "chef-client --once", false, false, NULL);
    add("cat /etc/hosts", "/bin/cat /etc/hosts", false, false, NULL);
    add("^cat (.*)$", "second-regex \\1", true, false, NULL);
    add("locked", "x", false, false, "");
    add("^locked-(a|b)$", "y \\1", true, false, "/run/lock/y.lock");
    add("bad", "echo 'unterminated", false, false, NULL);
    add("^(a)(b)?(c)$", "g1=\\1 g2=\\2 g3=\\3 all=\\0", true, false, NULL);
}

static void teardown(void) { pc_whitelist_free(&wl); }

TestSuite(client_whitelist, .init = setup, .fini = teardown);

static char **look(const char *cmd, enum pc_wl_result want, char *err, size_t cap)
{
    char **argv = NULL;
    enum pc_wl_result r = pc_whitelist_lookup(&wl, cmd, &argv, err, cap);
    cr_assert_eq(r, want, "lookup '%s': %d (%s)", cmd, r, err);
    return argv;
}

Test(client_whitelist, exact_match_wins_over_earlier_regex)
{
    char err[128];
    char **argv = look("cat /etc/hosts", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[0], "/bin/cat");
    cr_expect_str_eq(argv[1], "/etc/hosts");
    cr_expect_null(argv[2]);
    pc_argv_free(argv);
    argv = look("chef-client", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[1], "--once");
    pc_argv_free(argv);
}

Test(client_whitelist, first_regex_in_order_and_groups_stay_one_word)
{
    char err[128];
    char **argv = look("cat my file; rm -rf / 'x'", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[0], "/bin/cat");
    cr_expect_str_eq(argv[1], "--");
    cr_expect_str_eq(argv[2], "my file; rm -rf / 'x'");
    cr_expect_null(argv[3]);
    pc_argv_free(argv);
    argv = look("ac", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[0], "g1=a");
    cr_expect_str_eq(argv[1], "g2=");
    cr_expect_str_eq(argv[2], "g3=c");
    cr_expect_str_eq(argv[3], "all=ac");
    pc_argv_free(argv);
}

Test(client_whitelist, not_found_and_refusals)
{
    char err[160] = "";
    cr_expect_null(look("chef-client ", PC_WL_NOT_FOUND, err, sizeof err));
    cr_expect_null(look("CHEF-CLIENT", PC_WL_NOT_FOUND, err, sizeof err));
    cr_expect_null(look("", PC_WL_NOT_FOUND, err, sizeof err));
    cr_expect_null(look("bad", PC_WL_REFUSED, err, sizeof err));
    cr_expect(strstr(err, "unterminated single quote") != NULL, "%s", err);
}

Test(client_whitelist, replaced_exact_key_and_bad_regex)
{
    char err[160] = "";
    add("chef-client", "chef-client -z", false, false, NULL);
    char **argv = look("chef-client", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[1], "-z");
    pc_argv_free(argv);
    cr_expect_eq(pc_whitelist_add(&wl, "([", "x", true, false, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "bad regex") != NULL, "%s", err);
    cr_expect_eq(pc_whitelist_add(&wl, "k", "x\x01y", false, false, NULL, err, sizeof err), -1);
}

Test(client_whitelist, icase_regex)
{
    char err[160] = "";
    add("^restart ([a-z]+)$", "svc \\1 restart", true, true, NULL);
    char **argv = look("RESTART Web", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[1], "Web");
    pc_argv_free(argv);
}

/* :lock entries run (client/runlock.h takes the lock); the lookup tells
 * which lock: "" for :lock => true, the path for :lock => "/path". */
Test(client_whitelist, lock_entries)
{
    char err[160] = "";
    char **argv = look("locked", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[0], "x");
    pc_argv_free(argv);
    argv = look("locked-b", PC_WL_OK, err, sizeof err);
    cr_expect_str_eq(argv[1], "b");
    pc_argv_free(argv);
    cr_expect_str_eq(pc_whitelist_lock(&wl, "locked"), "");
    cr_expect_str_eq(pc_whitelist_lock(&wl, "locked-a"), "/run/lock/y.lock");
    cr_expect_null(pc_whitelist_lock(&wl, "chef-client"));
    cr_expect_null(pc_whitelist_lock(&wl, "no-such-command"));
    cr_expect_eq(pc_whitelist_add(&wl, "r", "x", false, false, "relative.lock", err, sizeof err),
                 -1);
    cr_expect(strstr(err, "absolute") != NULL, "%s", err);
}
