#include "bench/nodesim_cmd.h"

#include <string.h>

#include "shared/flatjson.h"
#include "shared/timefmt.h"

static bool is_str(const struct flatjson_member *m, const char *s)
{
    size_t n = strlen(s);
    return m && m->type == FLATJSON_STRING && m->str_len == n && memcmp(m->str, s, n) == 0;
}

/* wire.c's read_job_id with its error ignored, as the command parser does:
 * absent, null, "null" or anything invalid is no job. */
static void flat_job_id(const struct flatjson *f, struct nsc_cmd *out)
{
    const struct flatjson_member *m = flatjson_get(f, "job_id");
    out->has_job_id = false;
    out->job_id[0] = '\0';
    if (!m || m->type != FLATJSON_STRING || is_str(m, "null") ||
        !wire_valid_job_id(m->str, m->str_len))
        return;
    memcpy(out->job_id, m->str, m->str_len);
    out->job_id[m->str_len] = '\0';
    out->has_job_id = true;
}

/* read_commit's verdict on a flat body (no member can be an object). */
static bool flat_commit_invalid(const struct flatjson *f, const struct nsc_cmd *c)
{
    const struct flatjson_member *m = flatjson_get(f, "command");
    if (!c->has_job_id || !m || m->type != FLATJSON_STRING || m->str_len == 0)
        return true;
    static const char *const opts[] = { "user", "dir", "file" };
    for (size_t i = 0; i < 3; i++) {
        m = flatjson_get(f, opts[i]);
        if (m && m->type != FLATJSON_STRING)
            return true;
    }
    m = flatjson_get(f, "file");
    if (m && !(m->str_len >= 4 && memcmp(m->str, "raw:", 4) == 0) &&
        !(m->str_len >= 7 && memcmp(m->str, "base64:", 7) == 0))
        return true;
    m = flatjson_get(f, "env"); /* a flat env can only be null or not an object */
    if (m && m->type != FLATJSON_NULL)
        return true;
    m = flatjson_get(f, "capture");
    return m && m->type != FLATJSON_TRUE && m->type != FLATJSON_FALSE;
}

/* server_open's clock rule (the client's): only more than max_skew seconds
 * in the future is refused. */
static bool flat_timestamp_ok(const struct flatjson *f, time_t now, int max_skew)
{
    const struct flatjson_member *m = flatjson_get(f, "timestamp");
    char text[64];
    time_t ts;
    if (!m || m->type != FLATJSON_STRING || m->str_len >= sizeof text)
        return false;
    memcpy(text, m->str, m->str_len);
    text[m->str_len] = '\0';
    return time_parse_rfc1123(text, &ts) == 0 && (int64_t)ts - (int64_t)now <= max_skew;
}

/* The flat path: true when it decided (WIRE_OK, out filled); false sends
 * the message to the full parser. */
static bool flat_parse(const void *header, size_t hlen, const void *body, size_t blen,
                       size_t max_body_size, const struct hmac256_key *hkey, time_t now,
                       int max_skew,
                       struct nsc_cmd *out)
{
    struct wire_header h;
    struct flatjson f;
    if (hlen > WIRE_MAX_HEADER_SIZE || blen > max_body_size ||
        wire_header_parse(header, hlen, &h, NULL) != WIRE_OK || h.method != WIRE_HMAC_SHA256 ||
        !wire_hmac_verify_k(hkey, body, blen, h.sig, h.sig_len) || flatjson_scan(&f, body, blen) != 0)
        return false;
    const struct flatjson_member *t = flatjson_get(&f, "type");
    if (is_str(t, "commit"))
        out->type = WIRE_MSG_COMMIT;
    else if (is_str(t, "run"))
        out->type = WIRE_MSG_RUN;
    else if (is_str(t, "abort"))
        out->type = WIRE_MSG_ABORT;
    else if (is_str(t, "ack"))
        out->type = WIRE_MSG_ACK;
    else
        return false;
    const struct flatjson_member *seq = flatjson_get(&f, "sequence");
    if (!flat_timestamp_ok(&f, now, max_skew) || (seq && seq->type != FLATJSON_INT))
        return false;
    out->has_job_id = false;
    out->job_id[0] = '\0';
    if (out->type != WIRE_MSG_ACK)
        flat_job_id(&f, out);
    const struct flatjson_member *cap = flatjson_get(&f, "capture");
    out->capture = out->type == WIRE_MSG_COMMIT && cap && cap->type == FLATJSON_TRUE;
    out->invalid = out->type == WIRE_MSG_COMMIT ? flat_commit_invalid(&f, out)
                   : out->type == WIRE_MSG_RUN  ? !out->has_job_id
                                                : false;
    return true;
}

enum wire_err nsc_parse(const void *header, size_t hlen, const void *body, size_t blen,
                        size_t max_body_size, const struct hmac256_key *hkey,
                        const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                        int max_skew, struct nsc_cmd *out, struct wire_error *err)
{
    memset(out, 0, sizeof *out);
    if (flat_parse(header, hlen, body, blen, max_body_size, hkey, now, max_skew, out)) {
        if (err) {
            err->code = WIRE_OK;
            err->msg[0] = '\0';
        }
        return WIRE_OK;
    }
    struct wire_server_msg m;
    enum wire_err rc = wire_server_command_parse(header, hlen, body, blen, max_body_size, key,
                                                 now, max_skew, &m, err);
    if (rc != WIRE_OK)
        return rc;
    out->type = m.type;
    out->has_job_id = m.has_job_id;
    memcpy(out->job_id, m.job_id, sizeof out->job_id);
    out->capture = m.type == WIRE_MSG_COMMIT && m.capture;
    out->invalid = m.invalid != NULL;
    wire_server_msg_clear(&m);
    return WIRE_OK;
}
