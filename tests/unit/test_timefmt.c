#include <criterion/criterion.h>
#include <locale.h>
#include <string.h>

#include "shared/timefmt.h"

/* 2026-11-25 08:00:00 UTC, a Wednesday */
#define T_2026 ((time_t)1795593600)

Test(timefmt, rfc1123_known_value)
{
    char buf[TIME_RFC1123_SIZE];
    cr_assert_eq(time_format_rfc1123(T_2026, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "Wed, 25 Nov 2026 08:00:00 GMT");
    time_t t;
    cr_assert_eq(time_parse_rfc1123("Tue, 05 Mar 2013 19:11:44 GMT", &t), 0);
    cr_assert_eq(t, (time_t)1362510704);
    cr_assert_eq(time_format_rfc1123(0, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
}

Test(timefmt, rfc1123_independent_of_locale)
{
    /* de_DE may be missing; whatever locale we get, names must stay English. */
    const char *loc = setlocale(LC_ALL, "de_DE.UTF-8");
    if (!loc)
        loc = setlocale(LC_ALL, "C.UTF-8");
    char buf[TIME_RFC1123_SIZE];
    cr_assert_eq(time_format_rfc1123(T_2026, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "Wed, 25 Nov 2026 08:00:00 GMT");
    setlocale(LC_ALL, "C");
}

Test(timefmt, round_trips)
{
    /* epoch, leap days, end of century, far future */
    const time_t samples[] = {0, 951782400 /* 2000-02-29 */, 1709164800 /* 2024-02-29 */,
                              4107542399 /* 2100-02-28 23:59:59 */, T_2026, 253402300799 /* 9999-12-31 */};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char a[TIME_RFC1123_SIZE], b[TIME_ISO8601_SIZE], e[TIME_EVENT_SIZE];
        time_t t;
        int64_t us;
        cr_assert_eq(time_format_rfc1123(samples[i], a, sizeof a), 0);
        cr_assert_eq(time_parse_rfc1123(a, &t), 0, "%s", a);
        cr_assert_eq(t, samples[i]);
        cr_assert_eq(time_format_iso8601(samples[i], b, sizeof b), 0);
        cr_assert_eq(time_parse_iso8601(b, &t), 0, "%s", b);
        cr_assert_eq(t, samples[i]);
        int64_t in = (int64_t)samples[i] * 1000000 + 123456;
        cr_assert_eq(time_format_event(in, e, sizeof e), 0);
        cr_assert_eq(time_parse_event(e, &us), 0, "%s", e);
        cr_assert_eq(us, in);
    }
    /* every day of a leap year round-trips */
    for (time_t t0 = 1704067200; t0 < 1735689600; t0 += 86400 + 3661) {
        char a[TIME_RFC1123_SIZE];
        time_t t;
        cr_assert_eq(time_format_rfc1123(t0, a, sizeof a), 0);
        cr_assert_eq(time_parse_rfc1123(a, &t), 0, "%s", a);
        cr_assert_eq(t, t0);
    }
}

Test(timefmt, iso_and_event_known_values)
{
    char b[TIME_ISO8601_SIZE], e[TIME_EVENT_SIZE];
    cr_assert_eq(time_format_iso8601(T_2026, b, sizeof b), 0);
    cr_assert_str_eq(b, "2026-11-25T08:00:00Z");
    cr_assert_eq(time_format_event((int64_t)1404969464 * 1000000 + 995958, e, sizeof e), 0);
    cr_assert_str_eq(e, "2014-07-10 05:17:44.995958Z");
    cr_assert_eq(time_format_event(7, e, sizeof e), 0);
    cr_assert_str_eq(e, "1970-01-01 00:00:00.000007Z");
}

Test(timefmt, small_buffers_and_range)
{
    char buf[64];
    cr_assert_eq(time_format_rfc1123(T_2026, buf, TIME_RFC1123_SIZE - 1), -1);
    cr_assert_eq(time_format_iso8601(T_2026, buf, TIME_ISO8601_SIZE - 1), -1);
    cr_assert_eq(time_format_event(0, buf, TIME_EVENT_SIZE - 1), -1);
    cr_assert_eq(time_format_rfc1123(-1, buf, sizeof buf), -1);
    cr_assert_eq(time_format_rfc1123((time_t)253402300800, buf, sizeof buf), -1); /* year 10000 */
    cr_assert_eq(time_format_event(-1, buf, sizeof buf), -1);
}

Test(timefmt, malformed_rfc1123)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "Wed, 25 Nov 2026 08:00:00",         /* no zone */
        "Wed, 25 Nov 2026 08:00:00 UTC",     /* only GMT */
        "Wed, 25 Nov 2026 08:00:00 GMT ",    /* trailing */
        " Wed, 25 Nov 2026 08:00:00 GMT",    /* leading */
        "Wed, 25 Nov 2026 08:00:00 gmt",
        "wed, 25 Nov 2026 08:00:00 GMT",     /* case */
        "Wed, 25 nov 2026 08:00:00 GMT",
        "Thu, 25 Nov 2026 08:00:00 GMT",     /* wrong weekday */
        "Wed 25 Nov 2026 08:00:00 GMT",      /* missing comma */
        "Wed, 5 Nov 2026 08:00:00 GMT",      /* one-digit day */
        "Wed, 25 Nov 26 08:00:00 GMT",       /* two-digit year */
        "Wed, 25 Nob 2026 08:00:00 GMT",     /* bad month */
        "Wed, 32 Nov 2026 08:00:00 GMT",     /* bad day */
        "Mon, 31 Nov 2026 08:00:00 GMT",     /* 31 November */
        "Sun, 29 Feb 2026 08:00:00 GMT",     /* not a leap year */
        "Wed, 25 Nov 2026 24:00:00 GMT",
        "Wed, 25 Nov 2026 08:60:00 GMT",
        "Wed, 25 Nov 2026 08:00:61 GMT",
        "Wed, 25 Nov 2026 08:0a:00 GMT",
        "Wed, 25 Nov 2026 08-00-00 GMT",
        "Wed, 25 Nov 2026T08:00:00 GMT",
        "Wed, 31 Dec 1969 23:59:59 GMT",     /* before the epoch */
        "Wednesday, 25-Nov-26 08:00:00 GMT", /* RFC 850 */
        "Wed Nov 25 08:00:00 2026",          /* asctime */
        "2026-11-25T08:00:00Z",
        "Wed, +5 Nov 2026 08:00:00 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        time_t t = 42;
        cr_assert_eq(time_parse_rfc1123(bad[i], &t), -1, "accepted \"%s\"", bad[i]);
        cr_assert_eq(t, 42, "output touched for \"%s\"", bad[i]);
    }
    time_t t;
    cr_assert_eq(time_parse_rfc1123(NULL, &t), -1);
    cr_assert_eq(time_parse_rfc1123("Thu, 29 Feb 2024 12:00:00 GMT", &t), 0); /* leap day ok */
}

Test(timefmt, malformed_iso_and_event)
{
    static const char *const bad_iso[] = {
        "", "2026-11-25", "2026-11-25T08:00:00", "2026-11-25T08:00:00z",
        "2026-11-25 08:00:00Z", "2026-11-25T08:00:00+00:00", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "26-11-25T08:00:00Z", "2026-11-25T08:00:00.5Z",
        "2026-11-25T08:00:00ZZ", "1969-12-31T23:59:59Z",
    };
    for (size_t i = 0; i < sizeof bad_iso / sizeof bad_iso[0]; i++) {
        time_t t;
        cr_assert_eq(time_parse_iso8601(bad_iso[i], &t), -1, "accepted \"%s\"", bad_iso[i]);
    }
    static const char *const bad_ev[] = {
        "", "2026-11-25 08:00:00Z", "2026-11-25 08:00:00.12345Z", "2026-11-25 08:00:00.1234567Z",
        "2026-11-25T08:00:00.123456Z", "2026-11-25 08:00:00.123456", "2026-11-25 08:00:00.12a456Z",
    };
    for (size_t i = 0; i < sizeof bad_ev / sizeof bad_ev[0]; i++) {
        int64_t us;
        cr_assert_eq(time_parse_event(bad_ev[i], &us), -1, "accepted \"%s\"", bad_ev[i]);
    }
}

Test(timefmt, clocks)
{
    int64_t a = time_now_ms();
    int64_t b = time_now_ms();
    cr_assert_geq(b, a);
    time_t w = time_wall();
    cr_assert_gt(w, (time_t)1600000000);
    int64_t us = time_wall_us();
    cr_assert_geq(us / 1000000, (int64_t)w);
}
