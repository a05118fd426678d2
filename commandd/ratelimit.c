#include "commandd/ratelimit.h"

void tb_init(struct token_bucket *b, double rate, double burst, int64_t now_ms)
{
    b->rate = rate;
    b->burst = burst < 1.0 ? 1.0 : burst;
    b->tokens = b->burst;
    b->last_ms = now_ms;
    b->denied = 0;
}

bool tb_take(struct token_bucket *b, int64_t now_ms)
{
    if (b->rate <= 0.0)
        return true;
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_ms = now_ms;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    b->denied++;
    return false;
}
