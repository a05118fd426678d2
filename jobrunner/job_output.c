#include "jobrunner/job_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/base64.h"

bool job_output_has_marker(const unsigned char *p, size_t n)
{
    static const char tail[] = " bytes dropped]\n";
    size_t tl = sizeof tail - 1;
    if (n < tl || memcmp(p + n - tl, tail, tl))
        return false;
    size_t from = n > 120 ? n - 120 : 0;
    for (size_t i = from; i + 16 <= n; i++)
        if (!memcmp(p + i, "output truncated", 16))
            return true;
    return false;
}

int job_output_stream(const json_t *reply, const char *name, unsigned char **out, size_t *len,
                      bool *present)
{
    *out = NULL;
    *len = 0;
    *present = false;
    char key[32];
    snprintf(key, sizeof key, "%s_b64", name);
    const json_t *b = json_object_get(reply, key);
    if (json_is_string(b)) {
        size_t enc = json_string_length(b), cap = enc / 4 * 3 + 4;
        unsigned char *buf = malloc(cap);
        if (!buf)
            return -1;
        long got = base64_decode(json_string_value(b), enc, buf, cap);
        if (got >= 0) {
            *out = buf;
            *len = (size_t)got;
            *present = true;
            return 0;
        }
        free(buf); /* undecodable: fall back to the text form */
    }
    const json_t *t = json_object_get(reply, name);
    if (json_is_string(t)) {
        size_t n = json_string_length(t);
        unsigned char *buf = malloc(n ? n : 1);
        if (!buf)
            return -1;
        memcpy(buf, json_string_value(t), n);
        *out = buf;
        *len = n;
        *present = true;
    }
    return 0;
}

/* Bounds one stream and encodes it: 0 or -1 (out of memory). */
static int add_stream(json_t *rep, const char *name, unsigned char *p, size_t n)
{
    bool truncated = false;
    char marker[80];
    size_t mlen = 0;
    if (n > JOB_OUTPUT_MAX) {
        int k = snprintf(marker, sizeof marker, JOB_OUTPUT_MARKER, n - (JOB_OUTPUT_MAX - 64));
        mlen = k > 0 ? (size_t)k : 0;
        n = JOB_OUTPUT_MAX - 64;
        memcpy(p + n, marker, mlen);
        n += mlen;
        truncated = true;
    } else {
        truncated = job_output_has_marker(p, n);
    }
    char *enc = malloc(BASE64_ENCODED_SIZE(n));
    if (!enc || base64_encode(p, n, enc, BASE64_ENCODED_SIZE(n)) < 0) {
        free(enc);
        return -1;
    }
    char tkey[40];
    snprintf(tkey, sizeof tkey, "%s_truncated", name);
    int rc = json_object_set_new(rep, name, json_string(enc)) |
             json_object_set_new(rep, tkey, json_boolean(truncated));
    free(enc);
    return rc ? -1 : 0;
}

json_t *job_output_load_reply(const char *text, size_t len, json_error_t *err)
{
    return json_loadb(text, len, JSON_ALLOW_NUL, err);
}

json_t *job_output_report(const char *node, const json_t *reply)
{
    unsigned char *o = NULL, *e = NULL;
    size_t ol = 0, el = 0;
    bool op = false, ep = false;
    json_t *rep = NULL;
    if (job_output_stream(reply, "stdout", &o, &ol, &op) ||
        job_output_stream(reply, "stderr", &e, &el, &ep) || (!op && !ep))
        goto out;
    rep = json_pack("{s:s, s:s}", "type", "node_output", "node", node);
    if (!rep || add_stream(rep, "stdout", o ? o : (unsigned char *)"", ol) ||
        add_stream(rep, "stderr", e ? e : (unsigned char *)"", el)) {
        json_decref(rep);
        rep = NULL;
    }
out:
    free(o);
    free(e);
    return rep;
}
