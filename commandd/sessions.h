/* commandd's node table and the per-node session state machine, as pure
 * code (no sockets, no database, no clock of its own).
 *
 * A node (struct cnode, keyed "org/node") first exists as a session-key
 * cache entry, filled from the database for an identity the ZAP handler
 * admitted. It gets a *session* only after one of its messages passed the
 * HMAC check. The session tracks the node's current ZeroMQ routing id, its
 * client incarnation and the abort/aborted handshake:
 *
 *   message kind (sess_classify)        action (sess_admit)
 *   NEW        no session yet           abort + rehab, or resume (below)
 *   RESTARTED  other client incarnation abort + rehab
 *   MOVED      same incarnation, new    ack (the client learns that its
 *              routing id               new connection works)
 *   SAME                                nothing
 *
 * In rehab the node gets `abort` every rehab interval until it answers
 * `aborted` (sess_aborted): then it is available. An orphan job message or
 * heartbeat puts an available node back in rehab (sess_rehab). A node that
 * heartbeatd declares down loses its session (sess_end).
 *
 * Resume: a node whose database row says up, available and the same client
 * incarnation (written when it last completed the handshake) is resumed as
 * available by its first session after a commandd restart, with an ack
 * instead of an abort, so restarting commandd does not abort running jobs.
 *
 * Availability is persisted on transitions only: every change of "is the
 * session available" marks the node dirty; the owner collects dirty nodes
 * in batches (sess_collect_dirty) and writes them in one transaction.
 *
 * Every operation is O(1): two hash tables (by "org/node", by routing id),
 * a rehab queue kept in due order (every entry is queued at now + interval
 * with a monotonic now), and an intrusive dirty list. Not thread-safe. */
#ifndef PUSHY_COMMANDD_SESSIONS_H
#define PUSHY_COMMANDD_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/wire.h"

#define NODE_ID_MAX (2 * WIRE_NAME_MAX + 1) /* "org/node" */
#define ROUTING_ID_MAX 255

enum key_state { KEY_UNKNOWN = 0, KEY_OK, KEY_MISSING };
enum sess_state { SESS_NONE = 0, SESS_REHAB, SESS_AVAILABLE };
enum sess_kind { SESS_SAME = 0, SESS_NEW, SESS_MOVED, SESS_RESTARTED };

struct cnode {
    char id[NODE_ID_MAX + 1];   /* "org/node" */
    size_t org_len;             /* org is id[0..org_len), node is id + org_len + 1 */
    /* session key cache (keystore) */
    enum key_state key_state;
    struct hmac256_key key;     /* the session key, pads precomputed (shared/hmac256.h) */
    int64_t key_checked_ms;     /* when the database was last asked */
    long long org_id;
    /* resume after a restart: the database row as loaded with the key */
    bool resumable;
    char db_incarnation[WIRE_INCARNATION_MAX + 1];
    /* session */
    enum sess_state state;
    unsigned char rid[ROUTING_ID_MAX];
    size_t rid_len;             /* 0: no routing id */
    char incarnation[WIRE_INCARNATION_MAX + 1];
    int64_t seq;                /* last outbound sequence number used */
    int64_t next_abort_ms;
    struct cnode *rq_prev, *rq_next;
    bool in_rehab_queue;
    /* availability persistence */
    bool persisted_available;   /* what the database holds, as far as we know */
    bool inc_persisted;         /* the database holds this session's incarnation */
    bool dirty;
    struct cnode *dirty_next;
};

struct sess_actions {
    bool send_abort;
    bool send_ack;
};

struct sessions;

struct sessions_stats {
    size_t nodes;       /* table entries (key cache) */
    size_t sessions;    /* with a session */
    size_t rehab;       /* of which in rehab */
};

/* rehab_ms: interval between aborts (1000 as the original); >= 1. */
struct sessions *sessions_new(int64_t rehab_ms);
void sessions_free(struct sessions *t);

/* Entry for org/node, or NULL. */
struct cnode *sessions_find(struct sessions *t, const char *org, const char *node);
/* Adds an entry (no session, key unknown) for valid names; returns the
 * existing one if present; NULL for invalid names or out of memory. */
struct cnode *sessions_add(struct sessions *t, const char *org, const char *node);
/* The node whose session currently uses routing id rid, or NULL. */
struct cnode *sessions_by_rid(struct sessions *t, const unsigned char *rid, size_t len);
void sessions_get_stats(const struct sessions *t, struct sessions_stats *out);

/* The node name part of an entry. */
const char *cnode_node(const struct cnode *n);
/* Copies the org part into out (WIRE_NAME_MAX + 1 bytes). */
void cnode_org(const struct cnode *n, char *out);

/* What a verified message from routing id rid with this client incarnation
 * means for the node's session. */
enum sess_kind sess_classify(const struct cnode *n, const unsigned char *rid, size_t rid_len,
                             const char *incarnation);
/* Applies a classified message (after the caller admitted it, e.g. through
 * the new-session rate limit) and says what to send. 0, or -1 on out of
 * memory (nothing changed). */
int sess_admit(struct sessions *t, struct cnode *n, enum sess_kind kind, const unsigned char *rid,
               size_t rid_len, const char *incarnation, int64_t now_ms, struct sess_actions *a);
/* The node answered `aborted`: a node in rehab becomes available (returns
 * true); otherwise nothing changes. */
bool sess_aborted(struct sessions *t, struct cnode *n);
/* Puts an available node back in rehab (abort now, then every interval).
 * Nothing for a node in rehab already or without a session. */
void sess_rehab(struct sessions *t, struct cnode *n, int64_t now_ms, struct sess_actions *a);
/* Ends the node's session (it went down). */
void sess_end(struct sessions *t, struct cnode *n);

/* Pops the next node whose abort is due at now_ms and re-queues it for
 * now_ms + interval; NULL when none is due. */
struct cnode *sess_next_due(struct sessions *t, int64_t now_ms);
/* When the next abort is due, or -1. */
int64_t sess_next_due_at(const struct sessions *t);

/* Takes up to max dirty nodes whose availability (or, when available, the
 * incarnation that completed the handshake) differs from what was
 * persisted; clears their dirty mark. The caller writes each as
 * available = (n->state == SESS_AVAILABLE), then calls sess_written on
 * success or sess_mark_dirty to retry. */
size_t sess_collect_dirty(struct sessions *t, struct cnode **out, size_t max);
void sess_written(struct cnode *n, bool available);
void sess_mark_dirty(struct sessions *t, struct cnode *n);

#endif
