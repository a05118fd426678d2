#include "shared/flatjson.h"

#include <string.h>

#define INT_DIGITS_MAX 18 /* always fits in int64_t */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Bytes a plain string may hold: 0x20..0x7f but '"' (0x22) and '\\' (0x5c)
 * (GCC's designated ranges). */
static const bool plain_char[256] = {
    [0x20 ... 0x21] = true,
    [0x23 ... 0x5b] = true,
    [0x5d ... 0x7f] = true,
};

const char *flatjson_plain_string(const char *p, const char *end, const char **s, size_t *n)
{
    if (p >= end || *p != '"')
        return NULL;
    const char *start = ++p;
    /* one table look-up per byte: this loop is most of a heartbeat's scan */
    while (p < end && plain_char[(unsigned char)*p])
        p++;
    if (p >= end || *p != '"')
        return NULL; /* end of buffer, an escape, a control or non-ASCII byte */
    *s = start;
    *n = (size_t)(p - start);
    return p + 1;
}

/* -?(0|[1-9][0-9]*) of at most INT_DIGITS_MAX digits, not followed by a
 * fraction, an exponent or another digit. */
static const char *scan_int(const char *p, const char *end, int64_t *v)
{
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    const char *digits = p;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p - digits > INT_DIGITS_MAX)
        return NULL;
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
        return NULL;
    int64_t x = 0;
    for (const char *q = digits; q < p; q++)
        x = x * 10 + (*q - '0');
    *v = neg ? -x : x;
    return p;
}

static const char *scan_literal(const char *p, const char *end, const char *word,
                                enum flatjson_type t, enum flatjson_type *type)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
        return NULL;
    *type = t;
    return p + n;
}

static const char *scan_value(const char *p, const char *end, struct flatjson_member *m)
{
    if (p >= end)
        return NULL;
    switch (*p) {
    case '"':
        m->type = FLATJSON_STRING;
        return flatjson_plain_string(p, end, &m->str, &m->str_len);
    case 'n':
        return scan_literal(p, end, "null", FLATJSON_NULL, &m->type);
    case 't':
        return scan_literal(p, end, "true", FLATJSON_TRUE, &m->type);
    case 'f':
        return scan_literal(p, end, "false", FLATJSON_FALSE, &m->type);
    default:
        m->type = FLATJSON_INT;
        return scan_int(p, end, &m->num);
    }
}

static bool seen(const struct flatjson *f, const char *key, size_t len)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->members[i].key_len == len && memcmp(f->members[i].key, key, len) == 0)
            return true;
    return false;
}

int flatjson_scan(struct flatjson *out, const char *buf, size_t len)
{
    out->count = 0;
    if (!buf)
        return -1;
    const char *p = buf, *end = buf + len;
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (out->count == FLATJSON_MAX_MEMBERS || p >= end || *p != '"')
                return -1;
            struct flatjson_member *m = &out->members[out->count];
            p = flatjson_plain_string(p, end, &m->key, &m->key_len);
            if (!p || seen(out, m->key, m->key_len))
                return -1;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                return -1;
            p = scan_value(skip_ws(p + 1, end), end, m);
            if (!p)
                return -1;
            out->count++;
            p = skip_ws(p, end);
            if (p >= end)
                return -1;
            if (*p == '}') {
                p++;
                break;
            }
            if (*p != ',')
                return -1;
            p = skip_ws(p + 1, end);
        }
    }
    return skip_ws(p, end) == end ? 0 : -1;
}

const struct flatjson_member *flatjson_get(const struct flatjson *f, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < f->count; i++)
        if (f->members[i].key_len == n && memcmp(f->members[i].key, key, n) == 0)
            return &f->members[i];
    return NULL;
}
