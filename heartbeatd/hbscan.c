#include "heartbeatd/hbscan.h"

#include <stdbool.h>
#include <string.h>

#include "shared/flatjson.h"
#include "shared/wire.h"

#define PREFIX "{\"type\":\"heartbeats\",\"items\":["
#define SUFFIX "]}"

struct item {
    const char *s[3];
    size_t n[3];
};

/* [s,s,s(,s|null)*] */
static const char *item_at(const char *p, const char *end, struct item *it)
{
    if (p >= end || *p != '[')
        return NULL;
    p++;
    for (int k = 0;; k++) {
        if (k > 0) {
            if (p >= end)
                return NULL;
            if (*p == ']')
                return k >= 3 ? p + 1 : NULL;
            if (*p != ',')
                return NULL;
            p++;
        }
        if (k < 3) {
            p = flatjson_plain_string(p, end, &it->s[k], &it->n[k]);
        } else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            p += 4;
        } else {
            const char *s;
            size_t n;
            p = flatjson_plain_string(p, end, &s, &n);
        }
        if (!p)
            return NULL;
    }
}

static bool fits(const struct item *it)
{
    return it->n[0] <= WIRE_NAME_MAX && it->n[1] <= WIRE_NAME_MAX &&
           it->n[2] <= WIRE_INCARNATION_MAX;
}

/* One pass over the items: validate only (fn NULL) or hand them over. */
static long walk(const char *p, const char *end, hb_scan_fn fn, void *ctx)
{
    long count = 0;
    if (end - p >= 1 && *p == ']')
        return end - p == (long)(sizeof SUFFIX - 1) && memcmp(p, SUFFIX, 2) == 0 ? 0 : -1;
    for (;;) {
        struct item it;
        p = item_at(p, end, &it);
        if (!p || !fits(&it))
            return -1;
        if (fn) {
            char org[WIRE_NAME_MAX + 1], node[WIRE_NAME_MAX + 1], inc[WIRE_INCARNATION_MAX + 1];
            memcpy(org, it.s[0], it.n[0]);
            org[it.n[0]] = '\0';
            memcpy(node, it.s[1], it.n[1]);
            node[it.n[1]] = '\0';
            memcpy(inc, it.s[2], it.n[2]);
            inc[it.n[2]] = '\0';
            fn(ctx, org, node, inc);
        }
        count++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (end - p == (long)(sizeof SUFFIX - 1) && memcmp(p, SUFFIX, 2) == 0)
            return count;
        return -1;
    }
}

long hb_scan_batch(const char *buf, size_t len, hb_scan_fn fn, void *ctx)
{
    size_t pl = sizeof PREFIX - 1;
    if (!buf || len < pl || memcmp(buf, PREFIX, pl) != 0)
        return -1;
    const char *p = buf + pl, *end = buf + len;
    if (walk(p, end, NULL, NULL) < 0)
        return -1;
    return walk(p, end, fn, ctx);
}
