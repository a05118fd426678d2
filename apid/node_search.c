/* node_search(): the backend dispatch (apid/node_search.h) and
 * node_names_free. The standalone backend is node_search_local.c. */
#include "apid/node_search.h"

#include <stdlib.h>

#include "apid/chef_client.h"
#include "apid/chef_search.h"
#include "apid/node_search_local.h"

void node_names_free(struct node_names *nn)
{
    if (!nn)
        return;
    for (size_t i = 0; i < nn->n; i++)
        free(nn->names[i]);
    free(nn->names);
    nn->names = NULL;
    nn->n = 0;
}

enum node_search_status node_search(const char *org, const char *org_id, const char *query,
                                    struct node_names *out, char *err, size_t errlen)
{
    out->names = NULL;
    out->n = 0;
    if (chef_mode())
        return chef_search_nodes(org, query, out, err, errlen);
    return node_search_local(org, org_id, query, out, err, errlen);
}
