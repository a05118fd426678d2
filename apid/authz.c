#include "apid/authz.h"

#include <string.h>

unsigned authz_group_bit(const char *group_name)
{
    if (!group_name)
        return 0;
    if (!strcmp(group_name, "admins"))
        return AUTHZ_GROUP_ADMINS;
    if (!strcmp(group_name, "pushy_job_writers"))
        return AUTHZ_GROUP_WRITERS;
    if (!strcmp(group_name, "pushy_job_readers"))
        return AUTHZ_GROUP_READERS;
    return 0;
}

enum authz_result authz_decide(enum api_perm perm, bool is_client, const char *actor,
                               const char *node, unsigned groups)
{
    switch (perm) {
    case API_PERM_PUBLIC:
        return AUTHZ_ALLOW;
    case API_PERM_READ:
        return groups & (AUTHZ_GROUP_READERS | AUTHZ_GROUP_WRITERS | AUTHZ_GROUP_ADMINS)
                   ? AUTHZ_ALLOW : AUTHZ_DENY;
    case API_PERM_WRITE:
        return groups & (AUTHZ_GROUP_WRITERS | AUTHZ_GROUP_ADMINS) ? AUTHZ_ALLOW : AUTHZ_DENY;
    case API_PERM_CONFIG:
        /* A node key may fetch exactly its own config, whatever its groups. */
        if (is_client)
            return actor && node && !strcmp(actor, node) ? AUTHZ_ALLOW : AUTHZ_DENY_NODE_MISMATCH;
        return authz_decide(API_PERM_READ, false, actor, node, groups);
    case API_PERM_NODE_SELF:
        /* What a node reports about itself: only its own client, never a user. */
        if (!is_client)
            return AUTHZ_DENY;
        return actor && node && !strcmp(actor, node) ? AUTHZ_ALLOW : AUTHZ_DENY_NODE_MISMATCH;
    }
    return AUTHZ_DENY;
}
