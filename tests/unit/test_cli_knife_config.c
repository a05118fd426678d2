#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli/knife_config.h"

static int parse(const char *text, struct knife_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return knife_config_parse(text, strlen(text), "/home/u/.chef/knife.rb", "/home/u", cfg, err,
                              errlen);
}

Test(cli_knife_config, starter_kit_file)
{
    const char *text = "# See https://docs.chef.io/workstation/config_rb/\n"
                       "current_dir = File.dirname(__FILE__)\n"
                       "log_level                :info\n"
                       "log_location             STDOUT\n"
                       "node_name                \"admin\"\n"
                       "client_key               \"#{current_dir}/admin.pem\"\n"
                       "chef_server_url          \"https://chef.example.com/organizations/acme\"\n"
                       "cookbook_path            [\"#{current_dir}/../cookbooks\"]\n";
    struct knife_config c;
    char err[256];
    cr_assert_eq(parse(text, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.node_name, "admin");
    cr_assert_str_eq(c.client_key, "/home/u/.chef/admin.pem");
    cr_assert_str_eq(c.chef_server_url, "https://chef.example.com/organizations/acme");
    knife_config_free(&c);
}

Test(cli_knife_config, the_three_assignment_forms_and_comments)
{
    const char *text = "node_name 'alice' # trailing comment\n"
                       "  client_key = \"~/.chef/alice.pem\"\r\n"
                       "chef_server_url(\"http://127.0.0.1:10003/organizations/o\")\n"
                       "# node_name \"commented-out\"\n"
                       "\n";
    struct knife_config c;
    char err[256];
    cr_assert_eq(parse(text, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.node_name, "alice");
    cr_assert_str_eq(c.client_key, "/home/u/.chef/alice.pem");
    cr_assert_str_eq(c.chef_server_url, "http://127.0.0.1:10003/organizations/o");
    knife_config_free(&c);
}

Test(cli_knife_config, escapes_and_last_assignment_wins)
{
    const char *text = "node_name \"first\"\n"
                       "node_name \"a\\\"b\\\\c\\#{x}\"\n"
                       "client_key 'it\\'s\\n'\n"
                       "chef_server_url \"#{ENV['HOME']}/x\"\n";
    struct knife_config c;
    char err[256];
    cr_assert_eq(parse(text, &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.node_name, "a\"b\\c#{x}");
    cr_assert_str_eq(c.client_key, "it's\\n"); /* single quotes: \n stays */
    cr_assert_str_eq(c.chef_server_url, "/home/u/x");
    knife_config_free(&c);
}

Test(cli_knife_config, unknown_lines_and_ruby_code_are_ignored)
{
    const char *text = "knife[:editor] = 'vim'\n"
                       "if ENV['X']\n"
                       "  something_else \"v\"\n"
                       "end\n"
                       "node_name_suffix \"not ours\"\n"
                       "node_name.freeze\n"
                       "ssl_verify_mode :verify_none\n"
                       "12 + 3\n";
    struct knife_config c;
    char err[256];
    cr_assert_eq(parse(text, &c, err, sizeof err), 0, "%s", err);
    cr_assert_null(c.node_name);
    cr_assert_null(c.client_key);
    cr_assert_null(c.chef_server_url);
    knife_config_free(&c);
}

Test(cli_knife_config, malformed_known_lines_name_file_and_line)
{
    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        { "node_name admin\n", "knife.rb:1: node_name: expected a quoted string" },
        { "\n\nnode_name\n", "knife.rb:3: node_name has no value" },
        { "node_name \"admin\n", "knife.rb:1: unterminated string" },
        { "node_name 'a' 'b'\n", "knife.rb:1: node_name: unexpected text after the value" },
        { "client_key File.join(current_dir, 'a.pem')\n", "knife.rb:1: client_key: expected a quoted" },
        { "client_key \"#{Dir.pwd}/a.pem\"\n", "knife.rb:1: unsupported Ruby interpolation #{Dir.pwd}" },
        { "chef_server_url ENV['URL']\n", "knife.rb:1: chef_server_url: expected a quoted" },
        { "chef_server_url(\"x\"\n", "knife.rb:1: chef_server_url: missing ')'" },
        { "x = 1\nnode_name = \n", "knife.rb:2: node_name has no value" },
        { "node_name \"#{current_dir\"\n", "knife.rb:1: unterminated #{" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct knife_config c;
        char err[256] = "";
        cr_assert_eq(parse(bad[i].text, &c, err, sizeof err), -1, "accepted: %s", bad[i].text);
        cr_assert(strstr(err, bad[i].msg), "for %s: got '%s', want '%s'", bad[i].text, err,
                  bad[i].msg);
        cr_assert(!strncmp(err, "/home/u/.chef/knife.rb:", 23), "%s", err);
        knife_config_free(&c);
    }
}

Test(cli_knife_config, tilde_without_home_is_an_error)
{
    struct knife_config c = { 0 };
    char err[256];
    const char *text = "client_key \"~/k.pem\"\n";
    cr_assert_eq(knife_config_parse(text, strlen(text), "k.rb", NULL, &c, err, sizeof err), -1);
    cr_assert(strstr(err, "k.rb:1:") && strstr(err, "HOME"), "%s", err);
    knife_config_free(&c);
    text = "client_key \"#{current_dir}/k.pem\"\n"; /* relative file: current dir "." */
    cr_assert_eq(knife_config_parse(text, strlen(text), "k.rb", NULL, &c, err, sizeof err), 0);
    cr_assert_str_eq(c.client_key, "./k.pem");
    knife_config_free(&c);
}

Test(cli_knife_config, load_missing_file)
{
    struct knife_config c = { 0 };
    char err[256];
    cr_assert_eq(knife_config_load("/nonexistent/knife.rb", "/h", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/knife.rb") && strstr(err, "No such file"), "%s", err);
}

Test(cli_knife_config, ssl_verify_mode_symbols)
{
    static const struct {
        const char *text;
        bool none;
    } ok[] = {
        { "ssl_verify_mode :verify_none\n", true },
        { "ssl_verify_mode   :verify_peer # default\n", false },
        { "ssl_verify_mode = :verify_none\n", true },
        { "ssl_verify_mode(:verify_none)\n", true },
        { "ssl_verify_mode :verify_none\nssl_verify_mode :verify_peer\n", false },
        { "ssl_verify_mode_x :whatever\n", false }, /* another setting: ignored */
        { "# ssl_verify_mode :verify_none\n", false },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct knife_config c;
        char err[256] = "";
        cr_assert_eq(parse(ok[i].text, &c, err, sizeof err), 0, "%s: %s", ok[i].text, err);
        cr_assert_eq(c.ssl_verify_none, ok[i].none, "%s", ok[i].text);
        knife_config_free(&c);
    }
    static const char *const bad[] = {
        "ssl_verify_mode \"verify_none\"\n", /* a string, not a symbol: knife refuses it too */
        "ssl_verify_mode :verify_nothing\n",
        "ssl_verify_mode\n",
        "ssl_verify_mode :verify_none :verify_peer\n",
        "ssl_verify_mode(:verify_none\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct knife_config c;
        char err[256] = "";
        cr_assert_eq(parse(bad[i], &c, err, sizeof err), -1, "accepted: %s", bad[i]);
        cr_assert(strstr(err, "knife.rb:1: ssl_verify_mode: expected :verify_peer or :verify_none"),
                  "%s: %s", bad[i], err);
        cr_assert(!c.ssl_verify_none);
        knife_config_free(&c);
    }
}
