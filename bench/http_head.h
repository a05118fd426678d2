/* HTTP/1.1 response heads, for apiload's own keep-alive client (libcurl
 * cost the load generator up to half a core of the machine it shares with
 * the server). Pure functions: no sockets. */
#ifndef PUSHY_BENCH_HTTP_HEAD_H
#define PUSHY_BENCH_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

/* Longest response head accepted (status line and headers). */
#define HTTP_HEAD_MAX 8192

struct http_head {
    int status;               /* 100..599 */
    long long content_length; /* -1 when absent */
    bool chunked;             /* Transfer-Encoding names chunked */
    bool close;               /* Connection: close, or HTTP/1.0 without keep-alive */
};

/* Length of the head at buf[0..len) including its blank line (CRLF CRLF),
 * or 0 while it is incomplete. */
size_t http_head_end(const char *buf, size_t len);

/* Parses a complete head of len bytes (as measured by http_head_end).
 * 0, or -1 when it is not an HTTP/1.x response head or a Content-Length is
 * malformed or given twice with different values. */
int http_head_parse(const char *buf, size_t len, struct http_head *out);

#endif
