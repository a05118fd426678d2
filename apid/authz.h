/* Authorization: which actor may do what. A pure decision over the
 * actor's kind, name and (recursively resolved) group memberships. */
#ifndef PUSHY_APID_AUTHZ_H
#define PUSHY_APID_AUTHZ_H

#include <stdbool.h>

/* What a route requires. */
enum api_perm {
    API_PERM_PUBLIC = 0, /* no authentication (_status, metrics) */
    API_PERM_READ,       /* pushy_job_readers, pushy_job_writers or admins */
    API_PERM_WRITE,      /* pushy_job_writers or admins */
    API_PERM_CONFIG,     /* config/NODE: a client named NODE, or a reader user */
    API_PERM_NODE_SELF,  /* nodes/NODE/facts: only the client named NODE */
};

/* Org groups that matter, as bits of a membership mask. */
#define AUTHZ_GROUP_ADMINS  0x1u
#define AUTHZ_GROUP_WRITERS 0x2u
#define AUTHZ_GROUP_READERS 0x4u

/* Maps a group name to its bit (0 for groups that grant nothing). */
unsigned authz_group_bit(const char *group_name);

enum authz_result {
    AUTHZ_ALLOW = 0,
    AUTHZ_DENY,               /* not in a group that grants the permission */
    AUTHZ_DENY_NODE_MISMATCH, /* a client asking for another node's config */
};

/* is_client: the actor is a client (node key), not a user. node: the
 * NODE of config/NODE or nodes/NODE/facts (API_PERM_CONFIG, API_PERM_NODE_SELF). groups: AUTHZ_GROUP_* mask. */
enum authz_result authz_decide(enum api_perm perm, bool is_client, const char *actor,
                               const char *node, unsigned groups);

#endif
