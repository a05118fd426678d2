/* Time formats used on the wire and in the API, plus clock helpers.
 *
 * All formats are UTC and locale-independent (day and month names come from
 * fixed tables, never from strftime). Parsers are strict: the exact layout,
 * valid field ranges, a weekday that matches the date, nothing trailing.
 * Supported years are 1970..9999; anything else is rejected (-1).
 *
 *   RFC 1123  "Wed, 25 Nov 2026 08:00:00 GMT"    message timestamps, job JSON
 *   ISO 8601  "2026-11-25T08:00:00Z"
 *   event     "2026-11-25 08:00:00.123456Z"      SSE event timestamps
 */
#ifndef PUSHY_TIMEFMT_H
#define PUSHY_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Buffer sizes including the terminating NUL. */
#define TIME_RFC1123_SIZE 30
#define TIME_ISO8601_SIZE 21
#define TIME_EVENT_SIZE 28

/* Each formatter writes a NUL-terminated string into out (cap bytes) and
 * returns 0, or -1 when cap is too small or the time is out of range. */
int time_format_rfc1123(time_t t, char *out, size_t cap);
int time_format_iso8601(time_t t, char *out, size_t cap);
/* unix_us: microseconds since the epoch. */
int time_format_event(int64_t unix_us, char *out, size_t cap);

/* Each parser reads a NUL-terminated string; returns 0 and sets *out, or -1
 * on any deviation from the format. */
int time_parse_rfc1123(const char *s, time_t *out);
int time_parse_iso8601(const char *s, time_t *out);
int time_parse_event(const char *s, int64_t *unix_us);

/* Monotonic milliseconds (CLOCK_MONOTONIC): for timers and intervals. */
int64_t time_now_ms(void);
/* Wall clock seconds (CLOCK_REALTIME): for timestamps. */
time_t time_wall(void);
/* Wall clock microseconds since the epoch: for event timestamps. */
int64_t time_wall_us(void);

#endif
