/* OTP-style restart intensity and per-child exponential backoff, as pure
 * functions of time so they are unit-tested without processes. */
#ifndef PUSHY_RESTART_POLICY_H
#define PUSHY_RESTART_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define RESTART_HISTORY_MAX 1024

/* Restarts of all children within the sliding window (one_for_one
 * supervisor intensity: more than max_restarts in window_ms → give up). */
struct restart_intensity {
    int max_restarts;
    int64_t window_ms;
    int64_t at[RESTART_HISTORY_MAX]; /* ring of restart times */
    int head, count;
};

void intensity_init(struct restart_intensity *ri, int max_restarts, int64_t window_ms);
/* Records a restart at now_ms; returns true when the limit is exceeded. */
bool intensity_record(struct restart_intensity *ri, int64_t now_ms);
/* Restarts counted in the window ending at now_ms. */
int intensity_count(struct restart_intensity *ri, int64_t now_ms);

/* Delay before restarting a child that has crashed `consecutive` times in a
 * row (1 for the first crash): base, 2*base, 4*base ... capped at max. */
int64_t backoff_delay_ms(int consecutive, int64_t base_ms, int64_t max_ms);

/* A child that stayed up this long has its consecutive-crash count reset. */
#define BACKOFF_RESET_AFTER_MS 10000

#endif
