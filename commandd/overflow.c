#include "commandd/overflow.h"

#include <stdlib.h>
#include <string.h>

void overflow_init(struct overflow *q, size_t max_msgs, size_t max_bytes)
{
    memset(q, 0, sizeof *q);
    q->max_msgs = max_msgs ? max_msgs : OVERFLOW_MAX_BATCHES;
    q->max_bytes = max_bytes ? max_bytes : OVERFLOW_MAX_BYTES;
}

void overflow_free(struct overflow *q)
{
    while (q->count)
        overflow_pop(q);
    free(q->items);
    q->items = NULL;
    q->cap = q->head = 0;
}

/* Doubles the ring, unrolling it so that head is 0. */
static int grow(struct overflow *q)
{
    size_t cap = q->cap ? q->cap * 2 : 64;
    if (cap > q->max_msgs)
        cap = q->max_msgs;
    if (cap <= q->cap)
        return -1;
    struct overflow_item *it = malloc(cap * sizeof *it);
    if (!it)
        return -1;
    for (size_t i = 0; i < q->count; i++)
        it[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = it;
    q->cap = cap;
    q->head = 0;
    return 0;
}

int overflow_push(struct overflow *q, char *data, size_t len)
{
    if (!data || q->count >= q->max_msgs || len > q->max_bytes - q->bytes)
        return -1;
    if (q->count == q->cap && grow(q))
        return -1;
    q->items[(q->head + q->count) % q->cap] = (struct overflow_item){ .data = data, .len = len };
    q->count++;
    q->bytes += len;
    return 0;
}

const struct overflow_item *overflow_peek(const struct overflow *q)
{
    return q->count ? &q->items[q->head] : NULL;
}

void overflow_pop(struct overflow *q)
{
    if (!q->count)
        return;
    struct overflow_item *it = &q->items[q->head];
    q->bytes -= it->len;
    free(it->data);
    it->data = NULL;
    q->head = (q->head + 1) % q->cap;
    q->count--;
    if (!q->count)
        q->head = 0;
}
