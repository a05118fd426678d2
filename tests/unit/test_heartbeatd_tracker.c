/* heartbeatd's tracker: liveness wiring, restart detection, batched writes
 * and the state restored after a restart. */
#include <criterion/criterion.h>
#include <string.h>

#include "heartbeatd/tracker.h"

#define I 1000
static const struct liveness_params P = { .interval_ms = I, .window = 4, .threshold = 0.6 };
#define WALL0 1800000000000LL /* wall clock = WALL0 + monotonic */

static size_t count_events(struct tracker *t, enum tracker_event_kind kind, const char *node)
{
    const struct tracker_event *ev;
    size_t n = tracker_events(t, &ev), c = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == kind && (!node || strcmp(ev[i].node, node) == 0))
            c++;
    return c;
}

static void run(struct tracker *t, int64_t from, int64_t to, const char *beating)
{
    for (int64_t now = from; now <= to; now += 100) {
        if (beating && now % I == 0)
            cr_assert_eq(tracker_heartbeat(t, "org", beating, "inc1", now, WALL0 + now), 0);
        tracker_tick(t, now, WALL0 + now);
    }
}

Test(heartbeatd_tracker, up_then_down_with_one_write_each)
{
    struct tracker *t = tracker_new(&P);
    cr_assert_not_null(t);
    cr_assert_eq(tracker_heartbeat(t, "org", "n1", "inc1", 0, WALL0), 0);
    cr_assert_eq(count_events(t, TRACKER_UP, "n1"), 1);
    cr_assert_eq(tracker_state(t, "org", "n1"), LIVENESS_UP);
    run(t, 100, 10000, "n1");
    cr_assert_eq(count_events(t, TRACKER_UP, "n1"), 1, "steady: no more events");
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 0);
    struct tracker_write w[4];
    cr_assert_eq(tracker_take_writes(t, w, 4), 1, "one write for the up transition");
    cr_assert(w[0].up);
    cr_assert_str_eq(w[0].org, "org");
    cr_assert_str_eq(w[0].node, "n1");
    cr_assert_eq(w[0].at_wall_ms, WALL0);
    cr_assert_eq(tracker_take_writes(t, w, 4), 0, "heartbeats write nothing");
    tracker_clear_events(t);
    /* silence: down 2.5 intervals after the last beat (10000) */
    run(t, 10100, 14000, NULL);
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 1);
    cr_assert_eq(tracker_state(t, "org", "n1"), LIVENESS_DOWN);
    cr_assert_eq(tracker_take_writes(t, w, 4), 1);
    cr_assert_not(w[0].up);
    cr_assert_eq(w[0].at_wall_ms, WALL0 + 12500, "updated_at is the down boundary");
    cr_assert_eq(w[0].heard_wall_ms, WALL0 + 10000);
    tracker_free(t);
}

Test(heartbeatd_tracker, incarnation_change_is_a_restart_event)
{
    struct tracker *t = tracker_new(&P);
    tracker_heartbeat(t, "org", "n1", "inc1", 0, WALL0);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, NULL), 0, "first incarnation is a baseline");
    tracker_heartbeat(t, "org", "n1", "inc1", 1000, WALL0 + 1000);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, NULL), 0);
    tracker_heartbeat(t, "org", "n1", "inc2", 2000, WALL0 + 2000);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, "n1"), 1);
    tracker_heartbeat(t, "org", "n1", "inc2", 3000, WALL0 + 3000);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, "n1"), 1);
    cr_assert_eq(tracker_state(t, "org", "n1"), LIVENESS_UP, "a restart is not a down");
    struct tracker_stats st;
    tracker_get_stats(t, &st);
    cr_assert_eq(st.restarts, 1);
    tracker_free(t);
}

Test(heartbeatd_tracker, writes_coalesce_and_failed_writes_are_retried)
{
    struct tracker *t = tracker_new(&P);
    tracker_heartbeat(t, "org", "n1", "inc1", 0, WALL0);
    run(t, 100, 4000, NULL); /* up, then down, before any flush */
    cr_assert_eq(count_events(t, TRACKER_UP, "n1"), 1);
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 1);
    cr_assert_eq(tracker_pending_writes(t), 1, "one row per node per batch");
    struct tracker_write w[2];
    cr_assert_eq(tracker_take_writes(t, w, 2), 1);
    cr_assert_not(w[0].up, "the latest transition wins");
    tracker_write_failed(t, &w[0]);
    cr_assert_eq(tracker_pending_writes(t), 1);
    cr_assert_eq(tracker_take_writes(t, w, 2), 1);
    cr_assert_not(w[0].up);
    tracker_free(t);
}

Test(heartbeatd_tracker, invalid_input_is_refused)
{
    struct tracker *t = tracker_new(&P);
    cr_assert_eq(tracker_heartbeat(t, "org", "bad/name", "inc", 0, WALL0), -1);
    cr_assert_eq(tracker_heartbeat(t, "", "n1", "inc", 0, WALL0), -1);
    cr_assert_eq(tracker_heartbeat(t, "org", "n1", "", 0, WALL0), -1);
    cr_assert_eq(tracker_pending_writes(t), 0);
    struct liveness_params bad = { .interval_ms = 1000, .window = 4, .threshold = 0.1 };
    cr_assert_null(tracker_new(&bad));
    tracker_free(t);
}

Test(heartbeatd_tracker, restored_up_node_keeps_beating_without_events)
{
    struct tracker *t = tracker_new(&P);
    int64_t start = 50000;
    cr_assert_eq(tracker_load(t, "org", "n1", true, "inc1", WALL0 + start - 700, start,
                              WALL0 + start), 1);
    cr_assert_eq(tracker_state(t, "org", "n1"), LIVENESS_UP);
    for (int64_t now = start + 300; now <= start + 10000; now += 100) {
        if ((now - start) % I == 300)
            tracker_heartbeat(t, "org", "n1", "inc1", now, WALL0 + now);
        tracker_tick(t, now, WALL0 + now);
    }
    const struct tracker_event *ev;
    cr_assert_eq(tracker_events(t, &ev), 0, "no false down, no spurious up");
    cr_assert_eq(tracker_pending_writes(t), 0);
    tracker_free(t);
}

Test(heartbeatd_tracker, restored_node_not_heard_again_goes_down)
{
    struct tracker *t = tracker_new(&P);
    int64_t start = 50000;
    tracker_load(t, "org", "n1", true, NULL, -1, start, WALL0 + start);
    tracker_load(t, "org", "n2", true, NULL, -1, start, WALL0 + start);
    cr_assert(tracker_holding(t));
    /* n2 beats from start + 1000 on (its heartbeats flow again): n1's
     * grace window runs from there */
    run(t, start + 1000, start + 4000, "n2");
    cr_assert_not(tracker_holding(t));
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 0, "still in its grace window");
    run(t, start + 4100, start + 6000, "n2");
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 1);
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n2"), 0);
    tracker_free(t);
}

/* The flake of test_nodes.sh's heartbeatd restart (250 ms interval, so a
 * grace window of 875 ms): commandd redialled the new heartbeatd up to a
 * second late, every node kept beating, and a node restored with a grace
 * window counted from the load went down. */
#define I_FAST 250
static const struct liveness_params P_FAST = { .interval_ms = I_FAST, .window = 4,
                                               .threshold = 0.6 };

Test(heartbeatd_tracker, restored_nodes_are_not_judged_before_heartbeats_flow)
{
    struct tracker *t = tracker_new(&P_FAST);
    int64_t start = 50000, silence = 1100;
    cr_assert_lt(silence, tracker_hold_ms(I_FAST));
    cr_assert_gt(silence, 875, "longer than the grace window of the load");
    tracker_load(t, "org", "n1", true, "inc1", WALL0 + start - 100, start, WALL0 + start);
    tracker_load(t, "org", "n2", true, "inc1", WALL0 + start - 200, start, WALL0 + start);
    for (int64_t now = start; now <= start + 10000; now += 25) {
        int64_t since = now - (start + silence);
        if (since >= 0 && since % I_FAST == 0)
            cr_assert_eq(tracker_heartbeat(t, "org", "n1", "inc1", now, WALL0 + now), 0);
        if (since >= 0 && since % I_FAST == 150)
            cr_assert_eq(tracker_heartbeat(t, "org", "n2", "inc1", now, WALL0 + now), 0);
        tracker_tick(t, now, WALL0 + now);
    }
    const struct tracker_event *ev;
    cr_assert_eq(tracker_events(t, &ev), 0, "no false down, no spurious up");
    cr_assert_eq(tracker_state(t, "org", "n1"), LIVENESS_UP);
    cr_assert_eq(tracker_state(t, "org", "n2"), LIVENESS_UP);
    tracker_free(t);
}

Test(heartbeatd_tracker, without_any_heartbeat_restored_nodes_go_down_at_the_end_of_the_hold)
{
    struct tracker *t = tracker_new(&P);
    int64_t start = 50000, hold = tracker_hold_ms(I);
    cr_assert_eq(hold, 3000);
    tracker_load(t, "org", "n1", true, NULL, -1, start, WALL0 + start);
    run(t, start, start + hold - 100, NULL);
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 0, "held");
    /* judged from the load's window (3.5 intervals, already over), not
     * from a new one */
    run(t, start + hold, start + hold + I, NULL);
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 1);
    tracker_free(t);
}

Test(heartbeatd_tracker, hold_is_bounded)
{
    cr_assert_eq(tracker_hold_ms(100), 2000);
    cr_assert_eq(tracker_hold_ms(1000), 3000);
    cr_assert_eq(tracker_hold_ms(600000), 1201000, "two intervals and the redial, not eight");
}

Test(heartbeatd_tracker, no_hold_when_heartbeats_came_before_the_load)
{
    struct tracker *t = tracker_new(&P);
    int64_t start = 50000;
    /* the first load failed (database); n2 was heard meanwhile */
    cr_assert_eq(tracker_heartbeat(t, "org", "n2", "inc1", start, WALL0 + start), 0);
    tracker_load(t, "org", "n1", true, NULL, -1, start, WALL0 + start);
    cr_assert_not(tracker_holding(t));
    run(t, start + 100, start + 5000, "n2");
    cr_assert_eq(count_events(t, TRACKER_DOWN, "n1"), 1);
    tracker_free(t);
}

Test(heartbeatd_tracker, restored_incarnation_is_the_baseline)
{
    struct tracker *t = tracker_new(&P);
    tracker_load(t, "org", "n1", false, "inc1", -1, 0, WALL0);
    tracker_load(t, "org", "n2", false, "inc1", -1, 0, WALL0);
    tracker_heartbeat(t, "org", "n1", "inc1", 0, WALL0);
    tracker_heartbeat(t, "org", "n2", "inc9", 0, WALL0);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, "n1"), 0);
    cr_assert_eq(count_events(t, TRACKER_RESTARTED, "n2"), 1, "restarted while we were down");
    cr_assert_eq(count_events(t, TRACKER_UP, "n1"), 1, "a down node is judged like a new one");
    /* a node heard before the load finished is not overwritten */
    tracker_heartbeat(t, "org", "n3", "incX", 0, WALL0);
    cr_assert_eq(tracker_load(t, "org", "n3", false, "old", -1, 0, WALL0), 0);
    cr_assert_eq(tracker_state(t, "org", "n3"), LIVENESS_UP);
    tracker_free(t);
}
