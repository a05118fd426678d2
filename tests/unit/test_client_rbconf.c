/* client.rb parser (client/rbconf.c): a table of accepted inputs with the
 * settings they give, and a table of rejected ones with file:line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cmdline.h"
#include "client/rbconf.h"

/* Renders the whitelist as "key=>value;..." (regex keys as /key/). */
static const char *wl_str(const struct pc_rbconf *c)
{
    static char buf[2048];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->whitelist.n; i++) {
        const struct pc_wl_entry *e = &c->whitelist.v[i];
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%s=>%s%s%s%s;",
                              e->is_regex ? "/" : "", e->key, e->is_regex ? "/" : "",
                              e->command_line, e->lock ? "(lock" : "",
                              e->lock && e->lock[0] ? ":" : "",
                              e->lock ? (e->lock[0] ? e->lock : ")") : "");
    }
    return buf;
}

struct ok_case {
    const char *text;
    const char *node, *url, *key, *level, *logloc, *file_dir;
    long max_body;
    int ssl;          /* -1 unset */
    const char *wl;   /* NULL: whitelist not set */
};

static const struct ok_case OK[] = {
    { "node_name \"n1\"\nchef_server_url 'https://chef.example.com/organizations/acme'\n",
      "n1", "https://chef.example.com/organizations/acme", NULL, NULL, NULL, NULL, 0, -1, NULL },
    { "node_name('n2')  # comment\nclient_key \"/etc/chef/client.pem\"\n",
      "n2", NULL, "/etc/chef/client.pem", NULL, NULL, NULL, 0, -1, NULL },
    { "log_level :debug\nlog_location STDOUT\n", NULL, NULL, NULL, "debug", "STDOUT", NULL, 0, -1,
      NULL },
    { "log_level :fatal\nlog_location '/var/log/push.log'\n", NULL, NULL, NULL, "error",
      "/var/log/push.log", NULL, 0, -1, NULL },
    { "log_level :auto\n", NULL, NULL, NULL, "info", NULL, NULL, 0, -1, NULL },
    { "max_body_size 63_000\nfile_dir \"/var/tmp/push\"\n", NULL, NULL, NULL, NULL, NULL,
      "/var/tmp/push", 63000, -1, NULL },
    { "ssl_verify_mode :verify_none\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL },
    { "ssl_verify_mode :verify_peer\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, 1, NULL },
    { "authentication_protocol_version '1.3'\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, NULL },
    /* whitelist forms */
    { "whitelist({\"chef-client\" => \"chef-client\", \"echo\" => \"/bin/echo hi\"})\n",
      NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, "chef-client=>chef-client;echo=>/bin/echo hi;" },
    { "whitelist \"x\" => \"y\"\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, "x=>y;" },
    { "whitelist \"a\" => \"b\",\n  \"c\" => 'd'\nnode_name 'n'\n", "n", NULL, NULL, NULL, NULL,
      NULL, 0, -1, "a=>b;c=>d;" },
    { "whitelist({\n  \"chef-client\" => \"chef-client\",\n  # a comment\n  \"up\" => \"uptime\",\n})\n",
      NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, "chef-client=>chef-client;up=>uptime;" },
    { "whitelist {\"a\": \"b\", \"c\":\"d\"}\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1,
      "a=>b;c=>d;" },
    { "whitelist(:restart => \"service x restart\", status: 'service x status')\n", NULL, NULL,
      NULL, NULL, NULL, NULL, 0, -1, "restart=>service x restart;status=>service x status;" },
    { "whitelist({/^deploy (\\w+)$/ => 'deploy-app \\1', \"ok\" => \"true\"})\n", NULL, NULL,
      NULL, NULL, NULL, NULL, 0, -1, "/^deploy (\\w+)$/=>deploy-app \\1;ok=>true;" },
    { "whitelist({\"chef-client\" => {:command_line => \"chef-client -o x\", :lock => true}})\n",
      NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, "chef-client=>chef-client -o x(lock);" },
    { "whitelist({/^ccr (\\w+)$/ => {:command_line => 'chef-client -o \\1', :lock => "
      "'/var/run/ccr.lock'}})\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1,
      "/^ccr (\\w+)$/=>chef-client -o \\1(lock:/var/run/ccr.lock;" },
    { "whitelist({\"c\" => {command_line: \"c1\", lock: false}})\n", NULL, NULL, NULL, NULL, NULL,
      NULL, 0, -1, "c=>c1;" },
    { "whitelist[\"extra\"] = \"/bin/true\"\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1,
      "chef-client=>chef-client;extra=>/bin/true;" },
    { "whitelist({\"a\" => \"1\"})\nwhitelist({\"b\" => \"2\"})\n", NULL, NULL, NULL, NULL, NULL,
      NULL, 0, -1, "b=>2;" },
    { "whitelist({\"a\" => \"1\", \"a\" => \"2\"})\n", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1,
      "a=>2;" },
    /* escapes: double quotes interpret, single quotes keep */
    { "whitelist({'t' => \"printf '%s\\\\n' \\\"q\\\"\", 's' => 'a\\nb'})\n", NULL, NULL, NULL,
      NULL, NULL, NULL, 0, -1, "t=>printf '%s\\n' \"q\";s=>a\\nb;" },
    /* Chef::Config forms */
    { "Chef::Config[:node_name] = \"cc\"\nChef::Config.log_level :warn\n", "cc", NULL, NULL,
      "warn", NULL, NULL, 0, -1, NULL },
    /* unknown statements are skipped whole, including multi-line ones */
    { "require 'socket'\ncurrent_dir = File.dirname(__FILE__)\n"
      "knife[:x] = {\n  'node_name' => 'nope',\n}\nhttp_proxy \"http://p:3128\"\n"
      "if ENV['X']\n  puts 'hi'\nend\nnode_name \"after\"\n",
      "after", NULL, NULL, NULL, NULL, NULL, 0, -1, NULL },
    { "validation_client_name 'acme-validator' ; node_name 'semi'\n", "semi", NULL, NULL, NULL,
      NULL, NULL, 0, -1, NULL },
    { "ohai.disabled_plugins = [:Passwd,\n  :Foo]\nnode_name 'n3'", "n3", NULL, NULL, NULL,
      NULL, NULL, 0, -1, NULL },
    { "trusted_certs_dir \"/etc/chef/trusted_certs\" # where's the cert?\nnode_name 'q'\n", "q",
      NULL, NULL, NULL, NULL, NULL, 0, -1, NULL },
    { "", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, NULL },
    /* JSON files */
    { "{\"node_name\": \"j1\", \"chef_server_url\": \"http://h/organizations/o\", "
      "\"whitelist\": {\"a\": \"b\", \"/^x(.*)$/i\": \"x \\\\1\", \"l\": {\"command_line\": \"c\", "
      "\"lock\": true}}, \"max_body_size\": 2048, \"log_level\": \"warn\"}",
      "j1", "http://h/organizations/o", NULL, "warn", NULL, NULL, 2048, -1,
      "a=>b;/^x(.*)$/=>x \\1;l=>c(lock);" },
    { "{\"whitelist\": {\"l\": {\"command_line\": \"c\", \"lock\": \"/run/l.pid\"}, "
      "\"m\": {\"command_line\": \"d\", \"lock\": false}}}",
      NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, "l=>c(lock:/run/l.pid;m=>d;" },
};

static void eq_or_null(const char *want, const char *got, const char *what, const char *text)
{
    if (!want)
        cr_expect_null(got, "%s should be unset for: %s", what, text);
    else
        cr_expect(got && strcmp(want, got) == 0, "%s: want '%s' got '%s' for: %s", what, want,
                  got ? got : "(null)", text);
}

Test(client_rbconf, accepted_inputs)
{
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
        const struct ok_case *k = &OK[i];
        struct pc_rbconf c;
        char err[256] = "";
        int rc = pc_rbconf_parse(k->text, "client.rb", &c, err, sizeof err);
        cr_expect_eq(rc, 0, "case %zu rejected: %s\n%s", i, err, k->text);
        if (rc == 0) {
            eq_or_null(k->node, c.node_name, "node_name", k->text);
            eq_or_null(k->url, c.chef_server_url, "chef_server_url", k->text);
            eq_or_null(k->key, c.client_key, "client_key", k->text);
            eq_or_null(k->level, c.log_level, "log_level", k->text);
            eq_or_null(k->logloc, c.log_location, "log_location", k->text);
            eq_or_null(k->file_dir, c.file_dir, "file_dir", k->text);
            cr_expect_eq(c.max_body_size, k->max_body, "max_body_size case %zu", i);
            cr_expect_eq(c.ssl_verify, k->ssl, "ssl_verify case %zu", i);
            cr_expect_eq(c.has_whitelist, k->wl != NULL, "whitelist set? case %zu", i);
            if (k->wl)
                cr_expect_str_eq(wl_str(&c), k->wl, "whitelist case %zu", i);
        }
        pc_rbconf_free(&c);
    }
}

struct bad_case {
    const char *text;
    const char *err; /* expected substring, with file:line */
};

static const struct bad_case BAD[] = {
    { "node_name ENV['NODE']\n", "client.rb:1: node_name: expected a quoted string" },
    { "\n\nnode_name \"a#{x}\"\n", "client.rb:3: node_name: string interpolation" },
    { "node_name = 'x'\n", "client.rb:1: node_name = VALUE only sets a Ruby local variable" },
    { "node_name\n", "client.rb:1: node_name: missing value" },
    { "node_name 'a' 'b'\n", "client.rb:1: node_name: unexpected a string after the value" },
    { "node_name 'unterminated\n", "client.rb:1: unterminated string" },
    { "log_level :loud\n", "client.rb:1: log_level: expected :debug" },
    { "log_location :syslog\n", "log_location :syslog is not supported" },
    { "max_body_size 'big'\n", "client.rb:1: max_body_size: expected a number" },
    { "max_body_size 10\n", "max_body_size: expected a number of bytes" },
    { "ssl_verify_mode :sometimes\n", "ssl_verify_mode: expected :verify_peer" },
    { "whitelist [\"a\"]\n", "client.rb:1: whitelist: expected a hash" },
    { "whitelist({\"a\" => 1})\n", "whitelist 'a': expected a command line string" },
    { "whitelist({\"a\" \"b\"})\n", "whitelist: expected '=>' after 'a'" },
    { "whitelist({\n\"a\" => \"b\"\n\"c\" => \"d\"})\n", "client.rb:3: whitelist: expected ',' or '}'" },
    { "whitelist({\"a\" => \"b\"}\n", "whitelist: expected ')'" },
    { "whitelist({/a(/ => \"b\"})\n", "whitelist: bad regex /a(/" },
    { "whitelist({/a/m => \"b\"})\n", "regex flag 'm' is not supported" },
    { "whitelist({\"a\" => {:lock => true}})\n", "entry has no command_line" },
    { "whitelist({\"a\" => {:command_line => \"x\", :user => \"y\"}})\n", "unknown option 'user'" },
    { "whitelist({\"a\" => \"#{cmd}\"})\n", "string interpolation" },
    { "whitelist({\"a\" => \"\"})\n", "whitelist value: empty string" },
    { "node_name nil\n", "node_name: nil is not a usable value" },
    { "authentication_protocol_version '1.2'\n", "authentication_protocol_version: expected" },
    { "{\"node_name\": 5}", "client.rb:1: expected a non-empty string for node_name" },
    { "{\"whitelist\": [1]}", "whitelist: expected an object" },
    { "{\"whitelist\": {\"a\": 1}}", "whitelist: no command line for a" },
    { "{\"node_name\": ", "client.rb:1:" },
    { "allowed_overwritable_env_vars [\"PATH\", \"1X\"]\n",
      "client.rb:1: allowed_overwritable_env_vars: item 1 is not a variable name" },
    { "allowed_overwritable_env_vars 'PATH'\n", "allowed_overwritable_env_vars: expected an array" },
    { "whitelist({\"a\" => {:command_line => \"x\", :lock => 'rel.lock'}})\n",
      "lock file of 'a' must be an absolute path" },
    { "whitelist({\"a\" => {:command_line => \"x\", :lock => 1}})\n",
      "lock must be true, false or a path" },
    { "lockfile :x\n", "lockfile: expected a quoted string" },
    { "{\"allowed_overwritable_env_vars\": \"PATH\"}",
      "allowed_overwritable_env_vars: expected an array of variable names" },
    { "{\"allowed_overwritable_env_vars\": [\"A-B\"]}",
      "allowed_overwritable_env_vars: expected an array of variable names" },
    { "{\"whitelist\": {\"a\": {\"command_line\": \"x\", \"lock\": 3}}}",
      "lock must be true, false or a path for a" },
};

Test(client_rbconf, rejected_inputs)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        struct pc_rbconf c;
        char err[256] = "";
        int rc = pc_rbconf_parse(BAD[i].text, "client.rb", &c, err, sizeof err);
        cr_expect_eq(rc, -1, "case %zu accepted:\n%s", i, BAD[i].text);
        cr_expect(strstr(err, BAD[i].err) != NULL, "case %zu: want '%s' in '%s'", i, BAD[i].err,
                  err);
        pc_rbconf_free(&c);
    }
}

Test(client_rbconf, regex_entry_is_usable)
{
    struct pc_rbconf c;
    char err[256] = "";
    cr_assert_eq(pc_rbconf_parse("whitelist({/^deploy ([a-z]+)$/i => 'deploy-app \"\\1\" now'})",
                                 "x", &c, err, sizeof err), 0, "%s", err);
    char **argv;
    cr_assert_eq(pc_whitelist_lookup(&c.whitelist, "DEPLOY web", &argv, err, sizeof err),
                 PC_WL_OK, "%s", err);
    cr_expect_str_eq(argv[0], "deploy-app");
    cr_expect_str_eq(argv[1], "web");
    cr_expect_str_eq(argv[2], "now");
    cr_expect_null(argv[3]);
    pc_argv_free(argv);
    pc_rbconf_free(&c);
}

Test(client_rbconf, load_file_and_missing_file)
{
    char path[] = "/tmp/pushy-rbconf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *text = "node_name 'from-file'\nwhitelist \"a\" => \"b\"\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct pc_rbconf c;
    char err[256] = "";
    cr_expect_eq(pc_rbconf_load(path, &c, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(c.node_name, "from-file");
    pc_rbconf_free(&c);
    unlink(path);
    cr_expect_eq(pc_rbconf_load(path, &c, err, sizeof err), -1);
    cr_expect(strstr(err, path) != NULL, "%s", err);
    pc_rbconf_free(&c);
}

/* The keys of the :lock, env and TLS work: allowed_overwritable_env_vars,
 * lockfile, file_cache_path, trusted_certs_dir, in both forms. */
Test(client_rbconf, env_lock_and_tls_keys)
{
    static const char *const texts[] = {
        "allowed_overwritable_env_vars [\"PATH\", :LANG]\nlockfile '/run/l.pid'\n"
        "file_cache_path \"/var/cache/chef\"\ntrusted_certs_dir '/etc/chef/trusted_certs'\n",
        "{\"allowed_overwritable_env_vars\": [\"PATH\", \"LANG\"], \"lockfile\": \"/run/l.pid\", "
        "\"file_cache_path\": \"/var/cache/chef\", "
        "\"trusted_certs_dir\": \"/etc/chef/trusted_certs\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        struct pc_rbconf c;
        char err[256] = "";
        cr_assert_eq(pc_rbconf_parse(texts[i], "client.rb", &c, err, sizeof err), 0, "%s", err);
        cr_assert(json_is_array(c.overwritable_env), "case %zu", i);
        cr_expect_eq(json_array_size(c.overwritable_env), 2);
        cr_expect_str_eq(json_string_value(json_array_get(c.overwritable_env, 0)), "PATH");
        cr_expect_str_eq(json_string_value(json_array_get(c.overwritable_env, 1)), "LANG");
        cr_expect_str_eq(c.lockfile, "/run/l.pid");
        cr_expect_str_eq(c.file_cache_path, "/var/cache/chef");
        cr_expect_str_eq(c.trusted_certs_dir, "/etc/chef/trusted_certs");
        pc_rbconf_free(&c);
    }
    /* nil (or nothing) is "not set": job variables keep their names; an
     * empty list renames them all */
    struct pc_rbconf c;
    char err[256] = "";
    cr_assert_eq(pc_rbconf_parse("allowed_overwritable_env_vars ['X']\n"
                                 "allowed_overwritable_env_vars nil\n", "client.rb", &c, err,
                                 sizeof err), 0, "%s", err);
    cr_expect_null(c.overwritable_env);
    pc_rbconf_free(&c);
    cr_assert_eq(pc_rbconf_parse("allowed_overwritable_env_vars []\n", "client.rb", &c, err,
                                 sizeof err), 0, "%s", err);
    cr_expect(json_is_array(c.overwritable_env) && json_array_size(c.overwritable_env) == 0);
    pc_rbconf_free(&c);
}
