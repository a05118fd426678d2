/* Quorum parsing and math; see quorum.h for the accepted forms. */
#include "shared/quorum.h"
#include "shared/errbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define QUORUM_HINT "expected a node count (e.g. 3) or a percentage (e.g. 80%%)"


void quorum_default(struct quorum_spec *out)
{
    out->kind = QUORUM_PERCENT;
    out->value = 100;
}

static int check_count(unsigned long count, size_t n_nodes, struct quorum_spec *out,
                       char *err, size_t errlen)
{
    if (count > n_nodes)
        return errbuf_fail(err, errlen, "invalid quorum %lu: the job has only %zu node%s",
                    count, n_nodes, n_nodes == 1 ? "" : "s");
    out->kind = QUORUM_COUNT;
    out->value = count;
    return 0;
}

int quorum_parse(const char *text, size_t n_nodes, struct quorum_spec *out,
                 char *err, size_t errlen)
{
    if (!text || !*text)
        return errbuf_fail(err, errlen, "invalid quorum: empty; " QUORUM_HINT);

    /* Digits, then an optional '%', then the end: knife's ^(\d+)(%?)$. */
    const char *p = text;
    unsigned long v = 0;
    bool big = false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > 1000000000UL)
            big = true; /* stop growing: any such value is out of range anyway */
        else
            v = v * 10 + (unsigned long)(*p - '0');
    }
    bool percent = (*p == '%');
    if (p == text || (percent ? p[1] != '\0' : *p != '\0')) {
        if (text[0] == '-')
            return errbuf_fail(err, errlen, "invalid quorum '%.40s': must not be negative", text);
        return errbuf_fail(err, errlen, "invalid quorum '%.40s': " QUORUM_HINT, text);
    }
    if (percent) {
        if (big || v > 100)
            return errbuf_fail(err, errlen,
                        "invalid quorum '%.40s': a percentage must be between 0%% and 100%%",
                        text);
        out->kind = QUORUM_PERCENT;
        out->value = v;
        return 0;
    }
    if (big)
        return errbuf_fail(err, errlen, "invalid quorum '%.40s': the job has only %zu node%s",
                    text, n_nodes, n_nodes == 1 ? "" : "s");
    return check_count(v, n_nodes, out, err, errlen);
}

int quorum_from_count(long long count, size_t n_nodes, struct quorum_spec *out,
                      char *err, size_t errlen)
{
    if (count < 0)
        return errbuf_fail(err, errlen, "invalid quorum %lld: must not be negative", count);
    if ((unsigned long long)count > n_nodes)
        return errbuf_fail(err, errlen, "invalid quorum %lld: the job has only %zu node%s",
                    count, n_nodes, n_nodes == 1 ? "" : "s");
    return check_count((unsigned long)count, n_nodes, out, err, errlen);
}

int quorum_from_number(double v, size_t n_nodes, struct quorum_spec *out,
                       char *err, size_t errlen)
{
    /* No floor(): keeps the library free of libm for this one check. */
    if (isnan(v) || isinf(v) || (v > -1e18 && v < 1e18 && v != (double)(long long)v))
        return errbuf_fail(err, errlen, "invalid quorum %g: must be a whole number of nodes", v);
    if (v < 0)
        return errbuf_fail(err, errlen, "invalid quorum %g: must not be negative", v);
    if (v > (double)n_nodes)
        return errbuf_fail(err, errlen, "invalid quorum %g: the job has only %zu node%s",
                    v, n_nodes, n_nodes == 1 ? "" : "s");
    return check_count((unsigned long)v, n_nodes, out, err, errlen);
}

size_t quorum_required(const struct quorum_spec *spec, size_t n_nodes)
{
    if (spec->kind == QUORUM_COUNT)
        return spec->value;
    /* ceil(P * n / 100) in integers: no float rounding surprises. */
    return (spec->value * n_nodes + 99) / 100;
}
