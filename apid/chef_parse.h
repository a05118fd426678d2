/* Pure helpers of Chef-server mode: building Chef API paths and reading
 * the Chef server's JSON answers. Every reader checks types and sizes, and
 * never trusts the server more than the network it came over. */
#ifndef PUSHY_APID_CHEF_PARSE_H
#define PUSHY_APID_CHEF_PARSE_H

#include <jansson.h>
#include <time.h>
#include <stdbool.h>
#include <stddef.h>

/* Percent-encodes s for a URL path segment or query value (everything but
 * A-Z a-z 0-9 - . _ ~). 0, or -1 when it does not fit outlen. */
int chef_url_escape(const char *s, char *out, size_t outlen);

/* The path of an org-scoped Chef API object: "/organizations/ORG/REST", or
 * "/REST" when single_org is set (a Chef 11 API server with one implicit
 * org); rest must start with '/'. org is escaped. 0, or -1 when it does
 * not fit. */
int chef_org_path(char *out, size_t outlen, const char *single_org, const char *org,
                  const char *rest);

/* base (no trailing '/') + path into out. 0, or -1 when it does not fit. */
int chef_join_url(char *out, size_t outlen, const char *base, const char *path);

/* The message of a Chef error body ({"error": ["..."]} or {"error": "..."})
 * into out; "" when there is none. */
void chef_error_message(const json_t *body, char *out, size_t outlen);

/* The "public_key" of a clients/NAME, users/NAME or .../keys/default
 * answer, if it is a PEM public key (or certificate) of sane size. NULL
 * otherwise. The pointer lives as long as body. */
const char *chef_public_key(const json_t *body);

/* The "admin" flag of a clients/NAME or users/NAME answer (Chef 11 API);
 * false when absent or not a boolean. */
bool chef_admin_flag(const json_t *body);

/* Whether a key object (GET .../keys/NAME: "expiration_date" is
 * "infinity" or "YYYY-MM-DDTHH:MM:SSZ") has expired at now. No
 * expiration_date: never expires (Chef 11 objects have none); one that
 * does not parse counts as expired (fail closed). */
bool chef_key_expired(const json_t *body, time_t now);

/* Membership of a groups/NAME answer: does it list the actor directly?
 * is_client picks "clients" (else "users"); a server that only sends
 * "actors" is read from there. */
bool chef_group_has_actor(const json_t *group, bool is_client, const char *name);

/* The nested group names of a groups/NAME answer ("groups"), or NULL. */
const json_t *chef_group_subgroups(const json_t *group);

/* Node names of a partial search answer ({"rows": [{"data": {"name":
 * "N"}}, ...]}) or a full one ({"rows": [{"name": "N", ...}]}). Appends
 * to *names (*n entries, *cap allocated), at most max in total. Returns
 * the number of rows read, or -1 with err when the answer is malformed, a
 * name is not a valid node name, memory runs out, or there are more than
 * max names (err says so; *too_many set). */
int chef_search_rows(const json_t *body, char ***names, size_t *n, size_t *cap, size_t max,
                     bool *too_many, char *err, size_t errlen);

#endif
