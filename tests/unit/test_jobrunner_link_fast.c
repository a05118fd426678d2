/* The node_state report's hand-made line (jobrunner/job_link.c): what the
 * job process writes (job_link_node_state_line, sent with
 * job_link_write_text) is what jobrunner's fast parser reads, the same as
 * jansson would, and anything else is left to jansson. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobrunner/job_link.h"

static char *line_through_socket(const struct textbuf *reports, size_t *len)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cr_assert_eq(job_link_write_text(sv[0], reports->p, reports->len), 0);
    close(sv[0]);
    static char buf[65536];
    size_t n = 0;
    ssize_t r;
    while ((r = read(sv[1], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(sv[1]);
    buf[n] = '\0';
    *len = n;
    return buf;
}

Test(link_fast, node_state_round_trip_matches_jansson)
{
    struct textbuf t = { 0 };
    cr_assert_eq(job_link_node_state_line(&t, "web-01.example:x_y", "succeeded",
                                          1732530000123456LL), 0);
    cr_assert_eq(job_link_job_state_line(&t, "complete", 7), 0);
    json_t *want = job_link_node_state("web-01.example:x_y", "succeeded", 1732530000123456LL);
    size_t len;
    char *buf = line_through_socket(&t, &len);
    char *nl = strchr(buf, '\n');
    cr_assert_not_null(nl);
    size_t l1 = (size_t)(nl - buf);
    /* jansson reads the hand-made line as the same object */
    json_t *back = json_loadb(buf, l1, 0, NULL);
    cr_assert(json_equal(back, want));
    json_decref(back);
    char node[256], status[32];
    int64_t at = 0;
    cr_assert_eq(job_link_parse_node_state(buf, l1, node, sizeof node, status, sizeof status, &at), 0);
    cr_assert_str_eq(node, "web-01.example:x_y");
    cr_assert_str_eq(status, "succeeded");
    cr_assert_eq(at, 1732530000123456LL);
    /* the second line (job_state) is not a node_state */
    cr_assert_neq(job_link_parse_node_state(nl + 1, strlen(nl + 1) - 1, node, sizeof node, status,
                                            sizeof status, &at), 0);
    json_decref(want);
    textbuf_free(&t);
}

Test(link_fast, refuses_other_shapes)
{
    char node[16], status[16];
    int64_t at;
    static const char *const bad[] = {
        "{\"type\":\"node_state\",\"node\":\"n\",\"status\":\"ready\",\"at_us\":1 }",
        "{\"type\":\"node_state\",\"node\":\"n\",\"status\":\"ready\",\"at_us\":}",
        "{\"type\":\"node_state\",\"node\":\"n\",\"status\":\"ready\",\"at_us\":1",
        "{\"type\":\"node_state\",\"node\":\"\",\"status\":\"ready\",\"at_us\":1}",
        "{\"type\":\"node_state\",\"node\":\"a\\\"b\",\"status\":\"ready\",\"at_us\":1}",
        "{\"type\":\"node_state\",\"node\":\"n/x\",\"status\":\"ready\",\"at_us\":1}",
        "{\"type\":\"node_state\", \"node\":\"n\",\"status\":\"ready\",\"at_us\":1}",
        "{\"type\":\"event\",\"event\":{}}",
        "{\"type\":\"node_state\",\"node\":\"n\",\"status\":\"ready\",\"at_us\":99999999999999999999}",
        "{\"type\":\"node_state\",\"node\":\"waytoolongforthebuffer\",\"status\":\"ready\",\"at_us\":1}",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(job_link_parse_node_state(bad[i], strlen(bad[i]), node, sizeof node, status,
                                               sizeof status, &at),
                     -1, "accepted: %s", bad[i]);
    const char *ok = "{\"type\":\"node_state\",\"node\":\"n\",\"status\":\"ready\",\"at_us\":-5}";
    cr_assert_eq(job_link_parse_node_state(ok, strlen(ok), node, sizeof node, status,
                                           sizeof status, &at), 0);
    cr_assert_eq(at, -5);
}

Test(link_fast, unusual_node_state_names_still_go_through_jansson)
{
    /* a name that is not plain: json_dumps escapes it, the fast parser
     * refuses the line and jansson reads it back as the same object */
    struct textbuf t = { 0 };
    cr_assert_eq(job_link_node_state_line(&t, "we\"ird", "ready", 3), 0);
    json_t *want = job_link_node_state("we\"ird", "ready", 3);
    size_t len;
    char *buf = line_through_socket(&t, &len);
    cr_assert_gt(len, 1);
    char node[64], status[32];
    int64_t at;
    cr_assert_eq(job_link_parse_node_state(buf, len - 1, node, sizeof node, status, sizeof status,
                                           &at), -1);
    json_t *back = json_loadb(buf, len - 1, 0, NULL);
    cr_assert(json_equal(back, want));
    json_decref(back);
    json_decref(want);
    textbuf_free(&t);
}
