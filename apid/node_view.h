/* The JSON shape of a node's state in the API (GET node_states items and
 * GET node_states/NODE), written as text straight from database columns:
 *   {"node_name":N,"status":S,"availability":A,"updated_at":RFC1123}
 * Byte for byte what json_dumps(JSON_COMPACT) gives for the same object
 * built with jansson. Pure code. */
#ifndef PUSHY_APID_NODE_VIEW_H
#define PUSHY_APID_NODE_VIEW_H

#include <stdbool.h>
#include <time.h>

#include "apid/json_write.h"
#include "shared/timefmt.h"

/* The last updated_at formatted, kept across the rows of one listing
 * (nodes mostly share a few seconds). Start it zeroed. */
struct node_view_when {
    bool set;
    time_t t;
    char text[TIME_RFC1123_SIZE];
};

/* updated_at given as the decimal seconds the query selects
 * (EPOCH_SECONDS in apid/api.h): optional '-', digits; anything after them
 * is ignored, as strtoll would (no digits: 0). */
void node_view_write(struct json_buf *b, const char *name, const char *status,
                     const char *availability, const char *updated_epoch,
                     struct node_view_when *when);

#endif
