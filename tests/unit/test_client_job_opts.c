#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/job_opts.h"
#include "client/proc.h"
#include "client/report.h"

static const char *find(char **env, const char *name)
{
    size_t n = strlen(name);
    const char *hit = NULL;
    for (char **p = env; *p; p++)
        if (!strncmp(*p, name, n) && (*p)[n] == '=') {
            cr_assert_null(hit, "%s set twice", name);
            hit = *p + n + 1;
        }
    return hit;
}

Test(client_job_opts, file_decoding)
{
    unsigned char *out;
    size_t len;
    char why[128];
    cr_assert_eq(pc_job_file_decode("raw:hello\nworld", &out, &len, why, sizeof why), 0);
    cr_assert_eq(len, 11);
    cr_assert_eq(memcmp(out, "hello\nworld", 11), 0);
    free(out);
    cr_assert_eq(pc_job_file_decode("raw:", &out, &len, why, sizeof why), 0);
    cr_assert_eq(len, 0);
    free(out);
    cr_assert_eq(pc_job_file_decode("base64:AAH/", &out, &len, why, sizeof why), 0);
    cr_assert_eq(len, 3);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[2], 0xff);
    free(out);
    cr_assert_eq(pc_job_file_decode("base64:@@", &out, &len, why, sizeof why), -1);
    cr_assert(strstr(why, "base64"), "%s", why);
    cr_assert_eq(pc_job_file_decode("plain", &out, &len, why, sizeof why), -1);
    cr_assert(strstr(why, "'raw:' or 'base64:'"), "%s", why);
    char *big = malloc(PC_JOB_FILE_MAX + 6);
    memcpy(big, "raw:", 4);
    memset(big + 4, 'x', PC_JOB_FILE_MAX + 1);
    big[PC_JOB_FILE_MAX + 5] = '\0';
    cr_assert_eq(pc_job_file_decode(big, &out, &len, why, sizeof why), -1);
    big[PC_JOB_FILE_MAX + 4] = '\0';
    cr_assert_eq(pc_job_file_decode(big, &out, &len, why, sizeof why), 0);
    cr_assert_eq(len, PC_JOB_FILE_MAX);
    free(out);
    free(big);
}

Test(client_job_opts, env_check)
{
    char why[128];
    json_t *ok = json_pack("{s:s, s:s}", "A_1", "x", "_b", "");
    cr_assert_null(pc_job_env_check(ok, why, sizeof why));
    json_t *bad = json_pack("{s:s}", "1A", "x");
    cr_assert_not_null(pc_job_env_check(bad, why, sizeof why));
    json_t *bad2 = json_pack("{s:i}", "A", 1);
    cr_assert_not_null(pc_job_env_check(bad2, why, sizeof why));
    json_decref(ok);
    json_decref(bad);
    json_decref(bad2);
}

Test(client_job_opts, env_building)
{
    char *base[] = { "PATH=/bin", "FOO=old", "CHEF_PUSH_JOB_ID=stale", "HOME=/root", NULL };
    json_t *job = json_pack("{s:s, s:s, s:s}", "FOO", "new", "BAR", "a=b", "CHEF_PUSH_NODE_NAME",
                            "spoof");
    char **env = pc_job_env_build(base, job, NULL, NULL, NULL, "/tmp/f", "n1", "j1");
    cr_assert_not_null(env);
    cr_assert_str_eq(find(env, "PATH"), "/bin");
    cr_assert_str_eq(find(env, "FOO"), "new");
    cr_assert_str_eq(find(env, "BAR"), "a=b");
    cr_assert_str_eq(find(env, "HOME"), "/root");
    cr_assert_str_eq(find(env, "CHEF_PUSH_NODE_NAME"), "n1");
    cr_assert_str_eq(find(env, "CHEF_PUSH_JOB_ID"), "j1");
    cr_assert_str_eq(find(env, "CHEF_PUSH_JOB_FILE"), "/tmp/f");
    pc_env_free(env);
    /* switching user: HOME/USER/LOGNAME of that user; no file */
    env = pc_job_env_build(base, NULL, NULL, "deploy", "/home/deploy", NULL, "n1", "j1");
    cr_assert_str_eq(find(env, "HOME"), "/home/deploy");
    cr_assert_str_eq(find(env, "USER"), "deploy");
    cr_assert_str_eq(find(env, "LOGNAME"), "deploy");
    cr_assert_null(find(env, "CHEF_PUSH_JOB_FILE"));
    pc_env_free(env);
    json_decref(job);
}

static size_t count_name(char **env, const char *name)
{
    size_t n = 0, len = strlen(name);
    for (char **p = env; *p; p++)
        n += strncmp(*p, name, len) == 0 && (*p)[len] == '=';
    return n;
}

/* allowed_overwritable_env_vars (the original's rule): with a list, only
 * listed job variables keep their names, the others become
 * CHEF_PUSH_ENV_<NAME>; the client's CHEF_PUSH_* are never overridden;
 * every name appears once. */
Test(client_job_opts, env_overwritable_list)
{
    char *base[] = { "PATH=/bin", "LANG=C", "HOME=/root", NULL };
    json_t *job = json_pack("{s:s, s:s, s:s, s:s, s:s}", "PATH", "/evil", "LANG", "fr_FR",
                            "NEW", "n", "CHEF_PUSH_JOB_ID", "spoof", "HOME", "/h");
    json_t *allowed = json_pack("[s, s]", "LANG", "CHEF_PUSH_JOB_ID");
    char **env = pc_job_env_build(base, job, allowed, NULL, NULL, NULL, "n1", "j1");
    cr_assert_not_null(env);
    cr_expect_str_eq(find(env, "PATH"), "/bin");
    cr_expect_str_eq(find(env, "CHEF_PUSH_ENV_PATH"), "/evil");
    cr_expect_str_eq(find(env, "LANG"), "fr_FR");
    cr_expect_null(find(env, "CHEF_PUSH_ENV_LANG"));
    cr_expect_null(find(env, "NEW"));
    cr_expect_str_eq(find(env, "CHEF_PUSH_ENV_NEW"), "n");
    cr_expect_str_eq(find(env, "HOME"), "/root");
    cr_expect_str_eq(find(env, "CHEF_PUSH_ENV_HOME"), "/h");
    cr_expect_str_eq(find(env, "CHEF_PUSH_JOB_ID"), "j1");
    cr_expect_eq(count_name(env, "CHEF_PUSH_JOB_ID"), 1);
    cr_expect_eq(count_name(env, "LANG"), 1);
    pc_env_free(env);
    /* an empty list renames every job variable */
    json_t *none = json_array();
    env = pc_job_env_build(base, job, none, NULL, NULL, NULL, "n1", "j1");
    cr_expect_str_eq(find(env, "LANG"), "C");
    cr_expect_str_eq(find(env, "CHEF_PUSH_ENV_LANG"), "fr_FR");
    cr_expect_str_eq(find(env, "CHEF_PUSH_ENV_CHEF_PUSH_JOB_ID"), "spoof");
    cr_expect_str_eq(find(env, "CHEF_PUSH_JOB_ID"), "j1");
    pc_env_free(env);
    /* no list: names kept, the job's HOME wins over the switched user's;
     * CHEF_PUSH_JOB_FILE is not taken from the job even without a file */
    json_t *job2 = json_pack("{s:s, s:s}", "HOME", "/h", "CHEF_PUSH_JOB_FILE", "/etc/shadow");
    env = pc_job_env_build(base, job2, NULL, "deploy", "/home/deploy", NULL, "n1", "j1");
    cr_expect_str_eq(find(env, "HOME"), "/h");
    cr_expect_eq(count_name(env, "HOME"), 1);
    cr_expect_str_eq(find(env, "USER"), "deploy");
    cr_expect_null(find(env, "CHEF_PUSH_JOB_FILE"));
    pc_env_free(env);
    json_decref(job);
    json_decref(job2);
    json_decref(allowed);
    json_decref(none);
}

Test(client_job_opts, vetting)
{
    struct pc_job_opts o;
    char why[256];
    cr_assert_null(pc_job_opts_vet(NULL, "/tmp", NULL, "raw:abc", &o, why, sizeof why));
    cr_assert_str_eq(o.dir, "/tmp");
    cr_assert_eq(o.file_len, 3);
    char tmpl[] = "/tmp/pushy-opts-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    cr_assert_eq(pc_job_opts_write_file(&o, tmpl, why, sizeof why), 0, "%s", why);
    cr_assert_not_null(o.file_path);
    char path[256];
    snprintf(path, sizeof path, "%s", o.file_path);
    cr_assert_eq(access(path, R_OK), 0);
    pc_job_opts_free(&o); /* deletes the file */
    cr_assert_neq(access(path, F_OK), 0);
    rmdir(tmpl);
    cr_assert_not_null(pc_job_opts_vet(NULL, "/no/such/dir", NULL, NULL, &o, why, sizeof why));
    cr_assert(strstr(why, "does not exist"), "%s", why);
    cr_assert_not_null(pc_job_opts_vet("no-such-user-pushy", NULL, NULL, NULL, &o, why, sizeof why));
    cr_assert(strstr(why, "user 'no-such-user-pushy' does not exist"), "%s", why);
    cr_assert_not_null(pc_job_opts_vet(NULL, NULL, NULL, "bad", &o, why, sizeof why));
    if (geteuid() != 0) {
        cr_assert_not_null(pc_job_opts_vet("root", NULL, NULL, NULL, &o, why, sizeof why));
        cr_assert(strstr(why, "not running as root"), "%s", why);
    } else {
        cr_assert_null(pc_job_opts_vet("nobody", NULL, NULL, NULL, &o, why, sizeof why), "%s", why);
        cr_assert(o.switch_user);
        cr_assert_geq(o.ngroups, 1);
        pc_job_opts_free(&o);
    }
}

Test(client_report, text_exactness)
{
    cr_assert(pc_report_text_exact((const unsigned char *)"plain \xc3\xa9 \xe2\x82\xac", 12));
    cr_assert_not(pc_report_text_exact((const unsigned char *)"a\0b", 3));
    cr_assert_not(pc_report_text_exact((const unsigned char *)"\xff", 1));
    cr_assert_not(pc_report_text_exact((const unsigned char *)"\xc3", 1));        /* cut */
    cr_assert_not(pc_report_text_exact((const unsigned char *)"\xc0\x80", 2));    /* overlong */
    cr_assert_not(pc_report_text_exact((const unsigned char *)"\xed\xa0\x80", 3)); /* surrogate */
}
