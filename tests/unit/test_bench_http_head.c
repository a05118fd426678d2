/* bench/http_head: apiload's response-head parser. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/http_head.h"

static int parse(const char *s, struct http_head *h)
{
    size_t e = http_head_end(s, strlen(s));
    cr_assert_neq(e, 0, "no head end in %s", s);
    return http_head_parse(s, e, h);
}

Test(http_head, end_is_found_only_after_the_blank_line)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    cr_assert_eq(http_head_end(s, strlen(s)), strlen(s) - 2);
    cr_assert_eq(http_head_end(s, 20), 0);
    cr_assert_eq(http_head_end("HTTP/1.1 200 OK\r\n\r", 18), 0);
}

Test(http_head, status_length_and_keep_alive)
{
    struct http_head h;
    cr_assert_eq(parse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "content-length:  5123 \r\nDate: x\r\n\r\n", &h), 0);
    cr_assert_eq(h.status, 200);
    cr_assert_eq(h.content_length, 5123);
    cr_assert(!h.chunked);
    cr_assert(!h.close);
}

Test(http_head, no_length_chunked_and_close)
{
    struct http_head h;
    cr_assert_eq(parse("HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: gzip, Chunked\r\n"
                       "Connection: Close\r\n\r\n", &h), 0);
    cr_assert_eq(h.status, 401);
    cr_assert_eq(h.content_length, -1);
    cr_assert(h.chunked);
    cr_assert(h.close);
}

Test(http_head, http_1_0_closes_unless_kept_alive)
{
    struct http_head h;
    cr_assert_eq(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &h), 0);
    cr_assert(h.close);
    cr_assert_eq(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
                       &h), 0);
    cr_assert(!h.close);
}

Test(http_head, malformed_heads_are_refused)
{
    struct http_head h;
    const char *bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\nX: y\r\n\r\n",
        "HTTP/1.1 600 Nope\r\n\r\n",
        "ICY 200 OK\r\nX: y\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i], &h), -1, "accepted: %s", bad[i]);
    cr_assert_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", &h),
                 0);
    cr_assert_eq(h.content_length, 3);
}
