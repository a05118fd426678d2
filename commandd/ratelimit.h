/* Token bucket: admits `rate` events per second on average with bursts up
 * to `burst`. commandd uses one for new node sessions so a server restart
 * (every node reconnecting at once) is admitted at a bounded rate. */
#ifndef PUSHY_COMMANDD_RATELIMIT_H
#define PUSHY_COMMANDD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
    double rate;      /* tokens per second; <= 0 means unlimited */
    double burst;     /* capacity */
    double tokens;
    int64_t last_ms;  /* monotonic time of the last refill */
    uint64_t denied;  /* cumulative */
};

/* Starts full. burst < 1 is raised to 1. */
void tb_init(struct token_bucket *b, double rate, double burst, int64_t now_ms);
/* Takes one token if there is one (refilling for the time since the last
 * call; a clock going backwards refills nothing). */
bool tb_take(struct token_bucket *b, int64_t now_ms);

#endif
