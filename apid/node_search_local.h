/* The standalone search backend: the query (shared/search_query.h)
 * compiled to SQL (shared/search_sql.h) over nodes.search_keys of one org,
 * run on apid's database connection. Same contract as node_search(). */
#ifndef PUSHY_APID_NODE_SEARCH_LOCAL_H
#define PUSHY_APID_NODE_SEARCH_LOCAL_H

#include <stddef.h>

#include "apid/node_search.h"

enum node_search_status node_search_local(const char *org, const char *org_id,
                                          const char *query, struct node_names *out, char *err,
                                          size_t errlen);

#endif
