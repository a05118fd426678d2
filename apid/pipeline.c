#include "apid/pipeline.h"

#include <stdlib.h>

#include "apid/auth.h"
#include "apid/response.h"
#include "apid/routes.h"
#include "apid/validate.h"
#include "shared/log.h"

/* Set by apid_main before the HTTP server starts (defined here so that the
 * library, and the unit tests linking it, carry it). */
struct api_server *api_server;

/* 400 for a name that breaks the schema's rules: no query sees it. */
static int check_names(struct api_request *req, struct api_reply *reply)
{
    req->org = route_param(&req->match, "org");
    if (req->org && !valid_org_name(req->org)) {
        api_reply_error(reply, 400,
                        "Invalid organization name '%s': use lower-case letters, digits, '_' "
                        "and '-', starting with a letter or digit, at most 255 characters",
                        req->org);
        return -1;
    }
    const char *node = route_param(&req->match, "node");
    if (node && !valid_node_name(node)) {
        api_reply_error(reply, 400,
                        "Invalid node name '%s': use letters, digits, '_', '.', ':' and '-', "
                        "at most 255 characters", node);
        return -1;
    }
    return 0;
}

static void dispatch(struct api_request *req, struct api_reply *reply)
{
    switch (router_match(api_routes, api_nroutes, req->method, req->raw_path, &req->match)) {
    case ROUTE_NOT_FOUND:
        api_reply_error(reply, 404, "No such endpoint: %s", req->raw_path);
        return;
    case ROUTE_BAD_PATH:
        api_reply_error(reply, 400, "%s", req->match.error);
        return;
    case ROUTE_METHOD_NOT_ALLOWED:
        api_reply_error(reply, 405, "Method %s is not allowed here; allowed: %s", req->method,
                        req->match.allow);
        api_reply_header(reply, "Allow", req->match.allow);
        return;
    case ROUTE_OK:
        break;
    }
    const struct route *route = req->match.route;
    if (check_names(req, reply))
        return;
    if (route->perm != API_PERM_PUBLIC) {
        if (auth_authenticate(req, reply) || auth_authorize(req, reply))
            return;
    }
    if (route->body == ROUTE_BODY_JSON || route->body == ROUTE_BODY_JSON_OPTIONAL) {
        req->json = api_parse_json_object(req->body, req->body_len,
                                          route->body == ROUTE_BODY_JSON_OPTIONAL, reply);
        if (!req->json)
            return;
    }
    route->handler(req, reply);
}

void api_process(struct api_request *req, struct api_reply *reply)
{
    dispatch(req, reply);
    if (reply->status == 0) {
        LOG_ERROR("%s %s: handler set no reply", req->method, req->raw_path);
        api_reply_error(reply, 500, "Internal error");
    }
    json_decref(req->json);
    req->json = NULL;
    free(req->actor.public_key_pem);
    req->actor.public_key_pem = NULL;
}
