#include "apid/identity_chef.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/authz.h"
#include "apid/chef_client.h"
#include "apid/chef_parse.h"
#include "apid/validate.h"
#include "shared/log.h"

#define CHEF_PATH_MAX 1024
/* Groups fetched while resolving one of the three groups that matter. */
#define CHEF_GROUP_WALK_MAX 32

/* The api_db_status of a failed Chef call (err was logged by chef_request). */
static enum api_db_status call_status(enum chef_call c)
{
    return c == CHEF_CALL_UNREACHABLE ? API_DB_UNAVAILABLE : API_DB_ERROR;
}

/* The api_db_status of an answer other than 2xx and 404. */
static enum api_db_status answer_status(const char *what, const char *path,
                                        const struct chef_answer *a)
{
    char msg[256];
    chef_error_message(a->json, msg, sizeof msg);
    char safe[256];
    log_safe(path, safe, sizeof safe);
    if (a->status == 401 || a->status == 403)
        LOG_ERROR("chef: %s: GET %s: HTTP %ld: the Chef server refuses the superuser "
                  "(check chef_server_superuser_name/_key): %s", what, safe, a->status, msg);
    else
        LOG_WARN("chef: %s: GET %s: HTTP %ld: %s", what, safe, a->status, msg);
    return a->status >= 500 ? API_DB_UNAVAILABLE : API_DB_ERROR;
}

/* GET path; *found says 2xx (a->json holds the object) or 404. */
static enum api_db_status chef_get(const char *what, const char *path, struct chef_answer *a,
                                   bool *found)
{
    char err[512];
    *found = false;
    enum chef_call c = chef_request("GET", path, NULL, a, err, sizeof err);
    if (c != CHEF_CALL_OK)
        return call_status(c);
    if (a->status >= 200 && a->status < 300) {
        *found = true;
        return API_DB_OK;
    }
    if (a->status == 404) {
        chef_answer_free(a);
        return API_DB_OK;
    }
    enum api_db_status st = answer_status(what, path, a);
    chef_answer_free(a);
    return st;
}

/* orgs.name of org_id into name. */
static enum api_db_status org_name_of(const char *org_id, char *name, size_t len)
{
    const char *p[1] = { org_id };
    PGresult *r;
    enum api_db_status st = api_db_exec("org name lookup",
                                        "SELECT name FROM orgs WHERE id = $1::bigint", 1, p, &r);
    if (st != API_DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        LOG_ERROR("chef: no local org with id %s", org_id);
        PQclear(r);
        return API_DB_ERROR;
    }
    snprintf(name, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return API_DB_OK;
}

/* An org-scoped path "/.../KIND/ESC(name)SUFFIX". */
static int object_path(char *out, size_t len, const char *org, const char *kind,
                       const char *name, const char *suffix)
{
    char esc[3 * API_NAME_MAX + 1];
    char rest[CHEF_PATH_MAX];
    if (chef_url_escape(name, esc, sizeof esc))
        return -1;
    int n = snprintf(rest, sizeof rest, "/%s/%s%s", kind, esc, suffix);
    if (n < 0 || (size_t)n >= sizeof rest)
        return -1;
    return chef_org_path(out, len, chef_single_org(), org, rest);
}

enum api_db_status chef_org_known(const char *org, bool *known)
{
    *known = false;
    if (!valid_org_name(org))
        return API_DB_OK;
    const char *single = chef_single_org();
    if (single) {
        *known = !strcmp(org, single);
        return API_DB_OK;
    }
    char path[CHEF_PATH_MAX];
    int n = snprintf(path, sizeof path, "/organizations/%s", org); /* a valid org name */
    if (n < 0 || (size_t)n >= sizeof path)
        return API_DB_ERROR;
    struct chef_answer a;
    enum api_db_status st = chef_get("org lookup", path, &a, known);
    if (st == API_DB_OK && *known)
        chef_answer_free(&a);
    return st;
}

enum api_db_status identity_chef_org_id(const char *org, char org_id[24], bool *found)
{
    *found = false;
    bool known;
    enum api_db_status st = chef_org_known(org, &known);
    if (st != API_DB_OK || !known)
        return st;
    /* The Chef server knows the org: make sure the local row exists
     * (looked up first: even a no-op INSERT fires the identity triggers'
     * NOTIFY, which empties apid's auth cache). */
    st = identity_local_org_id(org, org_id, found);
    if (st != API_DB_OK || *found)
        return st;
    const char *p[1] = { org };
    PGresult *r;
    st = api_db_exec(
        "org create from Chef server",
        "INSERT INTO orgs (name, guid) VALUES ($1, replace(gen_random_uuid()::text, '-', '')) "
        "ON CONFLICT (name) DO NOTHING",
        1, p, &r);
    if (st != API_DB_OK)
        return st;
    if (atoi(PQcmdTuples(r)) > 0)
        LOG_INFO("chef: org '%s' first seen: created its local row", org);
    PQclear(r);
    return identity_local_org_id(org, org_id, found);
}

/* The public key of the actor at path (falling back to its keys/default
 * for servers that leave public_key out), or NULL; *st set on failure. */
static char *actor_key(const char *what, const char *path, const char *keys_path, bool *exists,
                       enum api_db_status *st)
{
    struct chef_answer a;
    *st = chef_get(what, path, &a, exists);
    if (*st != API_DB_OK || !*exists)
        return NULL;
    const char *pem = chef_public_key(a.json);
    char *copy = pem ? strdup(pem) : NULL;
    chef_answer_free(&a);
    if (pem && !copy) {
        *st = API_DB_ERROR;
        return NULL;
    }
    if (copy || !keys_path)
        return copy;
    bool has_keys;
    *st = chef_get(what, keys_path, &a, &has_keys);
    if (*st != API_DB_OK || !has_keys)
        return NULL;
    pem = chef_public_key(a.json);
    if (pem && chef_key_expired(a.json, time(NULL))) {
        LOG_INFO("chef: %s: the key at %s has expired: not used", what, keys_path);
        pem = NULL;
    }
    copy = pem ? strdup(pem) : NULL;
    chef_answer_free(&a);
    if (pem && !copy)
        *st = API_DB_ERROR;
    return copy;
}

/* At most two candidates are ever added: this org's client, then the user. */
_Static_assert(IDENTITY_MAX_CANDIDATES >= 2, "room for a client and a user");

static void add_candidate(struct actor_candidates *out, enum actor_candidate_kind kind,
                          char *pem)
{
    out->c[out->n].kind = kind;
    out->c[out->n].public_key_pem = pem;
    out->n++;
}

enum api_db_status chef_actor_candidates(const char *org, const char *name,
                                         struct actor_candidates *out)
{
    out->n = 0;
    enum api_db_status st;
    char path[CHEF_PATH_MAX], keys[CHEF_PATH_MAX];
    if (object_path(path, sizeof path, org, "clients", name, "") ||
        object_path(keys, sizeof keys, org, "clients", name, "/keys/default"))
        return API_DB_ERROR;
    bool exists;
    char *pem = actor_key("client lookup", path, keys, &exists, &st);
    if (st != API_DB_OK)
        return st;
    if (exists && !pem)
        LOG_WARN("chef: client '%s' of org '%s' has no usable public key", name, org);
    if (pem)
        add_candidate(out, CANDIDATE_CLIENT, pem);

    char esc[3 * API_NAME_MAX + 1];
    if (chef_url_escape(name, esc, sizeof esc) ||
        snprintf(path, sizeof path, "/users/%s", esc) >= (int)sizeof path ||
        snprintf(keys, sizeof keys, "/users/%s/keys/default", esc) >= (int)sizeof keys) {
        identity_candidates_free(out);
        return API_DB_ERROR;
    }
    pem = actor_key("user lookup", path, chef_single_org() ? NULL : keys, &exists, &st);
    if (st != API_DB_OK) {
        identity_candidates_free(out);
        return st;
    }
    if (exists && !pem)
        LOG_WARN("chef: user '%s' has no usable public key", name);
    if (!pem)
        return API_DB_OK;
    enum actor_candidate_kind kind = CANDIDATE_USER_MEMBER; /* one implicit org */
    if (!chef_single_org()) {
        struct chef_answer a;
        bool member;
        if (object_path(path, sizeof path, org, "users", name, "")) {
            free(pem);
            identity_candidates_free(out);
            return API_DB_ERROR;
        }
        st = chef_get("org association", path, &a, &member);
        if (st != API_DB_OK) {
            free(pem);
            identity_candidates_free(out);
            return st;
        }
        if (member)
            chef_answer_free(&a);
        kind = member ? CANDIDATE_USER_MEMBER : CANDIDATE_USER_OUTSIDER;
    }
    add_candidate(out, kind, pem);
    return API_DB_OK;
}

/* Single-org fallback: the actor's admin flag. */
static enum api_db_status admin_flag_groups(const char *org, enum api_actor_kind kind,
                                            const char *name, unsigned *mask)
{
    bool is_client = kind == API_ACTOR_CLIENT;
    char path[CHEF_PATH_MAX];
    char esc[3 * API_NAME_MAX + 1];
    if (chef_url_escape(name, esc, sizeof esc))
        return API_DB_ERROR;
    int n = snprintf(path, sizeof path, "/%s/%s", is_client ? "clients" : "users", esc);
    if (n < 0 || (size_t)n >= sizeof path)
        return API_DB_ERROR;
    struct chef_answer a;
    bool exists;
    enum api_db_status st = chef_get(is_client ? "client admin flag" : "user admin flag", path,
                                     &a, &exists);
    if (st != API_DB_OK || !exists)
        return st;
    if (chef_admin_flag(a.json))
        *mask |= AUTHZ_GROUP_ADMINS;
    else if (!is_client)
        *mask |= AUTHZ_GROUP_READERS;
    chef_answer_free(&a);
    LOG_DEBUG("chef: %s '%s' of single org '%s': groups mask %#x (admin flag fallback)",
              is_client ? "client" : "user", name, org, *mask);
    return API_DB_OK;
}

/* Is the actor in group root of org, directly or through nested groups? */
static enum api_db_status in_group(const char *org, const char *root, bool is_client,
                                   const char *name, bool *member)
{
    *member = false;
    char *queue[CHEF_GROUP_WALK_MAX];
    size_t head = 0, tail = 0;
    enum api_db_status st = API_DB_OK;
    queue[tail] = strdup(root);
    if (!queue[tail])
        return API_DB_ERROR;
    tail++;
    while (head < tail && !*member) {
        const char *g = queue[head++];
        char path[CHEF_PATH_MAX];
        if (object_path(path, sizeof path, org, "groups", g, "")) {
            st = API_DB_ERROR;
            break;
        }
        struct chef_answer a;
        bool exists;
        st = chef_get("group lookup", path, &a, &exists);
        if (st != API_DB_OK)
            break;
        if (!exists)
            continue;
        *member = chef_group_has_actor(a.json, is_client, name);
        const json_t *subs = chef_group_subgroups(a.json);
        size_t i;
        const json_t *sub;
        json_array_foreach(subs, i, sub) {
            if (*member || !json_is_string(sub) || !valid_user_name(json_string_value(sub)))
                continue;
            bool seen = false;
            for (size_t k = 0; k < tail && !seen; k++)
                seen = !strcmp(queue[k], json_string_value(sub));
            if (seen)
                continue;
            if (tail == CHEF_GROUP_WALK_MAX) {
                LOG_WARN("chef: group '%s' of org '%s' nests more than %d groups; "
                         "the rest is ignored", root, org, CHEF_GROUP_WALK_MAX);
                break;
            }
            queue[tail] = strdup(json_string_value(sub));
            if (!queue[tail]) {
                st = API_DB_ERROR;
                break;
            }
            tail++;
        }
        chef_answer_free(&a);
        if (st != API_DB_OK)
            break;
    }
    for (size_t k = 0; k < tail; k++)
        free(queue[k]);
    return st;
}

enum api_db_status chef_actor_groups(const char *org, enum api_actor_kind kind,
                                     const char *name, unsigned *mask)
{
    *mask = 0;
    enum api_db_status st;
    if (chef_single_org())
        return admin_flag_groups(org, kind, name, mask);
    static const char *const roots[] = { "admins", "pushy_job_writers", "pushy_job_readers" };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        bool member;
        st = in_group(org, roots[i], kind == API_ACTOR_CLIENT, name, &member);
        if (st != API_DB_OK)
            return st;
        if (member)
            *mask |= authz_group_bit(roots[i]);
    }
    return API_DB_OK;
}

enum api_db_status identity_chef_actor_candidates(const char *org_id, const char *name,
                                                  struct actor_candidates *out)
{
    out->n = 0;
    char org[API_NAME_MAX];
    enum api_db_status st = org_name_of(org_id, org, sizeof org);
    return st != API_DB_OK ? st : chef_actor_candidates(org, name, out);
}

enum api_db_status identity_chef_groups(const char *org_id, enum api_actor_kind kind,
                                        const char *name, unsigned *mask)
{
    *mask = 0;
    char org[API_NAME_MAX];
    enum api_db_status st = org_name_of(org_id, org, sizeof org);
    return st != API_DB_OK ? st : chef_actor_groups(org, kind, name, mask);
}
