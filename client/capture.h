/* A bounded buffer for a job's stdout or stderr. Appending never blocks
 * and never fails: bytes beyond the limit (or that cannot be stored) are
 * counted in `dropped` and discarded, so the pipe keeps being drained and
 * the command never stalls on a full pipe. The head of the output is kept.
 * Whoever renders the text adds pc_capture_marker when dropped > 0. */
#ifndef PUSHY_CLIENT_CAPTURE_H
#define PUSHY_CLIENT_CAPTURE_H

#include <stddef.h>

struct pc_capture {
    char *buf;      /* len bytes, not NUL-terminated; NULL while empty */
    size_t len, cap, limit;
    size_t dropped; /* bytes seen beyond what is kept */
};

void pc_capture_init(struct pc_capture *c, size_t limit);
void pc_capture_append(struct pc_capture *c, const void *data, size_t n);
void pc_capture_free(struct pc_capture *c);

/* "\n[pushy-client: output truncated, N bytes dropped]\n" into buf (always
 * NUL-terminated); returns its length. */
size_t pc_capture_marker(size_t dropped, char *buf, size_t cap);
#define PC_CAPTURE_MARKER_MAX 80

#endif
