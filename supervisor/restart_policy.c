#include "supervisor/restart_policy.h"

void intensity_init(struct restart_intensity *ri, int max_restarts, int64_t window_ms)
{
    ri->max_restarts = max_restarts;
    ri->window_ms = window_ms;
    ri->head = ri->count = 0;
}

/* Drops entries older than the window. */
static void expire(struct restart_intensity *ri, int64_t now_ms)
{
    while (ri->count > 0) {
        int oldest = (ri->head - ri->count + RESTART_HISTORY_MAX) % RESTART_HISTORY_MAX;
        if (now_ms - ri->at[oldest] < ri->window_ms)
            break;
        ri->count--;
    }
}

bool intensity_record(struct restart_intensity *ri, int64_t now_ms)
{
    expire(ri, now_ms);
    ri->at[ri->head] = now_ms;
    ri->head = (ri->head + 1) % RESTART_HISTORY_MAX;
    if (ri->count < RESTART_HISTORY_MAX)
        ri->count++;
    return ri->count > ri->max_restarts;
}

int intensity_count(struct restart_intensity *ri, int64_t now_ms)
{
    expire(ri, now_ms);
    return ri->count;
}

int64_t backoff_delay_ms(int consecutive, int64_t base_ms, int64_t max_ms)
{
    if (consecutive < 1)
        consecutive = 1;
    int64_t d = base_ms;
    for (int i = 1; i < consecutive && d < max_ms; i++)
        d *= 2;
    return d > max_ms ? max_ms : d;
}
