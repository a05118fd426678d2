/* A growable text buffer for text written without building JSON trees:
 * the job path's report lines and event objects (thousands per job) and
 * commandd's batches of node replies.
 * A failed allocation sets `oom`; later appends do nothing, so a writer
 * checks once at the end. */
#ifndef PUSHY_TEXTBUF_H
#define PUSHY_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
    char *p;     /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;
};

/* The one growth rule of the text buffers here (textbuf, apid's json_buf,
 * commandd's heartbeat batch, curl answer sinks): makes *p (capacity *cap)
 * hold len + n bytes and a NUL, doubling from 1 KB. 0, or -1 when out of
 * memory or the size would overflow (*p and *cap are then unchanged). */
int text_grow(char **p, size_t *cap, size_t len, size_t n);

void textbuf_free(struct textbuf *t);
void textbuf_reset(struct textbuf *t);          /* empties, keeps the memory, clears oom */
/* Cuts t back to its first len bytes (len <= t->len) and clears oom: undoes
 * an append that failed part way. */
void textbuf_truncate(struct textbuf *t, size_t len);
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
