/* apid/name_order: listings sorted by name in apid (byte order). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/name_order.h"

Test(name_order, indices_in_byte_order)
{
    const char *names[] = { "web10", "Web2", "db:1", "web1", "a-b", "a.b", "a_b", "web10" };
    size_t n = sizeof names / sizeof names[0];
    size_t *o = name_order(names, n);
    cr_assert_not_null(o);
    for (size_t i = 1; i < n; i++) {
        int c = strcmp(names[o[i - 1]], names[o[i]]);
        cr_assert(c < 0 || (c == 0 && o[i - 1] < o[i]), "%zu: %s before %s", i,
                  names[o[i - 1]], names[o[i]]);
    }
    cr_assert_str_eq(names[o[0]], "Web2"); /* upper case first, as COLLATE "C" */
    cr_assert_eq(o[6], 0);
    cr_assert_eq(o[7], 7);
    free(o);
}

Test(name_order, empty_and_single)
{
    size_t *o = name_order(NULL, 0);
    cr_assert_not_null(o);
    free(o);
    const char *one[] = { "x" };
    o = name_order(one, 1);
    cr_assert_eq(o[0], 0);
    free(o);
    cr_assert_eq(name_sort_pairs(NULL, NULL, 0), 0);
}

Test(name_order, pairs_move_together)
{
    enum { N = 1000 };
    static char buf[N][16];
    const char *names[N], *states[N];
    srand(7);
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "n%05d", rand() % 100000);
        names[i] = buf[i];
        states[i] = buf[i]; /* each value is its own name: pairs must stay paired */
    }
    cr_assert_eq(name_sort_pairs(names, states, N), 0);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(names[i], states[i]);
        if (i)
            cr_assert(strcmp(names[i - 1], names[i]) <= 0);
    }
}
