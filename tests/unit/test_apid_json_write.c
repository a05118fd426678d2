/* apid/json_write.c: same bytes as json_dumps(v, JSON_COMPACT). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/json_write.h"

static void same_as_jansson(json_t *v)
{
    cr_assert_not_null(v);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = json_write_compact(v, &len);
    cr_assert_not_null(want);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, want);
    cr_assert_eq(len, strlen(want));
    free(want);
    free(got);
    json_decref(v);
}

Test(json_write, scalars)
{
    same_as_jansson(json_true());
    same_as_jansson(json_false());
    same_as_jansson(json_null());
    same_as_jansson(json_integer(0));
    same_as_jansson(json_integer(-1));
    same_as_jansson(json_integer(1234567890123LL));
    same_as_jansson(json_integer(INT64_MIN));
    same_as_jansson(json_integer(INT64_MAX));
    same_as_jansson(json_string(""));
    same_as_jansson(json_string("plain"));
}

Test(json_write, reals)
{
    const double vals[] = { 0.0, -0.0, 1.0, -2.5, 0.1, 1e300, 1e-5, 123456789012345678.0,
                            3.141592653589793, 1e21, 5e-324, 1.5e-7, 100.0 };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        same_as_jansson(json_real(vals[i]));
}

Test(json_write, string_escapes)
{
    same_as_jansson(json_string("quote \" backslash \\ slash / tab \t nl \n cr \r"));
    same_as_jansson(json_string("\b\f\x01\x1f\x7f"));
    same_as_jansson(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    same_as_jansson(json_stringn("nul\0inside", 10));
    same_as_jansson(json_stringn("\0", 1));
}

Test(json_write, containers_keep_insertion_order)
{
    same_as_jansson(json_object());
    same_as_jansson(json_array());
    same_as_jansson(json_pack("{s:s, s:i, s:b, s:n, s:[i, s, {}], s:{s:{s:[]}}}", "zeta", "z",
                              "alpha", 1, "mid", 1, "nothing", "list", 1, "two", "nest", "a",
                              "b"));
    json_t *o = json_object();
    json_object_set_new(o, "k\"ey\n", json_string("v"));
    json_object_set_new(o, "", json_integer(0));
    same_as_jansson(o);
}

Test(json_write, a_node_state_list)
{
    json_t *list = json_array();
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "sim%05d", i);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "node_name", name,
                                              "status", i % 3 ? "up" : "down", "availability",
                                              "available", "changed_at",
                                              "Wed, 25 Nov 2026 11:20:00 GMT"));
    }
    same_as_jansson(list);
}

Test(json_write, deep_nesting)
{
    json_t *v = json_array();
    json_t *top = v;
    for (int i = 0; i < 100; i++) {
        json_t *inner = json_array();
        json_array_append_new(v, inner);
        v = inner;
    }
    same_as_jansson(top);
}

Test(json_write, null_is_refused)
{
    cr_assert_null(json_write_compact(NULL, NULL));
}
