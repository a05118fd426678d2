#include <criterion/criterion.h>
#include <string.h>

#include "cli/job_request.h"

static char *body_text(const struct cli_args *a, const unsigned char *file, size_t len)
{
    char err[256] = "";
    json_t *b = cli_job_request_body(a, file, len, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    char *s = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(b);
    return s;
}

Test(cli_job_request, minimal_like_knife)
{
    const char *nodes[] = { "n1", "n2" };
    struct cli_args a = { .command = "chef-client", .nodes = nodes, .nnodes = 2 };
    char *s = body_text(&a, NULL, 0);
    cr_assert_str_eq(s, "{\"capture_output\":false,\"command\":\"chef-client\","
                        "\"nodes\":[\"n1\",\"n2\"]}");
    free(s);
}

Test(cli_job_request, every_option)
{
    const char *nodes[] = { "n1" };
    struct cli_args a = { .command = "deploy", .nodes = nodes, .nnodes = 1,
                          .has_quorum = true, .quorum = { true, 50 },
                          .has_timeout = true, .timeout = 300, .capture = true,
                          .with_env = "{\"A\":\"1\",\"B\":\"x y\"}", .in_dir = "/srv",
                          .as_user = "deploy", .file = "f" };
    const unsigned char file[] = "#!/bin/sh\necho hi\n";
    char *s = body_text(&a, file, sizeof file - 1);
    cr_assert_str_eq(s, "{\"capture_output\":true,\"command\":\"deploy\",\"dir\":\"/srv\","
                        "\"env\":{\"A\":\"1\",\"B\":\"x y\"},"
                        "\"file\":\"raw:#!/bin/sh\\necho hi\\n\",\"nodes\":[\"n1\"],"
                        "\"quorum\":\"50%\",\"run_timeout\":300,\"user\":\"deploy\"}");
    free(s);
    a.quorum = (struct quorum_arg){ false, 1 };
    s = body_text(&a, file, sizeof file - 1);
    cr_assert(strstr(s, "\"quorum\":1,"), "%s", s);
    free(s);
}

Test(cli_job_request, search_instead_of_nodes)
{
    struct cli_args a = { .command = "uptime", .search = "role:web AND name:*" };
    char *s = body_text(&a, NULL, 0);
    cr_assert_str_eq(s, "{\"capture_output\":false,\"command\":\"uptime\","
                        "\"search\":\"role:web AND name:*\"}");
    free(s);
}

Test(cli_job_request, binary_file_goes_as_base64)
{
    const char *nodes[] = { "n1" };
    struct cli_args a = { .command = "c", .nodes = nodes, .nnodes = 1, .file = "f" };
    const unsigned char bin[] = { 0x00, 0xff, 'a' };
    char *s = body_text(&a, bin, sizeof bin);
    cr_assert(strstr(s, "\"file\":\"base64:AP9h\""), "%s", s);
    free(s);
    const unsigned char bad_utf8[] = { 'a', 0xc3 };
    s = body_text(&a, bad_utf8, sizeof bad_utf8);
    cr_assert(strstr(s, "\"file\":\"base64:YcM=\""), "%s", s);
    free(s);
    s = body_text(&a, NULL, 0); /* empty file */
    cr_assert(strstr(s, "\"file\":\"raw:\""), "%s", s);
    free(s);
}

Test(cli_job_request, refusals)
{
    const char *nodes[] = { "n1" };
    static const struct {
        const char *env;
        const char *msg;
    } envs[] = {
        { "not json", "--with-env must be a JSON object of strings" },
        { "[\"A\"]", "--with-env must be a JSON object of strings" },
        { "{\"A\":1}", "--with-env must be a JSON object of strings" },
        { "{\"A\":\"1\",\"A\":\"2\"}", "--with-env must be a JSON object of strings" },
        { "{\"\":\"x\"}", "--with-env must be a JSON object of strings" },
    };
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        struct cli_args a = { .command = "c", .nodes = nodes, .nnodes = 1,
                              .with_env = envs[i].env };
        char err[256] = "";
        cr_assert_null(cli_job_request_body(&a, NULL, 0, err, sizeof err), "%s", envs[i].env);
        cr_assert(strstr(err, envs[i].msg), "%s: %s", envs[i].env, err);
    }
    static unsigned char big[JOB_FILE_MAX + 1];
    memset(big, 'a', sizeof big);
    struct cli_args a = { .command = "c", .nodes = nodes, .nnodes = 1, .file = "f" };
    char err[256];
    cr_assert_null(cli_job_request_body(&a, big, sizeof big, err, sizeof err));
    cr_assert(strstr(err, "at most 100000"), "%s", err);
    json_t *ok = cli_job_request_body(&a, big, JOB_FILE_MAX, err, sizeof err);
    cr_assert_not_null(ok, "%s", err);
    json_decref(ok);
    struct cli_args u = { .command = "bad\xff", .nodes = nodes, .nnodes = 1 };
    cr_assert_null(cli_job_request_body(&u, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "not valid UTF-8"), "%s", err);
}
