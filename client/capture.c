#include "client/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_capture_init(struct pc_capture *c, size_t limit)
{
    memset(c, 0, sizeof *c);
    c->limit = limit;
}

void pc_capture_append(struct pc_capture *c, const void *data, size_t n)
{
    size_t room = c->limit - c->len;
    size_t take = n < room ? n : room;
    if (take > 0 && c->len + take > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + take)
            cap *= 2;
        if (cap > c->limit)
            cap = c->limit;
        char *b = realloc(c->buf, cap);
        if (!b) {
            take = 0;
        } else {
            c->buf = b;
            c->cap = cap;
        }
    }
    if (take > 0) {
        memcpy(c->buf + c->len, data, take);
        c->len += take;
    }
    c->dropped += n - take;
}

void pc_capture_free(struct pc_capture *c)
{
    free(c->buf);
    size_t limit = c->limit;
    memset(c, 0, sizeof *c);
    c->limit = limit;
}

size_t pc_capture_marker(size_t dropped, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "\n[pushy-client: output truncated, %zu bytes dropped]\n", dropped);
    if (n < 0)
        n = 0;
    return (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}
