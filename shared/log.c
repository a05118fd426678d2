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

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < g_level)
        return;
    int saved_errno = errno;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

    char line[4096];
    size_t len;
    if (g_json) {
        len = (size_t)snprintf(line, sizeof line,
                               "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"pid\":%d,\"msg\":\"",
                               ts, level_names[level], g_component, (int)getpid());
        len = json_escape(line, sizeof line, len, msg);
        len += (size_t)snprintf(line + len, sizeof line - len, "\"}\n");
    } else {
        len = (size_t)snprintf(line, sizeof line, "%s %-5s %s[%d]: %s\n", ts,
                               level_names[level], g_component, (int)getpid(), msg);
    }
    if (len >= sizeof line) {
        len = sizeof line - 1;
        line[len - 1] = '\n';
    }
    /* One write per line keeps lines whole when several processes append. */
    ssize_t w = write(g_fd, line, len);
    (void)w;
    errno = saved_errno;
}
