/* Attributes -> flattened search keys (see search_flatten.h). */
#include "shared/search_flatten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flat {
    json_t *out;
    json_t *seen;  /* key -> object used as the set of its values */
    size_t nvalues;
    bool truncated;
    char us[SEARCH_FLATTEN_MAX_KEY + 1];  /* current path joined with '_' */
    char dot[SEARCH_FLATTEN_MAX_KEY + 1]; /* and with '.' */
};

/* Adds value to key unless present; 0, or -1 on allocation failure. */
static int add_one(struct flat *f, const char *key, const char *value)
{
    json_t *set = json_object_get(f->seen, key);
    if (!set) {
        set = json_object();
        if (!set || json_object_set_new(f->seen, key, set))
            return -1;
    }
    if (json_object_get(set, value))
        return 0;
    if (f->nvalues >= SEARCH_FLATTEN_MAX_VALUES) {
        f->truncated = true;
        return 0;
    }
    json_t *arr = json_object_get(f->out, key);
    if (!arr) {
        arr = json_array();
        if (!arr || json_object_set_new(f->out, key, arr))
            return -1;
    }
    if (json_array_append_new(arr, json_string(value)) || json_object_set_new(set, value, json_true()))
        return -1;
    f->nvalues++;
    return 0;
}

/* Shortest "%.Ng" that reads back as v, with ".0" when it looks whole. */
static void real_text(double v, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strncat(buf, ".0", n - strlen(buf) - 1);
}

static int walk(struct flat *f, const json_t *v, size_t len, int depth)
{
    char num[64];
    const char *text = NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        text = json_string_value(v);
        if (strlen(text) != json_string_length(v))
            return 0; /* embedded NUL: PostgreSQL text can not hold it */
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        text = num;
        break;
    case JSON_REAL:
        real_text(json_real_value(v), num, sizeof num);
        text = num;
        break;
    case JSON_TRUE:
        text = "true";
        break;
    case JSON_FALSE:
        text = "false";
        break;
    case JSON_NULL:
        return 0;
    case JSON_ARRAY:
    case JSON_OBJECT:
        break;
    }
    if (text) {
        if (add_one(f, f->us, text))
            return -1;
        return strcmp(f->us, f->dot) != 0 ? add_one(f, f->dot, text) : 0;
    }
    if (depth >= SEARCH_FLATTEN_MAX_DEPTH) {
        f->truncated = true;
        return 0;
    }
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) {
            if (walk(f, e, len, depth + 1))
                return -1;
        }
        return 0;
    }
    const char *key;
    const json_t *e;
    json_object_foreach((json_t *)v, key, e) {
        size_t sep = len > 0, klen = strlen(key);
        if (len + sep + klen > SEARCH_FLATTEN_MAX_KEY) {
            f->truncated = true;
            continue;
        }
        if (sep) {
            f->us[len] = '_';
            f->dot[len] = '.';
        }
        memcpy(f->us + len + sep, key, klen + 1);
        memcpy(f->dot + len + sep, key, klen + 1);
        int rc = walk(f, e, len + sep + klen, depth + 1);
        f->us[len] = '\0';
        f->dot[len] = '\0';
        if (rc)
            return -1;
    }
    return 0;
}

/* Adds every value of key from to key to (role <- roles). */
static int copy_values(struct flat *f, const char *from, const char *to)
{
    json_t *src = json_object_get(f->out, from);
    if (!src)
        return 0;
    src = json_copy(src); /* add_one may grow the same object */
    if (!src)
        return -1;
    size_t i;
    json_t *e;
    int rc = 0;
    json_array_foreach(src, i, e) {
        if (add_one(f, to, json_string_value(e))) {
            rc = -1;
            break;
        }
    }
    json_decref(src);
    return rc;
}

json_t *search_flatten(const json_t *attributes, const char *node_name, bool *truncated)
{
    struct flat *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->out = json_object();
    f->seen = json_object();
    int rc = f->out && f->seen ? 0 : -1;
    if (rc == 0 && json_is_object(attributes))
        rc = walk(f, attributes, 0, 0);
    if (rc == 0)
        rc = copy_values(f, "roles", "role");
    if (rc == 0)
        rc = copy_values(f, "recipes", "recipe");
    if (rc == 0 && node_name) {
        json_t *name = json_pack("[s]", node_name);
        rc = name ? json_object_set_new(f->out, "name", name) : -1;
    } else if (rc == 0) {
        json_object_del(f->out, "name"); /* never the reported one */
    }
    json_t *out = f->out;
    if (truncated)
        *truncated = f->truncated;
    json_decref(f->seen);
    free(f);
    if (rc) {
        json_decref(out);
        return NULL;
    }
    return out;
}
