#include "bench/http_head.h"

#include <string.h>
#include <strings.h>

size_t http_head_end(const char *buf, size_t len)
{
    const char *e = memmem(buf, len, "\r\n\r\n", 4);
    return e ? (size_t)(e - buf) + 4 : 0;
}

/* Whether the comma-separated value [v, e) lists token (case-insensitive). */
static bool lists(const char *v, const char *e, const char *token)
{
    size_t tl = strlen(token);
    while (v < e) {
        while (v < e && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *w = v;
        while (w < e && *w != ',')
            w++;
        const char *we = w;
        while (we > v && (we[-1] == ' ' || we[-1] == '\t'))
            we--;
        if ((size_t)(we - v) == tl && strncasecmp(v, token, tl) == 0)
            return true;
        v = w;
    }
    return false;
}

/* Decimal [v, e) into *out; -1 when empty, not all digits or too large. */
static int decimal(const char *v, const char *e, long long *out)
{
    long long n = 0;
    if (v == e)
        return -1;
    for (; v < e; v++) {
        if (*v < '0' || *v > '9' || n > (1LL << 50))
            return -1;
        n = n * 10 + (*v - '0');
    }
    *out = n;
    return 0;
}

static int header(const char *name, size_t nl, const char *v, const char *e,
                  struct http_head *h, bool *keep_alive)
{
    if (nl == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
        long long n;
        if (decimal(v, e, &n) || (h->content_length >= 0 && h->content_length != n))
            return -1;
        h->content_length = n;
    } else if (nl == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
        h->chunked = h->chunked || lists(v, e, "chunked");
    } else if (nl == 10 && strncasecmp(name, "Connection", 10) == 0) {
        h->close = h->close || lists(v, e, "close");
        *keep_alive = *keep_alive || lists(v, e, "keep-alive");
    }
    return 0;
}

int http_head_parse(const char *buf, size_t len, struct http_head *out)
{
    struct http_head h = { .status = 0, .content_length = -1 };
    const char *p = buf, *end = buf + len;
    if (len < 16 || strncmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
        p[8] != ' ')
        return -1;
    bool http10 = p[7] == '0', keep_alive = false;
    p += 9;
    if (end - p < 4 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9' || (p[3] != ' ' && p[3] != '\r'))
        return -1;
    h.status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    while (eol && eol + 2 < end) {
        const char *line = eol + 2;
        eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (!eol || eol == line)
            break; /* the blank line that ends the head */
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || colon == line)
            return -1;
        const char *v = colon + 1, *e = eol;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (header(line, (size_t)(colon - line), v, e, &h, &keep_alive))
            return -1;
    }
    if (http10 && !keep_alive)
        h.close = true;
    *out = h;
    return 0;
}
