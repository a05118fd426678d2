#include "client/report.h"

#include "shared/base64.h"

#include <stdbool.h>
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

/* Valid UTF-8 without NUL: the JSON string carries it exactly. */
bool pc_report_text_exact(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len;
        unsigned min;
        unsigned cp;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* Pushy's extension: a stream that is not exact as JSON text also goes
 * as NAME_b64 (its exact bytes), which Pushy's server prefers. */
static int add_b64(json_t *msg, const char *key, const char *p, size_t n)
{
    if (pc_report_text_exact((const unsigned char *)p, n))
        return 0;
    char *enc = malloc(BASE64_ENCODED_SIZE(n));
    if (!enc || base64_encode((const unsigned char *)p, n, enc, BASE64_ENCODED_SIZE(n)) < 0) {
        free(enc);
        return -1;
    }
    int rc = json_object_set_new(msg, key, json_string(enc));
    free(enc);
    return rc;
}

static json_t *build(const struct wire_node_ident *id, enum wire_msg_type type,
                     const char *job_id, const struct pc_capture *out,
                     const struct pc_capture *err, size_t keep_o, size_t keep_e)
{
    size_t lo = 0, le = 0;
    char *o = cut(out, keep_o, &lo);
    char *e = cut(err, keep_e, &le);
    json_t *msg = o && e ? wire_msg_node_event(id, type, job_id, o, lo, e, le) : NULL;
    if (msg && (add_b64(msg, "stdout_b64", o, lo) || add_b64(msg, "stderr_b64", e, le))) {
        json_decref(msg);
        msg = NULL;
    }
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
