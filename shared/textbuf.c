#include "shared/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void textbuf_free(struct textbuf *t)
{
    free(t->p);
    memset(t, 0, sizeof *t);
}

void textbuf_reset(struct textbuf *t)
{
    t->len = 0;
    t->oom = false;
    if (t->p)
        t->p[0] = '\0';
}

void textbuf_truncate(struct textbuf *t, size_t len)
{
    if (len > t->len)
        return;
    t->len = len;
    t->oom = false;
    if (t->p)
        t->p[len] = '\0';
}

int text_grow(char **p, size_t *cap, size_t len, size_t n)
{
    if (len + n + 1 <= *cap && len + n + 1 > len)
        return 0;
    if (len > SIZE_MAX / 2 || n > SIZE_MAX / 2 - len - 1)
        return -1; /* a doubling below would wrap */
    size_t c = *cap ? *cap : 1024;
    while (c < len + n + 1)
        c *= 2;
    char *np = realloc(*p, c);
    if (!np)
        return -1;
    *p = np;
    *cap = c;
    return 0;
}

static bool reserve(struct textbuf *t, size_t n)
{
    if (t->oom)
        return false;
    if (text_grow(&t->p, &t->cap, t->len, n) != 0) {
        t->oom = true;
        return false;
    }
    return true;
}

void textbuf_put(struct textbuf *t, const char *s, size_t n)
{
    if (!reserve(t, n))
        return;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

void textbuf_puts(struct textbuf *t, const char *s)
{
    textbuf_put(t, s, strlen(s));
}

void textbuf_printf(struct textbuf *t, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        textbuf_put(t, small, (size_t)n);
        return;
    }
    if (!reserve(t, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void textbuf_put_i64(struct textbuf *t, long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        digits[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        digits[--i] = '-';
    textbuf_put(t, digits + i, sizeof digits - i);
}

bool textbuf_is_plain(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
            return false;
    return true;
}

bool textbuf_put_plain_str(struct textbuf *t, const char *s)
{
    if (!textbuf_is_plain(s))
        return false;
    size_t n = strlen(s);
    if (!reserve(t, n + 2))
        return false;
    t->p[t->len++] = '"';
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len++] = '"';
    t->p[t->len] = '\0';
    return true;
}
