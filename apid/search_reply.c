#include "apid/search_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/response.h"

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int search_caret_line(const char *query, const char *msg, char *out, size_t cap)
{
    if (!query || !msg || strlen(query) > SEARCH_CARET_MAX || strpbrk(query, "\t\r\n"))
        return -1;
    const char *at = NULL;
    for (const char *p = msg; (p = strstr(p, "at position ")) != NULL; p++)
        at = p;
    if (!at)
        return -1;
    long pos = strtol(at + strlen("at position "), NULL, 10);
    if (pos < 1 || (size_t)pos > utf8_chars(query) + 1 || (size_t)pos + 1 > cap)
        return -1;
    memset(out, ' ', (size_t)pos - 1);
    out[pos - 1] = '^';
    out[pos] = '\0';
    return 0;
}

json_t *search_error_body(const char *query, const char *msg)
{
    char text[600];
    snprintf(text, sizeof text, "search: %s", msg);
    json_t *body = api_error_body(text);
    char caret[SEARCH_CARET_MAX + 2];
    json_t *list = json_object_get(body, "error");
    if (body && search_caret_line(query, msg, caret, sizeof caret) == 0) {
        json_t *q = json_string(query), *c = json_string(caret);
        if (q && c) {
            json_array_append(list, q);
            json_array_append(list, c);
        }
        json_decref(q);
        json_decref(c);
    }
    return body;
}

void search_reply_error(struct api_reply *reply, enum node_search_status st, const char *query,
                        const char *msg)
{
    switch (st) {
    case NODE_SEARCH_BAD_QUERY:
        api_reply_json(reply, 400, search_error_body(query, msg));
        return;
    case NODE_SEARCH_UNAVAILABLE:
        api_reply_error(reply, 503, "%s", msg);
        return;
    case NODE_SEARCH_BAD_GATEWAY:
        /* the upstream's fault, not ours: a gateway error, with what it sent */
        api_reply_error(reply, 502, "%s", msg); /* it names the Chef server */
        return;
    case NODE_SEARCH_OK:
    case NODE_SEARCH_ERROR:
        break;
    }
    api_reply_error(reply, 500, "%s", msg);
}
