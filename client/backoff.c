#include "client/backoff.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void pc_backoff_init(struct pc_backoff *b, int64_t base_ms, int64_t max_ms)
{
    b->base_ms = base_ms > 0 ? base_ms : 1;
    b->max_ms = max_ms > b->base_ms ? max_ms : b->base_ms;
    b->attempt = 0;
}

static double clamp01(double r) { return r < 0 ? 0 : r >= 1 ? 0.999999 : r; }

int64_t pc_backoff_next(struct pc_backoff *b, double r)
{
    int64_t d = b->base_ms;
    for (int i = 0; i < b->attempt && d < b->max_ms; i++)
        d *= 2;
    if (d > b->max_ms)
        d = b->max_ms;
    if (b->attempt < 62)
        b->attempt++;
    return (int64_t)((double)d * (0.5 + clamp01(r)));
}

void pc_backoff_reset(struct pc_backoff *b) { b->attempt = 0; }

int64_t pc_splay_ms(int64_t interval_ms, double r)
{
    return (int64_t)((double)interval_ms * clamp01(r));
}

int64_t pc_lifetime_ms(int64_t lifetime_s, double r)
{
    return (int64_t)((double)lifetime_s * 1000.0 * (1.0 - 0.1 * clamp01(r)));
}

double pc_rand01(void)
{
    static bool seeded;
    static unsigned short xsubi[3];
    if (!seeded) {
        if (getrandom(xsubi, sizeof xsubi, GRND_NONBLOCK) != (ssize_t)sizeof xsubi) {
            unsigned long v = (unsigned long)time(NULL) ^ (unsigned long)getpid();
            xsubi[0] = (unsigned short)v;
            xsubi[1] = (unsigned short)(v >> 16);
            xsubi[2] = (unsigned short)(v >> 32);
        }
        seeded = true;
    }
    return erand48(xsubi);
}
