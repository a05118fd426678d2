#include "shared/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char g_component[32] = "pushy";
static enum log_level g_level = LOG_LVL_INFO;
static bool g_json;
static int g_fd = STDERR_FILENO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_init(const char *component, enum log_level level, bool json)
{
    snprintf(g_component, sizeof g_component, "%s", component);
    g_level = level;
    g_json = json;
}

void log_set_level(enum log_level level) { g_level = level; }
enum log_level log_get_level(void) { return g_level; }

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    if (strcmp(name, "warning") == 0)
        return LOG_LVL_WARN;
    return -1;
}

int log_open_file(const char *path)
{
    if (!path) {
        if (g_fd != STDERR_FILENO)
            close(g_fd);
        g_fd = STDERR_FILENO;
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (g_fd != STDERR_FILENO)
        close(g_fd);
    g_fd = fd;
    return 0;
}

/* Appends s to buf as a JSON string body (without quotes). */
static size_t json_escape(char *buf, size_t cap, size_t len, const char *s)
{
    for (; *s && len + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[len++] = '\\';
            buf[len++] = (char)c;
        } else if (c < 0x20) {
            len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", c);
        } else {
            buf[len++] = (char)c;
        }
    }
    return len;
}

/* "2024-01-02T03:04:05.678Z" into ts; the part down to the second is
 * formatted once per second and thread (gmtime_r + strftime per line were
 * a visible share of logging every API request). */
static void timestamp(char ts[40])
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[32];
    static _Thread_local size_t cached_len;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        cached_len = strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = tv.tv_sec;
    }
    memcpy(ts, cached, cached_len);
    int ms = (int)(tv.tv_usec / 1000);
    char *p = ts + cached_len;
    *p++ = '.';
    *p++ = (char)('0' + ms / 100);
    *p++ = (char)('0' + ms / 10 % 10);
    *p++ = (char)('0' + ms % 10);
    *p++ = 'Z';
    *p = '\0';
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < g_level)
        return;
    int saved_errno = errno;
    char ts[40];
    timestamp(ts);

    char line[4096];
    size_t len;
    va_list ap;
    va_start(ap, fmt);
    if (g_json) {
        char msg[2048];
        vsnprintf(msg, sizeof msg, fmt, ap);
        len = (size_t)snprintf(line, sizeof line,
                               "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"pid\":%d,\"msg\":\"",
                               ts, level_names[level], g_component, (int)getpid());
        len = json_escape(line, sizeof line, len, msg);
        len += (size_t)snprintf(line + len, sizeof line - len, "\"}\n");
    } else {
        /* The message is formatted in place, after the prefix, and cut at
         * 2047 bytes as before. */
        len = (size_t)snprintf(line, sizeof line, "%s %-5s %s[%d]: ", ts, level_names[level],
                               g_component, (int)getpid());
        if (len < sizeof line) {
            size_t room = sizeof line - len - 1; /* keep one byte for the newline */
            if (room > 2048)
                room = 2048;
            int n = vsnprintf(line + len, room, fmt, ap);
            if (n > 0)
                len += (size_t)n < room ? (size_t)n : room - 1;
            line[len++] = '\n';
        }
    }
    va_end(ap);
    if (len >= sizeof line) {
        len = sizeof line - 1;
        line[len - 1] = '\n';
    }
    /* One write per line keeps lines whole when several processes append. */
    ssize_t w = write(g_fd, line, len);
    (void)w;
    errno = saved_errno;
}
