/* Listings in name order, sorted in apid rather than by the database: a
 * PostgreSQL sort of a 100-row listing (GET node_states, the nodes of GET
 * jobs/ID) cost it about a quarter of its CPU for the request, the same
 * sort here a few microseconds (bench/RESULTS.md, session 4). The order is
 * strcmp's, byte order: what the embedded database (C collation) gave
 * before, and what node search already returns. Pure code. */
#ifndef PUSHY_APID_NAME_ORDER_H
#define PUSHY_APID_NAME_ORDER_H

#include <stddef.h>

/* The indices 0..n-1 of names[] in strcmp order of the names (equal names
 * in index order), malloc'd (n elements, at least one); NULL when out of
 * memory. */
size_t *name_order(const char *const *names, size_t n);

/* Sorts the parallel arrays names[] and values[] by name (strcmp; equal
 * names keep their order). 0, or -1 when out of memory (arrays unchanged). */
int name_sort_pairs(const char **names, const char **values, size_t n);

#endif
