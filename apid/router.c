#include "apid/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shared/hex.h"

long url_decode(const char *src, size_t len, char *out, size_t cap, int plus_is_space)
{
    size_t o = 0;
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= len) /* fewer than two characters follow */
                return -1;
            int hi = hex_digit(src[i + 1]), lo = hex_digit(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return -1;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return -1;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

long query_get(const char *query, const char *name, char *out, size_t cap)
{
    if (!query || !name)
        return -1;
    size_t nlen = strlen(name);
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        /* Keys are compared decoded, so "cc%70k" names ccpk too. */
        char key[128];
        long kl = klen < sizeof key ? url_decode(p, klen, key, sizeof key, 1) : -1;
        if (kl >= 0 && (size_t)kl == nlen && !memcmp(key, name, nlen)) {
            if (!eq) {
                if (cap == 0)
                    return -2;
                out[0] = '\0';
                return 0;
            }
            long vl = url_decode(eq + 1, plen - klen - 1, out, cap, 1);
            return vl < 0 ? -2 : vl;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return -1;
}

/* Splits a pattern or decoded path into segments (pointer + length). */
struct segs {
    int n;
    const char *s[ROUTE_MAX_SEGMENTS];
    size_t len[ROUTE_MAX_SEGMENTS];
};

/* Returns -1 when there are more than ROUTE_MAX_SEGMENTS segments. */
static int split(const char *p, size_t total, struct segs *out)
{
    out->n = 0;
    size_t i = 0;
    while (i < total) {
        while (i < total && p[i] == '/')
            i++;
        if (i >= total)
            break;
        size_t start = i;
        while (i < total && p[i] != '/')
            i++;
        if (out->n == ROUTE_MAX_SEGMENTS)
            return -1;
        out->s[out->n] = p + start;
        out->len[out->n] = i - start;
        out->n++;
    }
    return 0;
}

static int method_is(const char *m, const char *want)
{
    return m && !strcmp(m, want);
}

/* Appends method to the comma-separated allow list unless present. */
static void allow_add(char *allow, size_t cap, const char *method)
{
    size_t ml = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += ml) {
        bool starts = p == allow || p[-1] == ' ';
        bool ends = p[ml] == '\0' || p[ml] == ',';
        if (starts && ends)
            return;
    }
    size_t l = strlen(allow);
    snprintf(allow + l, cap - l, "%s%s", l ? ", " : "", method);
}

enum route_result router_match(const struct route *table, size_t n, const char *method,
                               const char *raw_path, struct route_match *m)
{
    memset(m, 0, sizeof *m);
    m->index = -1;
    if (!raw_path || !method) {
        snprintf(m->error, sizeof m->error, "missing path");
        return ROUTE_BAD_PATH;
    }
    /* Split the raw path first ('%2F' then stays inside its segment),
     * then decode each segment. */
    struct segs raw;
    if (split(raw_path, strlen(raw_path), &raw))
        return ROUTE_NOT_FOUND; /* deeper than any route */
    char decoded[ROUTE_MAX_SEGMENTS][ROUTE_PARAM_MAX];
    for (int i = 0; i < raw.n; i++) {
        if (url_decode(raw.s[i], raw.len[i], decoded[i], sizeof decoded[i], 0) < 0) {
            snprintf(m->error, sizeof m->error,
                     "bad path: segment %d has a malformed percent-escape, a NUL or is longer "
                     "than %d bytes", i + 1, ROUTE_PARAM_MAX - 1);
            return ROUTE_BAD_PATH;
        }
    }
    const char *want = method_is(method, "HEAD") ? "GET" : method;
    bool path_matched = false;
    for (size_t r = 0; r < n; r++) {
        struct segs pat;
        if (split(table[r].pattern, strlen(table[r].pattern), &pat) || pat.n != raw.n)
            continue;
        int i;
        for (i = 0; i < pat.n; i++) {
            if (pat.s[i][0] == ':')
                continue;
            if (strlen(decoded[i]) != pat.len[i] || memcmp(decoded[i], pat.s[i], pat.len[i]))
                break;
        }
        if (i < pat.n)
            continue;
        path_matched = true;
        allow_add(m->allow, sizeof m->allow, table[r].method);
        if (method_is(table[r].method, "GET"))
            allow_add(m->allow, sizeof m->allow, "HEAD");
        if (m->route || !method_is(table[r].method, want))
            continue;
        m->route = &table[r];
        m->index = (int)r;
        for (i = 0; i < pat.n && m->nparams < ROUTE_MAX_PARAMS; i++) {
            if (pat.s[i][0] != ':')
                continue;
            struct route_param *p = &m->params[m->nparams++];
            p->name = pat.s[i] + 1;
            p->name_len = pat.len[i] - 1;
            size_t vl = strnlen(decoded[i], sizeof p->value - 1);
            memcpy(p->value, decoded[i], vl);
            p->value[vl] = '\0';
        }
    }
    if (m->route)
        return ROUTE_OK;
    return path_matched ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

const char *route_param(const struct route_match *m, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].name_len == nl && !memcmp(m->params[i].name, name, nl))
            return m->params[i].value;
    return NULL;
}
