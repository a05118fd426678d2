#include "client/report.h"

#include <stdlib.h>
#include <string.h>

/* The first keep bytes of c plus a marker when anything is missing. */
static char *cut(const struct pc_capture *c, size_t keep, size_t *len)
{
    if (keep > c->len)
        keep = c->len;
    size_t dropped = c->dropped + (c->len - keep);
    char *s = malloc(keep + PC_CAPTURE_MARKER_MAX + 1);
    if (!s)
        return NULL;
    if (keep)
        memcpy(s, c->buf, keep);
    *len = keep;
    if (dropped)
        *len += pc_capture_marker(dropped, s + keep, PC_CAPTURE_MARKER_MAX + 1);
    return s;
}

static json_t *build(const struct wire_node_ident *id, enum wire_msg_type type,
                     const char *job_id, const struct pc_capture *out,
                     const struct pc_capture *err, size_t keep_o, size_t keep_e)
{
    size_t lo = 0, le = 0;
    char *o = cut(out, keep_o, &lo);
    char *e = cut(err, keep_e, &le);
    json_t *msg = o && e ? wire_msg_node_event(id, type, job_id, o, lo, e, le) : NULL;
    free(o);
    free(e);
    return msg;
}

static size_t body_len(json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    size_t n = s ? strlen(s) : (size_t)-1;
    free(s);
    return n;
}

/* Serialized length of the message that keeps at most cap bytes of each
 * stream; 0 on failure. */
static size_t size_with_cap(const struct wire_node_ident *id, enum wire_msg_type type,
                            const char *job_id, const struct pc_capture *out,
                            const struct pc_capture *err, size_t cap)
{
    json_t *msg = build(id, type, job_id, out, err, cap, cap);
    if (!msg)
        return 0;
    size_t n = body_len(msg);
    json_decref(msg);
    return n == (size_t)-1 ? 0 : n;
}

json_t *pc_report_event(const struct wire_node_ident *id, enum wire_msg_type type,
                        const char *job_id, const struct pc_capture *out,
                        const struct pc_capture *err, size_t max_body)
{
    if (!out || !err)
        return wire_msg_node_event(id, type, job_id, NULL, 0, NULL, 0);
    size_t limit = max_body > PC_SEAL_OVERHEAD ? max_body - PC_SEAL_OVERHEAD : 0;
    /* Largest per-stream cap K that fits (each stream keeps min(len, K)
     * bytes): a short stream stays whole, the long one is cut. Binary
     * search: the size grows with K. */
    size_t hi = out->len > err->len ? out->len : err->len;
    size_t n = size_with_cap(id, type, job_id, out, err, hi);
    if (n == 0)
        return NULL;
    if (n > limit) {
        size_t lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            size_t m = size_with_cap(id, type, job_id, out, err, mid);
            if (m == 0)
                return NULL;
            if (m <= limit)
                lo = mid;
            else
                hi = mid - 1;
        }
    }
    return build(id, type, job_id, out, err, hi, hi);
}
