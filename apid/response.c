#include "apid/response.h"

#include "apid/json_write.h"
#include "apid/sse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *api_error_body(const char *message)
{
    if (!message)
        message = "";
    json_t *text = json_string(message);
    if (!text) {
        /* Not UTF-8 (raw bytes from a request, or a cut sequence): keep
         * the ASCII and mark the rest. */
        char safe[1024];
        size_t i = 0;
        for (; message[i] && i + 1 < sizeof safe; i++)
            safe[i] = (unsigned char)message[i] < 0x80 ? message[i] : '?';
        safe[i] = '\0';
        text = json_string(safe);
    }
    json_t *list = json_array();
    if (!list || !text) {
        json_decref(list);
        json_decref(text);
        return NULL;
    }
    if (json_array_append_new(list, text)) { /* steals text even on failure */
        json_decref(list);
        return NULL;
    }
    json_t *body = json_object();
    if (!body) {
        json_decref(list);
        return NULL;
    }
    if (json_object_set_new(body, "error", list)) { /* steals list */
        json_decref(body);
        return NULL;
    }
    return body;
}

void api_reply_clear(struct api_reply *r)
{
    json_decref(r->json);
    r->json = NULL;
    free(r->text);
    r->text = NULL;
    r->text_len = 0;
    r->content_type = NULL;
    sse_stream_free(r->stream);
    r->stream = NULL;
}

void api_reply_error(struct api_reply *r, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    api_reply_clear(r);
    r->status = status;
    r->json = api_error_body(msg);
}

void api_reply_json(struct api_reply *r, unsigned status, json_t *body)
{
    api_reply_clear(r);
    if (!body) {
        api_reply_error(r, 500, "out of memory");
        return;
    }
    r->status = status;
    r->json = body;
}

void api_reply_json_text(struct api_reply *r, unsigned status, char *text, size_t len)
{
    api_reply_clear(r);
    r->text = text;
    r->text_len = len;
    r->content_type = "application/json";
    r->status = status;
}

void api_reply_json_buf(struct api_reply *r, unsigned status, struct json_buf *b)
{
    size_t len;
    char *text = json_buf_finish(b, &len);
    if (!text)
        api_reply_error(r, 500, "out of memory");
    else
        api_reply_json_text(r, status, text, len);
}

void api_reply_text(struct api_reply *r, unsigned status, const char *content_type,
                    const char *text, size_t len)
{
    api_reply_clear(r);
    r->text = malloc(len + 1);
    if (!r->text) {
        api_reply_error(r, 500, "out of memory");
        return;
    }
    memcpy(r->text, text, len);
    r->text[len] = '\0';
    r->text_len = len;
    r->content_type = content_type;
    r->status = status;
}

int api_reply_header(struct api_reply *r, const char *name, const char *value)
{
    if (r->nheaders >= API_REPLY_MAX_HEADERS || strlen(name) >= sizeof r->headers[0].name ||
        strlen(value) >= sizeof r->headers[0].value)
        return -1;
    snprintf(r->headers[r->nheaders].name, sizeof r->headers[0].name, "%s", name);
    snprintf(r->headers[r->nheaders].value, sizeof r->headers[0].value, "%s", value);
    r->nheaders++;
    return 0;
}

void api_json_error_message(const json_error_t *e, char *out, size_t cap)
{
    snprintf(out, cap, "Invalid JSON at line %d, column %d (position %d): %s", e->line,
             e->column, e->position, e->text);
}

json_t *api_parse_json_object(const unsigned char *body, size_t len, int allow_empty,
                              struct api_reply *reply)
{
    if (len == 0) {
        if (allow_empty)
            return json_null();
        api_reply_error(reply, 400, "Request body must be a JSON object; it is empty");
        return NULL;
    }
    json_error_t e;
    /* Duplicate keys are an error: which one would win is unclear. */
    json_t *v = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &e);
    if (!v) {
        char msg[400];
        api_json_error_message(&e, msg, sizeof msg);
        api_reply_error(reply, 400, "%s", msg);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        api_reply_error(reply, 400, "Request body must be a JSON object");
        return NULL;
    }
    return v;
}
