/* apid input handling: query strings, ccpk validation, names, JSON
 * error bodies and JSON parse errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "apid/response.h"
#include "apid/router.h"
#include "apid/validate.h"

/* A valid Z85 CURVE public key (libzmq's test vector) and its escaping. */
#define Z85_KEY "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define Z85_ESC "Yne%40%24w-vo%3CfVvi%5Da%3CNY6T1ed%3AM%24fCG%2A%5BIaLV%7BhID"

Test(apid_query, finds_and_decodes)
{
    char out[64];
    cr_assert_eq(query_get("a=1&b=x%20y+z&c", "b", out, sizeof out), 5);
    cr_assert_str_eq(out, "x y z");
    cr_assert_eq(query_get("a=1&b=2", "a", out, sizeof out), 1);
    cr_assert_str_eq(out, "1");
    cr_assert_eq(query_get("a=1&c", "c", out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(query_get("a=1&b=2", "z", out, sizeof out), -1);
    cr_assert_eq(query_get("", "a", out, sizeof out), -1);
    cr_assert_eq(query_get("a=1&a=2", "a", out, sizeof out), 1, "first occurrence wins");
    cr_assert_str_eq(out, "1");
    cr_assert_eq(query_get("ab=1&a=2", "a", out, sizeof out), 1, "whole names only");
    cr_assert_str_eq(out, "2");
    cr_assert_eq(query_get("%61=3", "a", out, sizeof out), 1, "escaped names");
    cr_assert_str_eq(out, "3");
    cr_assert_eq(query_get("&&a=4&", "a", out, sizeof out), 1);
    cr_assert_str_eq(out, "4");
}

Test(apid_query, bad_encoding_and_overflow)
{
    char out[8];
    cr_assert_eq(query_get("a=%zz", "a", out, sizeof out), -2);
    cr_assert_eq(query_get("a=%4", "a", out, sizeof out), -2);
    cr_assert_eq(query_get("a=%00", "a", out, sizeof out), -2);
    cr_assert_eq(query_get("a=12345678", "a", out, sizeof out), -2);
    cr_assert_eq(query_get("a=1234567", "a", out, sizeof out), 7);
}

Test(apid_ccpk, valid_key_escaped_or_not)
{
    char k[41];
    cr_assert_eq(ccpk_from_query("ccpk=" Z85_ESC "&version=2.0", k), CCPK_OK);
    cr_assert_str_eq(k, Z85_KEY);
    cr_assert_eq(ccpk_from_query("version=2.0&ccpk=" Z85_ESC, k), CCPK_OK);
    /* Without escapes only if no character is special to queries. */
    cr_assert_eq(ccpk_from_query("ccpk=0000000000000000000000000000000000000000", k), CCPK_OK);
}

Test(apid_ccpk, missing)
{
    char k[41];
    cr_assert_eq(ccpk_from_query("", k), CCPK_MISSING);
    cr_assert_eq(ccpk_from_query("version=2.0", k), CCPK_MISSING);
    cr_assert_eq(ccpk_from_query("ccpkx=" Z85_ESC, k), CCPK_MISSING);
}

Test(apid_ccpk, bad)
{
    char k[41];
    cr_assert_eq(ccpk_from_query("ccpk=", k), CCPK_BAD);
    cr_assert_eq(ccpk_from_query("ccpk", k), CCPK_BAD);
    cr_assert_eq(ccpk_from_query("ccpk=abc", k), CCPK_BAD, "too short");
    cr_assert_eq(ccpk_from_query("ccpk=" Z85_ESC "0", k), CCPK_BAD, "41 characters");
    /* '+' unescaped decodes to a space: not Z85 */
    cr_assert_eq(ccpk_from_query("ccpk=000000000000000000000000000000000000000+", k), CCPK_BAD);
    /* '"' and '~' are not in the Z85 alphabet */
    cr_assert_eq(ccpk_from_query("ccpk=000000000000000000000000000000000000000%22", k), CCPK_BAD);
    cr_assert_eq(ccpk_from_query("ccpk=000000000000000000000000000000000000000~", k), CCPK_BAD);
    /* every 5 characters must stay below 2^32: "#####" is 85^5 - 1 */
    cr_assert_eq(ccpk_from_query("ccpk=%23%23%23%23%2300000000000000000000000000000000000", k),
                 CCPK_BAD);
    cr_assert_eq(ccpk_from_query("ccpk=%zz00000000000000000000000000000000000000", k), CCPK_BAD);
}

Test(apid_names, org_names)
{
    cr_assert(valid_org_name("acme"));
    cr_assert(valid_org_name("0rg_a-b"));
    cr_assert_not(valid_org_name(""));
    cr_assert_not(valid_org_name(NULL));
    cr_assert_not(valid_org_name("Acme"));
    cr_assert_not(valid_org_name("-acme"));
    cr_assert_not(valid_org_name("_acme"));
    cr_assert_not(valid_org_name("ac.me"));
    cr_assert_not(valid_org_name("a b"));
    char long_name[300];
    memset(long_name, 'a', 255);
    long_name[255] = '\0';
    cr_assert(valid_org_name(long_name));
    long_name[255] = 'a';
    long_name[256] = '\0';
    cr_assert_not(valid_org_name(long_name));
}

Test(apid_names, node_and_user_names)
{
    cr_assert(valid_node_name("web-1.example.com"));
    cr_assert(valid_node_name("Host:1_a"));
    cr_assert_not(valid_node_name(""));
    cr_assert_not(valid_node_name("a/b"));
    cr_assert_not(valid_node_name("a b"));
    cr_assert_not(valid_node_name("a'b"));
    cr_assert(valid_user_name("Alice.B-c_d"));
    cr_assert_not(valid_user_name("a:b"));
    cr_assert(valid_actor_name("a:b"), "a client name");
    cr_assert_not(valid_actor_name("a;b"));
    char buf[8];
    cr_assert_str_eq(log_safe("a\nb\x7f", buf, sizeof buf), "a?b?");
    cr_assert_str_eq(log_safe("0123456789", buf, sizeof buf), "0123456");
}

Test(apid_errors, error_body_shape)
{
    json_t *b = api_error_body("Missing ccpk");
    cr_assert_not_null(b);
    char *s = json_dumps(b, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"error\":[\"Missing ccpk\"]}");
    free(s);
    json_decref(b);
    /* Invalid UTF-8 from a request still gives a valid body. */
    b = api_error_body("bad \xff\xfe path");
    cr_assert_not_null(b);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(b, "error"), 0)),
                     "bad ?? path");
    json_decref(b);
}

Test(apid_errors, reply_helpers)
{
    struct api_reply r = { 0 };
    api_reply_error(&r, 403, "'%s' is not associated with organization '%s'", "bob", "acme");
    cr_assert_eq(r.status, 403);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "error"), 0)),
                     "'bob' is not associated with organization 'acme'");
    cr_assert_eq(api_reply_header(&r, "Allow", "GET"), 0);
    cr_assert_eq(r.nheaders, 1);
    for (int i = 1; i < API_REPLY_MAX_HEADERS; i++)
        cr_assert_eq(api_reply_header(&r, "X", "y"), 0);
    cr_assert_eq(api_reply_header(&r, "X", "y"), -1, "full");
    api_reply_text(&r, 200, "text/plain", "abc", 3);
    cr_assert_null(r.json);
    cr_assert_eq(r.text_len, 3);
    api_reply_json(&r, 200, NULL);
    cr_assert_eq(r.status, 500, "a NULL body is an internal error");
    api_reply_clear(&r);
}

Test(apid_errors, json_parse_errors_have_position)
{
    struct api_reply r = { 0 };
    const char *bad = "{\"command\":\n  x}";
    cr_assert_null(api_parse_json_object((const unsigned char *)bad, strlen(bad), 0, &r));
    cr_assert_eq(r.status, 400);
    const char *msg = json_string_value(json_array_get(json_object_get(r.json, "error"), 0));
    cr_assert_not_null(strstr(msg, "Invalid JSON at line 2, column 3 (position 15)"), "%s", msg);
    api_reply_clear(&r);

    cr_assert_null(api_parse_json_object((const unsigned char *)"[1]", 3, 0, &r));
    cr_assert_eq(r.status, 400);
    api_reply_clear(&r);
    cr_assert_null(api_parse_json_object((const unsigned char *)"", 0, 0, &r));
    cr_assert_eq(r.status, 400);
    api_reply_clear(&r);
    const char *dup = "{\"a\":1,\"a\":2}";
    cr_assert_null(api_parse_json_object((const unsigned char *)dup, strlen(dup), 0, &r));
    cr_assert_eq(r.status, 400);
    api_reply_clear(&r);

    r.status = 0;
    json_t *v = api_parse_json_object((const unsigned char *)"", 0, 1, &r);
    cr_assert(json_is_null(v), "empty allowed");
    json_decref(v);
    v = api_parse_json_object((const unsigned char *)"{\"a\":1}", 7, 0, &r);
    cr_assert(json_is_object(v));
    cr_assert_eq(r.status, 0);
    json_decref(v);
}
