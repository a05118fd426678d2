/* A growable text buffer for report lines and event objects written
 * without building JSON trees (the job path writes thousands per job).
 * A failed allocation sets `oom`; later appends do nothing, so a writer
 * checks once at the end. */
#ifndef PUSHY_JOB_TEXTBUF_H
#define PUSHY_JOB_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
    char *p;     /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;
};

void textbuf_free(struct textbuf *t);
void textbuf_reset(struct textbuf *t);          /* empties, keeps the memory, clears oom */
void textbuf_put(struct textbuf *t, const char *s, size_t n);
void textbuf_puts(struct textbuf *t, const char *s);
void textbuf_printf(struct textbuf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends v in decimal. */
void textbuf_put_i64(struct textbuf *t, long long v);
/* Appends "s" as a JSON string when s needs no escaping (printable ASCII
 * without '"' or '\\'); returns false, appending nothing, otherwise. */
bool textbuf_put_plain_str(struct textbuf *t, const char *s);
/* True when s is such a string. */
bool textbuf_is_plain(const char *s);

#endif
