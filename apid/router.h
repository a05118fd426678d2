/* Generic request routing: a table of (method, path pattern) entries,
 * matched against the raw request path. Patterns are '/'-separated
 * segments; a segment ":name" captures one path segment. Matching
 * percent-decodes every segment of the request path first, ignores empty
 * segments ("//", a trailing '/'), and treats HEAD as GET.
 * Pure logic: no I/O, no allocation. */
#ifndef PUSHY_APID_ROUTER_H
#define PUSHY_APID_ROUTER_H

#include <stddef.h>

#include "apid/authz.h"

struct api_request;
struct api_reply;
typedef void (*api_handler)(struct api_request *req, struct api_reply *reply);

/* How a route wants its request body. */
enum route_body {
    ROUTE_BODY_IGNORED = 0, /* read (for the size limit and content hash), not parsed */
    ROUTE_BODY_JSON,        /* must be a JSON object: 400 otherwise */
    ROUTE_BODY_JSON_OPTIONAL, /* empty, or a JSON object */
};

struct route {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;  /* "/organizations/:org/pushy/node_states/:node"; also the metrics label */
    enum api_perm perm;   /* API_PERM_PUBLIC: no authentication at all */
    enum route_body body;
    api_handler handler;
};

#define ROUTE_MAX_SEGMENTS 12
#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX 512   /* longest decoded segment accepted */

struct route_param {
    const char *name;     /* points into the pattern: "org" for ":org" */
    size_t name_len;
    char value[ROUTE_PARAM_MAX];
};

struct route_match {
    const struct route *route;  /* set for ROUTE_OK */
    int index;                  /* of route in the table, for ROUTE_OK */
    int nparams;
    struct route_param params[ROUTE_MAX_PARAMS];
    char allow[64];             /* for ROUTE_METHOD_NOT_ALLOWED: "GET, HEAD" */
    char error[128];            /* for ROUTE_BAD_PATH */
};

enum route_result {
    ROUTE_OK,
    ROUTE_NOT_FOUND,
    ROUTE_METHOD_NOT_ALLOWED,
    ROUTE_BAD_PATH,   /* malformed percent-escape, NUL, over-long segment */
};

enum route_result router_match(const struct route *table, size_t n, const char *method,
                               const char *raw_path, struct route_match *m);

/* The decoded value of capture `name`, or NULL. */
const char *route_param(const struct route_match *m, const char *name);

/* Percent-decodes src[0..len) into out (cap bytes, NUL-terminated).
 * plus_is_space: form encoding ('+' means ' '), for query strings.
 * Returns the decoded length, or -1 on a bad escape, a decoded NUL, or
 * when out is too small. */
long url_decode(const char *src, size_t len, char *out, size_t cap, int plus_is_space);

/* Looks `name` up in a raw query string ("a=1&b=x%20y"); the first
 * occurrence wins. Returns the decoded length written to out, -1 when the
 * name is absent, -2 on a bad encoding or a value longer than cap - 1.
 * A name without '=' has the empty value. */
long query_get(const char *query, const char *name, char *out, size_t cap);

#endif
