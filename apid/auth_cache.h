/* A short-lived cache in front of the identity lookups authentication and
 * authorization make on every signed request (apid/identity.h): the org's
 * id, the actor candidates with their public keys, the actor's groups.
 * Without it each request costs three database round trips before its
 * handler runs.
 *
 * Freshness, i.e. how long a revoked key, a deleted client or a removed
 * group membership can still be honoured (docs/operations.md):
 *  - an entry is used for at most `ttl` seconds (`auth_cache_ttl`; 0
 *    disables the cache: every request asks the database);
 *  - every identity change in the database (orgs, users, org_users,
 *    clients, groups, group_members) fires NOTIFY pushy_identity
 *    (shared/sql/047_identity_notify.sql); apid's listener
 *    (apid/identity_listener.h) then calls auth_cache_invalidate(), which
 *    makes every entry stale at once;
 *  - while that listener is not connected the cache is suspended (every
 *    lookup goes to the database), so a lost notification cannot stretch
 *    the delay beyond the TTL.
 * The signature of every request is still verified; only the lookups of
 * who the actor is and which key it has are cached.
 *
 * The org and actor lookups run before the signature is checked, so anyone
 * can make them with made-up names. Their answers go to a small second
 * cache of unverified entries (a quarter of the capacity), and move to the
 * main cache only when a request's signature verified against them
 * (auth_cache_confirm): unauthenticated requests can churn the small cache
 * but never evict what verified requests use. Unknown orgs and actors stay
 * in the small one (a negative cache). Group lookups run after
 * authentication and go to the main cache directly. Thread-safe. */
#ifndef PUSHY_APID_AUTH_CACHE_H
#define PUSHY_APID_AUTH_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "apid/dbconn.h"
#include "apid/identity.h"

#define AUTH_CACHE_DEFAULT_CAPACITY 4096

/* ttl_s 0 disables. Starts suspended: the listener resumes it once it
 * listens. Returns 0, or -1 when out of memory (the cache stays off).
 * Call before the HTTP threads start. */
int auth_cache_init(int ttl_s, size_t capacity);
void auth_cache_shutdown(void);

/* Every entry stored so far becomes stale. */
void auth_cache_invalidate(void);

/* While suspended nothing is served from or stored in the cache. */
void auth_cache_set_suspended(bool suspended);

/* Same contracts as identity_org_id, identity_actor_candidates and
 * identity_groups, which they call on a miss. Failures are not cached. */
enum api_db_status auth_cache_org_id(const char *org, char org_id[24], bool *found);
enum api_db_status auth_cache_actor_candidates(const char *org_id, const char *name,
                                               struct actor_candidates *out);
enum api_db_status auth_cache_groups(const char *org_id, enum api_actor_kind kind,
                                     const char *name, unsigned *mask);

/* The request naming org (org_id) and actor was signed by the actor's key:
 * their org and actor entries become verified (see above). */
void auth_cache_confirm(const char *org, const char *org_id, const char *actor);

/* Pure: may an entry stored at stored_ms in generation entry_gen be used
 * at now_ms, the current generation being gen? (Exposed for unit tests.) */
bool auth_cache_fresh(int64_t stored_ms, uint64_t entry_gen, int64_t now_ms, uint64_t gen,
                      int ttl_s);

struct auth_cache_stats {
    unsigned long long hits, misses, invalidations;
    size_t size;              /* verified entries */
    size_t unverified;        /* entries not (yet) confirmed */
    bool enabled, suspended;
};
void auth_cache_stats(struct auth_cache_stats *out);

/* The lookups a miss makes; NULL restores identity_*. For unit tests;
 * call while no request runs. */
struct auth_cache_source {
    enum api_db_status (*org_id)(const char *org, char org_id[24], bool *found);
    enum api_db_status (*actor_candidates)(const char *org_id, const char *name,
                                           struct actor_candidates *out);
    enum api_db_status (*groups)(const char *org_id, enum api_actor_kind kind,
                                 const char *name, unsigned *mask);
};
void auth_cache_set_source(const struct auth_cache_source *src);

#endif
