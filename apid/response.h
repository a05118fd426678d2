/* Building replies: every error is {"error": ["message"]}. */
#ifndef PUSHY_APID_RESPONSE_H
#define PUSHY_APID_RESPONSE_H

#include <jansson.h>

#include "apid/api.h"

/* {"error": [message]}; NULL only when out of memory. */
json_t *api_error_body(const char *message);

/* Sets reply to status with the error body (replacing any body). */
void api_reply_error(struct api_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets reply to status with body (stolen; NULL means 500). */
void api_reply_json(struct api_reply *r, unsigned status, json_t *body);

/* Sets status with a JSON body already written as text (malloc'd,
 * NUL-terminated, stolen). */
void api_reply_json_text(struct api_reply *r, unsigned status, char *text, size_t len);

/* The JSON text written into b (finished here) as a reply with status;
 * 500 when writing it failed (out of memory, text that is not UTF-8). */
struct json_buf;
void api_reply_json_buf(struct api_reply *r, unsigned status, struct json_buf *b);

/* Sets a raw body (copied) with its content type (a static string). */
void api_reply_text(struct api_reply *r, unsigned status, const char *content_type,
                    const char *text, size_t len);

/* Adds a response header; -1 when full or too long. */
int api_reply_header(struct api_reply *r, const char *name, const char *value);

/* Releases the body; the reply can be reused. */
void api_reply_clear(struct api_reply *r);

/* "Invalid JSON at line L, column C (position P): TEXT" */
void api_json_error_message(const json_error_t *e, char *out, size_t cap);

/* Parses body as one JSON object. On failure fills reply with 400 and
 * returns NULL. An empty body with allow_empty returns json null
 * (caller decrefs either). */
json_t *api_parse_json_object(const unsigned char *body, size_t len, int allow_empty,
                              struct api_reply *reply);

#endif
