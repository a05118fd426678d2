/* Flattening of a node's reported attributes into search keys, the way
 * Chef's indexer does, for search_query.h and the nodes.search_keys
 * column (jsonb, GIN-indexed; migration 010).
 *
 * The result maps each field name to an array of distinct string values,
 * in the order first seen:
 * - nested objects join their keys with '_' (Chef) and also with '.':
 *   {"a":{"b":{"c":"x"}}} gives "a_b_c":["x"] and "a.b.c":["x"];
 *   top-level keys are used as they are;
 * - an array contributes each element under its own key (elements that
 *   are objects continue the path: {"a":[{"b":1}]} gives "a_b":["1"]);
 * - strings as they are; integers in decimal; reals in the shortest form
 *   that reads back the same, with ".0" when whole (2.0 -> "2.0");
 *   true/false as "true"/"false"; null and empty arrays/objects add
 *   nothing; strings with an embedded NUL are skipped;
 * - "name" is [node_name] (the authenticated node name; a reported
 *   "name" attribute never counts), absent when node_name is NULL;
 * - "role" gets every value of "roles" and "recipe" every value of
 *   "recipes" (Chef's run-list fields), besides any reported "role"/"recipe".
 * Unlike Chef, a nested leaf is not also indexed under its bare key
 * ({"a":{"version":"1"}} is not version:1), and there are no "X" expansion
 * fields: a search names the full path.
 *
 * Bounds (for attributes reported by clients): values nested deeper than
 * SEARCH_FLATTEN_MAX_DEPTH, keys longer than SEARCH_FLATTEN_MAX_KEY bytes
 * and values past SEARCH_FLATTEN_MAX_VALUES are left out, and *truncated
 * is set. */
#ifndef PUSHY_SHARED_SEARCH_FLATTEN_H
#define PUSHY_SHARED_SEARCH_FLATTEN_H

#include <stdbool.h>

#include <jansson.h>

#define SEARCH_FLATTEN_MAX_DEPTH 32
#define SEARCH_FLATTEN_MAX_KEY 512
#define SEARCH_FLATTEN_MAX_VALUES 10000

/* attributes: the reported attributes (an object; anything else, or NULL,
 * counts as none). truncated may be NULL. Returns a new object, or NULL
 * on allocation failure (or a node_name that is not UTF-8). */
json_t *search_flatten(const json_t *attributes, const char *node_name, bool *truncated);

#endif
