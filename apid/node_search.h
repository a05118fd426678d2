/* Resolving a search query (POST jobs "search", GET node_states?search=)
 * to the names of the matching nodes of an org.
 *
 * Standalone mode runs the query over nodes.search_keys in PostgreSQL
 * (shared/search_query.h, shared/search_sql.h); Chef-server mode
 * (chef_server_url set) asks the Chef Infra Server's /search/node
 * (apid/chef_search.h). node_search() picks the backend. */
#ifndef PUSHY_APID_NODE_SEARCH_H
#define PUSHY_APID_NODE_SEARCH_H

#include <stddef.h>

struct node_names {
    char **names;   /* malloc'd strings, sorted, no duplicates */
    size_t n;
};

void node_names_free(struct node_names *nn);

enum node_search_status {
    NODE_SEARCH_OK = 0,
    NODE_SEARCH_BAD_QUERY,    /* 400: err says what and where (position) */
    NODE_SEARCH_UNAVAILABLE,  /* 503: database or Chef server unreachable */
    NODE_SEARCH_ERROR,        /* 500 */
    NODE_SEARCH_BAD_GATEWAY,  /* 502: the Chef server answered, but not usably */
};

/* org: the org's name; org_id: orgs.id as text. On NODE_SEARCH_OK out
 * holds the matches (possibly none); otherwise out is empty and err
 * holds a message fit for the API reply. */
enum node_search_status node_search(const char *org, const char *org_id, const char *query,
                                    struct node_names *out, char *err, size_t errlen);

#endif
