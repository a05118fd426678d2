/* Logging: one line per event, to stderr or a file, text or JSON lines.
 * Every line carries the component name; callers add context (peer, job id,
 * node) as key=value pairs in the message. */
#ifndef PUSHY_LOG_H
#define PUSHY_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* component: short name printed on every line ("pushyd", "apid", ...). */
void log_init(const char *component, enum log_level level, bool json);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Sends output to path (O_APPEND); NULL means stderr. Returns 0 or -1. */
int log_open_file(const char *path);
/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int log_level_parse(const char *name);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define LOG_DEBUG(...) do { if (log_get_level() <= LOG_LVL_DEBUG) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define LOG_INFO(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define LOG_WARN(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
