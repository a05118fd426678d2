#include "apid/node_view.h"

#include <stdint.h>

/* strtoll for the plain integers PostgreSQL prints, without the locale
 * and base handling that made strtoll a visible cost per row; saturates
 * instead of overflowing. */
static long long parse_seconds(const char *s)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    unsigned long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > ((unsigned long long)INT64_MAX - d) / 10) {
            v = (unsigned long long)INT64_MAX;
            break;
        }
        v = v * 10 + d;
    }
    return neg ? -(long long)v : (long long)v;
}

void node_view_write(struct json_buf *b, const char *name, const char *status,
                     const char *availability, const char *updated_epoch,
                     struct node_view_when *when)
{
    time_t t = (time_t)parse_seconds(updated_epoch);
    if (!when->set || when->t != t) {
        if (time_format_rfc1123(t, when->text, sizeof when->text))
            when->text[0] = '\0';
        when->t = t;
        when->set = true;
    }
    json_buf_lit(b, "{\"node_name\":");
    json_buf_string(b, name);
    json_buf_lit(b, ",\"status\":");
    json_buf_string(b, status);
    json_buf_lit(b, ",\"availability\":");
    json_buf_string(b, availability);
    json_buf_lit(b, ",\"updated_at\":");
    json_buf_string(b, when->text);
    json_buf_lit(b, "}");
}
