#include "bench/nodesim_text.h"

#include <stdio.h>
#include <string.h>

#include "shared/base64.h"

/* Appends n bytes; -1 when they do not fit with the NUL. */
static long put(char *out, size_t cap, long len, const char *s, size_t n)
{
    if (len < 0 || (size_t)len + n >= cap)
        return -1;
    memcpy(out + len, s, n);
    out[(size_t)len + n] = '\0';
    return len + (long)n;
}

static long puts_(char *out, size_t cap, long len, const char *s)
{
    return put(out, cap, len, s, strlen(s));
}

/* Decimal, as jansson's "%" JSON_INTEGER_FORMAT. */
static long put_int(char *out, size_t cap, long len, int64_t v)
{
    char d[24];
    size_t i = sizeof d;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        d[--i] = '-';
    return put(out, cap, len, d + i, sizeof d - i);
}

/* The escape jansson's dump_string writes for c, or NULL when c goes as
 * it is: '"', '\\' and control characters only (no JSON_ESCAPE_SLASH,
 * no JSON_ENSURE_ASCII). */
static const char *escape(unsigned char c, char buf[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
        if (c >= 0x20)
            return NULL;
        snprintf(buf, 8, "\\u%04X", (unsigned)c);
        return buf;
    }
}

long nst_json_string(char *out, size_t cap, size_t len, const char *s)
{
    long n = put(out, cap, (long)len, "\"", 1);
    const char *run = s; /* start of the bytes not yet copied */
    for (const char *p = s; *p && n >= 0; p++) {
        char buf[8];
        const char *e = escape((unsigned char)*p, buf);
        if (!e)
            continue;
        n = put(out, cap, n, run, (size_t)(p - run));
        n = puts_(out, cap, n, e);
        run = p + 1;
    }
    n = puts_(out, cap, n, run);
    return put(out, cap, n, "\"", 1);
}

long nst_body(char *out, size_t cap, const struct nst_ident *id, enum wire_msg_type type,
              const char *job_state, const char *job_id, bool with_output, int64_t sequence,
              const char *timestamp)
{
    bool hb = type == WIRE_MSG_HEARTBEAT;
    const char *tname = wire_msg_type_name(type);
    if (!out || cap == 0 || !id || !id->node || !id->client || !id->org ||
        !id->incarnation_id || !timestamp || (!hb && !wire_msg_type_is_job_event(type)) ||
        (hb && !job_state) || !tname)
        return -1;
    /* node_envelope's order, then the type's own members, then seal's */
    long n = puts_(out, cap, 0, "{\"node\":");
    n = nst_json_string(out, cap, (size_t)(n < 0 ? 0 : n), id->node);
    n = puts_(out, cap, n, ",\"client\":");
    n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, id->client);
    n = puts_(out, cap, n, ",\"protocol_version\":\"" WIRE_PROTOCOL_VERSION "\",\"org\":");
    n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, id->org);
    n = puts_(out, cap, n, ",\"type\":");
    n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, tname);
    n = puts_(out, cap, n, ",\"incarnation_id\":");
    n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, id->incarnation_id);
    n = puts_(out, cap, n, ",\"job_id\":");
    if (job_id)
        n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, job_id);
    else
        n = puts_(out, cap, n, "null");
    if (hb) {
        n = puts_(out, cap, n, ",\"job_state\":");
        n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, job_state);
    } else if (with_output) {
        n = puts_(out, cap, n, ",\"stdout\":\"\",\"stderr\":\"\"");
    }
    n = puts_(out, cap, n, ",\"sequence\":");
    n = put_int(out, cap, n, sequence);
    n = puts_(out, cap, n, ",\"timestamp\":");
    n = n < 0 ? -1 : nst_json_string(out, cap, (size_t)n, timestamp);
    return puts_(out, cap, n, "}");
}
