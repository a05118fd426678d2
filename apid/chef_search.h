/* Search in Chef-server mode: the Chef server's own node index answers
 * (POST /organizations/ORG/search/node, a partial search that returns
 * only the names; /search/node at the root for chef_server_single_org). */
#ifndef PUSHY_APID_CHEF_SEARCH_H
#define PUSHY_APID_CHEF_SEARCH_H

#include <jansson.h>
#include <stddef.h>

#include "apid/node_search.h"

/* Names of the nodes of org matching the Chef search query, sorted and
 * without duplicates, at most chef_search_max_nodes (more is
 * NODE_SEARCH_BAD_QUERY). A Chef 400 is NODE_SEARCH_BAD_QUERY with the
 * server's message, an unreachable or failing (5xx) server
 * NODE_SEARCH_UNAVAILABLE, any other answer NODE_SEARCH_ERROR. */
enum node_search_status chef_search_nodes(const char *org, const char *query,
                                          struct node_names *out, char *err, size_t errlen);

/* The request path of one page (exposed for tests): the org's
 * search/node with q=ESC(query), rows and start. 0, or -1 if too long. */
int chef_search_path(char *out, size_t outlen, const char *single_org, const char *org,
                     const char *query, size_t rows, size_t start);

/* Sorts names and drops duplicates (freeing them); returns the new count. */
size_t chef_search_sort_unique(char **names, size_t n);

#endif
