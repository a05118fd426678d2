#include "cli/quorum_arg.h"

#include <stdio.h>
#include <string.h>

/* Counts beyond this are certainly a typo; it also keeps the value an int. */
#define QUORUM_MAX_COUNT 1000000000UL

int quorum_arg_parse(const char *text, struct quorum_arg *out, char *err, size_t errlen)
{
    size_t n = text ? strlen(text) : 0;
    size_t digits = strspn(text ? text : "", "0123456789");
    bool percent = n > 0 && digits == n - 1 && text[n - 1] == '%';
    if (digits == 0 || (digits != n && !percent)) {
        snprintf(err, errlen, "%s", QUORUM_FORMAT_ERROR);
        return -1;
    }
    unsigned long v = 0;
    for (size_t i = 0; i < digits; i++) {
        v = v * 10 + (unsigned long)(text[i] - '0');
        if (v > QUORUM_MAX_COUNT) {
            snprintf(err, errlen, "quorum %s is too large", text);
            return -1;
        }
    }
    if (percent && v > 100) {
        snprintf(err, errlen, "quorum %s is more than 100%%", text);
        return -1;
    }
    out->percent = percent;
    out->value = v;
    return 0;
}

int quorum_arg_json_text(const struct quorum_arg *q, char *out, size_t cap)
{
    int n = q->percent ? snprintf(out, cap, "\"%lu%%\"", q->value)
                       : snprintf(out, cap, "%lu", q->value);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}
