/* Server liveness counters (client/srvlive.c) and reconnect timing
 * (client/backoff.c). */
#include <criterion/criterion.h>

#include "client/backoff.h"
#include "client/srvlive.h"

Test(client_srvlive, offline_after_exactly_threshold_silent_ticks)
{
    struct pc_srvlive l;
    pc_srvlive_init(&l, 3, 2);
    cr_expect(l.online);
    /* steady: one heartbeat per interval */
    for (int i = 0; i < 10; i++) {
        cr_expect_eq(pc_srvlive_heartbeat(&l), PC_LIVE_NONE);
        cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    }
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE); /* 1 silent */
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE); /* 2 */
    cr_expect(l.online);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_WENT_OFFLINE); /* 3 */
    cr_expect_not(l.online);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE, "reported once per silence");
}

Test(client_srvlive, jitter_never_goes_offline)
{
    struct pc_srvlive l;
    pc_srvlive_init(&l, 3, 2);
    /* 0 then 2 heartbeats per interval */
    for (int i = 0; i < 20; i++) {
        cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
        pc_srvlive_heartbeat(&l);
        pc_srvlive_heartbeat(&l);
        cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    }
    cr_expect(l.online);
}

Test(client_srvlive, online_on_threshold_th_consecutive_heartbeat)
{
    struct pc_srvlive l;
    pc_srvlive_init(&l, 3, 2);
    for (int i = 0; i < 3; i++)
        pc_srvlive_tick(&l);
    cr_expect_not(l.online);
    cr_expect_eq(pc_srvlive_heartbeat(&l), PC_LIVE_NONE);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    cr_expect_not(l.online);
    /* a silent interval restarts the count */
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    cr_expect_eq(pc_srvlive_heartbeat(&l), PC_LIVE_NONE);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    cr_expect_eq(pc_srvlive_heartbeat(&l), PC_LIVE_WENT_ONLINE);
    cr_expect(l.online);
}

Test(client_srvlive, silent_again_after_reconnect_while_offline)
{
    struct pc_srvlive l;
    pc_srvlive_init(&l, 2, 2);
    pc_srvlive_tick(&l);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_WENT_OFFLINE);
    pc_srvlive_reset_silence(&l);
    cr_expect_not(l.online, "a reconnect keeps the offline state");
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_SILENT);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_NONE);
}

Test(client_srvlive, thresholds_below_one)
{
    struct pc_srvlive l;
    pc_srvlive_init(&l, 0, -5);
    cr_expect_eq(pc_srvlive_tick(&l), PC_LIVE_WENT_OFFLINE);
    cr_expect_eq(pc_srvlive_heartbeat(&l), PC_LIVE_WENT_ONLINE);
}

Test(client_backoff, doubles_to_max_with_jitter)
{
    struct pc_backoff b;
    pc_backoff_init(&b, 1000, 60000);
    /* r = 0.5 is the midpoint: no jitter */
    int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_eq(pc_backoff_next(&b, 0.5), want[i], "attempt %zu", i);
    pc_backoff_reset(&b);
    cr_expect_eq(pc_backoff_next(&b, 0.0), 500, "-50 %%");
    cr_expect_eq(pc_backoff_next(&b, 0.999999), 2999, "+50 %%");
    for (int i = 0; i < 200; i++)
        pc_backoff_next(&b, 1.0);
    int64_t d = pc_backoff_next(&b, 0.99);
    cr_expect(d >= 30000 && d < 90000, "bounded after many failures: %lld", (long long)d);
}

Test(client_backoff, splay_lifetime_and_rand)
{
    cr_expect_eq(pc_splay_ms(10000, 0.0), 0);
    cr_expect_eq(pc_splay_ms(10000, 0.25), 2500);
    cr_expect(pc_splay_ms(10000, 1.0) < 10000);
    cr_expect_eq(pc_lifetime_ms(3600, 0.0), 3600000);
    cr_expect_eq(pc_lifetime_ms(3600, 0.5), 3420000);
    cr_expect(pc_lifetime_ms(3600, 1.0) >= 3240000);
    double lo = 1, hi = 0;
    for (int i = 0; i < 1000; i++) {
        double r = pc_rand01();
        cr_assert(r >= 0 && r < 1);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    cr_expect(lo < 0.1 && hi > 0.9, "spread %f..%f", lo, hi);
}
