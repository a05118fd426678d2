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
#include <stdbool.h>
#include <stddef.h>

/* Nesting deeper than this is refused (jansson's own limit is 2048). */
#define JSON_WRITE_MAX_DEPTH 2048

/* malloc'd NUL-terminated text (*len_out its length when not NULL), or
 * NULL when out of memory, v is NULL, or too deep. */
char *json_write_compact(const json_t *v, size_t *len_out);

/* A growing buffer for writing JSON text piece by piece, straight from
 * database rows, without building a jansson tree first. Start it zeroed
 * ({0}); a failure (out of memory, a string that is not UTF-8, a value
 * json_write_compact refuses) is sticky and makes json_buf_finish return
 * NULL, so callers check once at the end. */
struct json_buf {
    char *p;
    size_t len, cap;
    bool failed;
};

/* Appends n bytes as they are (JSON punctuation, keys known to be plain). */
void json_buf_raw(struct json_buf *b, const char *s, size_t n);
#define json_buf_lit(b, lit) json_buf_raw((b), "" lit, sizeof(lit) - 1)

/* Appends s (NUL-terminated) as a JSON string, escaped as jansson does
 * (see above); fails the buffer when s is not valid UTF-8, as
 * json_string() would refuse it. */
void json_buf_string(struct json_buf *b, const char *s);

/* Appends v as json_write_compact writes it. */
void json_buf_value(struct json_buf *b, const json_t *v);

/* Appends the members of object o, "k":v,..., without the braces (so more
 * members can follow); fails the buffer when o is not an object. */
void json_buf_members(struct json_buf *b, const json_t *o);

/* The text (malloc'd, NUL-terminated, the buffer's, *len_out its length
 * when not NULL) or NULL when anything failed; the buffer is reset. */
char *json_buf_finish(struct json_buf *b, size_t *len_out);

/* Releases the buffer's text (when not finished). */
void json_buf_free(struct json_buf *b);

#endif
