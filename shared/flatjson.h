#ifndef PUSHY_SHARED_FLATJSON_H
#define PUSHY_SHARED_FLATJSON_H
/* A scanner for the common shape of a node heartbeat: one JSON object whose
 * members are plain ASCII strings without escapes, integers, null, true or
 * false. It builds nothing (members point into the caller's buffer), so it
 * costs a small fraction of a full parse. Anything else (nesting, escapes,
 * non-ASCII, fractions, exponents, huge integers, duplicate keys, more than
 * FLATJSON_MAX_MEMBERS members, or invalid JSON) is refused, and the caller
 * hands the text to a full JSON parser, which decides whether it is valid:
 * whatever this accepts, that parser accepts with the same meaning. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLATJSON_MAX_MEMBERS 16

enum flatjson_type { FLATJSON_STRING, FLATJSON_INT, FLATJSON_NULL, FLATJSON_TRUE, FLATJSON_FALSE };

struct flatjson_member {
    const char *key;        /* into the buffer, not NUL-terminated */
    size_t key_len;
    enum flatjson_type type;
    const char *str;        /* FLATJSON_STRING: into the buffer, not NUL-terminated */
    size_t str_len;
    int64_t num;            /* FLATJSON_INT */
};

struct flatjson {
    size_t count;
    struct flatjson_member members[FLATJSON_MAX_MEMBERS];
};

/* 0: buf[0..len) is exactly such an object (surrounding whitespace allowed);
 * -1: it is not (out->count is then meaningless). */
int flatjson_scan(struct flatjson *out, const char *buf, size_t len);

/* A string at p (its opening quote) of printable ASCII without escapes:
 * its contents in *s / *n and the position after the closing quote, or
 * NULL when p holds anything else (the callers then fall back to a full
 * JSON parser). */
const char *flatjson_plain_string(const char *p, const char *end, const char **s, size_t *n);

/* The member named key (NUL-terminated), or NULL. */
const struct flatjson_member *flatjson_get(const struct flatjson *f, const char *key);

#endif
