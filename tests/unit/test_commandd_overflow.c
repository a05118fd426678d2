/* commandd's per-job overflow queue (commandd/overflow.c): order, bounds,
 * ownership and growth across the ring's wrap-around. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commandd/overflow.h"

static char *msg(int i)
{
    char *s = malloc(16);
    cr_assert_not_null(s);
    snprintf(s, 16, "m%d", i);
    return s;
}

Test(overflow, empty_queue)
{
    struct overflow q;
    overflow_init(&q, 0, 0);
    cr_assert(overflow_empty(&q));
    cr_assert_null(overflow_peek(&q));
    overflow_pop(&q); /* no-op */
    cr_assert_eq(q.max_msgs, OVERFLOW_MAX_BATCHES);
    cr_assert_eq(q.max_bytes, OVERFLOW_MAX_BYTES);
    overflow_free(&q);
}

Test(overflow, fifo_order_and_byte_count)
{
    struct overflow q;
    overflow_init(&q, 0, 0);
    for (int i = 0; i < 1000; i++) {
        char *m = msg(i);
        cr_assert_eq(overflow_push(&q, m, strlen(m)), 0);
    }
    cr_assert_eq(overflow_count(&q), 1000);
    size_t bytes = overflow_bytes(&q);
    for (int i = 0; i < 1000; i++) {
        char want[16];
        snprintf(want, sizeof want, "m%d", i);
        const struct overflow_item *it = overflow_peek(&q);
        cr_assert_not_null(it);
        cr_assert_str_eq(it->data, want);
        bytes -= it->len;
        overflow_pop(&q);
        cr_assert_eq(overflow_bytes(&q), bytes);
    }
    cr_assert(overflow_empty(&q));
    cr_assert_eq(overflow_bytes(&q), 0);
    overflow_free(&q);
}

Test(overflow, order_kept_when_growing_a_wrapped_ring)
{
    struct overflow q;
    overflow_init(&q, 0, 0);
    int next_in = 0, next_out = 0;
    /* fill 64 (the first capacity), take 40 out, add 100: the ring wraps
     * and then grows */
    for (; next_in < 64; next_in++)
        cr_assert_eq(overflow_push(&q, msg(next_in), 3), 0);
    for (; next_out < 40; next_out++)
        overflow_pop(&q);
    for (; next_in < 164; next_in++)
        cr_assert_eq(overflow_push(&q, msg(next_in), 3), 0);
    for (; next_out < 164; next_out++) {
        char want[16];
        snprintf(want, sizeof want, "m%d", next_out);
        cr_assert_str_eq(overflow_peek(&q)->data, want);
        overflow_pop(&q);
    }
    cr_assert(overflow_empty(&q));
    overflow_free(&q);
}

Test(overflow, message_bound_refuses_and_keeps_ownership_with_caller)
{
    struct overflow q;
    overflow_init(&q, 3, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(overflow_push(&q, msg(i), 2), 0);
    char *extra = msg(3);
    cr_assert_eq(overflow_push(&q, extra, 2), -1);
    free(extra); /* still the caller's */
    cr_assert_eq(overflow_count(&q), 3);
    overflow_pop(&q);
    cr_assert_eq(overflow_push(&q, msg(4), 2), 0, "room again after a pop");
    overflow_free(&q);
}

Test(overflow, byte_bound)
{
    struct overflow q;
    overflow_init(&q, 0, 10);
    cr_assert_eq(overflow_push(&q, msg(0), 6), 0);
    char *m = msg(1);
    cr_assert_eq(overflow_push(&q, m, 5), -1, "6 + 5 > 10");
    cr_assert_eq(overflow_push(&q, m, 4), 0, "6 + 4 fits");
    cr_assert_eq(overflow_bytes(&q), 10);
    overflow_free(&q);
}

Test(overflow, null_data_refused)
{
    struct overflow q;
    overflow_init(&q, 0, 0);
    cr_assert_eq(overflow_push(&q, NULL, 0), -1);
    overflow_free(&q);
}
