/* This host's names (client/hostid.c): the node name of last resort is the
 * fqdn, else the short host name; resolving is bounded. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "client/hostid.h"

Test(client_hostid, fallback_node_name)
{
    struct pc_host h = { .hostname = "web1.example.com", .fqdn = "web1.corp.example.com" };
    char out[256];
    const char *from = NULL;
    cr_assert_eq(pc_host_node_name(&h, out, sizeof out, &from), 0);
    cr_expect_str_eq(out, "web1.corp.example.com");
    cr_expect_str_eq(from, "fqdn");
    h.fqdn[0] = '\0';
    cr_assert_eq(pc_host_node_name(&h, out, sizeof out, &from), 0);
    cr_expect_str_eq(out, "web1", "Ohai's hostname is the short name");
    cr_expect_str_eq(from, "hostname");
    cr_expect_eq(pc_host_node_name(&h, out, 4, &from), -1, "does not fit");
    h.hostname[0] = '\0';
    cr_expect_eq(pc_host_node_name(&h, out, sizeof out, &from), -1);
}

static long elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

Test(client_hostid, canonical_name)
{
    char out[256] = "";
    cr_assert_eq(pc_canonical_name("localhost", 2000, out, sizeof out), 0);
    cr_expect(out[0] != '\0');
    cr_expect_eq(pc_canonical_name("", 100, out, sizeof out), -1);
    cr_expect_eq(pc_canonical_name("localhost", 2000, out, 2), -1, "does not fit");
    /* an unresolvable name fails, within the bound (plus scheduling slack) */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_expect_eq(pc_canonical_name("no-such-host.invalid", 300, out, sizeof out), -1);
    cr_expect_lt(elapsed_ms(&t0), 2000);
}

Test(client_hostid, lookup_this_host)
{
    struct pc_host h;
    pc_host_lookup(&h, 2000);
    cr_expect(h.hostname[0] != '\0', "gethostname");
    char out[256];
    const char *from = NULL;
    cr_expect_eq(pc_host_node_name(&h, out, sizeof out, &from), 0);
}
