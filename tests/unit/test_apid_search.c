/* apid's search and facts edges: the caret line of a bad query's 400,
 * PUT nodes/NODE/facts validation and who may write facts. */
#include <criterion/criterion.h>
#include <string.h>

#include "apid/authz.h"
#include "apid/facts_input.h"
#include "apid/response.h"
#include "apid/search_reply.h"
#include "shared/search_query.h"

Test(search_reply, caret_under_the_position)
{
    char line[64];
    cr_assert_eq(search_caret_line("role:web)", "unexpected ')' at position 9", line, sizeof line),
                 0);
    cr_assert_str_eq(line, "        ^");
    cr_assert_eq(search_caret_line("role:", "missing value after 'role:' at position 5", line,
                                   sizeof line), 0);
    cr_assert_str_eq(line, "    ^");
    /* positions count characters, not bytes */
    cr_assert_eq(search_caret_line("r\xc3\xb4le:x)", "unexpected ')' at position 7", line,
                                   sizeof line), 0);
    cr_assert_str_eq(line, "      ^");
}

Test(search_reply, no_caret_when_it_cannot_be_drawn)
{
    char line[64];
    cr_assert_eq(search_caret_line("a", "empty query: use *:* to match every node", line,
                                   sizeof line), -1);
    cr_assert_eq(search_caret_line("a:b\n)", "unexpected ')' at position 5", line, sizeof line),
                 -1);
    cr_assert_eq(search_caret_line("a:b", "unexpected ')' at position 99", line, sizeof line), -1);
    cr_assert_eq(search_caret_line("a:b)", "unexpected ')' at position 4", line, 3), -1,
                 "does not fit");
}

Test(search_reply, error_body_from_the_parser)
{
    const char *q = "role:web AND (platform:debian))";
    char err[256];
    struct search_query *sq = search_parse(q, err, sizeof err);
    cr_assert_null(sq);
    json_t *b = search_error_body(q, err);
    cr_assert_not_null(b);
    json_t *e = json_object_get(b, "error");
    cr_assert_eq(json_array_size(e), 3);
    cr_assert_str_eq(json_string_value(json_array_get(e, 0)),
                     "search: unexpected ')' at position 31");
    cr_assert_str_eq(json_string_value(json_array_get(e, 1)), q);
    const char *caret = json_string_value(json_array_get(e, 2));
    cr_assert_eq(strlen(caret), 31);
    cr_assert_eq(caret[30], '^');
    json_decref(b);
}

static unsigned reply_status(enum node_search_status st, const char *msg, char *first,
                             size_t cap)
{
    struct api_reply r;
    memset(&r, 0, sizeof r);
    search_reply_error(&r, st, "role:web", msg);
    unsigned status = r.status;
    const char *e = json_string_value(json_array_get(json_object_get(r.json, "error"), 0));
    snprintf(first, cap, "%s", e ? e : "");
    api_reply_clear(&r);
    return status;
}

Test(search_reply, status_by_cause)
{
    char first[256];
    cr_assert_eq(reply_status(NODE_SEARCH_BAD_QUERY, "unexpected ')' at position 9", first,
                              sizeof first), 400);
    cr_assert_eq(reply_status(NODE_SEARCH_UNAVAILABLE, "The Chef server is unavailable", first,
                              sizeof first), 503);
    cr_assert_eq(reply_status(NODE_SEARCH_ERROR, "out of memory", first, sizeof first), 500);
    cr_assert_eq(reply_status(NODE_SEARCH_BAD_GATEWAY,
                              "The Chef server sent a bad search answer: rows is not an array",
                              first, sizeof first), 502, "the upstream's fault: bad gateway");
    cr_assert_str_eq(first, "The Chef server sent a bad search answer: rows is not an array");
}

static int facts(const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    cr_assert_not_null(v, "%s: %s", text, je.text);
    int rc = facts_validate(v, err, errlen);
    json_decref(v);
    return rc;
}

Test(facts_input, accepts_what_the_client_sends)
{
    char err[256] = "";
    cr_assert_eq(facts("{\"hostname\":\"web1\",\"fqdn\":\"web1.example.com\",\"platform\":\"debian\","
                       "\"platform_version\":\"12\",\"os\":\"linux\",\"ipaddress\":\"10.0.0.5\","
                       "\"roles\":[\"web\"],\"recipes\":[\"nginx::default\"],\"tags\":[],"
                       "\"memory\":{\"total_mb\":2048},\"dc\":\"east\",\"n\":[1,2.5,true,null]}",
                       err, sizeof err), 0, "%s", err);
    cr_assert_eq(facts("{}", err, sizeof err), 0);
}

Test(facts_input, refuses_wrong_types)
{
    char err[256];
    cr_assert_eq(facts("[]", err, sizeof err), -1);
    cr_assert(strstr(err, "JSON object"));
    cr_assert_eq(facts("{\"roles\":\"web\"}", err, sizeof err), -1);
    cr_assert(strstr(err, "'roles' must be an array of strings"), "%s", err);
    cr_assert_eq(facts("{\"tags\":[\"a\",1]}", err, sizeof err), -1);
    cr_assert(strstr(err, "'tags' item 1 must be a string"), "%s", err);
    cr_assert_eq(facts("{\"platform\":12}", err, sizeof err), -1);
    cr_assert(strstr(err, "'platform' must be a string"), "%s", err);
    cr_assert_eq(facts("{\"ipaddress\":null}", err, sizeof err), -1);
}

Test(facts_input, refuses_deep_nesting)
{
    char text[512] = "{\"a\":";
    for (int i = 0; i < FACTS_MAX_DEPTH + 1; i++)
        strcat(text, "[");
    for (int i = 0; i < FACTS_MAX_DEPTH + 1; i++)
        strcat(text, "]");
    strcat(text, "}");
    char err[256];
    cr_assert_eq(facts(text, err, sizeof err), -1);
    cr_assert(strstr(err, "nested deeper"), "%s", err);
}

Test(facts_input, refuses_nul_in_values)
{
    json_t *v = json_pack("{s:{s:s#}}", "a", "b", "x\0y", (size_t)3);
    char err[256];
    cr_assert_eq(facts_validate(v, err, sizeof err), -1);
    cr_assert(strstr(err, "NUL"), "%s", err);
    json_decref(v);
}

Test(facts_authz, only_the_node_itself)
{
    cr_assert_eq(authz_decide(API_PERM_NODE_SELF, true, "web1", "web1", 0), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_NODE_SELF, true, "web2", "web1", AUTHZ_GROUP_ADMINS),
                 AUTHZ_DENY_NODE_MISMATCH);
    cr_assert_eq(authz_decide(API_PERM_NODE_SELF, false, "web1", "web1", AUTHZ_GROUP_ADMINS),
                 AUTHZ_DENY, "not even an admin user writes a node's facts");
}
