/* PUT nodes/NODE/facts: a node reports its attributes (pushy-client does
 * at every config fetch). Only the client named NODE may (authz
 * API_PERM_NODE_SELF). Stores nodes.attributes and nodes.search_keys =
 * search_flatten(attributes, NODE) in one statement, writing only when
 * something changed, creating the node row when missing. */
#include <stdlib.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/facts_input.h"
#include "apid/handlers.h"
#include "apid/response.h"
#include "shared/log.h"
#include "shared/search_flatten.h"

static const char *const UPSERT_SQL =
    "INSERT INTO nodes (org_id, name, attributes, search_keys) "
    "VALUES ($1::bigint, $2, $3::jsonb, $4::jsonb) "
    "ON CONFLICT (org_id, name) DO UPDATE SET attributes = EXCLUDED.attributes, "
    "  search_keys = EXCLUDED.search_keys "
    "WHERE nodes.attributes IS DISTINCT FROM EXCLUDED.attributes "
    "   OR nodes.search_keys IS DISTINCT FROM EXCLUDED.search_keys "
    "RETURNING 1";

void h_facts_put(struct api_request *req, struct api_reply *reply)
{
    const char *node = route_param(&req->match, "node");
    if (req->body_len > FACTS_MAX_BODY) {
        LOG_WARN("facts: org=%s node=%s sent %zu bytes; refused", req->org, node, req->body_len);
        api_reply_error(reply, 413, "facts: the body is larger than %d bytes", FACTS_MAX_BODY);
        return;
    }
    json_t *attrs = api_parse_json_object(req->body, req->body_len, 0, reply);
    if (!attrs)
        return;
    char err[256];
    if (facts_validate(attrs, err, sizeof err)) {
        LOG_WARN("facts: org=%s node=%s refused: %s", req->org, node, err);
        api_reply_error(reply, 400, "%s", err);
        json_decref(attrs);
        return;
    }
    bool truncated = false;
    json_t *keys = search_flatten(attrs, node, &truncated);
    char *attrs_text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
    char *keys_text = keys ? json_dumps(keys, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(attrs);
    json_decref(keys);
    if (!attrs_text || !keys_text) {
        free(attrs_text);
        free(keys_text);
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    if (truncated)
        LOG_WARN("facts: org=%s node=%s: some attributes were left out of search (nested "
                 "deeper than %d, keys longer than %d bytes or more than %d values)",
                 req->org, node, SEARCH_FLATTEN_MAX_DEPTH, SEARCH_FLATTEN_MAX_KEY,
                 SEARCH_FLATTEN_MAX_VALUES);
    const char *p[4] = { req->org_id, node, attrs_text, keys_text };
    PGresult *r;
    enum api_db_status st = api_db_exec("facts upsert", UPSERT_SQL, 4, p, &r);
    free(attrs_text);
    free(keys_text);
    if (st != API_DB_OK) {
        LOG_ERROR("facts: org=%s node=%s not stored", req->org, node);
        auth_reply_db_error(reply, st);
        return;
    }
    bool changed = PQntuples(r) == 1;
    PQclear(r);
    if (changed)
        LOG_INFO("facts: org=%s node=%s updated", req->org, node);
    else
        LOG_DEBUG("facts: org=%s node=%s unchanged", req->org, node);
    api_reply_json(reply, 200, json_pack("{s:s, s:b, s:b}", "node", node, "changed", changed,
                                         "truncated", truncated));
}
