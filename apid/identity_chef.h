/* Chef-server mode of the identity store (apid/identity.h): organizations,
 * actor keys and group memberships come from the Chef Infra Server's API
 * (apid/chef_client.h) instead of the local tables. The local orgs row of
 * an org the Chef server knows is created on first sight (jobs and nodes
 * reference orgs.id). Same contracts as the identity_* functions; a Chef
 * server that cannot be reached or fails is API_DB_UNAVAILABLE (503), one
 * that answers nonsense or refuses the superuser is API_DB_ERROR (500). */
#ifndef PUSHY_APID_IDENTITY_CHEF_H
#define PUSHY_APID_IDENTITY_CHEF_H

#include "apid/identity.h"

enum api_db_status identity_chef_org_id(const char *org, char org_id[24], bool *found);

/* This org's client, then the user (member or outsider). Clients of other
 * orgs are not looked for (the Chef API has no cross-org client lookup):
 * such an actor is unknown here. */
enum api_db_status identity_chef_actor_candidates(const char *org_id, const char *name,
                                                  struct actor_candidates *out);

/* Chef Infra Server: membership of admins, pushy_job_writers and
 * pushy_job_readers through the org's groups API, nested groups followed.
 * Single-org (Chef 11 API, no groups): the documented fallback, the actor's
 * admin flag: admin -> admins; other users -> pushy_job_readers; other
 * clients -> none. */
enum api_db_status identity_chef_groups(const char *org_id, enum api_actor_kind kind,
                                        const char *name, unsigned *mask);

/* The same lookups by org name, without the database (what the identity_
 * functions above call once they know the org's name). */
enum api_db_status chef_org_known(const char *org, bool *known);
enum api_db_status chef_actor_candidates(const char *org, const char *name,
                                         struct actor_candidates *out);
enum api_db_status chef_actor_groups(const char *org, enum api_actor_kind kind,
                                     const char *name, unsigned *mask);

#endif
