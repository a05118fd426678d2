#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commandd/hbbatch.h"
#include "heartbeatd/hbscan.h"

struct got {
    int n;
    char items[64][3][300];
};

static void collect(void *ctx, const char *org, const char *node, const char *inc)
{
    struct got *g = ctx;
    cr_assert_lt(g->n, 64);
    snprintf(g->items[g->n][0], 300, "%s", org);
    snprintf(g->items[g->n][1], 300, "%s", node);
    snprintf(g->items[g->n][2], 300, "%s", inc);
    g->n++;
}

/* What heartbeatd read with jansson before: items[k][0..2] as strings. */
static void via_jansson(const char *buf, size_t len, struct got *g)
{
    json_t *m = json_loadb(buf, len, 0, NULL);
    cr_assert_not_null(m);
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(m, "items"), k, it)
        collect(g, json_string_value(json_array_get(it, 0)), json_string_value(json_array_get(it, 1)),
                json_string_value(json_array_get(it, 2)));
    json_decref(m);
}

Test(hbscan, reads_what_commandd_writes)
{
    struct hb_batch b;
    hb_batch_init(&b);
    cr_assert_eq(hb_batch_add(&b, "org", "n1", "inc-1", "idle", NULL), 0);
    cr_assert_eq(hb_batch_add(&b, "org", "n.2:x_y-z", "2b6d3f0e-8c1a", "running", "job-9"), 0);
    cr_assert_eq(hb_batch_add(&b, "o", "", "i", "idle", NULL), 0); /* rejected later by track() */
    size_t len = 0;
    const char *text = hb_batch_finish(&b, &len);
    cr_assert_not_null(text);
    struct got a = {0}, j = {0};
    cr_assert_eq(hb_scan_batch(text, len, collect, &a), 3);
    via_jansson(text, len, &j);
    cr_assert_eq(a.n, j.n);
    for (int i = 0; i < a.n; i++)
        for (int f = 0; f < 3; f++)
            cr_assert_str_eq(a.items[i][f], j.items[i][f]);
    hb_batch_free(&b);
}

Test(hbscan, refuses_what_it_does_not_know_before_handing_anything_over)
{
    const char *bad[] = {
        "", "{}", "{\"type\":\"heartbeat\",\"items\":[]}",
        "{\"type\":\"heartbeats\",\"items\":[",
        "{\"type\":\"heartbeats\",\"items\":[]",
        "{\"type\":\"heartbeats\",\"items\":[]} ",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",null],]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",null],[\"o\",\"n\\\"\",\"i\",\"idle\",null]]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",null],[\"o\",\"n\"]]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",null],[\"o\",\"n\",7,\"idle\",null]]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",nul]]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",true]]}",
        "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\xc3\xa9\",\"idle\",null]]}",
        "{\"type\":\"heartbeats\",\"items\":[ [\"o\",\"n\",\"i\",\"idle\",null]]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct got g = {0};
        cr_assert_eq(hb_scan_batch(bad[i], strlen(bad[i]), collect, &g), -1, "accepted %s", bad[i]);
        cr_assert_eq(g.n, 0, "handed over items of %s", bad[i]);
    }
    /* an incarnation over WIRE_INCARNATION_MAX goes the jansson way too */
    char big[600];
    snprintf(big, sizeof big, "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"%0200d\",\"idle\",null]]}", 1);
    struct got g = {0};
    cr_assert_eq(hb_scan_batch(big, strlen(big), collect, &g), -1);
    const char *empty = "{\"type\":\"heartbeats\",\"items\":[]}";
    cr_assert_eq(hb_scan_batch(empty, strlen(empty), collect, &g), 0);
    cr_assert_eq(hb_scan_batch(NULL, 0, collect, &g), -1);
}

/* A string that needs escaping makes commandd write an escape: refused, so
 * heartbeatd falls back to jansson, which decodes it. */
Test(hbscan, escaped_strings_fall_back)
{
    struct hb_batch b;
    hb_batch_init(&b);
    cr_assert_eq(hb_batch_add(&b, "org", "n1", "in\"c", "idle", NULL), 0);
    size_t len = 0;
    const char *text = hb_batch_finish(&b, &len);
    struct got g = {0};
    cr_assert_eq(hb_scan_batch(text, len, collect, &g), -1);
    cr_assert_eq(g.n, 0);
    hb_batch_free(&b);
}
