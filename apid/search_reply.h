/* Replies for a failed node search (POST jobs "search", GET
 * node_states?search=): 400 for a bad query, whose error array shows the
 * query and a caret under the position the message names, e.g.
 *   {"error": ["search: unexpected ')' at position 9", "role:web)", "        ^"]}
 * 503 when the backend is unreachable, 502 when the Chef server answered
 * something unusable, 500 otherwise. */
#ifndef PUSHY_APID_SEARCH_REPLY_H
#define PUSHY_APID_SEARCH_REPLY_H

#include <stddef.h>

#include "apid/api.h"
#include "apid/node_search.h"

/* Queries longer than this (or holding tab, CR, LF) get no caret lines. */
#define SEARCH_CARET_MAX 200

/* The caret line for msg's last "at position N" (1-based characters of
 * the UTF-8 query): N-1 spaces and '^'. 0, or -1 when there is none to
 * draw (no position, position past the end + 1, query unfit to show). */
int search_caret_line(const char *query, const char *msg, char *out, size_t cap);

/* The error body for a bad query (msg from node_search). NULL only when
 * out of memory. */
json_t *search_error_body(const char *query, const char *msg);

/* Sets reply for st (not NODE_SEARCH_OK). */
void search_reply_error(struct api_reply *reply, enum node_search_status st, const char *query,
                        const char *msg);

#endif
