#include "shared/timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define MIN_YEAR 1970
#define MAX_YEAR 9999
#define SECS_PER_DAY 86400

struct civil {
    int year, month, day; /* month 1..12 */
    int hour, min, sec;
    int wday;             /* 0 = Sunday */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm); pure integer arithmetic, no timezone or locale involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct civil *c)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = (int)(yoe + era * 400 + (c->month <= 2));
}

static int wday_of_days(int64_t days)
{
    int w = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Splits t into UTC fields; -1 when the year is outside MIN..MAX_YEAR. */
static int to_civil(time_t t, struct civil *c)
{
    int64_t s = (int64_t)t;
    if (s < 0)
        return -1;
    int64_t days = s / SECS_PER_DAY, rem = s % SECS_PER_DAY;
    civil_from_days(days, c);
    if (c->year > MAX_YEAR)
        return -1;
    c->hour = (int)(rem / 3600);
    c->min = (int)(rem / 60 % 60);
    c->sec = (int)(rem % 60);
    c->wday = wday_of_days(days);
    return 0;
}

/* Validates the fields and converts them; checks the weekday when >= 0. */
static int from_civil(const struct civil *c, time_t *out)
{
    if (c->year < MIN_YEAR || c->year > MAX_YEAR || c->month < 1 || c->month > 12 ||
        c->day < 1 || c->day > days_in_month(c->year, c->month) || c->hour > 23 ||
        c->min > 59 || c->sec > 59)
        return -1;
    int64_t days = days_from_civil(c->year, c->month, c->day);
    if (c->wday >= 0 && c->wday != wday_of_days(days))
        return -1;
    *out = (time_t)(days * SECS_PER_DAY + c->hour * 3600 + c->min * 60 + c->sec);
    return 0;
}

/* Reads exactly n decimal digits at *p; advances *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return -1;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Matches the literal lit at *p; advances *p. */
static int lit(const char **p, const char *l)
{
    size_t n = strlen(l);
    if (strncmp(*p, l, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* Matches one of the 3-letter names; returns its index or -1. */
static int name3(const char **p, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        if (strncmp(*p, names[i], 3) == 0) {
            *p += 3;
            return i;
        }
    }
    return -1;
}

/* "YYYY-MM-DD?HH:MM:SS" shared by ISO 8601 and the event format. */
static int parse_date_time(const char **p, char sep, struct civil *c)
{
    char sepstr[2] = {sep, '\0'};
    if (digits(p, 4, &c->year) || lit(p, "-") || digits(p, 2, &c->month) || lit(p, "-") ||
        digits(p, 2, &c->day) || lit(p, sepstr) || digits(p, 2, &c->hour) || lit(p, ":") ||
        digits(p, 2, &c->min) || lit(p, ":") || digits(p, 2, &c->sec))
        return -1;
    c->wday = -1;
    return 0;
}

/* n decimal digits of v (0 <= v < 10^n), zero-padded; returns the end. */
static char *put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

int time_format_rfc1123(time_t t, char *out, size_t cap)
{
    struct civil c;
    if (cap < TIME_RFC1123_SIZE || to_civil(t, &c) != 0)
        return -1;
    /* "Sun, 06 Nov 1994 08:49:37 GMT" written by hand: this runs once per
     * node in API listings, where snprintf was a visible cost. */
    char *p = out;
    memcpy(p, day_names[c.wday], 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    p = put_digits(p, c.day, 2);
    *p++ = ' ';
    memcpy(p, month_names[c.month - 1], 3);
    p += 3;
    *p++ = ' ';
    p = put_digits(p, c.year, 4);
    *p++ = ' ';
    p = put_digits(p, c.hour, 2);
    *p++ = ':';
    p = put_digits(p, c.min, 2);
    *p++ = ':';
    p = put_digits(p, c.sec, 2);
    memcpy(p, " GMT", 5);
    return 0;
}

int time_parse_rfc1123(const char *s, time_t *out)
{
    if (!s || strlen(s) != TIME_RFC1123_SIZE - 1)
        return -1;
    const char *p = s;
    struct civil c;
    c.wday = name3(&p, day_names, 7);
    if (c.wday < 0 || lit(&p, ", ") || digits(&p, 2, &c.day) || lit(&p, " "))
        return -1;
    int mon = name3(&p, month_names, 12);
    if (mon < 0 || lit(&p, " ") || digits(&p, 4, &c.year) || lit(&p, " ") ||
        digits(&p, 2, &c.hour) || lit(&p, ":") || digits(&p, 2, &c.min) || lit(&p, ":") ||
        digits(&p, 2, &c.sec) || lit(&p, " GMT") || *p != '\0')
        return -1;
    c.month = mon + 1;
    return from_civil(&c, out);
}

int time_format_iso8601(time_t t, char *out, size_t cap)
{
    struct civil c;
    if (cap < TIME_ISO8601_SIZE || to_civil(t, &c) != 0)
        return -1;
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.min,
             c.sec);
    return 0;
}

int time_parse_iso8601(const char *s, time_t *out)
{
    if (!s)
        return -1;
    const char *p = s;
    struct civil c;
    if (parse_date_time(&p, 'T', &c) || lit(&p, "Z") || *p != '\0')
        return -1;
    return from_civil(&c, out);
}

int time_format_event(int64_t unix_us, char *out, size_t cap)
{
    struct civil c;
    if (unix_us < 0 || cap < TIME_EVENT_SIZE || to_civil((time_t)(unix_us / 1000000), &c) != 0)
        return -1;
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d.%06dZ", c.year, c.month, c.day, c.hour,
             c.min, c.sec, (int)(unix_us % 1000000));
    return 0;
}

int time_parse_event(const char *s, int64_t *unix_us)
{
    if (!s)
        return -1;
    const char *p = s;
    struct civil c;
    int us;
    time_t t;
    if (parse_date_time(&p, ' ', &c) || lit(&p, ".") || digits(&p, 6, &us) || lit(&p, "Z") ||
        *p != '\0' || from_civil(&c, &t) != 0)
        return -1;
    *unix_us = (int64_t)t * 1000000 + us;
    return 0;
}

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock id */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t time_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

int64_t time_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
