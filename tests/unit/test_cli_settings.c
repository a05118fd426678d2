#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/settings.h"

static char home[64];

static void make_home(void)
{
    snprintf(home, sizeof home, "/tmp/pushy-cli-test.XXXXXX");
    cr_assert_not_null(mkdtemp(home));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_home(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/.chef/knife.rb", home);
    unlink(p);
    snprintf(p, sizeof p, "%s/other.rb", home);
    unlink(p);
    snprintf(p, sizeof p, "%s/.chef", home);
    rmdir(p);
    rmdir(home);
}

Test(cli_settings, default_file_then_overrides, .init = make_home, .fini = remove_home)
{
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/.chef", home);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/knife.rb", dir);
    write_text(path, "node_name 'admin'\nclient_key \"#{current_dir}/admin.pem\"\n"
                     "chef_server_url 'https://h/organizations/o'\n");
    struct cli_args a = { 0 };
    struct knife_config c;
    char err[512];
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.node_name, "admin");
    char want[200];
    snprintf(want, sizeof want, "%s/.chef/admin.pem", home);
    cr_assert_str_eq(c.client_key, want);
    knife_config_free(&c);

    a.user = "bob";
    a.key = "~/bob.pem";
    a.server_url = "http://x/organizations/p";
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.node_name, "bob");
    snprintf(want, sizeof want, "%s/bob.pem", home);
    cr_assert_str_eq(c.client_key, want);
    cr_assert_str_eq(c.chef_server_url, "http://x/organizations/p");
    knife_config_free(&c);
}

Test(cli_settings, explicit_file_and_missing_settings, .init = make_home, .fini = remove_home)
{
    char path[160];
    snprintf(path, sizeof path, "%s/other.rb", home);
    write_text(path, "node_name 'admin'\n");
    struct cli_args a = { .config = path };
    struct knife_config c;
    char err[512];
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "client_key is not set in") && strstr(err, "other.rb") &&
                  strstr(err, "-k FILE"),
              "%s", err);
    knife_config_free(&c);

    a.key = "/k.pem";
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "chef_server_url is not set"), "%s", err);
    knife_config_free(&c);

    write_text(path, "node_name admin\n");
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "other.rb:1: node_name: expected a quoted string"), "%s", err);
    knife_config_free(&c);

    struct cli_args missing = { .config = "/nonexistent.rb" };
    cr_assert_eq(cli_settings_resolve(&missing, home, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot read /nonexistent.rb"), "%s", err);
    knife_config_free(&c);
}

Test(cli_settings, no_file_needs_every_override, .init = make_home, .fini = remove_home)
{
    struct cli_args a = { .user = "u", .key = "/k", .server_url = "http://h/organizations/o" };
    struct knife_config c;
    char err[512];
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    knife_config_free(&c);
    a.user = NULL;
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "no knife configuration: ") && strstr(err, "/.chef/knife.rb does not exist; "
                                                                "use -c FILE, or give -u NAME"),
              "%s", err);
    knife_config_free(&c);
    a.user = "u";
    cr_assert_eq(cli_settings_resolve(&a, NULL, &c, err, sizeof err), 0, "%s", err);
    knife_config_free(&c);
}

/* trusted_certs_dir: as set in knife.rb (interpolated), else knife's
 * default, trusted_certs next to the knife.rb; none without a knife.rb. */
Test(cli_settings, trusted_certs_dir, .init = make_home, .fini = remove_home)
{
    char dir[128], path[160], want[200];
    snprintf(dir, sizeof dir, "%s/.chef", home);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/knife.rb", dir);
    write_text(path, "node_name 'admin'\nclient_key 'k.pem'\n"
                     "chef_server_url 'https://h/organizations/o'\n");
    struct cli_args a = { 0 };
    struct knife_config c;
    char err[512];
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    snprintf(want, sizeof want, "%s/.chef/trusted_certs", home);
    cr_expect_str_eq(c.trusted_certs_dir, want);
    knife_config_free(&c);
    write_text(path, "node_name 'admin'\nclient_key 'k.pem'\n"
                     "chef_server_url 'https://h/organizations/o'\n"
                     "trusted_certs_dir \"#{current_dir}/certs\"\n");
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    snprintf(want, sizeof want, "%s/.chef/certs", home);
    cr_expect_str_eq(c.trusted_certs_dir, want);
    knife_config_free(&c);
    unlink(path);
    a.user = "u";
    a.key = "/k.pem";
    a.server_url = "https://h/organizations/o";
    cr_assert_eq(cli_settings_resolve(&a, home, &c, err, sizeof err), 0, "%s", err);
    cr_expect_null(c.trusted_certs_dir);
    knife_config_free(&c);
}
