#include "commandd/hbbatch.h"
#include "shared/textbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "{\"type\":\"heartbeats\",\"items\":["

void hb_batch_init(struct hb_batch *b)
{
    memset(b, 0, sizeof *b);
}

void hb_batch_free(struct hb_batch *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

void hb_batch_reset(struct hb_batch *b)
{
    b->len = 0;
    b->count = 0;
    b->failed = false;
}

static void put(struct hb_batch *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (text_grow(&b->buf, &b->cap, b->len, n) != 0) {
        b->failed = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

/* A JSON string: quotes, backslashes and control characters escaped; the
 * input is valid UTF-8 (it came out of a JSON parser). */
static void put_str(struct hb_batch *b, const char *s)
{
    put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        put(b, run, (size_t)(s - run));
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(b, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(b, esc, 6);
        }
        run = s + 1;
    }
    put(b, run, (size_t)(s - run));
    put(b, "\"", 1);
}

int hb_batch_add(struct hb_batch *b, const char *org, const char *node, const char *incarnation,
                 const char *job_state, const char *job_id)
{
    if (b->count == 0)
        put(b, PREFIX, sizeof PREFIX - 1);
    else
        put(b, ",", 1);
    put(b, "[", 1);
    put_str(b, org);
    put(b, ",", 1);
    put_str(b, node);
    put(b, ",", 1);
    put_str(b, incarnation);
    put(b, ",", 1);
    put_str(b, job_state);
    put(b, ",", 1);
    if (job_id)
        put_str(b, job_id);
    else
        put(b, "null", 4);
    put(b, "]", 1);
    b->count++;
    return b->failed ? -1 : 0;
}

const char *hb_batch_finish(struct hb_batch *b, size_t *len)
{
    if (b->count == 0 || b->failed)
        return NULL;
    put(b, "]}", 2);
    if (b->failed)
        return NULL;
    *len = b->len;
    return b->buf;
}
