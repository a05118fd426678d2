/* Reconnect timing, pure (the random number r in [0,1) is an argument).
 *
 * Backoff: the n-th consecutive failure (n = 0, 1, ...) waits
 *   d = min(base * 2^n, max), then d * (0.5 + r): +-50 % jitter,
 * so with base 1 s and max 60 s: 0.5-1.5 s, 1-3 s, 2-6 s, ... 30-90 s.
 * The jitter spreads a fleet that lost the server at the same moment.
 * A success resets n. */
#ifndef PUSHY_CLIENT_BACKOFF_H
#define PUSHY_CLIENT_BACKOFF_H

#include <stdint.h>

struct pc_backoff {
    int64_t base_ms, max_ms;
    int attempt;
};

void pc_backoff_init(struct pc_backoff *b, int64_t base_ms, int64_t max_ms);
/* The delay before the next try, and counts this failure. */
int64_t pc_backoff_next(struct pc_backoff *b, double r);
void pc_backoff_reset(struct pc_backoff *b);

/* Splay before a reconfigure on a server incarnation change: [0, interval). */
int64_t pc_splay_ms(int64_t interval_ms, double r);
/* Periodic reconfigure delay: lifetime * (1 - 0.1 r), as the original. */
int64_t pc_lifetime_ms(int64_t lifetime_s, double r);

/* A uniform double in [0,1) from a process-wide generator seeded from
 * getrandom (not for cryptography). */
double pc_rand01(void);

#endif
