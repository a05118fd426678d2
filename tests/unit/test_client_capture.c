/* Output capture with truncation (client/capture.c) and fitting output into
 * the succeeded/failed message (client/report.c). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "client/capture.h"
#include "client/report.h"

static const struct wire_node_ident ID = { .node = "n1", .client = "host", .org = "o",
                                           .incarnation_id = "inc" };

Test(client_capture, keeps_head_counts_the_rest)
{
    struct pc_capture c;
    pc_capture_init(&c, 10);
    pc_capture_append(&c, "hello ", 6);
    pc_capture_append(&c, "world!!!", 8);
    pc_capture_append(&c, "more", 4);
    cr_expect_eq(c.len, 10);
    cr_expect_eq(memcmp(c.buf, "hello worl", 10), 0);
    cr_expect_eq(c.dropped, 8);
    pc_capture_free(&c);
    cr_expect_eq(c.len, 0);
    cr_expect_eq(c.limit, 10);
    char m[PC_CAPTURE_MARKER_MAX + 1];
    size_t n = pc_capture_marker(8, m, sizeof m);
    cr_expect_str_eq(m, "\n[pushy-client: output truncated, 8 bytes dropped]\n");
    cr_expect_eq(n, strlen(m));
    cr_expect(pc_capture_marker((size_t)-1, m, sizeof m) < sizeof m);
}

Test(client_capture, large_appends_grow_to_the_limit)
{
    struct pc_capture c;
    pc_capture_init(&c, 100000);
    char *big = malloc(300000);
    memset(big, 'x', 300000);
    for (int i = 0; i < 3; i++)
        pc_capture_append(&c, big, 100000);
    cr_expect_eq(c.len, 100000);
    cr_expect_eq(c.dropped, 200000);
    cr_expect(c.cap <= 100000);
    free(big);
    pc_capture_free(&c);
    pc_capture_init(&c, 0);
    pc_capture_append(&c, "x", 1);
    cr_expect_eq(c.len, 0);
    cr_expect_eq(c.dropped, 1);
    pc_capture_free(&c);
}

static json_t *parse(json_t *msg, size_t *len)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    *len = strlen(s);
    json_t *back = json_loads(s, 0, NULL);
    free(s);
    return back;
}

Test(client_report, small_output_is_sent_whole)
{
    struct pc_capture o, e;
    pc_capture_init(&o, 1000);
    pc_capture_init(&e, 1000);
    pc_capture_append(&o, "out\n", 4);
    pc_capture_append(&e, "err\n", 4);
    json_t *m = pc_report_event(&ID, WIRE_MSG_SUCCEEDED, "j1", &o, &e, 63000);
    cr_assert_not_null(m);
    cr_expect_str_eq(json_string_value(json_object_get(m, "stdout")), "out\n");
    cr_expect_str_eq(json_string_value(json_object_get(m, "stderr")), "err\n");
    cr_expect_str_eq(json_string_value(json_object_get(m, "type")), "succeeded");
    cr_expect_str_eq(json_string_value(json_object_get(m, "job_id")), "j1");
    json_decref(m);
    /* without capture: no output keys */
    m = pc_report_event(&ID, WIRE_MSG_FAILED, "j1", NULL, NULL, 63000);
    cr_expect_null(json_object_get(m, "stdout"));
    cr_expect_null(json_object_get(m, "stderr"));
    json_decref(m);
    /* nack without a job id: null */
    m = pc_report_event(&ID, WIRE_MSG_NACK_COMMIT, NULL, NULL, NULL, 0);
    cr_expect(json_is_null(json_object_get(m, "job_id")));
    json_decref(m);
    pc_capture_free(&o);
    pc_capture_free(&e);
}

static void fill(struct pc_capture *c, size_t n, char ch)
{
    char *b = malloc(n);
    memset(b, ch, n);
    pc_capture_append(c, b, n);
    free(b);
}

Test(client_report, large_output_is_cut_to_fit_with_markers)
{
    size_t limits[] = { 2048, 10000, 65536 };
    for (size_t li = 0; li < 3; li++) {
        size_t max = limits[li];
        struct pc_capture o, e;
        pc_capture_init(&o, 200000);
        pc_capture_init(&e, 200000);
        fill(&o, 150000, 'o');
        /* control characters expand 6x in JSON, invalid UTF-8 3x */
        for (int i = 0; i < 2000; i++)
            pc_capture_append(&e, "\x01\xff", 2);
        json_t *m = pc_report_event(&ID, WIRE_MSG_FAILED, "j1", &o, &e, max);
        cr_assert_not_null(m);
        size_t len;
        json_t *back = parse(m, &len);
        cr_expect(len + PC_SEAL_OVERHEAD <= max, "body %zu + overhead > %zu", len, max);
        const char *so = json_string_value(json_object_get(back, "stdout"));
        const char *se = json_string_value(json_object_get(back, "stderr"));
        cr_assert(so && se);
        cr_expect(strncmp(so, "ooo", 3) == 0, "head kept");
        cr_expect(strstr(so, "[pushy-client: output truncated, ") != NULL, "stdout marker");
        if (max == 65536) /* a short stream that fits stays whole */
            cr_expect_eq(strlen(se), 8000, "stderr whole (\\u0001 + U+FFFD per pair)");
        else
            cr_expect(strstr(se, "[pushy-client: output truncated, ") != NULL, "stderr marker");
        cr_expect(len > max / 2, "not cut more than needed: %zu of %zu", len, max);
        json_decref(back);
        json_decref(m);
        pc_capture_free(&o);
        pc_capture_free(&e);
    }
}

Test(client_report, capture_limit_marker_survives)
{
    struct pc_capture o, e;
    pc_capture_init(&o, 100);
    pc_capture_init(&e, 100);
    fill(&o, 150, 'a');
    json_t *m = pc_report_event(&ID, WIRE_MSG_SUCCEEDED, "j1", &o, &e, 63000);
    const char *so = json_string_value(json_object_get(m, "stdout"));
    cr_expect(strstr(so, "output truncated, 50 bytes dropped") != NULL, "%s", so);
    cr_expect_str_eq(json_string_value(json_object_get(m, "stderr")), "");
    json_decref(m);
    pc_capture_free(&o);
    pc_capture_free(&e);
}

Test(client_report, tiny_limit_drops_output_but_still_reports)
{
    struct pc_capture o, e;
    pc_capture_init(&o, 1000);
    pc_capture_init(&e, 1000);
    fill(&o, 1000, 'a');
    json_t *m = pc_report_event(&ID, WIRE_MSG_SUCCEEDED, "j1", &o, &e, 150);
    cr_assert_not_null(m, "the final state is never lost");
    cr_expect_str_eq(json_string_value(json_object_get(m, "type")), "succeeded");
    json_decref(m);
    pc_capture_free(&o);
    pc_capture_free(&e);
}
