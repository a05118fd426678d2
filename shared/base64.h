/* Standard base64 (RFC 4648, with padding). */
#ifndef PUSHY_BASE64_H
#define PUSHY_BASE64_H

#include <stddef.h>

/* Size of the encoding of n bytes, plus the terminating NUL. */
#define BASE64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/* Writes the NUL-terminated encoding of in[0..n) to out (cap bytes).
 * Returns the length written, or -1 if cap is too small. */
long base64_encode(const unsigned char *in, size_t n, char *out, size_t cap);

/* Decodes text (whitespace such as Ruby's line breaks is skipped) into out.
 * Returns the decoded length, or -1 on bad input or when cap is too small. */
long base64_decode(const char *text, size_t len, unsigned char *out, size_t cap);

#endif
