/* pushy-client's command line and settings (client/options.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "client/options.h"
#include "shared/chef_auth.h"

static int parse(struct pc_options *o, char *err, size_t cap, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "pushy-client";
    va_list ap;
    va_start(ap, cap);
    char *a;
    while ((a = va_arg(ap, char *)))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return pc_options_parse(argc, argv, o, err, cap);
}

Test(client_options, short_and_long_forms)
{
    struct pc_options o;
    char err[256] = "";
    cr_assert_eq(parse(&o, err, sizeof err, "-c", "/x/client.rb", "-k", "/x/k.pem", "-l", "debug",
                       "-L", "/x/log", "-N", "n1", "-S", "https://h/organizations/o", "-M",
                       "2048", "-d", "/x/files", NULL), 0, "%s", err);
    cr_expect_str_eq(o.config, "/x/client.rb");
    cr_expect_str_eq(o.client_key, "/x/k.pem");
    cr_expect_str_eq(o.log_level, "debug");
    cr_expect_str_eq(o.logfile, "/x/log");
    cr_expect_str_eq(o.node_name, "n1");
    cr_expect_str_eq(o.server, "https://h/organizations/o");
    cr_expect_eq(o.max_body_size, 2048);
    cr_expect_str_eq(o.file_dir, "/x/files");
    cr_assert_eq(parse(&o, err, sizeof err, "--config", "c", "--client-key", "k", "--log_level",
                       "warn", "--logfile", "l", "--node-name", "n", "--server", "s",
                       "--max-body-size", "4096", "--file_dir", "f", NULL), 0, "%s", err);
    cr_expect_str_eq(o.config, "c");
    cr_expect_str_eq(o.client_key, "k");
    cr_expect_str_eq(o.log_level, "warn");
    cr_assert_eq(parse(&o, err, sizeof err, "--client_key=k2", "--log-level=error", NULL), 0);
    cr_expect_str_eq(o.client_key, "k2");
    cr_assert_eq(parse(&o, err, sizeof err, "-h", NULL), 0);
    cr_expect(o.help);
    cr_assert_eq(parse(&o, err, sizeof err, "--version", NULL), 0);
    cr_expect(o.version);
    cr_assert_eq(parse(&o, err, sizeof err, "-v", NULL), 0);
    cr_expect(o.version);
}

Test(client_options, errors)
{
    struct pc_options o;
    char err[256];
    cr_expect_eq(parse(&o, err, sizeof err, "-x", NULL), -1);
    cr_expect(strstr(err, "unknown option") != NULL, "%s", err);
    cr_expect_eq(parse(&o, err, sizeof err, "-N", NULL), -1);
    cr_expect(strstr(err, "needs a value") != NULL, "%s", err);
    cr_expect_eq(parse(&o, err, sizeof err, "-l", "chatty", NULL), -1);
    cr_expect(strstr(err, "bad log level") != NULL, "%s", err);
    cr_expect_eq(parse(&o, err, sizeof err, "-M", "12x", NULL), -1);
    cr_expect_eq(parse(&o, err, sizeof err, "-M", "10", NULL), -1);
    cr_expect_eq(parse(&o, err, sizeof err, "stray", NULL), -1);
    cr_expect(strstr(err, "unexpected argument 'stray'") != NULL, "%s", err);
}

Test(client_options, org_from_url)
{
    char org[64];
    cr_expect_eq(pc_org_from_url("https://chef.example.com/organizations/acme", org, sizeof org), 0);
    cr_expect_str_eq(org, "acme");
    cr_expect_eq(pc_org_from_url("http://127.0.0.1:8443/organizations/o-1/", org, sizeof org), 0);
    cr_expect_str_eq(org, "o-1");
    cr_expect_eq(pc_org_from_url("https://h/prefix/organizations/x?y", org, sizeof org), 0);
    cr_expect_str_eq(org, "x");
    cr_expect_eq(pc_org_from_url("https://chef.example.com", org, sizeof org), -1);
    cr_expect_eq(pc_org_from_url("https://h/organizations/", org, sizeof org), -1);
    cr_expect_eq(pc_org_from_url("ftp://h/organizations/o", org, sizeof org), -1);
    cr_expect_eq(pc_org_from_url("https://h/organizations/b@d", org, sizeof org), -1);
}

Test(client_options, resolve_precedence_and_defaults)
{
    struct pc_options o = { 0 };
    struct pc_rbconf rb;
    char err[256] = "";
    cr_assert_eq(pc_rbconf_parse("node_name 'rb'\nchef_server_url 'https://h/organizations/o/'\n"
                                 "log_level :warn\nlog_location STDOUT\nmax_body_size 5000\n"
                                 "ssl_verify_mode :verify_none\nwhitelist 'a' => 'b'\n"
                                 "authentication_protocol_version \"1.3\"\n",
                                 "c.rb", &rb, err, sizeof err), 0, "%s", err);
    struct pc_settings s;
    cr_assert_eq(pc_settings_resolve(&o, &rb, "host", &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.node_name, "rb");
    cr_expect_str_eq(s.server_url, "https://h/organizations/o");
    cr_expect_str_eq(s.org, "o");
    cr_expect_str_eq(s.client_key, PC_DEFAULT_CLIENT_KEY);
    cr_expect_str_eq(s.log_level, "warn");
    cr_expect_str_eq(s.log_file, "/dev/stdout");
    cr_expect_str_eq(s.file_dir, PC_DEFAULT_FILE_DIR);
    cr_expect_eq(s.max_body_size, 5000);
    cr_expect_not(s.ssl_verify);
    cr_expect_eq(s.auth_version, CHEF_AUTH_V1_3);
    cr_expect_eq(s.whitelist.n, 1);
    cr_expect_str_eq(s.whitelist.v[0].key, "a");
    cr_expect_str_eq(s.node_name_from, "client.rb");
    /* Chef's defaults: lockfile in file_cache_path, trusted_certs next to
     * the config file; no allowed_overwritable_env_vars */
    cr_expect_str_eq(s.lockfile, "/var/chef/cache/chef-client-running.pid");
    cr_expect_str_eq(s.trusted_certs_dir, "/etc/chef/trusted_certs");
    cr_expect_not(s.trusted_certs_explicit);
    cr_expect_null(s.overwritable_env);
    pc_settings_free(&s);
    pc_rbconf_free(&rb);

    cr_assert_eq(pc_rbconf_parse("chef_server_url 'https://h/organizations/o'\n"
                                 "file_cache_path '/srv/chef'\ntrusted_certs_dir '/etc/certs'\n"
                                 "allowed_overwritable_env_vars ['PATH']\n",
                                 "c.rb", &rb, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pc_settings_resolve(&o, &rb, "host", &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.lockfile, "/srv/chef/chef-client-running.pid");
    cr_expect_str_eq(s.trusted_certs_dir, "/etc/certs");
    cr_expect(s.trusted_certs_explicit);
    cr_expect_eq(json_array_size(s.overwritable_env), 1);
    cr_expect_str_eq(s.node_name_from, "fallback");
    pc_settings_free(&s);
    pc_rbconf_free(&rb);
    cr_assert_eq(pc_rbconf_parse("chef_server_url 'https://h/organizations/o'\n"
                                 "file_cache_path '/srv/chef'\nlockfile '/run/cc.pid'\n",
                                 "c.rb", &rb, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pc_settings_resolve(&o, &rb, "host", &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.lockfile, "/run/cc.pid", "lockfile wins over file_cache_path");
    pc_settings_free(&s);
    pc_rbconf_free(&rb);
    cr_assert_eq(pc_rbconf_parse("chef_server_url 'https://h/organizations/o'\n"
                                 "lockfile 'rel.pid'\n", "c.rb", &rb, err, sizeof err), 0);
    cr_expect_eq(pc_settings_resolve(&o, &rb, "host", &s, err, sizeof err), -1);
    cr_expect(strstr(err, "absolute") != NULL, "%s", err);
    pc_settings_free(&s);
    pc_rbconf_free(&rb);
    /* no node name anywhere (the host's name unknown) */
    cr_assert_eq(pc_rbconf_parse("chef_server_url 'https://h/organizations/o'\n", "c.rb", &rb,
                                 err, sizeof err), 0);
    cr_expect_eq(pc_settings_resolve(&o, &rb, "", &s, err, sizeof err), -1);
    cr_expect(strstr(err, "no node name") != NULL, "%s", err);
    pc_settings_free(&s);
    pc_rbconf_free(&rb);

    /* options win; hostname is the last resort; default whitelist */
    cr_assert_eq(pc_rbconf_parse("chef_server_url 'https://h/organizations/o'\n", "c.rb", &rb,
                                 err, sizeof err), 0);
    o.server = "http://other/organizations/p";
    o.log_level = "trace";
    o.logfile = "/tmp/x.log";
    o.max_body_size = 9999;
    cr_assert_eq(pc_settings_resolve(&o, &rb, "myhost", &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.node_name, "myhost");
    cr_expect_str_eq(s.org, "p");
    cr_expect_str_eq(s.log_level, "debug");
    cr_expect_str_eq(s.log_file, "/tmp/x.log");
    cr_expect_eq(s.max_body_size, 9999);
    cr_expect(s.ssl_verify);
    cr_expect_eq(s.auth_version, CHEF_AUTH_V1_1, "the Ruby client's default");
    cr_expect_eq(s.whitelist.n, 1);
    cr_expect_str_eq(s.whitelist.v[0].key, "chef-client");
    cr_expect_str_eq(s.whitelist.v[0].command_line, "chef-client");
    pc_settings_free(&s);
    pc_rbconf_free(&rb);
}

Test(client_options, resolve_errors)
{
    struct pc_options o = { 0 };
    struct pc_rbconf rb;
    struct pc_settings s;
    char err[256] = "";
    cr_assert_eq(pc_rbconf_parse("", "c.rb", &rb, err, sizeof err), 0);
    cr_expect_eq(pc_settings_resolve(&o, &rb, "h", &s, err, sizeof err), -1);
    cr_expect(strstr(err, "no chef_server_url") != NULL, "%s", err);
    pc_settings_free(&s);
    o.server = "https://chef.example.com";
    cr_expect_eq(pc_settings_resolve(&o, &rb, "h", &s, err, sizeof err), -1);
    cr_expect(strstr(err, "must be http(s)://HOST/organizations/ORG") != NULL, "%s", err);
    pc_settings_free(&s);
    o.server = "https://h/organizations/o";
    o.node_name = "bad name";
    cr_expect_eq(pc_settings_resolve(&o, &rb, "h", &s, err, sizeof err), -1);
    cr_expect(strstr(err, "node name 'bad name' is not valid") != NULL, "%s", err);
    pc_settings_free(&s);
    pc_rbconf_free(&rb);

    o = (struct pc_options){ .config = "/nonexistent/client.rb", .server = "https://h/organizations/o" };
    cr_expect_eq(pc_settings_load(&o, "h", &s, err, sizeof err), -1, "explicit config must exist");
    cr_expect(strstr(err, "/nonexistent/client.rb") != NULL, "%s", err);
}
