/* The error-message convention of pure functions: write a formatted
 * message into (err, errlen) — either may be NULL/0 — and return -1. */
#ifndef PUSHY_ERRBUF_H
#define PUSHY_ERRBUF_H

#include <stddef.h>

int errbuf_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
