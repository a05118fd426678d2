/* Quorum parsing and math (shared/quorum.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "shared/quorum.h"

static struct quorum_spec q;
static char err[256];

/* Parses text for n nodes; returns the required count or -1 on error. */
static long req(const char *text, size_t n)
{
    err[0] = '\0';
    if (quorum_parse(text, n, &q, err, sizeof err) != 0) {
        cr_assert(err[0] != '\0', "an error must come with a message");
        return -1;
    }
    return (long)quorum_required(&q, n);
}

Test(quorum, default_is_all_nodes)
{
    quorum_default(&q);
    cr_assert_eq(q.kind, QUORUM_PERCENT);
    cr_assert_eq(q.value, 100);
    cr_assert_eq(quorum_required(&q, 0), 0);
    cr_assert_eq(quorum_required(&q, 1), 1);
    cr_assert_eq(quorum_required(&q, 1000), 1000);
}

Test(quorum, percentages_round_up)
{
    cr_assert_eq(req("0%", 5), 0);
    cr_assert_eq(q.kind, QUORUM_PERCENT);
    cr_assert_eq(req("0%", 0), 0);
    cr_assert_eq(req("1%", 3), 1);    /* ceil(0.03) */
    cr_assert_eq(req("1%", 100), 1);
    cr_assert_eq(req("1%", 101), 2);  /* ceil(1.01) */
    cr_assert_eq(req("50%", 3), 2);   /* ceil(1.5) */
    cr_assert_eq(req("50%", 4), 2);
    cr_assert_eq(req("80%", 5), 4);
    cr_assert_eq(req("90%", 5), 5);   /* ceil(4.5) */
    cr_assert_eq(req("100%", 7), 7);
    cr_assert_eq(req("100%", 1), 1);
    cr_assert_eq(req("099%", 100), 99); /* leading zeros are digits */
}

Test(quorum, percent_out_of_range_rejected)
{
    cr_assert_eq(req("101%", 5), -1);
    cr_assert(strstr(err, "between 0% and 100%"), "message: %s", err);
    cr_assert(strstr(err, "101%"), "message names the input: %s", err);
    cr_assert_eq(req("99999999999999999999%", 5), -1);
    cr_assert(strstr(err, "between 0% and 100%"), "message: %s", err);
}

Test(quorum, malformed_rejected)
{
    const char *bad[] = { "abc", "", "%", "50%%", "50 %", " 50%", "50% ", "50.5%", "1e2",
                          "+3", "0x10", "3 nodes", "%50" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(req(bad[i], 100), -1, "'%s' must be rejected", bad[i]);
        cr_assert(strstr(err, "expected a node count") || strstr(err, "empty"),
                  "'%s': message: %s", bad[i], err);
    }
    cr_assert_eq(req("abc", 3), -1);
    cr_assert_str_eq(err, "invalid quorum 'abc': expected a node count (e.g. 3) or a "
                          "percentage (e.g. 80%)");
    cr_assert_eq(req(NULL, 3), -1);
    cr_assert_eq(req("-1", 3), -1);
    cr_assert(strstr(err, "must not be negative"), "message: %s", err);
    cr_assert_eq(req("-5%", 3), -1);
    cr_assert(strstr(err, "must not be negative"), "message: %s", err);
}

Test(quorum, absolute_counts)
{
    cr_assert_eq(req("0", 5), 0);
    cr_assert_eq(q.kind, QUORUM_COUNT);
    cr_assert_eq(req("1", 5), 1);
    cr_assert_eq(req("5", 5), 5);
    cr_assert_eq(req("6", 5), -1);
    cr_assert_str_eq(err, "invalid quorum 6: the job has only 5 nodes");
    cr_assert_eq(req("2", 1), -1);
    cr_assert_str_eq(err, "invalid quorum 2: the job has only 1 node");
    cr_assert_eq(req("99999999999999999999", 5), -1);
    cr_assert(strstr(err, "only 5 nodes"), "message: %s", err);
}

/* Documented choice: a digit string without '%' is a count, like knife's
 * `-q 50`; so "50" and the JSON number 50 are the same spec. */
Test(quorum, string_50_is_the_count_50)
{
    struct quorum_spec a, b;
    cr_assert_eq(quorum_parse("50", 60, &a, err, sizeof err), 0);
    cr_assert_eq(quorum_from_count(50, 60, &b, err, sizeof err), 0);
    cr_assert_eq(a.kind, QUORUM_COUNT);
    cr_assert_eq(a.kind, b.kind);
    cr_assert_eq(a.value, b.value);
    cr_assert_eq(quorum_required(&a, 60), 50);
    /* and "50%" is the percentage */
    cr_assert_eq(quorum_parse("50%", 60, &a, err, sizeof err), 0);
    cr_assert_eq(quorum_required(&a, 60), 30);
    /* "50" for a 10-node job is an error, not 50% */
    cr_assert_eq(quorum_parse("50", 10, &a, err, sizeof err), -1);
}

Test(quorum, from_count)
{
    cr_assert_eq(quorum_from_count(0, 3, &q, err, sizeof err), 0);
    cr_assert_eq(quorum_required(&q, 3), 0);
    cr_assert_eq(quorum_from_count(1, 3, &q, err, sizeof err), 0);
    cr_assert_eq(quorum_required(&q, 3), 1);
    cr_assert_eq(quorum_from_count(3, 3, &q, err, sizeof err), 0);
    cr_assert_eq(quorum_required(&q, 3), 3);
    cr_assert_eq(quorum_from_count(4, 3, &q, err, sizeof err), -1);
    cr_assert_str_eq(err, "invalid quorum 4: the job has only 3 nodes");
    cr_assert_eq(quorum_from_count(-1, 3, &q, err, sizeof err), -1);
    cr_assert_str_eq(err, "invalid quorum -1: must not be negative");
}

Test(quorum, from_number)
{
    cr_assert_eq(quorum_from_number(2.0, 3, &q, err, sizeof err), 0);
    cr_assert_eq(q.kind, QUORUM_COUNT);
    cr_assert_eq(quorum_required(&q, 3), 2);
    cr_assert_eq(quorum_from_number(0.0, 3, &q, err, sizeof err), 0);
    cr_assert_eq(quorum_from_number(2.5, 3, &q, err, sizeof err), -1);
    cr_assert(strstr(err, "whole number"), "message: %s", err);
    cr_assert_eq(quorum_from_number(NAN, 3, &q, err, sizeof err), -1);
    cr_assert_eq(quorum_from_number(INFINITY, 3, &q, err, sizeof err), -1);
    cr_assert_eq(quorum_from_number(-1.0, 3, &q, err, sizeof err), -1);
    cr_assert(strstr(err, "negative"), "message: %s", err);
    cr_assert_eq(quorum_from_number(4.0, 3, &q, err, sizeof err), -1);
    cr_assert(strstr(err, "only 3 nodes"), "message: %s", err);
    cr_assert_eq(quorum_from_number(1e300, 3, &q, err, sizeof err), -1);
}

Test(quorum, null_error_buffer_is_fine)
{
    cr_assert_eq(quorum_parse("abc", 3, &q, NULL, 0), -1);
    cr_assert_eq(quorum_from_count(9, 3, &q, NULL, 0), -1);
    cr_assert_eq(quorum_from_number(0.5, 3, &q, NULL, 0), -1);
}

Test(quorum, error_is_truncated_not_overflowed)
{
    char small[8];
    cr_assert_eq(quorum_parse("abc", 3, &q, small, sizeof small), -1);
    cr_assert_eq(strlen(small), sizeof small - 1);
}
