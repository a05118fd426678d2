/* Input validation at the edge, mirroring the schema's CHECK rules so
 * that bad names get a 400 before any query runs. */
#ifndef PUSHY_APID_VALIDATE_H
#define PUSHY_APID_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* orgs.name: ^[a-z0-9][a-z0-9_-]{0,254}$ */
bool valid_org_name(const char *s);
/* nodes.name / clients.name: ^[A-Za-z0-9_.:-]{1,255}$ */
bool valid_node_name(const char *s);
/* users.name / groups.name: ^[A-Za-z0-9_.-]{1,255}$ */
bool valid_user_name(const char *s);
/* An X-Ops-Userid worth looking up: a valid client or user name. */
bool valid_actor_name(const char *s);

enum ccpk_result {
    CCPK_OK = 0,
    CCPK_MISSING,   /* 400 "Missing ccpk" */
    CCPK_BAD,       /* 401 "Bad ccpk": bad escape, not 40 chars, not Z85 */
};

/* Validates the ccpk query parameter of config/NODE from the raw query
 * string: URL-decoded, exactly 40 characters of valid Z85 that decode to
 * a 32-byte key. On CCPK_OK the decoded text is in out (41 bytes). */
enum ccpk_result ccpk_from_query(const char *query, char out[41]);

/* Copies s into out (cap bytes) replacing anything but printable ASCII
 * with '?', for log lines about untrusted input. Returns out. */
char *log_safe(const char *s, char *out, size_t cap);

#endif
