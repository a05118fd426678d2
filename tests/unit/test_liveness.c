#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeatd/liveness.h"

#define I 1000 /* interval ms */
static const struct liveness_params P = {.interval_ms = I, .window = 4, .threshold = 0.6};

/* ---- harness: a table, a simulated clock, and the downs it reported ----- */

struct downs {
    size_t n;
    char key[64];
    int64_t at, last_heard, seen_at;
};

struct sim {
    struct liveness *t;
    int64_t now;
    struct downs d;
};

static void on_down(void *ctx, const char *key, int64_t at, int64_t last_heard)
{
    struct sim *s = ctx;
    if (s->d.n == 0) {
        snprintf(s->d.key, sizeof s->d.key, "%s", key);
        s->d.at = at;
        s->d.last_heard = last_heard;
        s->d.seen_at = s->now;
    }
    s->d.n++;
}

/* Advances the clock to `to`, ticking every `step` ms. */
static void run_to(struct sim *s, int64_t to, int64_t step)
{
    while (s->now + step <= to) {
        s->now += step;
        liveness_tick(s->t, s->now, on_down, s);
    }
    if (s->now < to) {
        s->now = to;
        liveness_tick(s->t, s->now, on_down, s);
    }
}

static int beat(struct sim *s, const char *key)
{
    return liveness_heartbeat(s->t, key, s->now);
}

static void sim_init(struct sim *s, int64_t start)
{
    memset(s, 0, sizeof *s);
    s->t = liveness_create(&P);
    cr_assert_not_null(s->t);
    s->now = start;
}

/* The reference formula, step by step: the average at each boundary. Returns
 * the first boundary b >= 1 with avg < T, given beats[] per interval. */
static int reference_down_boundary(const int *beats, int n_intervals)
{
    double avg = 2 * P.threshold;
    for (int b = 1; b <= n_intervals; b++) {
        int h = beats[b - 1] > 2 ? 2 : beats[b - 1];
        avg = avg * (1 - 1.0 / P.window) + h / (double)P.window;
        if (avg < P.threshold)
            return b;
    }
    return -1;
}

/* ---- tests --------------------------------------------------------------- */

Test(liveness, params_validated)
{
    struct liveness_params p = P;
    p.window = 1;
    cr_assert_null(liveness_create(&p));
    p = P;
    p.threshold = 0.25; /* = 1/W: one beat could revive a down node */
    cr_assert_null(liveness_create(&p));
    p.threshold = 1.0;
    cr_assert_null(liveness_create(&p));
    p = P;
    p.interval_ms = 0;
    cr_assert_null(liveness_create(&p));
    cr_assert_null(liveness_create(NULL));
    p = P;
    p.interval_ms = 10007; /* prime: slot width 1 ms still works */
    struct liveness *t = liveness_create(&p);
    cr_assert_not_null(t);
    cr_assert_eq(liveness_heartbeat(t, "o/n", 5), LIVENESS_CAME_UP);
    cr_assert_eq(liveness_tick(t, 5 + 2 * 10007, NULL, NULL), 0);
    cr_assert_eq(liveness_tick(t, 5 + 4 * 10007, NULL, NULL), 1);
    liveness_destroy(t);
}

Test(liveness, new_node_comes_up_and_steady_stays_up)
{
    struct sim s;
    sim_init(&s, 10000);
    cr_assert_eq(liveness_state(s.t, "o/n1"), LIVENESS_UNKNOWN);
    cr_assert_eq(beat(&s, "o/n1"), LIVENESS_CAME_UP);
    cr_assert_eq(liveness_state(s.t, "o/n1"), LIVENESS_UP);
    for (int k = 1; k <= 500; k++) {
        run_to(&s, 10000 + (int64_t)k * I, 100);
        cr_assert_eq(beat(&s, "o/n1"), LIVENESS_NONE);
    }
    cr_assert_eq(s.d.n, 0);
    struct liveness_info info;
    cr_assert_eq(liveness_info(s.t, "o/n1", &info), 0);
    cr_assert_eq(info.state, LIVENESS_UP);
    cr_assert_float_eq(info.avg, 1.0, 1e-6, "steady state average is 1");
    cr_assert_eq(info.last_heard_ms, 10000 + 500 * I);
    liveness_destroy(s.t);
}

Test(liveness, silence_goes_down_when_the_formula_says)
{
    struct sim s;
    sim_init(&s, 10000);
    /* first beat at 10000: grid origin 9500, interval k = [9500+kI, 10500+kI) */
    int beats[64] = {0};
    for (int k = 0; k < 20; k++) {
        run_to(&s, 10000 + (int64_t)k * I, 10);
        beat(&s, "o/n1");
        beats[k] = 1;
    }
    int b = reference_down_boundary(beats, 64);
    cr_assert_eq(b, 22, "2nd boundary after the last beat (avg 1.0 -> 0.75 -> 0.5625)");
    int64_t expect_at = 9500 + (int64_t)b * I;
    int64_t last = 10000 + 19 * I;
    cr_assert_eq(expect_at - last, 2500, "down 2.5 intervals after the last heartbeat");

    struct liveness_info info;
    liveness_info(s.t, "o/n1", &info);
    cr_assert_eq(info.deadline_ms, expect_at);

    run_to(&s, expect_at - 1, 10);
    cr_assert_eq(s.d.n, 0, "not down one ms before the boundary");
    cr_assert_eq(liveness_state(s.t, "o/n1"), LIVENESS_UP);
    run_to(&s, expect_at, 1);
    run_to(&s, expect_at + 5000, 10);
    cr_assert_eq(s.d.n, 1, "down exactly once");
    cr_assert_str_eq(s.d.key, "o/n1");
    cr_assert_eq(s.d.at, expect_at);
    cr_assert_eq(s.d.last_heard, last);
    cr_assert_eq(s.d.seen_at, expect_at, "reported at the first tick at the boundary");
    cr_assert_eq(liveness_state(s.t, "o/n1"), LIVENESS_DOWN);
    liveness_destroy(s.t);
}

Test(liveness, single_beat_new_node_grace)
{
    struct sim s;
    sim_init(&s, 0);
    beat(&s, "o/x");
    int beats[16] = {1};
    int b = reference_down_boundary(beats, 16);
    cr_assert_eq(b, 4); /* 1.15, 0.8625, 0.647, 0.485 */
    run_to(&s, 10 * I, 50);
    cr_assert_eq(s.d.n, 1);
    cr_assert_eq(s.d.at, -500 + b * I);
    liveness_destroy(s.t);
}

Test(liveness, jitter_zero_then_two_never_goes_down)
{
    struct sim s;
    sim_init(&s, 10000);
    beat(&s, "o/j"); /* origin 9500 */
    int beats[400] = {1};
    for (int n = 1; n < 400; n++) {
        int64_t start = 9500 + (int64_t)n * I;
        if (n % 2 == 0) {
            /* two beats: one right after the boundary, one just before the next */
            run_to(&s, start + 1, 50);
            cr_assert_eq(beat(&s, "o/j"), LIVENESS_NONE);
            run_to(&s, start + I - 1, 50);
            cr_assert_eq(beat(&s, "o/j"), LIVENESS_NONE);
            beats[n] = 2;
        }
    }
    run_to(&s, 9500 + 400 * I, 50);
    cr_assert_eq(s.d.n, 0, "0/2 jitter never takes a node down");
    cr_assert_eq(reference_down_boundary(beats, 400), -1);

    /* random jitter of +-45% of an interval around the nominal beat time */
    struct sim r;
    sim_init(&r, 10000);
    srand(7);
    int64_t nominal = 10000;
    for (int k = 0; k < 2000; k++) {
        int64_t at = nominal + (rand() % 900) - 450;
        if (at > r.now)
            run_to(&r, at, 25);
        cr_assert_neq(beat(&r, "o/r"), LIVENESS_WENT_DOWN);
        nominal += I;
    }
    cr_assert_eq(r.d.n, 0);
    liveness_destroy(s.t);
    liveness_destroy(r.t);
}

Test(liveness, burst_after_gap_never_flaps)
{
    struct sim s;
    sim_init(&s, 10000);
    for (int k = 0; k < 10; k++) {
        run_to(&s, 10000 + (int64_t)k * I, 20);
        beat(&s, "o/b");
    }
    /* gap of 2.4 intervals (down would be at 2.5), then a burst: no change */
    run_to(&s, 19000 + 2400, 20);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(beat(&s, "o/b"), LIVENESS_NONE);
    cr_assert_eq(s.d.n, 0);
    cr_assert_eq(liveness_state(s.t, "o/b"), LIVENESS_UP);

    /* now a real outage; the burst (counted as 2) bought one more interval */
    int beats[32] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 10};
    int b = reference_down_boundary(beats, 32);
    cr_assert_eq(b, 15);
    run_to(&s, 9500 + (int64_t)b * I - 1, 20);
    cr_assert_eq(s.d.n, 0);
    run_to(&s, 9500 + (int64_t)b * I + 100, 20);
    cr_assert_eq(s.d.n, 1);
    cr_assert_eq(s.d.at, 9500 + (int64_t)b * I);
    /* a late burst does not bring it back (capped at 2 -> avg 0.5) ... */
    for (int i = 0; i < 20; i++)
        cr_assert_eq(beat(&s, "o/b"), LIVENESS_NONE);
    cr_assert_eq(liveness_state(s.t, "o/b"), LIVENESS_DOWN);
    /* ... and silence after it reports nothing more */
    run_to(&s, s.now + 20 * I, 20);
    cr_assert_eq(s.d.n, 1, "no second down: no flap");
    liveness_destroy(s.t);
}

Test(liveness, recovery_takes_four_intervals_of_heartbeats)
{
    struct sim s;
    sim_init(&s, 10000);
    beat(&s, "o/r"); /* origin 9500 */
    run_to(&s, 30000, 50);
    cr_assert_eq(s.d.n, 1);
    /* one beat per interval: 0.25, 0.4375, 0.578, 0.684 -> up on the 4th */
    int came_up_at = -1;
    for (int k = 1; k <= 6; k++) {
        run_to(&s, 30000 + (int64_t)k * I, 50);
        int tr = beat(&s, "o/r");
        if (tr == LIVENESS_CAME_UP) {
            cr_assert_eq(came_up_at, -1, "comes up once");
            came_up_at = k;
        } else {
            cr_assert_eq(tr, LIVENESS_NONE);
        }
    }
    cr_assert_eq(came_up_at, 4);
    /* and then it stays up on steady beats */
    for (int k = 7; k < 50; k++) {
        run_to(&s, 30000 + (int64_t)k * I, 50);
        cr_assert_eq(beat(&s, "o/r"), LIVENESS_NONE);
    }
    cr_assert_eq(s.d.n, 1);

    /* two beats per interval: 0.5 after the first interval, up on the 3rd beat */
    struct sim q;
    sim_init(&q, 10000);
    beat(&q, "o/q");
    run_to(&q, 30000, 50);
    cr_assert_eq(beat(&q, "o/q"), LIVENESS_NONE);
    cr_assert_eq(beat(&q, "o/q"), LIVENESS_NONE);
    run_to(&q, 31000, 50);
    cr_assert_eq(beat(&q, "o/q"), LIVENESS_CAME_UP);
    liveness_destroy(s.t);
    liveness_destroy(q.t);
}

Test(liveness, late_tick_heartbeat_reports_down)
{
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    cr_assert_eq(liveness_heartbeat(t, "o/n", 10000), LIVENESS_CAME_UP);
    /* deadline 9500 + 4000 = 13500; nobody ticked; a beat arrives after it */
    struct liveness_info info;
    liveness_info(t, "o/n", &info);
    cr_assert_eq(info.deadline_ms, 13500);
    cr_assert_eq(liveness_heartbeat(t, "o/n", 13600), LIVENESS_WENT_DOWN);
    cr_assert_eq(liveness_state(t, "o/n"), LIVENESS_DOWN);
    cr_assert_eq(liveness_tick(t, 20000, NULL, NULL), 0, "already reported");
    liveness_destroy(t);
}

Test(liveness, clock_going_backwards_is_clamped)
{
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    liveness_heartbeat(t, "o/n", 10000);
    liveness_tick(t, 12000, NULL, NULL);
    cr_assert_eq(liveness_heartbeat(t, "o/n", 5000), LIVENESS_NONE);
    struct liveness_info info;
    liveness_info(t, "o/n", &info);
    cr_assert_eq(info.last_heard_ms, 12000);
    liveness_destroy(t);
}

Test(liveness, restore_after_restart)
{
    struct sim s;
    sim_init(&s, 50000);
    cr_assert_eq(liveness_load(s.t, "o/silent", true, 40000, s.now), 0);
    cr_assert_eq(liveness_load(s.t, "o/alive", true, 49000, s.now), 0);
    cr_assert_eq(liveness_load(s.t, "o/wasdown", false, 1000, s.now), 0);
    cr_assert_eq(liveness_state(s.t, "o/silent"), LIVENESS_UP);
    cr_assert_eq(liveness_state(s.t, "o/wasdown"), LIVENESS_DOWN);
    struct liveness_info info;
    liveness_info(s.t, "o/silent", &info);
    cr_assert_eq(info.last_heard_ms, 40000);
    cr_assert_eq(info.deadline_ms, 49500 + 4 * I, "a fresh window: 3.5 intervals");

    /* alive beats at its own phase (x.300); the first beat realigns it and
     * reports no transition (it is already up) */
    int came_up = 0;
    for (int k = 0; k < 20; k++) {
        run_to(&s, 50300 + (int64_t)k * I, 50);
        int tr = beat(&s, "o/alive");
        cr_assert_neq(tr, LIVENESS_WENT_DOWN);
        if (tr == LIVENESS_CAME_UP)
            came_up++;
        tr = beat(&s, "o/wasdown");
        if (tr == LIVENESS_CAME_UP) {
            cr_assert_eq(k, 3, "a restored down node recovers like any down node");
            came_up++;
        }
    }
    cr_assert_eq(came_up, 1);
    cr_assert_eq(s.d.n, 1, "only the silent node went down");
    cr_assert_str_eq(s.d.key, "o/silent");
    cr_assert_eq(s.d.at, 53500);
    cr_assert_eq(s.d.last_heard, 40000);
    cr_assert_eq(liveness_state(s.t, "o/alive"), LIVENESS_UP);
    cr_assert_eq(liveness_state(s.t, "o/wasdown"), LIVENESS_UP);

    /* load replaces an existing entry */
    cr_assert_eq(liveness_load(s.t, "o/alive", false, s.now, s.now), 0);
    cr_assert_eq(liveness_state(s.t, "o/alive"), LIVENESS_DOWN);
    struct liveness_stats st;
    liveness_get_stats(s.t, &st);
    cr_assert_eq(st.nodes, 3);
    cr_assert_eq(st.up, 1);
    liveness_destroy(s.t);
}

Test(liveness, restart_grace_moves_only_restored_nodes_not_heard_since)
{
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    liveness_load(t, "o/waiting", true, -1, 10000);
    liveness_load(t, "o/heard", true, -1, 10000);
    liveness_load(t, "o/down", false, -1, 10000);
    liveness_heartbeat(t, "o/new", 10000);
    liveness_heartbeat(t, "o/heard", 10200);
    struct liveness_info heard, fresh_new;
    liveness_info(t, "o/heard", &heard);
    liveness_info(t, "o/new", &fresh_new);
    cr_assert_eq(liveness_restart_grace(t, 13000), 1);
    struct liveness_info info;
    liveness_info(t, "o/waiting", &info);
    cr_assert_eq(info.state, LIVENESS_UP);
    cr_assert_eq(info.deadline_ms, 12500 + 4 * I, "3.5 intervals from the restart");
    liveness_info(t, "o/heard", &info);
    cr_assert_eq(info.deadline_ms, heard.deadline_ms, "a heard node keeps its window");
    liveness_info(t, "o/new", &info);
    cr_assert_eq(info.deadline_ms, fresh_new.deadline_ms);
    cr_assert_eq(liveness_state(t, "o/down"), LIVENESS_DOWN);
    liveness_tick(t, 16400, NULL, NULL); /* the others, not heard again, are due */
    cr_assert_eq(liveness_state(t, "o/heard"), LIVENESS_DOWN);
    cr_assert_eq(liveness_state(t, "o/waiting"), LIVENESS_UP, "not due before 16500");
    cr_assert_eq(liveness_tick(t, 16500, NULL, NULL), 1);
    cr_assert_eq(liveness_state(t, "o/waiting"), LIVENESS_DOWN);
    liveness_destroy(t);
}

Test(liveness, remove_and_hash_churn)
{
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "org/node-%d", i);
        cr_assert_eq(liveness_heartbeat(t, key, 1000), LIVENESS_CAME_UP);
    }
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "org/node-%d", i);
        cr_assert_eq(liveness_remove(t, key), 0);
    }
    cr_assert_eq(liveness_remove(t, "org/node-0"), -1);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "org/node-%d", i);
        cr_assert_eq(liveness_state(t, key), i % 2 ? LIVENESS_UP : LIVENESS_UNKNOWN, "%s", key);
    }
    /* reuse freed entries */
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "org/node-%d", i);
        cr_assert_eq(liveness_heartbeat(t, key, 1500), LIVENESS_CAME_UP);
    }
    struct liveness_stats st;
    liveness_get_stats(t, &st);
    cr_assert_eq(st.nodes, 5000);
    cr_assert_eq(st.up, 5000);
    /* removed nodes never report down */
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "org/node-%d", i);
        if (i % 3 == 0)
            liveness_remove(t, key);
    }
    size_t down = liveness_tick(t, 60000, NULL, NULL);
    cr_assert_eq(down, 5000 - 1667);
    liveness_destroy(t);
}

/* 20,000 nodes heartbeating at staggered phases: ticks look only at nodes
 * whose deadline has come. */
struct counter {
    size_t n;
};
static void count_down(void *ctx, const char *key, int64_t at, int64_t last)
{
    (void)key;
    (void)at;
    (void)last;
    ((struct counter *)ctx)->n++;
}

Test(liveness, twenty_thousand_nodes_ticks_touch_only_due_nodes)
{
    enum { N = 20000 };
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    static char keys[N][24];
    for (int i = 0; i < N; i++)
        snprintf(keys[i], sizeof keys[i], "org%d/node-%d", i % 7, i);
    struct counter c = {0};
    int64_t base = 100000;
    /* node i beats at base + k*I + phase(i); ticks every 20 ms in between */
    int64_t now = base;
    for (int k = 0; k < 10; k++) {
        for (int i = 0; i < N; i++) {
            int64_t at = base + (int64_t)k * I + (int64_t)i * I / N;
            while (now + 20 <= at) {
                now += 20;
                liveness_tick(t, now, count_down, &c);
            }
            int tr = liveness_heartbeat(t, keys[i], at);
            cr_assert_eq(tr, k == 0 ? LIVENESS_CAME_UP : LIVENESS_NONE);
        }
    }
    struct liveness_stats st;
    liveness_get_stats(t, &st);
    cr_assert_eq(st.nodes, N);
    cr_assert_eq(st.up, N);
    cr_assert_eq(st.examined, 0, "no node examined while all are heartbeating");
    cr_assert_gt(st.slots_processed, 150);

    /* the even nodes go silent; the odd ones keep beating for 5 more intervals */
    for (int k = 10; k < 15; k++) {
        for (int i = 1; i < N; i += 2) {
            int64_t at = base + (int64_t)k * I + (int64_t)i * I / N;
            while (now + 20 <= at) {
                now += 20;
                liveness_tick(t, now, count_down, &c);
            }
            cr_assert_eq(liveness_heartbeat(t, keys[i], at), LIVENESS_NONE);
        }
    }
    liveness_get_stats(t, &st);
    cr_assert_eq(c.n, N / 2, "every silent node is down");
    cr_assert_eq(st.examined, N / 2, "each examined exactly once, when due");
    cr_assert_eq(st.up, N / 2);
    for (int i = 0; i < N; i++)
        cr_assert_eq(liveness_state(t, keys[i]), i % 2 ? LIVENESS_UP : LIVENESS_DOWN);
    liveness_destroy(t);
}

Test(liveness, stalled_tick_catches_up)
{
    struct liveness *t = liveness_create(&P);
    cr_assert_not_null(t);
    liveness_heartbeat(t, "o/a", 1000);
    liveness_heartbeat(t, "o/b", 1000);
    liveness_tick(t, 1000, NULL, NULL);
    /* a very late tick, beyond the wheel's horizon, still finds them */
    liveness_heartbeat(t, "o/c", 999000);
    cr_assert_eq(liveness_tick(t, 1000000, NULL, NULL), 2);
    cr_assert_eq(liveness_state(t, "o/c"), LIVENESS_UP);
    cr_assert_eq(liveness_tick(t, 1000000 + 10 * I, NULL, NULL), 1);
    liveness_destroy(t);
}
