#include "apid/name_order.h"

#include <stdlib.h>
#include <string.h>

struct keyed {
    const char *name;
    size_t index;
};

static int by_name(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* names[] with their indices, sorted; NULL when out of memory. */
static struct keyed *sorted(const char *const *names, size_t n)
{
    struct keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (!k)
        return NULL;
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyed){ names[i], i };
    if (n > 1)
        qsort(k, n, sizeof *k, by_name);
    return k;
}

size_t *name_order(const char *const *names, size_t n)
{
    struct keyed *k = sorted(names, n);
    size_t *order = k ? malloc((n ? n : 1) * sizeof *order) : NULL;
    for (size_t i = 0; order && i < n; i++)
        order[i] = k[i].index;
    free(k);
    return order;
}

int name_sort_pairs(const char **names, const char **values, size_t n)
{
    struct keyed *k = sorted(names, n);
    const char **v = k ? malloc((n ? n : 1) * sizeof *v) : NULL;
    if (!v) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = values[k[i].index];
    for (size_t i = 0; i < n; i++) {
        names[i] = k[i].name;
        values[i] = v[i];
    }
    free(v);
    free(k);
    return 0;
}
