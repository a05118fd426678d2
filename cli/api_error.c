#include "cli/api_error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/strbuf.h"

/* Longest plain-text body shown as the message. */
#define TEXT_BODY_MAX 300

const char *cli_http_reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

/* The message(s) of a JSON error body, joined with "; " (msg stays empty
 * when the JSON has none). -1 when the body is not JSON. */
static int json_message(const char *body, size_t len, struct strbuf *msg)
{
    json_t *v = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!v)
        return -1;
    int rc = 0;
    json_t *e = json_is_object(v) ? json_object_get(v, "error") : NULL;
    if (!e && json_is_object(v))
        e = json_object_get(v, "message");
    if (json_is_string(e)) {
        rc = sb_puts(msg, json_string_value(e));
    } else if (json_is_array(e)) {
        size_t i;
        json_t *item;
        json_array_foreach(e, i, item) {
            if (!json_is_string(item))
                continue;
            if ((msg->len && sb_puts(msg, "; ")) || sb_puts(msg, json_string_value(item)))
                rc = -1;
        }
    }
    json_decref(v);
    return rc;
}

static bool printable_text(const char *body, size_t len)
{
    if (len == 0 || len > TEXT_BODY_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return true;
}

void cli_error_line(long status, const char *body, size_t len, char *out, size_t cap)
{
    if (!cap)
        return;
    struct strbuf msg = { 0 };
    if (body && len && json_message(body, len, &msg) < 0) {
        sb_free(&msg);
        if (printable_text(body, len) && body[0] != '<') /* not an HTML error page */
            if (sb_append(&msg, body, len))
                sb_free(&msg);
    }
    const char *reason = cli_http_reason(status);
    int n = snprintf(out, cap, "%ld%s%s", status, *reason ? " " : "", reason);
    if (msg.len && n >= 0 && (size_t)n < cap) {
        /* trim, one line */
        size_t s = 0, e = msg.len;
        while (s < e && (unsigned char)msg.p[s] <= ' ')
            s++;
        while (e > s && (unsigned char)msg.p[e - 1] <= ' ')
            e--;
        size_t o = (size_t)n;
        if (e > s && o + 2 < cap) {
            out[o++] = ':';
            out[o++] = ' ';
            for (size_t i = s; i < e && o + 1 < cap; i++) {
                unsigned char c = (unsigned char)msg.p[i];
                out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
            }
            out[o] = '\0';
        }
    }
    sb_free(&msg);
}
