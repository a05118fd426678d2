/* apid/json_write.h's json_buf (text written piece by piece) and the
 * writers built on it, apid/job_view.c and apid/node_view.c: every text
 * must be what json_dumps(JSON_COMPACT) gives for the jansson tree the
 * handlers used to build. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/job_view.h"
#include "apid/json_write.h"
#include "apid/node_view.h"
#include "shared/timefmt.h"

/* Finishes b and compares it with json_dumps of want (consumed). */
static void same_text(struct json_buf *b, json_t *want)
{
    cr_assert_not_null(want);
    char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = json_buf_finish(b, &len);
    cr_assert_not_null(w);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, w);
    cr_assert_eq(len, strlen(w));
    cr_assert_null(b->p); /* the buffer is reset */
    free(w);
    free(got);
    json_decref(want);
}

static void string_as_jansson(const char *s)
{
    struct json_buf b = { 0 };
    json_buf_string(&b, s);
    same_text(&b, json_string(s));
}

Test(json_buf, strings_are_escaped_as_jansson_does)
{
    string_as_jansson("");
    string_as_jansson("plain-node.example.com");
    string_as_jansson("quote \" backslash \\ slash / tab \t nl \n cr \r");
    string_as_jansson("\b\f\x01\x1f\x7f\x20");
    char all[32];
    for (int i = 1; i < 32; i++)
        all[i - 1] = (char)i;
    all[31] = '\0';
    string_as_jansson(all);
    string_as_jansson("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf");
    string_as_jansson("</script><!-- & ' \u2028");
}

Test(json_buf, strings_jansson_refuses_fail_the_buffer)
{
    const char *bad[] = {
        "\x80",             /* continuation byte first */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\x80",     /* overlong 3 bytes */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf0\x80\x80\x80", /* overlong 4 bytes */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* no such lead byte */
        "ok\xc3",           /* cut at the end */
        "\xe2\x82",         /* cut */
        "\xe2\x28\xa1",     /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_null(json_string(bad[i]), "jansson refuses case %zu", i);
        struct json_buf b = { 0 };
        json_buf_lit(&b, "[");
        json_buf_string(&b, bad[i]);
        json_buf_lit(&b, "]");
        cr_assert(b.failed, "case %zu", i);
        cr_assert_null(json_buf_finish(&b, NULL), "case %zu", i);
    }
}

Test(json_buf, values_and_members)
{
    json_t *o = json_pack("{s:s, s:i, s:{s:[b, n, f]}}", "a", "x\"y", "b", -7, "c", "d", 1, 0.5);
    struct json_buf b = { 0 };
    json_buf_value(&b, o);
    same_text(&b, json_incref(o));

    json_buf_lit(&b, "{");
    json_buf_members(&b, o);
    json_buf_lit(&b, ",\"more\":");
    json_buf_string(&b, "m");
    json_buf_lit(&b, "}");
    json_t *want = json_deep_copy(o);
    json_object_set_new(want, "more", json_string("m"));
    same_text(&b, want);
    json_decref(o);

    json_t *one = json_integer(1);
    json_buf_members(&b, one);
    json_decref(one);
    cr_assert(b.failed);
    json_buf_free(&b);
    json_buf_value(&b, NULL);
    cr_assert_null(json_buf_finish(&b, NULL));
}

Test(json_buf, an_empty_buffer_finishes_as_empty_text)
{
    struct json_buf b = { 0 };
    size_t len = 9;
    char *t = json_buf_finish(&b, &len);
    cr_assert_not_null(t);
    cr_assert_str_eq(t, "");
    cr_assert_eq(len, 0);
    free(t);
}

static const struct job_row ROW = {
    .id = "0123456789abcdef0123456789abcdef", .command = "chef-client \"quoted\"\n",
    .status = "complete", .quorum = 2, .run_timeout = 3600,
    .options_json = "{\"capture_output\":true,\"user\":\"u\",\"dir\":\"/d\","
                    "\"env\":{\"A\":\"1\",\"B\":\"x\\u0001\"},\"file\":\"raw:x\"}",
    .created_at = 1362510704, .updated_at = 1362510709, .search = "name:web*",
};

/* job_view_write_detail against job_view_detail + job_view_add_nodes. */
static void detail_as_jansson(const struct job_row *r, bool include_file,
                              const char *const *names, const char *const *states, size_t n)
{
    json_t *want = job_view_detail(r, include_file);
    cr_assert_not_null(want);
    cr_assert_eq(job_view_add_nodes(want, names, states, n), 0);
    struct json_buf b = { 0 };
    job_view_write_detail(&b, r, include_file, names, states, n);
    same_text(&b, want);
}

Test(job_view_text, detail_is_the_jansson_text)
{
    const char *names[] = { "a\"b", "n1", "n2", "n3", "n4", "n5", "n\\6", "z" };
    const char *states[] = { "succeeded", "failed", "succeeded", "unavailable", "failed",
                             "was_ready", "succeeded", "aborted" };
    detail_as_jansson(&ROW, false, names, states, 8);
    detail_as_jansson(&ROW, true, names, states, 8);
    detail_as_jansson(&ROW, false, NULL, NULL, 0);
    detail_as_jansson(&ROW, false, names, states, 1);
    struct job_row plain = ROW;
    plain.options_json = "{}";
    plain.search = NULL;
    detail_as_jansson(&plain, false, names + 3, states + 3, 5);
}

Test(job_view_text, groups_come_in_state_order_names_keep_theirs)
{
    /* rows as the query returns them: node name order */
    const char *names[] = { "a", "b", "c", "d", "e", "f", "g" };
    const char *states[] = { "unavailable", "crashed", "succeeded", "crashed", "aborted",
                             "unavailable", "crashed" };
    struct json_buf b = { 0 };
    job_view_write_nodes(&b, names, states, 7);
    char *t = json_buf_finish(&b, NULL);
    cr_assert_str_eq(t, "{\"aborted\":[\"e\"],\"crashed\":[\"b\",\"d\",\"g\"],"
                        "\"succeeded\":[\"c\"],\"unavailable\":[\"a\",\"f\"]}");
    free(t);
}

Test(job_view_text, many_nodes_match_jansson)
{
    static const char *const st[] = { "new", "ready", "running", "succeeded", "failed",
                                       "aborted", "crashed", "nacked", "unavailable",
                                       "was_ready", "timed_out" };
    enum { N = 1000 };
    static char buf[N][16];
    const char *names[N], *states[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "node%04d", i);
        names[i] = buf[i];
        seed = seed * 1103515245u + 12345u;
        states[i] = st[(seed >> 16) % 11];
    }
    detail_as_jansson(&ROW, false, names, states, N);
}

/* node_view_write against json_pack of the same fields. */
static void node_as_jansson(const char *name, const char *epoch, time_t t,
                            struct node_view_when *when)
{
    char text[TIME_RFC1123_SIZE];
    if (time_format_rfc1123(t, text, sizeof text))
        text[0] = '\0'; /* what the handler always did: an empty date */
    json_t *want = json_pack("{s:s, s:s, s:s, s:s}", "node_name", name, "status", "up",
                             "availability", "available", "updated_at", text);
    struct json_buf b = { 0 };
    node_view_write(&b, name, "up", "available", epoch, when);
    same_text(&b, want);
}

Test(node_view, a_node_state_is_the_jansson_text)
{
    struct node_view_when when = { 0 };
    node_as_jansson("sim00001", "1764069600", 1764069600, &when);
    node_as_jansson("we\"ird\\name", "1764069600", 1764069600, &when); /* reused date */
    node_as_jansson("caf\xc3\xa9", "1764069601", 1764069601, &when);     /* next second */
    node_as_jansson("old", "0", 0, &when);
    node_as_jansson("before-1970", "-86400", -86400, &when);
    node_as_jansson("garbage", "x", 0, &when); /* as strtoll: no digits, 0 */
    node_as_jansson("trailing", "1362510704.5", 1362510704, &when);
    struct node_view_when fresh = { 0 };
    node_as_jansson("fresh", "0", 0, &fresh); /* t = 0 on a fresh cache is formatted */
}

Test(node_view, a_name_that_is_not_utf8_fails_like_jansson)
{
    struct node_view_when when = { 0 };
    struct json_buf b = { 0 };
    node_view_write(&b, "bad\xff", "up", "available", "1", &when);
    cr_assert_null(json_buf_finish(&b, NULL));
}
