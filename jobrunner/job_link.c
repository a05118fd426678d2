#include "jobrunner/job_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/wire.h"

void line_buf_init(struct line_buf *lb)
{
    memset(lb, 0, sizeof *lb);
}

void line_buf_free(struct line_buf *lb)
{
    free(lb->data);
    memset(lb, 0, sizeof *lb);
}

size_t line_buf_pending(const struct line_buf *lb)
{
    return lb->len - lb->start;
}

int line_buf_append(struct line_buf *lb, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (lb->start > 0) { /* drop what was read */
        memmove(lb->data, lb->data + lb->start, lb->len - lb->start);
        lb->len -= lb->start;
        lb->start = 0;
    }
    /* The unfinished line may not grow past the limit. */
    const char *nl = memrchr(p, '\n', n);
    size_t tail = nl ? n - (size_t)(nl - (const char *)p) - 1 : lb->len + n;
    if (tail > JOB_LINK_MAX_LINE)
        return -1;
    if (lb->len + n + 1 > lb->cap) {
        size_t cap = lb->cap ? lb->cap : 4096;
        while (cap < lb->len + n + 1)
            cap *= 2;
        char *d = realloc(lb->data, cap);
        if (!d)
            return -1;
        lb->data = d;
        lb->cap = cap;
    }
    memcpy(lb->data + lb->len, p, n);
    lb->len += n;
    return 0;
}

char *line_buf_next(struct line_buf *lb, size_t *len)
{
    if (lb->start >= lb->len)
        return NULL;
    char *begin = lb->data + lb->start;
    char *nl = memchr(begin, '\n', lb->len - lb->start);
    if (!nl)
        return NULL;
    *nl = '\0';
    *len = (size_t)(nl - begin);
    lb->start += *len + 1;
    return begin;
}

json_t *job_link_job_state(const char *status, int64_t at_us)
{
    return json_pack("{s:s, s:s, s:I}", "type", "job_state", "status", status, "at_us",
                     (json_int_t)at_us);
}

json_t *job_link_node_state(const char *node, const char *status, int64_t at_us)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "type", "node_state", "node", node, "status",
                     status, "at_us", (json_int_t)at_us);
}

json_t *job_link_event(json_t *event)
{
    if (!event)
        return NULL;
    return json_pack("{s:s, s:o}", "type", "event", "event", event);
}

int job_link_parse_node_state(const char *line, size_t len, char *node, size_t node_cap,
                              char *status, size_t status_cap, int64_t *at_us)
{
    static const char p1[] = "{\"type\":\"node_state\",\"node\":\"";
    static const char p2[] = "\",\"status\":\"";
    static const char p3[] = "\",\"at_us\":";
    const char *s = line, *end = line + len;
    const char *parts[2][2] = { { p1, p2 }, { p2, p3 } };
    char *outs[2] = { node, status };
    size_t caps[2] = { node_cap, status_cap };
    for (int k = 0; k < 2; k++) {
        size_t pl = strlen(parts[k][0]);
        if (k == 0 && ((size_t)(end - s) < pl || memcmp(s, parts[k][0], pl)))
            return -1;
        if (k == 0)
            s += pl;
        const char *q = memchr(s, '"', (size_t)(end - s));
        if (!q || q == s || (size_t)(q - s) >= caps[k] || !wire_valid_name(s, (size_t)(q - s)))
            return -1;
        memcpy(outs[k], s, (size_t)(q - s));
        outs[k][q - s] = '\0';
        size_t nl = strlen(parts[k][1]);
        if ((size_t)(end - q) < nl || memcmp(q, parts[k][1], nl))
            return -1;
        s = q + nl;
    }
    /* at_us: digits (optionally negative), then the closing brace */
    bool neg = s < end && *s == '-';
    if (neg)
        s++;
    int64_t v = 0;
    const char *digits = s;
    while (s < end && *s >= '0' && *s <= '9') {
        if (v > (INT64_MAX - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
        s++;
    }
    if (s == digits || s + 1 != end || *s != '}')
        return -1;
    *at_us = neg ? -v : v;
    return 0;
}

/* msg's compact JSON and '\n' (malloc'd), or NULL. */
static char *line_of(const json_t *msg, size_t *len)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
    return line;
}

int job_link_node_state_line(struct textbuf *t, const char *node, const char *status,
                             int64_t at_us)
{
    if (wire_valid_name(node, strlen(node)) && wire_valid_name(status, strlen(status))) {
        /* the fixed shape job_link_parse_node_state reads, without printf
         * (one per node transition) */
        textbuf_puts(t, "{\"type\":\"node_state\",\"node\":\"");
        textbuf_puts(t, node);
        textbuf_puts(t, "\",\"status\":\"");
        textbuf_puts(t, status);
        textbuf_puts(t, "\",\"at_us\":");
        textbuf_put_i64(t, (long long)at_us);
        textbuf_put(t, "}\n", 2);
        return t->oom ? -1 : 0;
    }
    json_t *m = job_link_node_state(node, status, at_us);
    int rc = m ? job_link_json_line(t, m) : -1;
    json_decref(m);
    return rc;
}

int job_link_job_state_line(struct textbuf *t, const char *status, int64_t at_us)
{
    if (textbuf_is_plain(status)) {
        textbuf_printf(t, "{\"type\":\"job_state\",\"status\":\"%s\",\"at_us\":%lld}\n", status,
                       (long long)at_us);
        return t->oom ? -1 : 0;
    }
    json_t *m = job_link_job_state(status, at_us);
    int rc = m ? job_link_json_line(t, m) : -1;
    json_decref(m);
    return rc;
}

int job_link_json_line(struct textbuf *t, const json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return -1;
    textbuf_puts(t, text);
    textbuf_put(t, "\n", 1);
    free(text);
    return t->oom ? -1 : 0;
}

int job_link_write_text(int fd, const char *text, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, text + off, len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

int job_link_write(int fd, const json_t *msg)
{
    size_t len;
    char *line = line_of(msg, &len);
    if (!line)
        return -1;
    int rc = job_link_write_text(fd, line, len);
    free(line);
    return rc;
}

int job_link_write_nonblock(int fd, const json_t *msg)
{
    size_t len;
    char *line = line_of(msg, &len);
    if (!line)
        return -1;
    ssize_t w;
    do
        w = send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (w < 0 && errno == EINTR);
    free(line);
    if (w != (ssize_t)len) {
        if (w >= 0)
            errno = EAGAIN;
        return -1;
    }
    return 0;
}
