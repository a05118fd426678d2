/* Jobs API input and output (apid/job_request.c, apid/job_view.c): every
 * 400 of POST jobs, the knife-push bodies that must pass, the GET jobs
 * query, and the JSON shapes of jobs. */
#include <criterion/criterion.h>
#include <string.h>

#include "apid/job_request.h"
#include "apid/job_view.h"

#define DEFAULT_TIMEOUT 3600

static struct job_request req;
static json_t *body; /* the request borrows from it: kept until teardown */
static char err[512];

/* Parses a JSON text body; returns 0 or -1 (err holds the message). */
static int parse(const char *text)
{
    json_error_t e;
    job_request_free(&req);
    json_decref(body);
    body = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    cr_assert_not_null(body, "test body is not JSON: %s: %s", text, e.text);
    err[0] = '\0';
    int rc = job_request_parse(body, DEFAULT_TIMEOUT, &req, err, sizeof err);
    if (rc)
        cr_assert(err[0] != '\0', "an error needs a message");
    return rc;
}

/* The body must be refused with a message containing `needle`. */
static void refused(const char *text, const char *needle)
{
    cr_assert_eq(parse(text), -1, "accepted: %s", text);
    cr_assert(strstr(err, needle), "message for %s is '%s', expected it to mention '%s'", text,
              err, needle);
}

static void accepted(const char *text)
{
    cr_assert_eq(parse(text), 0, "refused: %s: %s", text, err);
}

static void teardown(void)
{
    job_request_free(&req);
    json_decref(body);
    body = NULL;
}

TestSuite(job_request, .fini = teardown);

Test(job_request, knife_v2_body_is_accepted)
{
    /* What knife-push 2.x sends without options: env is always there. */
    accepted("{\"command\":\"chef-client\",\"nodes\":[\"n1\",\"n2\",\"n3\"],\"quorum\":3,"
             "\"capture_output\":false,\"env\":{}}");
    cr_assert_str_eq(req.command, "chef-client");
    cr_assert_eq(req.n_nodes, 3);
    cr_assert_eq(req.quorum, 3);
    cr_assert_eq(req.run_timeout, DEFAULT_TIMEOUT);
    cr_assert_eq(json_object_size(req.options), 0, "false capture and empty env store nothing");
}

Test(job_request, knife_v1_body_and_timeout)
{
    accepted("{\"command\":\"uptime\",\"nodes\":[\"a\"],\"quorum\":1,\"run_timeout\":300}");
    cr_assert_eq(req.run_timeout, 300);
    cr_assert_eq(req.quorum, 1);
}

Test(job_request, knife_with_every_option)
{
    accepted("{\"command\":\"deploy\",\"nodes\":[\"a\",\"b\"],\"quorum\":1,"
             "\"capture_output\":true,\"env\":{\"A\":\"1\",\"B\":\"x y\"},\"dir\":\"/tmp\","
             "\"user\":\"deploy\",\"file\":\"raw:hello\",\"run_timeout\":60}");
    cr_assert(json_is_true(json_object_get(req.options, "capture_output")));
    cr_assert_str_eq(json_string_value(json_object_get(req.options, "user")), "deploy");
    cr_assert_str_eq(json_string_value(json_object_get(req.options, "dir")), "/tmp");
    cr_assert_str_eq(json_string_value(json_object_get(req.options, "file")), "raw:hello");
    cr_assert_eq(json_object_size(json_object_get(req.options, "env")), 2);
}

Test(job_request, minimal_body_defaults_to_all_nodes)
{
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\",\"c\"]}");
    cr_assert_eq(req.quorum, 3, "default quorum is 100%%");
}

Test(job_request, quorum_forms)
{
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"quorum\":\"80%\"}");
    cr_assert_eq(req.quorum, 4);
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"quorum\":\"90%\"}");
    cr_assert_eq(req.quorum, 5, "ceil(4.5)");
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"1\"}");
    cr_assert_eq(req.quorum, 1, "a digit string is a count, like knife's -q 1");
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":2.0}");
    cr_assert_eq(req.quorum, 2);
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":0}");
    cr_assert_eq(req.quorum, 0);
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"0%\"}");
    cr_assert_eq(req.quorum, 0);
}

Test(job_request, command_errors)
{
    refused("{\"nodes\":[\"a\"]}", "'command' is required");
    refused("{\"command\":\"\",\"nodes\":[\"a\"]}", "'command' is empty");
    refused("{\"command\":\"   \",\"nodes\":[\"a\"]}", "blank");
    refused("{\"command\":42,\"nodes\":[\"a\"]}", "must be a string");
    refused("{\"command\":null,\"nodes\":[\"a\"]}", "must be a string");
    refused("{\"command\":[\"x\"],\"nodes\":[\"a\"]}", "must be a string");
}

Test(job_request, nul_characters)
{
    /* The HTTP layer's parser refuses \u0000 already; built by hand here. */
    json_t *b = json_pack("{s:s#, s:[s]}", "command", "a\0b", 3, "nodes", "a");
    cr_assert_eq(job_request_parse(b, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    cr_assert(strstr(err, "NUL"), "%s", err);
    json_decref(b);
    b = json_pack("{s:s, s:[s#]}", "command", "x", "nodes", "a\0b", 3);
    cr_assert_eq(job_request_parse(b, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    cr_assert(strstr(err, "not a valid node name"), "%s", err);
    json_decref(b);
}

Test(job_request, command_too_long)
{
    size_t n = JOB_MAX_COMMAND + 1;
    char *cmd = malloc(n + 1);
    memset(cmd, 'x', n);
    cmd[n] = '\0';
    json_t *b = json_pack("{s:s, s:[s]}", "command", cmd, "nodes", "a");
    cr_assert_eq(job_request_parse(b, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    cr_assert(strstr(err, "longer than"), "%s", err);
    json_decref(b);
    free(cmd);
}

Test(job_request, node_errors)
{
    refused("{\"command\":\"x\"}", "'nodes' is required");
    refused("{\"command\":\"x\",\"nodes\":[]}", "'nodes' is empty");
    refused("{\"command\":\"x\",\"nodes\":\"a\"}", "must be an array");
    refused("{\"command\":\"x\",\"nodes\":{\"a\":1}}", "must be an array");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",1]}", "item 1 must be a string");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",null]}", "item 1 must be a string");
    refused("{\"command\":\"x\",\"nodes\":[\"\"]}", "not a valid node name");
    refused("{\"command\":\"x\",\"nodes\":[\"a b\"]}", "not a valid node name");
    refused("{\"command\":\"x\",\"nodes\":[\"a/b\"]}", "not a valid node name");
}

Test(job_request, duplicate_nodes)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\",\"a\"]}", "node 'a' is listed more");
    refused("{\"command\":\"x\",\"nodes\":[\"n1\",\"n1\"]}", "'n1'");
}

Test(job_request, quorum_errors)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":3}", "only 2 nodes");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":-1}", "negative");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"-1\"}", "negative");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"101%\"}", "between 0% and 100%");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"abc\"}", "invalid quorum");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"50.5%\"}", "invalid quorum");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":\"\"}", "invalid quorum");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":1.5}", "whole number");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":true}", "invalid type supplied for quorum");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":null}", "invalid type supplied for quorum");
    refused("{\"command\":\"x\",\"nodes\":[\"a\",\"b\"],\"quorum\":[1]}", "invalid type supplied for quorum");
}

Test(job_request, run_timeout_errors)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":0}", "from 1 to");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":-5}", "from 1 to");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":1.5}", "not a whole number");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":604801}", "from 1 to 604800");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":\"60\"}", "invalid type supplied for run_timeout");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":null}", "invalid type supplied for run_timeout");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":1e300}", "from 1 to");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"run_timeout\":60.0}");
    cr_assert_eq(req.run_timeout, 60);
}

Test(job_request, unknown_keys)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"bogus\":1}", "invalid key supplied: 'bogus'");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"Command\":\"y\"}", "invalid key supplied");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"capture\":true}", "invalid key supplied: 'capture'");
}

Test(job_request, search_alone_waits_for_its_matches)
{
    accepted("{\"command\":\"x\",\"search\":\"role:web\",\"quorum\":\"50%\"}");
    cr_assert_str_eq(req.search, "role:web");
    cr_assert_not(req.resolved);
    cr_assert_eq(req.n_nodes, 0);
    const char *found[] = { "w1", "w2", "w3", "w4" };
    cr_assert_eq(job_request_add_matches(&req, found, 4, err, sizeof err), 0, "%s", err);
    cr_assert(req.resolved);
    cr_assert_eq(req.n_nodes, 4);
    cr_assert_eq(req.quorum, 2);
    cr_assert_str_eq(json_string_value(json_array_get(req.nodes, 3)), "w4");
}

Test(job_request, search_and_nodes_are_a_union)
{
    accepted("{\"command\":\"x\",\"nodes\":[\"z9\",\"w2\"],\"search\":\"role:web\"}");
    cr_assert_eq(req.n_nodes, 2);
    const char *found[] = { "w1", "w2", "w3" };
    cr_assert_eq(job_request_add_matches(&req, found, 3, err, sizeof err), 0, "%s", err);
    cr_assert_eq(req.n_nodes, 4, "w2 is not added twice");
    const char *want[] = { "z9", "w2", "w1", "w3" };
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(json_string_value(json_array_get(req.nodes, i)), want[i]);
    cr_assert_eq(req.quorum, 4, "default quorum is every target");
}

Test(job_request, search_with_nodes_and_no_match_runs_on_the_nodes)
{
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"search\":\"role:none\",\"quorum\":1}");
    cr_assert_eq(job_request_add_matches(&req, NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(req.n_nodes, 1);
    cr_assert_eq(req.quorum, 1);
}

Test(job_request, search_without_match_or_nodes_is_refused)
{
    accepted("{\"command\":\"x\",\"search\":\"role:none\"}");
    cr_assert_eq(job_request_add_matches(&req, NULL, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "no nodes matched the search"), "%s", err);
    accepted("{\"command\":\"x\",\"nodes\":[],\"search\":\"role:none\"}");
    cr_assert_eq(job_request_add_matches(&req, NULL, 0, err, sizeof err), -1);
}

Test(job_request, search_quorum_is_checked_against_all_targets)
{
    accepted("{\"command\":\"x\",\"search\":\"role:web\",\"quorum\":3}");
    const char *found[] = { "w1", "w2" };
    cr_assert_eq(job_request_add_matches(&req, found, 2, err, sizeof err), -1,
                 "a quorum of 3 out of 2 targets");
    refused("{\"command\":\"x\",\"search\":\"role:web\",\"quorum\":[1]}",
            "invalid type supplied for quorum");
}

Test(job_request, search_input_errors)
{
    refused("{\"command\":\"x\",\"search\":42}", "'search' must be a string");
    refused("{\"command\":\"x\",\"search\":\"\"}", "'search' is empty");
    refused("{\"command\":\"x\",\"search\":null}", "'search' must be a string");
    refused("{\"command\":\"x\"}", "'nodes' is required (or give a 'search')");
    char big[JOB_MAX_SEARCH + 64];
    int n = snprintf(big, sizeof big, "{\"command\":\"x\",\"search\":\"");
    memset(big + n, 'a', JOB_MAX_SEARCH + 1);
    snprintf(big + n + JOB_MAX_SEARCH + 1, sizeof big - (size_t)n - JOB_MAX_SEARCH - 1, "\"}");
    refused(big, "longer than 4096 bytes");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"]}");
    cr_assert(req.resolved, "without search the request is complete at once");
    cr_assert_eq(job_request_add_matches(&req, NULL, 0, err, sizeof err), -1);
}

Test(job_request, option_type_errors)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"capture_output\":\"yes\"}",
            "invalid type supplied for capture_output");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"capture_output\":1}",
            "invalid type supplied for capture_output");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":5}", "invalid user");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"\"}", "invalid user");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"a\\nb\"}", "invalid user");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"dir\":false}", "invalid dir");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"dir\":\"\"}", "invalid dir");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":[]}", "invalid env supplied");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":\"A=1\"}", "invalid env supplied");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"A\":1}}", "invalid env supplied: value of 'A'");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"A=B\":\"1\"}}", "invalid env supplied: variable name");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"\":\"1\"}}", "invalid env supplied: variable name");
}

Test(job_request, issue7_parameter_table)
{
    /* user: a name pattern */
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"-rf\"}", "invalid user");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"a b\"}", "invalid user");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"a/b\"}", "invalid user");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"deploy.user-1\"}");
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"user\":\"HOST$\"}");
    job_request_free(&req);
    /* dir: absolute */
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"dir\":\"tmp\"}", "invalid dir");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"dir\":\"/a\\tb\"}", "invalid dir");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"dir\":\"/var/tmp\"}");
    cr_assert_str_eq(json_string_value(json_object_get(req.options, "dir")), "/var/tmp");
    job_request_free(&req);
    /* env: names, values, total size */
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"1A\":\"1\"}}", "variable name");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"A-B\":\"1\"}}", "variable name");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"A\":null}}", "value of 'A'");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"env\":{\"_A1\":\"v\",\"B\":\"\"}}");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(req.options, "env"), "_A1")), "v");
    job_request_free(&req);
    char *big = malloc(JOB_MAX_ENV_TOTAL + 1);
    memset(big, 'v', JOB_MAX_ENV_TOTAL);
    big[JOB_MAX_ENV_TOTAL] = '\0';
    json_t *b = json_pack("{s:s, s:[s], s:{s:s}}", "command", "x", "nodes", "a", "env", "BIG", big);
    cr_assert_eq(job_request_parse(b, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    cr_assert(strstr(err, "invalid env supplied: more than"), "%s", err);
    json_decref(b);
    free(big);
    /* capture_output: false is not stored */
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"capture_output\":false}");
    cr_assert_null(json_object_get(req.options, "capture_output"));
    job_request_free(&req);
}

Test(job_request, file_option)
{
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"file\":\"hello\"}", "expected 'base64:...' or 'raw:...'");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"file\":7}", "invalid file contents");
    refused("{\"command\":\"x\",\"nodes\":[\"a\"],\"file\":\"base64:!!!!\"}", "couldn't decode");
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"file\":\"base64:aGVsbG8=\"}");
    cr_assert_str_eq(json_string_value(json_object_get(req.options, "file")), "base64:aGVsbG8=");
    job_request_free(&req);
    accepted("{\"command\":\"x\",\"nodes\":[\"a\"],\"file\":\"raw:\"}");
}

Test(job_request, file_too_large)
{
    size_t n = JOB_MAX_FILE + 1;
    char *f = malloc(n + 5);
    memcpy(f, "raw:", 4);
    memset(f + 4, 'x', n);
    f[n + 4] = '\0';
    json_t *b = json_pack("{s:s, s:[s], s:s}", "command", "x", "nodes", "a", "file", f);
    cr_assert_eq(job_request_parse(b, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    cr_assert(strstr(err, "invalid file size"), "%s", err);
    json_decref(b);
    free(f);
}

Test(job_request, not_an_object)
{
    json_t *arr = json_array();
    cr_assert_eq(job_request_parse(arr, DEFAULT_TIMEOUT, &req, err, sizeof err), -1);
    json_decref(arr);
}

/* ---- GET jobs query ---- */

Test(job_list_query, defaults_and_values)
{
    struct job_list_query q;
    cr_assert_eq(job_list_query_parse("", &q, err, sizeof err), 0);
    cr_assert_eq(q.limit, JOB_LIST_DEFAULT_LIMIT);
    cr_assert_eq(q.offset, 0);
    cr_assert_str_eq(q.status, "");
    cr_assert_eq(job_list_query_parse("limit=10&offset=20&status=running", &q, err, sizeof err), 0);
    cr_assert_eq(q.limit, 10);
    cr_assert_eq(q.offset, 20);
    cr_assert_str_eq(q.status, "running");
    cr_assert_eq(job_list_query_parse(NULL, &q, err, sizeof err), 0);
}

Test(job_list_query, errors)
{
    struct job_list_query q;
    const char *bad[] = { "limit=0", "limit=-1", "limit=abc", "limit=", "limit=10001",
                          "offset=-1", "offset=1x", "status=bogus", "status=", "limit=+5" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        cr_assert_eq(job_list_query_parse(bad[i], &q, err, sizeof err), -1, "%s accepted", bad[i]);
        cr_assert(err[0], "no message for %s", bad[i]);
    }
}

Test(job_id, validity)
{
    cr_assert(job_id_is_valid("0123456789abcdef0123456789abcdef"));
    cr_assert_not(job_id_is_valid("0123456789ABCDEF0123456789abcdef"));
    cr_assert_not(job_id_is_valid("0123456789abcdef0123456789abcde"));
    cr_assert_not(job_id_is_valid("0123456789abcdef0123456789abcdeg"));
    cr_assert_not(job_id_is_valid(""));
    cr_assert_not(job_id_is_valid(NULL));
}

/* ---- job JSON ---- */

static const struct job_row ROW = {
    .id = "0123456789abcdef0123456789abcdef", .command = "chef-client", .status = "complete",
    .quorum = 2, .run_timeout = 3600, .options_json = "{}",
    .created_at = 1362510704, /* Tue, 05 Mar 2013 19:11:44 GMT */
    .updated_at = 1362510709,
};

Test(job_view, summary_has_the_original_fields)
{
    json_t *j = job_view_summary(&ROW);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), ROW.id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "command")), "chef-client");
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "complete");
    cr_assert_eq(json_integer_value(json_object_get(j, "run_timeout")), 3600);
    cr_assert_str_eq(json_string_value(json_object_get(j, "created_at")),
                     "Tue, 05 Mar 2013 19:11:44 GMT");
    cr_assert_str_eq(json_string_value(json_object_get(j, "updated_at")),
                     "Tue, 05 Mar 2013 19:11:49 GMT");
    cr_assert_null(json_object_get(j, "capture_output"));
    cr_assert_null(json_object_get(j, "nodes"));
    cr_assert_eq(json_object_size(j), 6);
    json_decref(j);
}

Test(job_view, options_are_shown_like_the_original)
{
    struct job_row r = ROW;
    r.options_json = "{\"capture_output\":true,\"user\":\"u\",\"dir\":\"/d\","
                     "\"env\":{\"A\":\"1\"},\"file\":\"raw:x\"}";
    json_t *j = job_view_summary(&r);
    cr_assert(json_is_true(json_object_get(j, "capture_output")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "user")), "u");
    cr_assert_str_eq(json_string_value(json_object_get(j, "dir")), "/d");
    cr_assert(json_is_object(json_object_get(j, "env")));
    cr_assert(json_is_true(json_object_get(j, "file_specified")));
    cr_assert_null(json_object_get(j, "file"));
    json_decref(j);
    j = job_view_detail(&r, true);
    cr_assert_str_eq(json_string_value(json_object_get(j, "file")), "raw:x");
    cr_assert_null(json_object_get(j, "file_specified"));
    json_decref(j);
}

Test(job_view, detail_groups_nodes_by_state)
{
    json_t *j = job_view_detail(&ROW, false);
    cr_assert_eq(json_integer_value(json_object_get(j, "quorum")), 2);
    const char *names[] = { "n1", "n3", "n2" };
    const char *states[] = { "succeeded", "succeeded", "unavailable" };
    cr_assert_eq(job_view_add_nodes(j, names, states, 3), 0);
    char *text = json_dumps(json_object_get(j, "nodes"), JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(text, "{\"succeeded\":[\"n1\",\"n3\"],\"unavailable\":[\"n2\"]}");
    free(text);
    json_decref(j);
}

Test(job_view, no_nodes_is_an_empty_object)
{
    json_t *j = job_view_detail(&ROW, false);
    cr_assert_eq(job_view_add_nodes(j, NULL, NULL, 0), 0);
    cr_assert(json_is_object(json_object_get(j, "nodes")));
    cr_assert_eq(json_object_size(json_object_get(j, "nodes")), 0);
    json_decref(j);
}
