/* Growable NUL-terminated byte buffer for the CLI. Every append returns 0,
 * or -1 when out of memory (the buffer then keeps its previous content). */
#ifndef PUSHY_CLI_STRBUF_H
#define PUSHY_CLI_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *p;    /* NULL until the first append */
    size_t len;
    size_t cap;
};

int sb_append(struct strbuf *b, const void *data, size_t n);
int sb_puts(struct strbuf *b, const char *s);
int sb_putc(struct strbuf *b, char c);
int sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the string over (never NULL on success: "" for an empty buffer);
 * the buffer is empty afterwards. NULL when out of memory. */
char *sb_take(struct strbuf *b);

void sb_free(struct strbuf *b);

#endif
