#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "shared/config.h"

static struct pushy_config cfg;
static char err[512];

static int parse(const char *text)
{
    config_defaults(&cfg);
    err[0] = '\0';
    return config_parse_string(&cfg, text, "t.conf", err, sizeof err);
}

Test(config, defaults_match_the_original_settings)
{
    config_defaults(&cfg);
    cr_assert_eq(cfg.command_port, 10002);
    cr_assert_eq(cfg.server_heartbeat_port, 10000);
    cr_assert_eq(cfg.api_port, 10003);
    cr_assert_eq(cfg.heartbeat_interval, 1000);
    cr_assert_str_eq(cfg.zeromq_listen_address, "tcp://*");
    cr_assert_float_eq(cfg.down_threshold, 0.6, 1e-9);
    cr_assert_eq(cfg.decay_window, 4);
    cr_assert_eq(cfg.max_body_size, 65536);
    cr_assert_eq(cfg.default_run_timeout, 3600);
    cr_assert_str_eq(cfg.run_dir, "/run/pushy");
    cr_assert_str_eq(cfg.database_url, "");
    cr_assert_str_eq(cfg.log_level, "info");
}

Test(config, overrides_comments_sections_quotes)
{
    cr_assert_eq(parse("# comment\n"
                       "; also a comment\n"
                       "\n"
                       "[paths]\n"
                       "run_dir = /tmp/r\n"
                       "  data_dir=\"/tmp/d with space\"  \n"
                       "[network]\n"
                       "api_port = 8443\n"
                       "down_threshold = 0.75\n"
                       "log_json = yes\n"
                       "log_level = debug\n"),
                 0, "%s", err);
    cr_assert_str_eq(cfg.run_dir, "/tmp/r");
    cr_assert_str_eq(cfg.data_dir, "/tmp/d with space");
    cr_assert_eq(cfg.api_port, 8443);
    cr_assert_float_eq(cfg.down_threshold, 0.75, 1e-9);
    cr_assert(cfg.log_json);
    cr_assert_str_eq(cfg.log_level, "debug");
    cr_assert_eq(cfg.command_port, 10002, "untouched keys keep defaults");
}

Test(config, crlf_and_missing_final_newline)
{
    cr_assert_eq(parse("api_port = 1234\r\ncommand_port = 4321"), 0, "%s", err);
    cr_assert_eq(cfg.api_port, 1234);
    cr_assert_eq(cfg.command_port, 4321);
}

/* Arrays, not pointers: criterion re-executes the test binary, so
 * parameter pointers into it would not survive address randomization. */
struct bad_case {
    char text[64];
    char message[80];
};

ParameterizedTestParameters(config, bad_input)
{
    static struct bad_case cases[] = {
        { "no_such_key = 1\n", "t.conf:1: unknown key 'no_such_key'" },
        { "\n\napi_port\n", "t.conf:3: expected 'key = value'" },
        { "api_port = 70000\n", "t.conf:1: api_port: integer out of range (got '70000')" },
        { "api_port = 0\n", "t.conf:1: api_port: integer out of range" },
        { "api_port = 12ab\n", "t.conf:1: api_port: expected an integer (got '12ab')" },
        { "api_port = \n", "t.conf:1: api_port: expected an integer" },
        { "api_port = 99999999999999999999\n", "t.conf:1: api_port: expected an integer" },
        { "down_threshold = abc\n", "t.conf:1: down_threshold: expected a number" },
        { "down_threshold = nan\n", "t.conf:1: down_threshold: expected a number" },
        { "down_threshold = 100\n", "t.conf:1: down_threshold: number out of range" },
        { "log_json = maybe\n", "t.conf:1: log_json: expected true or false" },
        { "log_level = loud\n", "t.conf:1: log_level: expected debug, info, warn or error" },
        { "[broken\n", "t.conf:1: malformed section header" },
        { "[]\n", "t.conf:1: malformed section header" },
        { "= 5\n", "t.conf:1: unknown key ''" },
        { "heartbeat_interval = 10\n", "t.conf:1: heartbeat_interval: integer out of range" },
    };
    return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, config, bad_input)
{
    cr_assert_eq(parse(c->text), -1, "accepted: %s", c->text);
    cr_assert(strstr(err, c->message), "error '%s' lacks '%s'", err, c->message);
}

Test(config, string_too_long_is_rejected)
{
    char text[2048];
    memset(text, 0, sizeof text);
    strcpy(text, "run_dir = ");
    memset(text + strlen(text), 'a', 600);
    strcat(text, "\n");
    cr_assert_eq(parse(text), -1);
    cr_assert(strstr(err, "value too long"), "%s", err);
}

Test(config, line_too_long_is_rejected)
{
    size_t n = 5000;
    char *text = malloc(n + 1);
    memset(text, '#', n);
    text[n] = '\0';
    cr_assert_eq(parse(text), -1);
    cr_assert(strstr(err, "line too long"), "%s", err);
    free(text);
}

Test(config, environment_overrides_file)
{
    setenv("PUSHY_API_PORT", "5555", 1);
    config_defaults(&cfg);
    cr_assert_eq(config_apply_env(&cfg, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cfg.api_port, 5555);
    setenv("PUSHY_API_PORT", "nope", 1);
    cr_assert_eq(config_apply_env(&cfg, err, sizeof err), -1);
    cr_assert(strstr(err, "PUSHY_API_PORT"), "%s", err);
    unsetenv("PUSHY_API_PORT");
}

Test(config, load_missing_file)
{
    cr_assert_eq(config_load(&cfg, "/nonexistent/pushy.conf", false, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/pushy.conf"), "%s", err);
    cr_assert_eq(config_load(&cfg, "/nonexistent/pushy.conf", true, err, sizeof err), 0, "%s", err);
    cr_assert_neq(cfg.server_name[0], '\0', "server_name defaults to the host name");
}

Test(config, embedded_conninfo_uses_run_dir_socket)
{
    config_defaults(&cfg);
    strcpy(cfg.run_dir, "/tmp/it's");
    char out[1024];
    config_db_conninfo(&cfg, NULL, out, sizeof out);
    cr_assert(strstr(out, "host='/tmp/it\\'s'"), "%s", out);
    cr_assert(strstr(out, "dbname='pushy'"), "%s", out);
    strcpy(cfg.database_url, "postgresql://db.example/pushy");
    config_db_conninfo(&cfg, NULL, out, sizeof out);
    cr_assert_str_eq(out, "postgresql://db.example/pushy");
}
