#include "apid/identity.h"

#include "apid/chef_client.h"
#include "apid/identity_chef.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum api_db_status identity_org_id(const char *org, char org_id[24], bool *found)
{
    if (chef_mode())
        return identity_chef_org_id(org, org_id, found);
    return identity_local_org_id(org, org_id, found);
}

enum api_db_status identity_local_org_id(const char *org, char org_id[24], bool *found)
{
    *found = false;
    const char *p[1] = { org };
    PGresult *r;
    enum api_db_status st = api_db_exec("org lookup", "SELECT id FROM orgs WHERE name = $1", 1,
                                        p, &r);
    if (st != API_DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        snprintf(org_id, 24, "%s", PQgetvalue(r, 0, 0));
        *found = true;
    }
    PQclear(r);
    return API_DB_OK;
}

void identity_candidates_free(struct actor_candidates *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->c[i].public_key_pem);
    c->n = 0;
}

enum api_db_status identity_actor_candidates(const char *org_id, const char *name,
                                             struct actor_candidates *out)
{
    if (chef_mode())
        return identity_chef_actor_candidates(org_id, name, out);
    out->n = 0;
    /* kind: 0 client of the org, 1 user member, 2 user outsider, 3 foreign client */
    static const char sql[] =
        "SELECT 0, public_key FROM clients WHERE org_id = $1::bigint AND name = $2 "
        "UNION ALL "
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM org_users ou "
        "                         WHERE ou.org_id = $1::bigint AND ou.user_id = u.id) "
        "            THEN 1 ELSE 2 END, u.public_key FROM users u WHERE u.name = $2 "
        "UNION ALL "
        "(SELECT 3, public_key FROM clients WHERE name = $2 AND org_id <> $1::bigint "
        " ORDER BY org_id LIMIT 6) "
        "ORDER BY 1";
    const char *p[2] = { org_id, name };
    PGresult *r;
    enum api_db_status st = api_db_exec("actor lookup", sql, 2, p, &r);
    if (st != API_DB_OK)
        return st;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && out->n < IDENTITY_MAX_CANDIDATES; i++) {
        char *pem = strdup(PQgetvalue(r, i, 1));
        if (!pem) {
            PQclear(r);
            identity_candidates_free(out);
            return API_DB_ERROR;
        }
        out->c[out->n].kind = (enum actor_candidate_kind)atoi(PQgetvalue(r, i, 0));
        out->c[out->n].public_key_pem = pem;
        out->n++;
    }
    PQclear(r);
    return API_DB_OK;
}

enum api_db_status identity_groups(const char *org_id, enum api_actor_kind kind,
                                   const char *name, unsigned *mask)
{
    if (chef_mode())
        return identity_chef_groups(org_id, kind, name, mask);
    *mask = 0;
    /* UNION (not UNION ALL) stops at cycles of nested groups. */
    static const char sql[] =
        "WITH RECURSIVE member_of(id, name) AS ("
        "  SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id"
        "   WHERE g.org_id = $1::bigint AND m.member_kind = $2 AND m.member_name = $3"
        "  UNION"
        "  SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id"
        "   JOIN member_of mo ON m.member_kind = 'group' AND m.member_name = mo.name"
        "   WHERE g.org_id = $1::bigint"
        ") SELECT name FROM member_of";
    const char *p[3] = { org_id, kind == API_ACTOR_CLIENT ? "client" : "user", name };
    PGresult *r;
    enum api_db_status st = api_db_exec("group membership", sql, 3, p, &r);
    if (st != API_DB_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        *mask |= authz_group_bit(PQgetvalue(r, i, 0));
    PQclear(r);
    return API_DB_OK;
}
