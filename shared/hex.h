/* Lower-case hex text of binary keys (session keys travel as hex between
 * PostgreSQL, apid, commandd and the test tools). */
#ifndef PUSHY_SHARED_HEX_H
#define PUSHY_SHARED_HEX_H

#include <stddef.h>

/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);

/* Exactly 2*n hex digits (either case, nothing else) into n bytes;
 * 0, or -1 (out is then undefined). */
int hex_decode(const char *hex, unsigned char *out, size_t n);

/* n bytes as 2*n lower-case digits and a NUL: out holds 2*n + 1. */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
