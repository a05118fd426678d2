#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/sse.h"

Test(sse, parse_last_event_id)
{
    long long n = -1;
    cr_assert_eq(sse_parse_last_id("job-0", "job", &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(sse_parse_last_id(" job-42 ", "job", &n), 0);
    cr_assert_eq(n, 42);
    cr_assert_eq(sse_parse_last_id("org-9000000000", "org", &n), 0);
    cr_assert_eq(n, 9000000000LL);
    cr_assert_eq(sse_parse_last_id("org-1", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("job-", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("job-1x", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("job--1", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("job1", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("job-99999999999999999999999", "job", &n), -1);
    cr_assert_eq(sse_parse_last_id(NULL, "job", &n), -1);
    cr_assert_eq(sse_parse_last_id("start_id", "org", &n), -1);
}

Test(sse, framing)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    cr_assert_eq(sse_frame(&buf, &len, &cap, "quorum_vote", "job-2",
                           "{\"node\":\"n1\",\"status\":\"success\"}"), 0);
    cr_assert_str_eq(buf, "event: quorum_vote\nid: job-2\ndata: {\"node\":\"n1\",\"status\":\"success\"}\n\n");
    cr_assert_eq(len, strlen(buf));
    cr_assert_eq(sse_frame(&buf, &len, &cap, "start_of_history", NULL, "a\nb\r\nc"), 0);
    cr_assert(strstr(buf, "\n\nevent: start_of_history\ndata: a\ndata: b\ndata: c\n\n"), "%s", buf);
    free(buf);
}

Test(sse, frames_grow_past_the_first_block)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char data[3000];
    memset(data, 'x', sizeof data - 1);
    data[sizeof data - 1] = '\0';
    for (int i = 0; i < 10; i++)
        cr_assert_eq(sse_frame(&buf, &len, &cap, "e", "job-1", data), 0);
    cr_assert_eq(len, 10 * (strlen("event: e\nid: job-1\ndata: \n\n") + 2999));
    free(buf);
}

Test(sse, stream_queues_frames_first)
{
    struct sse_stream *s = sse_stream_new(SSE_JOB, "acme", "1", "0123456789abcdef0123456789abcdef", 3);
    cr_assert_not_null(s);
    cr_assert_eq(sse_stream_push(s, "summary", "job-7", "{}"), 0);
    sse_stream_finish(s);
    sse_stream_free(s);
}

static void check_compact(const char *in, const char *want)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    size_t n = sse_json_compact(buf, strlen(buf));
    buf[n] = '\0';
    cr_assert_str_eq(buf, want, "%s", in);
}

/* Stored data is sent compact: what migration 051 moved over is jsonb's text. */
Test(sse, stored_json_is_sent_compact)
{
    check_compact("{\"node\": \"n1\", \"status\": \"success\"}", "{\"node\":\"n1\",\"status\":\"success\"}");
    check_compact("{\"node\":\"n1\"}", "{\"node\":\"n1\"}");
    /* blanks, commas and colons inside strings stay; escaped quotes do not end a string */
    check_compact("{\"a, b\": \"x: \\\", y\\\\\", \"n\": [1, 2, {\"q\": null}], \"e\": {}}",
                  "{\"a, b\":\"x: \\\", y\\\\\",\"n\":[1,2,{\"q\":null}],\"e\":{}}");
    check_compact(" \t{ }\r\n", "{}");
    check_compact("", "");
}
