/* The authentication and authorization steps every non-public request
 * goes through: verify the Chef signed headers against the actor's public
 * key (shared/chef_auth), resolve the actor in the org, then check the
 * route's permission against the actor's groups (apid/authz). */
#ifndef PUSHY_APID_AUTH_H
#define PUSHY_APID_AUTH_H

#include "apid/api.h"

/* On success returns 0 with req->org_id and req->actor set. Otherwise
 * fills reply (400 bad protocol version, 401, 403 not associated, 404
 * unknown org, 500, 503) and returns -1. */
int auth_authenticate(struct api_request *req, struct api_reply *reply);

/* Checks req->match.route->perm for the authenticated actor: 0, or -1
 * with reply filled (403, 500, 503). For API_PERM_CONFIG the node is the
 * route's :node. */
int auth_authorize(struct api_request *req, struct api_reply *reply);

/* Maps a database failure to a reply: 503 when unavailable, else 500. */
void auth_reply_db_error(struct api_reply *reply, int db_status);

#endif
