/* Identity store lookups for authentication and authorization:
 * organizations, actors (clients of an org, global users) and their
 * group memberships (nested groups resolved recursively). */
#ifndef PUSHY_APID_IDENTITY_H
#define PUSHY_APID_IDENTITY_H

#include <stdbool.h>

#include "apid/api.h"
#include "apid/dbconn.h"

/* orgs.id of org as text into org_id, *found false when there is none. */
enum api_db_status identity_org_id(const char *org, char org_id[24], bool *found);
/* The orgs row alone, whatever the mode (Chef-server mode keeps one per
 * org the Chef server knows). */
enum api_db_status identity_local_org_id(const char *org, char org_id[24], bool *found);

enum actor_candidate_kind {
    CANDIDATE_CLIENT,          /* a client of this org */
    CANDIDATE_USER_MEMBER,     /* a user associated with this org */
    CANDIDATE_USER_OUTSIDER,   /* a user not associated with this org */
    CANDIDATE_FOREIGN_CLIENT,  /* a client of another org */
};

#define IDENTITY_MAX_CANDIDATES 8

struct actor_candidate {
    enum actor_candidate_kind kind;
    char *public_key_pem;      /* owned */
};

struct actor_candidates {
    int n;
    struct actor_candidate c[IDENTITY_MAX_CANDIDATES];
};

/* Every actor named `name` that could have signed a request to org_id,
 * in resolution order: this org's client, then the user, then clients of
 * other orgs. Free with identity_candidates_free. */
enum api_db_status identity_actor_candidates(const char *org_id, const char *name,
                                             struct actor_candidates *out);
void identity_candidates_free(struct actor_candidates *c);

/* AUTHZ_GROUP_* mask of the org groups that contain the actor, directly
 * or through nested groups. */
enum api_db_status identity_groups(const char *org_id, enum api_actor_kind kind,
                                   const char *name, unsigned *mask);

#endif
