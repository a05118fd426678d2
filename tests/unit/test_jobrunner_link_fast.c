/* The node_state report's hand-made line (jobrunner/job_link.c): what the
 * job process writes is what jobrunner's fast parser reads, the same as
 * jansson would, and anything else is left to jansson. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobrunner/job_link.h"

static char *line_through_socket(const json_t *reports, size_t *len)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cr_assert_eq(job_link_write_lines(sv[0], reports), 0);
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
    json_t *reps = json_array();
    json_array_append_new(reps, job_link_node_state("web-01.example:x_y", "succeeded",
                                                    1732530000123456LL));
    json_array_append_new(reps, job_link_job_state("complete", 7));
    size_t len;
    char *buf = line_through_socket(reps, &len);
    char *nl = strchr(buf, '\n');
    cr_assert_not_null(nl);
    size_t l1 = (size_t)(nl - buf);
    /* jansson reads the hand-made line as the same object */
    json_t *back = json_loadb(buf, l1, 0, NULL);
    cr_assert(json_equal(back, json_array_get(reps, 0)));
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
    json_decref(reps);
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

Test(link_fast, unusual_node_state_objects_still_go_through_jansson)
{
    /* an extra field: not the fixed shape, so json_dumps writes it */
    json_t *reps = json_array();
    json_t *r = job_link_node_state("n1", "ready", 3);
    json_object_set_new(r, "extra", json_true());
    json_array_append_new(reps, r);
    size_t len;
    char *buf = line_through_socket(reps, &len);
    json_t *back = json_loadb(buf, len - 1, 0, NULL);
    cr_assert(json_equal(back, r));
    json_decref(back);
    json_decref(reps);
}
