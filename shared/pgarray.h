/* PostgreSQL array literals ({"a","b",NULL}) for batched statements that
 * pass whole columns as one parameter (unnest($1::text[], ...)). */
#ifndef PUSHY_PGARRAY_H
#define PUSHY_PGARRAY_H

#include <stddef.h>

/* A malloc'd literal of n elements, each double-quoted and escaped; a NULL
 * element becomes SQL NULL. NULL when out of memory. */
char *pg_array_literal(const char *const *elems, size_t n);

#endif
