#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"

/* Runs a formatter into a string. */
#define CAPTURE(call, outp)                                         \
    do {                                                            \
        char *buf_ = NULL;                                          \
        size_t len_ = 0;                                            \
        FILE *out = open_memstream(&buf_, &len_);                   \
        cr_assert_not_null(out);                                    \
        int rc_ = (call);                                           \
        fclose(out);                                                \
        cr_assert_eq(rc_, 0, "formatter failed");                   \
        *(outp) = buf_;                                             \
    } while (0)

static json_t *j(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    cr_assert_not_null(v, "bad test JSON: %s", e.text);
    return v;
}

Test(cli_format, job_like_knife)
{
    json_t *job = j("{\"id\":\"26e98ba162fa7ba6fb2793125553c7ae\",\"command\":\"chef-client\","
                    "\"status\":\"complete\",\"run_timeout\":3600,"
                    "\"created_at\":\"Tue, 05 Mar 2013 19:11:44 GMT\","
                    "\"updated_at\":\"Tue, 05 Mar 2013 19:11:49 GMT\","
                    "\"nodes\":{\"succeeded\":[\"node1\",\"node2\"]}}");
    char *s;
    CAPTURE(cli_fmt_knife(out, job), &s);
    cr_assert_str_eq(s, "command:     chef-client\n"
                        "created_at:  Tue, 05 Mar 2013 19:11:44 GMT\n"
                        "id:          26e98ba162fa7ba6fb2793125553c7ae\n"
                        "nodes:\n"
                        "  succeeded: node1 node2\n"
                        "run_timeout: 3600\n"
                        "status:      complete\n"
                        "updated_at:  Tue, 05 Mar 2013 19:11:49 GMT\n");
    free(s);
    json_decref(job);
}

Test(cli_format, nested_alignment_quorum_options_and_empty_values)
{
    json_t *job = j("{\"status\":\"quorum_failed\",\"quorum\":2,\"capture_output\":true,"
                    "\"env\":{\"FOO\":\"bar\",\"LONGER_NAME\":\"x y\"},\"dir\":null,"
                    "\"nodes\":{\"succeeded\":[\"n1\"],\"nacked\":[\"n2\",\"n3\"],\"failed\":[]},"
                    "\"ratio\":0.5,\"tags\":[]}");
    char *s;
    CAPTURE(cli_fmt_knife(out, job), &s);
    cr_assert_str_eq(s, "capture_output: true\n"
                        "dir:\n"
                        "env:\n"
                        "  FOO:         bar\n"
                        "  LONGER_NAME: x y\n"
                        "nodes:\n"
                        "  failed:\n"
                        "  nacked:    n2 n3\n"
                        "  succeeded: n1\n"
                        "quorum:         2\n"
                        "ratio:          0.5\n"
                        "status:         quorum_failed\n"
                        "tags:\n");
    free(s);
    json_decref(job);
}

Test(cli_format, arrays_of_objects_and_scalars)
{
    json_t *v = j("[{\"a\":1},{\"b\":\"x\"}]");
    char *s;
    CAPTURE(cli_fmt_knife(out, v), &s);
    cr_assert_str_eq(s, "a: 1\n\nb: x\n");
    free(s);
    json_decref(v);
    v = j("\"just text\"");
    CAPTURE(cli_fmt_knife(out, v), &s);
    cr_assert_str_eq(s, "just text\n");
    free(s);
    json_decref(v);
}

Test(cli_format, job_list_table)
{
    json_t *jobs = j("[{\"id\":\"aaaa\",\"status\":\"running\",\"command\":\"chef-client\","
                     "\"created_at\":\"Tue, 05 Mar 2013 19:11:44 GMT\",\"run_timeout\":3600},"
                     "{\"id\":\"bbbbbbbb\",\"status\":\"quorum_failed\",\"command\":\"uptime\","
                     "\"created_at\":\"Wed, 06 Mar 2013 01:02:03 GMT\"}]");
    char *s;
    CAPTURE(cli_fmt_job_list(out, jobs), &s);
    cr_assert_str_eq(s, "Job ID    Status         Command      Created at\n"
                        "aaaa      running        chef-client  Tue, 05 Mar 2013 19:11:44 GMT\n"
                        "bbbbbbbb  quorum_failed  uptime       Wed, 06 Mar 2013 01:02:03 GMT\n");
    free(s);
    json_decref(jobs);
    json_t *empty = j("[]");
    CAPTURE(cli_fmt_job_list(out, empty), &s);
    cr_assert_str_eq(s, "Job ID  Status  Command  Created at\n");
    free(s);
    json_decref(empty);
    json_t *obj = j("{}");
    FILE *out = fopen("/dev/null", "w");
    cr_assert_eq(cli_fmt_job_list(out, obj), -1);
    fclose(out);
    json_decref(obj);
}

Test(cli_format, job_status_table)
{
    json_t *job = j("{\"id\":\"abc\",\"command\":\"chef-client\",\"status\":\"running\","
                    "\"updated_at\":\"Tue, 05 Mar 2013 19:11:49 GMT\","
                    "\"nodes\":{\"running\":[\"web2\"],\"succeeded\":[\"web10\",\"db1\"]}}");
    char *s;
    CAPTURE(cli_fmt_job_status(out, job), &s);
    cr_assert_str_eq(s, "Job ID:   abc\n"
                        "Command:  chef-client\n"
                        "Status:   running\n"
                        "\n"
                        "Node name  Status     Last updated\n"
                        "db1        succeeded  Tue, 05 Mar 2013 19:11:49 GMT\n"
                        "web10      succeeded  Tue, 05 Mar 2013 19:11:49 GMT\n"
                        "web2       running    Tue, 05 Mar 2013 19:11:49 GMT\n");
    free(s);
    json_decref(job);
}

Test(cli_format, job_status_uses_per_node_times_when_given)
{
    json_t *job = j("{\"id\":\"abc\",\"command\":\"c\",\"status\":\"complete\","
                    "\"updated_at\":\"Tue, 05 Mar 2013 19:11:49 GMT\","
                    "\"nodes\":{\"failed\":[\"b\"],\"succeeded\":[\"a\"]},"
                    "\"node_updated_at\":{\"a\":\"Tue, 05 Mar 2013 19:11:45 GMT\"}}");
    char *s;
    CAPTURE(cli_fmt_job_status(out, job), &s);
    cr_assert(strstr(s, "a          succeeded  Tue, 05 Mar 2013 19:11:45 GMT\n"), "%s", s);
    cr_assert(strstr(s, "b          failed     Tue, 05 Mar 2013 19:11:49 GMT\n"), "%s", s);
    free(s);
    json_decref(job);
    json_t *bad = j("{\"nodes\":{\"failed\":\"b\"}}");
    FILE *out = fopen("/dev/null", "w");
    cr_assert_eq(cli_fmt_job_status(out, bad), -1);
    fclose(out);
    json_decref(bad);
}

Test(cli_format, node_status_short_and_long)
{
    json_t *nodes = j("[{\"node_name\":\"node1\",\"status\":\"up\",\"availability\":\"available\","
                      "\"updated_at\":\"Tue, 05 Mar 2013 19:11:44 GMT\"},"
                      "{\"node_name\":\"node-two\",\"status\":\"down\","
                      "\"availability\":\"unavailable\","
                      "\"updated_at\":\"Tue, 05 Mar 2013 19:12:00 GMT\"}]");
    char *s;
    CAPTURE(cli_fmt_node_status(out, nodes, false), &s);
    cr_assert_str_eq(s, "node1\tavailable\nnode-two\tunavailable\n");
    free(s);
    CAPTURE(cli_fmt_node_status(out, nodes, true), &s);
    cr_assert_str_eq(s, "NODE      STATUS  AVAILABILITY  UPDATED_AT\n"
                        "node1     up      available     Tue, 05 Mar 2013 19:11:44 GMT\n"
                        "node-two  down    unavailable   Tue, 05 Mar 2013 19:12:00 GMT\n");
    free(s);
    json_t *one = json_array_get(nodes, 0);
    CAPTURE(cli_fmt_node_status(out, one, false), &s);
    cr_assert_str_eq(s, "node1\tavailable\n");
    free(s);
    json_decref(nodes);
    json_t *empty = j("[]");
    CAPTURE(cli_fmt_node_status(out, empty, false), &s);
    cr_assert_str_eq(s, "");
    free(s);
    json_decref(empty);
}
