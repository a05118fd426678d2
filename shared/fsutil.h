/* Small file-system helpers. */
#ifndef PUSHY_FSUTIL_H
#define PUSHY_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p with mode for created directories. 0 or -1 (errno set). */
int mkdir_p(const char *path, mode_t mode);

/* Reads a whole small file (≤ max bytes) into a NUL-terminated buffer the
 * caller frees. NULL on error (errno set; EFBIG when too large). */
char *read_file(const char *path, size_t max, size_t *len_out);

/* Writes data to path atomically (temp file + rename) with mode. 0 or -1. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
