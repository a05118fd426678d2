#include "apid/auth.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/auth_cache.h"
#include "apid/chef_client.h"
#include "apid/identity.h"
#include "apid/key_cache.h"
#include "apid/metrics.h"
#include "apid/response.h"
#include "apid/validate.h"
#include "shared/chef_auth.h"
#include "shared/log.h"

void auth_reply_db_error(struct api_reply *reply, int db_status)
{
    if (db_status == API_DB_UNAVAILABLE && chef_mode())
        api_reply_error(reply, 503,
                        "The Chef server or the database is unavailable; try again shortly");
    else if (db_status == API_DB_UNAVAILABLE)
        api_reply_error(reply, 503, "The database is unavailable; try again shortly");
    else
        api_reply_error(reply, 500, "Internal error while reading the database");
}

static int refuse(struct api_request *req, struct api_reply *reply, unsigned status,
                  const char *reason, const char *detail, const char *fmt, const char *arg1,
                  const char *arg2)
{
    char msg[768];
    snprintf(msg, sizeof msg, fmt, arg1 ? arg1 : "", arg2 ? arg2 : "");
    api_reply_error(reply, status, "%s", msg);
    reply->auth_failure = reason;
    metrics_auth_failure(reason);
    char safe_user[64];
    const char *user = req->header ? req->header(req->header_ctx, "X-Ops-Userid") : NULL;
    LOG_INFO("auth: refused %s %s from %s: user=%s reason=%s%s%s", req->method, req->raw_path,
             req->peer, log_safe(user ? user : "-", safe_user, sizeof safe_user), reason,
             detail ? ": " : "", detail ? detail : "");
    return -1;
}

/* CHEF_AUTH_OK when pem's key verifies the request. The decoded key comes
 * from apid/key_cache.h; the signature itself is checked every time. */
static chef_auth_status verify_with(const chef_auth_request *creq, const char *pem, char *err,
                                    size_t errlen)
{
    EVP_PKEY *key = key_cache_public_key(pem, err, errlen);
    if (!key) {
        LOG_ERROR("auth: stored public key of '%s' does not load: %s", creq->user_id, err);
        return CHEF_AUTH_ERR_BAD_KEY;
    }
    chef_auth_status st = chef_auth_verify_signature(creq, key, err, errlen);
    EVP_PKEY_free(key);
    return st;
}

static const char unknown_fmt[] =
    "Failed to authenticate as '%s'. Ensure that your node_name and client key are correct.";

int auth_authenticate(struct api_request *req, struct api_reply *reply)
{
    char err[512] = "";
    chef_auth_request creq;
    long skew = api_server && api_server->cfg ? api_server->cfg->auth_skew : 900;
    chef_auth_status st = chef_auth_parse_request((chef_auth_header_fn)req->header,
                                                  req->header_ctx, req->method, req->raw_path,
                                                  req->body, req->body_len, time(NULL), skew,
                                                  &creq, err, sizeof err);
    if (st != CHEF_AUTH_OK) {
        const char *reason = chef_auth_status_name(st);
        if (st == CHEF_AUTH_ERR_BAD_VERSION)
            return refuse(req, reply, 400, reason, NULL, "%s", err, NULL);
        if (st == CHEF_AUTH_ERR_INTERNAL || st == CHEF_AUTH_ERR_BAD_ARGUMENT)
            return refuse(req, reply, 500, reason, err, "Internal error while authenticating%s",
                          NULL, NULL);
        if (st == CHEF_AUTH_ERR_CLOCK_SKEW) {
            const char *user = req->header(req->header_ctx, "X-Ops-Userid");
            char safe[300];
            char msg[900];
            snprintf(msg, sizeof msg,
                     "Failed to authenticate as '%s'. Synchronize the clock on your host. (%s)",
                     log_safe(user ? user : "", safe, sizeof safe), err);
            return refuse(req, reply, 401, reason, NULL, "%s", msg, NULL);
        }
        return refuse(req, reply, 401, reason, NULL, "%s", err, NULL);
    }

    int rc = -1;
    struct actor_candidates cands = { 0 };
    const char *user = creq.user_id;
    if (!req->org) {
        LOG_ERROR("auth: route %s has no :org", req->match.route ? req->match.route->pattern : "?");
        api_reply_error(reply, 500, "Internal error: this route names no organization");
        goto out;
    }
    if (!valid_actor_name(user)) {
        char safe[300];
        refuse(req, reply, 401, "unknown_actor", "not a valid actor name", unknown_fmt,
               log_safe(user, safe, sizeof safe), NULL);
        goto out;
    }
    bool found;
    enum api_db_status dst = auth_cache_org_id(req->org, req->org_id, &found);
    if (dst != API_DB_OK) {
        auth_reply_db_error(reply, dst);
        goto out;
    }
    if (!found) {
        api_reply_error(reply, 404, "organization '%s' does not exist.", req->org);
        goto out;
    }
    dst = auth_cache_actor_candidates(req->org_id, user, &cands);
    if (dst != API_DB_OK) {
        auth_reply_db_error(reply, dst);
        goto out;
    }
    if (cands.n == 0) {
        refuse(req, reply, 401, "unknown_actor", "no such user or client", unknown_fmt, user,
               NULL);
        goto out;
    }
    const struct actor_candidate *c0 = &cands.c[0];
    if (c0->kind != CANDIDATE_FOREIGN_CLIENT) {
        st = verify_with(&creq, c0->public_key_pem, err, sizeof err);
        if (st == CHEF_AUTH_ERR_BAD_KEY) {
            refuse(req, reply, 401, "bad_key", err, "Invalid key stored for user or client '%s'",
                   user, NULL);
            goto out;
        }
        if (st != CHEF_AUTH_OK) {
            refuse(req, reply, 401, "bad_signature", err,
                   "Invalid signature for user or client '%s'", user, NULL);
            goto out;
        }
        if (c0->kind == CANDIDATE_USER_OUTSIDER) {
            refuse(req, reply, 403, "not_associated", NULL,
                   "'%s' is not associated with organization '%s'", user, req->org);
            goto out;
        }
        req->actor.kind = c0->kind == CANDIDATE_CLIENT ? API_ACTOR_CLIENT : API_ACTOR_USER;
    } else {
        /* Only clients of other orgs: say so only to whoever holds one of
         * their keys, everyone else learns nothing. */
        bool verified = false;
        for (int i = 0; i < cands.n && !verified; i++)
            verified = verify_with(&creq, cands.c[i].public_key_pem, err, sizeof err) ==
                       CHEF_AUTH_OK;
        if (verified)
            refuse(req, reply, 403, "not_associated", "a client of another organization",
                   "'%s' is not associated with organization '%s'", user, req->org);
        else
            refuse(req, reply, 401, "bad_signature", "no key of a same-named client verifies",
                   unknown_fmt, user, NULL);
        goto out;
    }
    auth_cache_confirm(req->org, req->org_id, user); /* verified: may stay cached */
    snprintf(req->actor.name, sizeof req->actor.name, "%s", user);
    req->actor.public_key_pem = c0->public_key_pem;
    cands.c[0].public_key_pem = NULL;
    rc = 0;
out:
    identity_candidates_free(&cands);
    chef_auth_request_free(&creq);
    return rc;
}

int auth_authorize(struct api_request *req, struct api_reply *reply)
{
    const struct route *route = req->match.route;
    const char *node = route_param(&req->match, "node");
    bool is_client = req->actor.kind == API_ACTOR_CLIENT;
    /* A client asking for its own config, or reporting its own facts,
     * needs no group lookup. */
    if (!((route->perm == API_PERM_CONFIG || route->perm == API_PERM_NODE_SELF) && is_client)) {
        enum api_db_status st = auth_cache_groups(req->org_id, req->actor.kind, req->actor.name,
                                                &req->actor.groups);
        if (st != API_DB_OK) {
            auth_reply_db_error(reply, st);
            return -1;
        }
    }
    switch (authz_decide(route->perm, is_client, req->actor.name, node, req->actor.groups)) {
    case AUTHZ_ALLOW:
        return 0;
    case AUTHZ_DENY_NODE_MISMATCH:
        return refuse(req, reply, 403, "node_mismatch", NULL, "Client and node name must match%s",
                      NULL, NULL);
    case AUTHZ_DENY:
    default:
        return refuse(req, reply, 403, "forbidden", NULL,
                      "User or client '%s' does not have access to that action on this server.",
                      req->actor.name, NULL);
    }
}
