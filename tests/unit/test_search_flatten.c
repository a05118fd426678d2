/* Attribute flattening for search (shared/search_flatten.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/search_flatten.h"
#include "tests/unit/test_search_fixture.h"

/* Flattens the JSON text attrs for node; asserts the result equals want
 * (JSON text; object order does not matter, array order does). */
static void expect_flat(const char *attrs, const char *node, const char *want, bool want_trunc)
{
    json_error_t je;
    json_t *a = attrs ? json_loads(attrs, JSON_DECODE_ANY, &je) : NULL;
    cr_assert(!attrs || a, "bad test JSON: %s", je.text);
    json_t *w = json_loads(want, 0, &je);
    cr_assert_not_null(w, "bad test JSON: %s", je.text);
    bool trunc = !want_trunc;
    json_t *got = search_flatten(a, node, &trunc);
    cr_assert_not_null(got);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    char *e = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
    cr_expect(json_equal(got, w), "flatten(%s)\n got %s\nwant %s", attrs ? attrs : "NULL", g, e);
    cr_expect_eq(trunc, want_trunc, "truncated flag for %s", attrs ? attrs : "NULL");
    free(g);
    free(e);
    json_decref(got);
    json_decref(w);
    json_decref(a);
}

Test(search_flatten, example_from_the_issue)
{
    expect_flat("{\"name\":\"ignored\",\"platform\":\"debian\",\"roles\":[\"webapp\"],"
                "\"tags\":[\"x\"],\"a\":{\"b\":{\"c\":\"x\"}}}",
                "web1",
                "{\"name\":[\"web1\"],\"platform\":[\"debian\"],\"role\":[\"webapp\"],"
                "\"roles\":[\"webapp\"],\"tags\":[\"x\"],\"a_b_c\":[\"x\"],\"a.b.c\":[\"x\"]}",
                false);
}

Test(search_flatten, scalars_as_text)
{
    expect_flat("{\"i\":42,\"n\":-7,\"big\":9007199254740993,\"r\":0.75,\"w\":2.0,\"t\":0.1,"
                "\"e\":1e20,\"z\":-0.0,\"y\":true,\"f\":false,\"nul\":null,\"s\":\"\","
                "\"u\":\"caf\\u00e9\"}",
                NULL,
                "{\"i\":[\"42\"],\"n\":[\"-7\"],\"big\":[\"9007199254740993\"],\"r\":[\"0.75\"],"
                "\"w\":[\"2.0\"],\"t\":[\"0.1\"],\"e\":[\"1e+20\"],\"z\":[\"-0.0\"],"
                "\"y\":[\"true\"],\"f\":[\"false\"],\"s\":[\"\"],\"u\":[\"caf\\u00e9\"]}",
                false);
}

Test(search_flatten, arrays_and_nesting)
{
    /* arrays of arrays, arrays of objects, duplicates kept once */
    expect_flat("{\"a\":[[1,2],[3,[4]]],\"b\":[\"x\",\"x\",\"y\",\"x\"],"
                "\"if\":[{\"n\":\"eth0\",\"ip\":[\"1.1.1.1\"]},{\"n\":\"eth1\"}],"
                "\"e\":[],\"o\":{},\"m\":{\"k\":[]},\"d\":[null,true]}",
                "n1",
                "{\"name\":[\"n1\"],\"a\":[\"1\",\"2\",\"3\",\"4\"],\"b\":[\"x\",\"y\"],"
                "\"if_n\":[\"eth0\",\"eth1\"],\"if.n\":[\"eth0\",\"eth1\"],"
                "\"if_ip\":[\"1.1.1.1\"],\"if.ip\":[\"1.1.1.1\"],\"d\":[\"true\"]}",
                false);
}

Test(search_flatten, underscore_and_dot_paths)
{
    /* keys that already hold '_' or '.' and colliding paths */
    expect_flat("{\"a_b\":{\"c\":\"1\"},\"a\":{\"b\":{\"c\":\"2\"}},\"a.b\":{\"c\":\"3\"},"
                "\"k.v\":\"4\",\"x\":{\"\":\"5\"}}",
                NULL,
                "{\"a_b_c\":[\"1\",\"2\"],\"a_b.c\":[\"1\"],\"a.b.c\":[\"2\",\"3\"],"
                "\"a.b_c\":[\"3\"],\"k.v\":[\"4\"],\"x_\":[\"5\"],\"x.\":[\"5\"]}",
                false);
}

Test(search_flatten, name_role_and_recipe)
{
    /* the reported name never counts; roles/recipes feed role/recipe */
    expect_flat("{\"name\":\"evil\",\"roles\":[\"a\",\"b\"],\"role\":\"c\","
                "\"recipes\":[\"r::x\"],\"nested\":{\"name\":\"n\"}}",
                "real",
                "{\"name\":[\"real\"],\"roles\":[\"a\",\"b\"],\"role\":[\"c\",\"a\",\"b\"],"
                "\"recipes\":[\"r::x\"],\"recipe\":[\"r::x\"],"
                "\"nested_name\":[\"n\"],\"nested.name\":[\"n\"]}",
                false);
    expect_flat("{\"name\":\"evil\",\"roles\":\"solo\"}", NULL,
                "{\"roles\":[\"solo\"],\"role\":[\"solo\"]}", false);
}

Test(search_flatten, missing_or_odd_attributes)
{
    expect_flat(NULL, "n", "{\"name\":[\"n\"]}", false);
    expect_flat("[1,2]", "n", "{\"name\":[\"n\"]}", false);
    expect_flat("\"text\"", "n", "{\"name\":[\"n\"]}", false);
    expect_flat("{}", NULL, "{}", false);
    json_t *none = search_flatten(NULL, NULL, NULL);
    cr_assert_not_null(none, "truncated may be NULL");
    json_decref(none);
}

Test(search_flatten, strings_with_nul_are_skipped)
{
    json_t *a = json_object();
    cr_assert_eq(json_object_set_new(a, "k", json_stringn("a\0b", 3)), 0);
    cr_assert_eq(json_object_set_new(a, "ok", json_string("v")), 0);
    json_t *got = search_flatten(a, NULL, NULL);
    cr_assert_not_null(got);
    cr_assert_null(json_object_get(got, "k"));
    cr_assert_not_null(json_object_get(got, "ok"));
    json_decref(got);
    json_decref(a);
}

Test(search_flatten, depth_limit)
{
    /* SEARCH_FLATTEN_MAX_DEPTH nested objects: the leaf is still there */
    json_t *leaf = json_string("deep");
    json_t *v = leaf;
    for (int i = 0; i < SEARCH_FLATTEN_MAX_DEPTH; i++)
        v = json_pack("{s:o}", "k", v);
    bool trunc = true;
    json_t *got = search_flatten(v, NULL, &trunc);
    cr_assert_not_null(got);
    cr_expect_not(trunc);
    cr_expect_eq(json_object_size(got), 2, "k_k_..._k and k.k...k");
    json_decref(got);
    /* one more level: left out, and said so */
    v = json_pack("{s:o, s:s}", "k", v, "top", "here");
    got = search_flatten(v, NULL, &trunc);
    cr_assert_not_null(got);
    cr_expect(trunc);
    cr_expect_eq(json_object_size(got), 1);
    cr_expect_not_null(json_object_get(got, "top"));
    json_decref(got);
    json_decref(v);
}

Test(search_flatten, key_length_limit)
{
    char key[SEARCH_FLATTEN_MAX_KEY + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    json_t *a = json_pack("{s:s, s:{s:s}}", key, "too long", "p", key + 2, "x");
    cr_assert_not_null(a);
    bool trunc = false;
    json_t *got = search_flatten(a, NULL, &trunc);
    cr_assert_not_null(got);
    cr_expect(trunc);
    cr_expect_eq(json_object_size(got), 0, "%zu", json_object_size(got));
    json_decref(got);
    json_decref(a);
    /* exactly SEARCH_FLATTEN_MAX_KEY bytes is fine */
    key[SEARCH_FLATTEN_MAX_KEY] = '\0';
    a = json_pack("{s:s}", key, "ok");
    got = search_flatten(a, NULL, &trunc);
    cr_expect_not(trunc);
    cr_expect_not_null(json_object_get(got, key));
    json_decref(got);
    json_decref(a);
}

Test(search_flatten, value_count_limit)
{
    json_t *arr = json_array();
    for (int i = 0; i < SEARCH_FLATTEN_MAX_VALUES + 5; i++)
        cr_assert_eq(json_array_append_new(arr, json_integer(i)), 0);
    json_t *a = json_pack("{s:o, s:s}", "many", arr, "name", "x");
    bool trunc = false;
    json_t *got = search_flatten(a, "node", &trunc);
    cr_assert_not_null(got);
    cr_expect(trunc);
    cr_expect_eq(json_array_size(json_object_get(got, "many")), SEARCH_FLATTEN_MAX_VALUES);
    cr_expect_not_null(json_object_get(got, "name"), "the name is always there");
    json_decref(got);
    json_decref(a);
}

/* Every flattened fixture node has the shape the column's CHECK demands:
 * an object of non-empty arrays of strings, with the node's name. */
Test(search_flatten, fixture_shape)
{
    struct search_fixture fx;
    char msg[256];
    cr_assert_eq(search_fixture_load(SEARCH_FIXTURE_PATH, &fx, msg, sizeof msg), 0, "%s", msg);
    for (size_t i = 0; i < fx.n; i++) {
        const char *key;
        json_t *arr;
        json_object_foreach(fx.flat[i], key, arr) {
            cr_expect(json_is_array(arr) && json_array_size(arr) > 0, "%s.%s", fx.names[i], key);
            size_t j;
            json_t *v;
            json_array_foreach(arr, j, v) cr_expect(json_is_string(v), "%s.%s", fx.names[i], key);
        }
        json_t *name = json_object_get(fx.flat[i], "name");
        cr_expect_eq(json_array_size(name), 1);
        cr_expect_str_eq(json_string_value(json_array_get(name, 0)), fx.names[i]);
    }
    search_fixture_free(&fx);
}
