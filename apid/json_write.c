#include "apid/json_write.h"
#include "shared/textbuf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct json_buf *o, size_t n)
{
    if (o->failed)
        return false;
    if (text_grow(&o->p, &o->cap, o->len, n) != 0) {
        o->failed = true;
        return false;
    }
    return true;
}

static void put(struct json_buf *o, const char *s, size_t n)
{
    if (!reserve(o, n))
        return;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void putc1(struct json_buf *o, char c)
{
    if (!reserve(o, 1))
        return;
    o->p[o->len++] = c;
}

/* A JSON string, escaped as jansson does without JSON_ENSURE_ASCII and
 * JSON_ESCAPE_SLASH. Returns the OR of the bytes up to the first one that
 * needs escaping, or of all of them (bit 7 set: the text is not plain
 * ASCII), or 0x80 when it did not look. */
/* The bytes a JSON string cannot hold as they are: controls, '"', '\\'. */
static const bool needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

static unsigned put_string(struct json_buf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* as jansson writes it */
    /* Fast path, the usual case (names, states, dates): copy in one pass
     * into room reserved for the string and its quotes. */
    if (!reserve(o, n + 2))
        return 0x80;
    char *d = o->p + o->len;
    *d++ = '"';
    unsigned bits = 0;
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (needs_escape[c])
            break;
        bits |= c;
        d[i] = (char)c;
    }
    o->len += 1 + i;
    if (i == n) {
        o->p[o->len++] = '"';
        return bits;
    }
    size_t run = i; /* start of the pending unescaped run */
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c])
            continue;
        put(o, s + run, i - run);
        run = i + 1;
        char esc[6] = { '\\', 0 };
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        put(o, esc, elen);
    }
    put(o, s + run, n - run);
    putc1(o, '"');
    return 0x80;
}

static void put_integer(struct json_buf *o, json_int_t v)
{
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(o, p, (size_t)(end - p));
}

/* jansson's jsonp_dtostr with precision 17: "%.17g" ('.' whatever the
 * locale), ".0" added when there is no '.' or 'e', then the exponent's '+'
 * and leading zeros dropped ("1e+300" -> "1e300", "1e-05" -> "1e-5"). */
static void put_real(struct json_buf *o, double d)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof buf - 3) {
        o->failed = true;
        return;
    }
    size_t len = (size_t)n;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == ',')
            buf[i] = '.';
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        buf[len++] = '.';
        buf[len++] = '0';
        buf[len] = '\0';
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    put(o, buf, len);
}

static void put_value(struct json_buf *o, const json_t *v, int depth);

/* The members of object v, "k":v,... (values at depth). */
static void put_members(struct json_buf *o, const json_t *v, int depth)
{
    const char *key;
    size_t klen;
    json_t *val;
    bool first = true;
    json_object_keylen_foreach((json_t *)v, key, klen, val) {
        if (!first)
            putc1(o, ',');
        first = false;
        put_string(o, key, klen);
        putc1(o, ':');
        put_value(o, val, depth);
    }
}

static void put_value(struct json_buf *o, const json_t *v, int depth)
{
    if (o->failed)
        return;
    if (depth > JSON_WRITE_MAX_DEPTH) {
        o->failed = true;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        putc1(o, '{');
        put_members(o, v, depth + 1);
        putc1(o, '}');
        break;
    case JSON_ARRAY: {
        putc1(o, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i)
                putc1(o, ',');
            put_value(o, json_array_get(v, i), depth + 1);
        }
        putc1(o, ']');
        break;
    }
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        put_integer(o, json_integer_value(v));
        break;
    case JSON_REAL:
        put_real(o, json_real_value(v));
        break;
    case JSON_TRUE:
        put(o, "true", 4);
        break;
    case JSON_FALSE:
        put(o, "false", 5);
        break;
    case JSON_NULL:
        put(o, "null", 4);
        break;
    default:
        o->failed = true;
    }
}

/* Whether s[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), which is what jansson accepts. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return false;
        if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

void json_buf_raw(struct json_buf *b, const char *s, size_t n) { put(b, s, n); }

void json_buf_string(struct json_buf *b, const char *s)
{
    size_t n = strlen(s);
    if ((put_string(b, s, n) & 0x80) && !utf8_valid((const unsigned char *)s, n))
        b->failed = true;
}

void json_buf_value(struct json_buf *b, const json_t *v)
{
    if (!v)
        b->failed = true;
    else
        put_value(b, v, 0);
}

void json_buf_members(struct json_buf *b, const json_t *o)
{
    if (!json_is_object(o)) {
        b->failed = true;
        return;
    }
    put_members(b, o, 1);
}

char *json_buf_finish(struct json_buf *b, size_t *len_out)
{
    if (!reserve(b, 0)) {
        json_buf_free(b);
        return NULL;
    }
    char *p = b->p;
    p[b->len] = '\0';
    if (len_out)
        *len_out = b->len;
    *b = (struct json_buf){ 0 };
    return p;
}

void json_buf_free(struct json_buf *b)
{
    free(b->p);
    *b = (struct json_buf){ 0 };
}

char *json_write_compact(const json_t *v, size_t *len_out)
{
    if (!v)
        return NULL;
    struct json_buf o = { 0 };
    put_value(&o, v, 0);
    if (!reserve(&o, 0)) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    if (len_out)
        *len_out = o.len;
    return o.p;
}
