/* The JSON shape of a node's state in the API (GET node_states items and
 * GET node_states/NODE), written as text straight from database columns:
 *   {"node_name":N,"status":S,"availability":A,"updated_at":RFC1123}
 * Byte for byte what json_dumps(JSON_COMPACT) gives for the same object
 * built with jansson. Pure code. */
#ifndef PUSHY_APID_NODE_VIEW_H
#define PUSHY_APID_NODE_VIEW_H

#include <time.h>

#include "apid/json_write.h"

void node_view_write(struct json_buf *b, const char *name, const char *status,
                     const char *availability, time_t updated_at);

#endif
