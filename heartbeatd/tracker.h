/* heartbeatd's node tracking, as pure code: the liveness table
 * (liveness.h) plus, per node, the client incarnation last seen and the
 * status transition waiting to be written.
 *
 * Inputs: verified heartbeats forwarded by commandd, periodic ticks, and
 * the database rows loaded at start. Outputs, drained by the caller:
 *  - events in order: node up, node down, node restarted (its client
 *    incarnation changed; the first incarnation seen for a node is only a
 *    baseline);
 *  - pending writes: at most one per node (the latest transition), to be
 *    written in one batch per tick.
 * Times: now_ms on a monotonic clock (the liveness table's), wall_ms since
 * the epoch for what goes to the database. Not thread-safe. */
#ifndef PUSHY_HEARTBEATD_TRACKER_H
#define PUSHY_HEARTBEATD_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeatd/liveness.h"

#define TRACKER_NAME_MAX 255

enum tracker_event_kind { TRACKER_UP, TRACKER_DOWN, TRACKER_RESTARTED };

struct tracker_event {
    enum tracker_event_kind kind;
    const char *org, *node;   /* valid while the tracker lives */
};

/* A node's transition waiting to be persisted. */
struct tracker_write {
    const char *org, *node;   /* valid while the tracker lives */
    bool up;
    int64_t at_wall_ms;       /* when the transition happened */
    int64_t heard_wall_ms;    /* last heartbeat, or -1 */
};

struct tracker;

/* NULL when the liveness parameters are invalid or out of memory. */
struct tracker *tracker_new(const struct liveness_params *p);
void tracker_free(struct tracker *t);

/* A verified heartbeat. Names must be valid (wire_valid_name) and
 * incarnation non-empty. 0, or -1 (invalid input or out of memory). */
int tracker_heartbeat(struct tracker *t, const char *org, const char *node,
                      const char *incarnation, int64_t now_ms, int64_t wall_ms);
/* Judges every node whose down deadline has passed. */
void tracker_tick(struct tracker *t, int64_t now_ms, int64_t wall_ms);

/* Restores a node from the database (no event, no write): up nodes get a
 * fresh grace window; incarnation (NULL or "") is the restart baseline.
 * Nodes the tracker already knows (heard since start) are left alone.
 * 1 restored, 0 skipped, -1 on error.
 *
 * Restored up nodes are not judged before heartbeats reach the tracker
 * again: after a restart of heartbeatd alone, commandd has to redial it
 * first, and the heartbeats it forwards meanwhile arrive late or not at
 * all, so a grace window counted from the load could run out while every
 * node keeps beating. Until the first heartbeat (of any node), ticks judge
 * nobody; that heartbeat restarts every restored node's grace window. If
 * none comes within tracker_hold_ms of the first restore, nobody is
 * heartbeating through this server: judging begins then, from the windows
 * of the load (so those nodes go down at the end of the hold). */
int tracker_load(struct tracker *t, const char *org, const char *node, bool up,
                 const char *incarnation, int64_t last_heard_wall_ms, int64_t now_ms,
                 int64_t wall_ms);

/* The hold: commandd's redial of a new heartbeatd (nng 1.5 picks 0-1 s)
 * plus two intervals for the next heartbeats to come through, at least
 * 2 s. Bounded so a node that died meanwhile is not kept up for long. */
#define TRACKER_HOLD_REDIAL_MS 1000
#define TRACKER_HOLD_INTERVALS 2
#define TRACKER_HOLD_MIN_MS 2000
int64_t tracker_hold_ms(int64_t interval_ms);

/* Whether restored nodes are still waiting for heartbeats to flow (above). */
bool tracker_holding(const struct tracker *t);

/* Events since the last clear, in order. */
size_t tracker_events(const struct tracker *t, const struct tracker_event **out);
void tracker_clear_events(struct tracker *t);

/* Pops up to max pending writes into out; the caller writes them and calls
 * tracker_write_failed for each if the write did not happen. A node that
 * changed again since keeps only its latest transition. */
size_t tracker_take_writes(struct tracker *t, struct tracker_write *out, size_t max);
void tracker_write_failed(struct tracker *t, const struct tracker_write *w);
size_t tracker_pending_writes(const struct tracker *t);

enum liveness_state tracker_state(const struct tracker *t, const char *org, const char *node);

struct tracker_stats {
    size_t nodes, up;
    uint64_t heartbeats, ups, downs, restarts;
};
void tracker_get_stats(const struct tracker *t, struct tracker_stats *out);

#endif
