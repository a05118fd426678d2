#include "jobrunner/job_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

int job_link_write(int fd, const json_t *msg)
{
    size_t len;
    char *line = line_of(msg, &len);
    if (!line)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, line + off, len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            free(line);
            return -1;
        }
        off += (size_t)w;
    }
    free(line);
    return 0;
}

int job_link_write_lines(int fd, const json_t *msgs)
{
    size_t n = json_array_size(msgs), len = 0, cap = 0;
    if (n == 0)
        return 0;
    char *buf = NULL;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        char *line = line_of(json_array_get(msgs, i), &l);
        if (!line)
            goto out;
        if (len + l > cap) {
            size_t c = cap ? cap : 4096;
            while (c < len + l)
                c *= 2;
            char *b = realloc(buf, c);
            if (!b) {
                free(line);
                goto out;
            }
            buf = b;
            cap = c;
        }
        memcpy(buf + len, line, l);
        len += l;
        free(line);
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        off += (size_t)w;
    }
    rc = 0;
out:
    free(buf);
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
