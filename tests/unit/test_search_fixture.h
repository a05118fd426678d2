/* The 50-node search fixture (tests/fixtures/search_nodes.json), shared by
 * the search unit tests and tests/tools/search_eval.c: loads it, flattens
 * every node with search_flatten(), and turns matched node sets into a
 * canonical text (names sorted by byte order, separated by one space). */
#ifndef PUSHY_TEST_SEARCH_FIXTURE_H
#define PUSHY_TEST_SEARCH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/search_flatten.h"
#include "shared/search_query.h"

#define SEARCH_FIXTURE_PATH "tests/fixtures/search_nodes.json"

struct search_fixture {
    size_t n;
    json_t *doc;          /* the fixture document */
    const char **names;   /* names[i]: node i (strings owned by doc) */
    json_t **attributes;  /* borrowed from doc */
    json_t **flat;        /* search_flatten() of each node */
};

static inline void search_fixture_free(struct search_fixture *fx)
{
    for (size_t i = 0; fx->flat && i < fx->n; i++)
        json_decref(fx->flat[i]);
    free(fx->flat);
    free(fx->attributes);
    free(fx->names);
    json_decref(fx->doc);
    memset(fx, 0, sizeof *fx);
}

/* Returns 0, or -1 with a message in err. */
static inline int search_fixture_load(const char *path, struct search_fixture *fx,
                                      char *err, size_t errlen)
{
    memset(fx, 0, sizeof *fx);
    json_error_t je;
    fx->doc = json_load_file(path, 0, &je);
    json_t *nodes = json_object_get(fx->doc, "nodes");
    if (!json_is_array(nodes)) {
        snprintf(err, errlen, "%s: %s", path, fx->doc ? "no \"nodes\" array" : je.text);
        search_fixture_free(fx);
        return -1;
    }
    fx->n = json_array_size(nodes);
    fx->names = calloc(fx->n ? fx->n : 1, sizeof *fx->names);
    fx->attributes = calloc(fx->n ? fx->n : 1, sizeof *fx->attributes);
    fx->flat = calloc(fx->n ? fx->n : 1, sizeof *fx->flat);
    if (!fx->names || !fx->attributes || !fx->flat) {
        snprintf(err, errlen, "out of memory");
        search_fixture_free(fx);
        return -1;
    }
    for (size_t i = 0; i < fx->n; i++) {
        json_t *node = json_array_get(nodes, i);
        fx->names[i] = json_string_value(json_object_get(node, "name"));
        fx->attributes[i] = json_object_get(node, "attributes");
        fx->flat[i] = fx->names[i] ? search_flatten(fx->attributes[i], fx->names[i], NULL) : NULL;
        if (!fx->flat[i]) {
            snprintf(err, errlen, "%s: node %zu has no name or can not be flattened", path, i);
            search_fixture_free(fx);
            return -1;
        }
    }
    return 0;
}

static inline int search_fixture_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts names[0..n) and joins them with spaces (malloc'd). */
static inline char *search_fixture_join(const char **names, size_t n)
{
    qsort(names, n, sizeof *names, search_fixture_strcmp);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o = '\0';
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%s%s", i ? " " : "", names[i]);
    return out;
}

/* The evaluator's matches for q, canonical text (malloc'd). */
static inline char *search_fixture_match(const struct search_fixture *fx,
                                         const struct search_query *q)
{
    const char **hits = calloc(fx->n ? fx->n : 1, sizeof *hits);
    if (!hits)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < fx->n; i++)
        if (search_match(q, fx->flat[i]))
            hits[k++] = fx->names[i];
    char *out = search_fixture_join(hits, k);
    free(hits);
    return out;
}

/* Canonical text of an expected set: "" (none), "a b ..." (those nodes),
 * "ALL", or "ALL EXCEPT a b ..." (malloc'd; NULL when a name is not in
 * the fixture). */
static inline char *search_fixture_expand(const struct search_fixture *fx, const char *spec)
{
    bool all = strncmp(spec, "ALL", 3) == 0 && (spec[3] == '\0' || spec[3] == ' ');
    const char *list = spec;
    if (all) {
        list = spec + 3;
        while (*list == ' ')
            list++;
        if (strncmp(list, "EXCEPT ", 7) == 0)
            list += 7;
        else if (*list)
            return NULL;
    }
    char *copy = strdup(list);
    bool *in = calloc(fx->n ? fx->n : 1, sizeof *in);
    const char **names = calloc(fx->n ? fx->n : 1, sizeof *names);
    char *out = NULL;
    if (!copy || !in || !names)
        goto done;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        size_t i = 0;
        while (i < fx->n && strcmp(fx->names[i], t) != 0)
            i++;
        if (i == fx->n)
            goto done;
        in[i] = true;
    }
    size_t k = 0;
    for (size_t i = 0; i < fx->n; i++)
        if (in[i] != all)
            names[k++] = fx->names[i];
    out = search_fixture_join(names, k);
done:
    free(copy);
    free(in);
    free(names);
    return out;
}

#endif
