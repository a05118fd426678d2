#include <criterion/criterion.h>
#include <string.h>

#include "cli/api_error.h"

static const char *line(long status, const char *body)
{
    static char out[512];
    cli_error_line(status, body, body ? strlen(body) : 0, out, sizeof out);
    return out;
}

Test(cli_api_error, json_error_bodies)
{
    cr_assert_str_eq(line(403, "{\"error\":[\"User or client 'x' does not have access to that "
                               "action on this server.\"]}"),
                     "403 Forbidden: User or client 'x' does not have access to that action on "
                     "this server.");
    cr_assert_str_eq(line(401, "{\"error\":[\"Failed to authenticate as 'bob'.\","
                               "\"Check your key.\"]}"),
                     "401 Unauthorized: Failed to authenticate as 'bob'.; Check your key.");
    cr_assert_str_eq(line(400, "{\"error\":\"invalid key supplied\"}"),
                     "400 Bad Request: invalid key supplied");
    cr_assert_str_eq(line(404, "{\"error\":[\"node 'n\\nx' not found\"]}"),
                     "404 Not Found: node 'n x' not found");
    cr_assert_str_eq(line(500, "{\"message\":\"boom\"}"), "500 Internal Server Error: boom");
}

Test(cli_api_error, other_bodies)
{
    cr_assert_str_eq(line(404, NULL), "404 Not Found");
    cr_assert_str_eq(line(404, ""), "404 Not Found");
    cr_assert_str_eq(line(502, "upstream down\n"), "502 Bad Gateway: upstream down");
    cr_assert_str_eq(line(502, "<html><body>Bad Gateway</body></html>"), "502 Bad Gateway");
    cr_assert_str_eq(line(418, "{\"error\":[]}"), "418");
    cr_assert_str_eq(line(500, "{\"unrelated\":1}"), "500 Internal Server Error");
    cr_assert_str_eq(line(500, "[1,2]"), "500 Internal Server Error");
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_str_eq(line(503, big), "503 Service Unavailable");
    cr_assert_str_eq(line(400, "bin\x01" "ary"), "400 Bad Request");
}

Test(cli_api_error, truncates_to_the_buffer)
{
    char out[20];
    const char *body = "{\"error\":[\"a long message that does not fit\"]}";
    cli_error_line(403, body, strlen(body), out, sizeof out);
    cr_assert_str_eq(out, "403 Forbidden: a lo");
    cr_assert_str_eq(cli_http_reason(999), "");
}
