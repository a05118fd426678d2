/* Serializes a jansson value to compact JSON text, byte for byte what
 * json_dumps(v, JSON_COMPACT) writes (jansson 2.14: insertion order,
 * "/" and non-ASCII unescaped, reals as %.17g with ".0" added), but in one
 * growing buffer: jansson's dumper formats a pointer with snprintf and
 * fills a hash table for its loop check on every object and array, which
 * made dumping the biggest cost of listing 100 node states.
 * A value that contains itself is refused (depth limit). */
#ifndef PUSHY_APID_JSON_WRITE_H
#define PUSHY_APID_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

/* Nesting deeper than this is refused (jansson's own limit is 2048). */
#define JSON_WRITE_MAX_DEPTH 2048

/* malloc'd NUL-terminated text (*len_out its length when not NULL), or
 * NULL when out of memory, v is NULL, or too deep. */
char *json_write_compact(const json_t *v, size_t *len_out);

#endif
