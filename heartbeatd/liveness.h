/* Node liveness: the decayed heartbeat average of Chef Push Jobs (window W,
 * threshold T), judged at every interval boundary instead of on a scan every
 * 4 intervals, with no per-interval pass over all nodes.
 *
 * The rule, per node (all times in ms of one monotonic clock):
 *  - Time is cut into intervals of I = interval_ms on a per-node grid whose
 *    boundaries fall half an interval away from the node's first heartbeat,
 *    so a client that beats once per interval lands mid-interval and small
 *    jitter does not move beats across boundaries.
 *  - At each boundary the closing interval's heartbeat count h (capped at 2,
 *    see below) enters the average: avg = avg * (1 - 1/W) + h / W.
 *  - An up node goes down at the first boundary where avg < T.
 *    Steady 1/interval gives avg -> 1.0; after that, silent intervals give
 *    0.75, 0.5625 < 0.6: down at the 2nd boundary after the last heartbeat,
 *    i.e. 2.5 intervals after it (W=4, T=0.6).
 *  - A heartbeat never makes a node go down (no evaluation on receipt as in
 *    the original), so a burst after a gap cannot flap a node down and up.
 *  - A new node is up at its first heartbeat with avg = 2T (the original's
 *    start value) and that heartbeat counted.
 *  - Down nodes: avg is reset to 0 when the node goes down, and the node is
 *    up again as soon as closing the current interval would give avg >= T
 *    (more heartbeats in an interval can only raise it, so this can be
 *    decided on receipt). From 0 that takes ceil(log(1-T)/log(1-1/W))
 *    intervals with a heartbeat: 4 for W=4, T=0.6 -- the same as the
 *    client's own offline->online rule (online on the 4th server heartbeat,
 *    online_threshold 2). A stray packet or a burst (capped at 2 per
 *    interval -> avg 0.5) never brings a node back.
 *  - Cap of 2 heartbeats per interval: a client sends one per interval, 2
 *    absorbs jitter (0 then 2); more cannot be legitimate and must not make
 *    a node immune to going down (uncapped, 40 quick beats would keep it up
 *    for ~11 silent intervals). So avg <= 2 and a silent up node is down
 *    after at most 6 boundaries.
 *  - Requirements: interval_ms > 0, window >= 2, 1/window < threshold < 1
 *    (else one heartbeat could bring a down node up, or steady nodes could
 *    never be up).
 *
 * Cost: each node keeps (avg, interval index, beats in it) and advances k
 * intervals in closed form when touched; an up node's "down deadline" (the
 * boundary at which avg drops below T if nothing more arrives) is computed in
 * O(1) and kept in a timer wheel whose slots are deadline-aligned. A
 * heartbeat is O(1) (hash lookup + relink); liveness_tick touches only the
 * wheel slots that have come due, and in them only nodes whose deadline
 * passed (unless tick was not called for longer than the wheel horizon).
 *
 * Not thread-safe; one owner (heartbeatd's loop).
 */
#ifndef PUSHY_LIVENESS_H
#define PUSHY_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct liveness;

struct liveness_params {
    int64_t interval_ms;   /* heartbeat_interval */
    int window;            /* decay_window, W */
    double threshold;      /* down_threshold, T */
};

enum liveness_state { LIVENESS_UNKNOWN = 0, LIVENESS_DOWN, LIVENESS_UP };

enum liveness_transition { LIVENESS_NONE = 0, LIVENESS_CAME_UP, LIVENESS_WENT_DOWN };

/* NULL when params are invalid (see above) or out of memory. Capacity
 * grows as nodes are added. */
struct liveness *liveness_create(const struct liveness_params *p);
void liveness_destroy(struct liveness *t);

/* A verified heartbeat from node key ("org/node"). Returns CAME_UP for a new
 * node or a down node whose average recovered; WENT_DOWN only when the
 * node's deadline had passed but liveness_tick has not yet run for it (the
 * node went down at that boundary, as the formula says; this heartbeat then
 * counts toward its recovery). now_ms going backwards is treated as the
 * latest time seen. -1 on out of memory (the node is then not tracked). */
int liveness_heartbeat(struct liveness *t, const char *key, int64_t now_ms);

/* Called for each node that went down, with the time of its down boundary
 * and of its last heartbeat. The callback must not modify the table. */
typedef void (*liveness_down_fn)(void *ctx, const char *key, int64_t down_at_ms,
                                 int64_t last_heard_ms);

/* Processes every deadline <= now_ms; returns the number of nodes that went
 * down. Call it often (every interval/10 or so): a down is reported at the
 * first tick at or after its boundary. */
size_t liveness_tick(struct liveness *t, int64_t now_ms, liveness_down_fn cb, void *ctx);

enum liveness_state liveness_state(const struct liveness *t, const char *key);

struct liveness_info {
    enum liveness_state state;
    double avg;              /* as of the start of the interval of its last update */
    int64_t deadline_ms;     /* up: when it goes down without heartbeats; else -1 */
    int64_t last_heard_ms;   /* -1 if never heard since load */
};
/* 0, or -1 for an unknown key. */
int liveness_info(const struct liveness *t, const char *key, struct liveness_info *out);

/* Restores a node from the database after a restart, without a transition.
 * last_heard_ms must be on the table's clock (convert wall time: now_mono -
 * (now_wall - last_heard_wall)), or -1. An up node gets a fresh window: it is
 * treated as if heard at now_ms (a new node's grace, down after 3.5
 * intervals with W=4, T=0.6, unless it heartbeats; its first real heartbeat
 * re-aligns its interval grid). A down node stays down until it recovers
 * like any down node. Replaces any existing entry. 0, or -1 on out of
 * memory. */
int liveness_load(struct liveness *t, const char *key, bool up, int64_t last_heard_ms,
                  int64_t now_ms);

/* Restarts the grace window, at now_ms, of every up node restored by
 * liveness_load and not heard since (as if loaded at now_ms). For when the
 * heartbeats could not reach this table for a while after the restore.
 * Returns how many nodes it moved. */
size_t liveness_restart_grace(struct liveness *t, int64_t now_ms);

/* Forgets a node (no transition). 0, or -1 if unknown. */
int liveness_remove(struct liveness *t, const char *key);

struct liveness_stats {
    size_t nodes;            /* tracked */
    size_t up;
    uint64_t examined;       /* nodes looked at by liveness_tick, cumulative */
    uint64_t slots_processed;/* wheel slots processed by liveness_tick, cumulative */
};
void liveness_get_stats(const struct liveness *t, struct liveness_stats *out);

#endif
