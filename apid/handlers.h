/* Request handlers, one file per resource. Each runs after routing,
 * name validation, authentication and authorization (for non-public
 * routes), and fills the reply. */
#ifndef PUSHY_APID_HANDLERS_H
#define PUSHY_APID_HANDLERS_H

#include "apid/api.h"

/* h_nodes.c */
void h_node_states_list(struct api_request *req, struct api_reply *reply);
void h_node_state_get(struct api_request *req, struct api_reply *reply);

/* h_config.c */
void h_config_get(struct api_request *req, struct api_reply *reply);

/* h_facts.c */
void h_facts_put(struct api_request *req, struct api_reply *reply);

/* h_status.c */
void h_status_get(struct api_request *req, struct api_reply *reply);
void h_metrics_get(struct api_request *req, struct api_reply *reply);

#endif
