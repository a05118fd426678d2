#include "cli/job_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/base64.h"

#define ENV_FORMAT "--with-env must be a JSON object of strings, like '{\"FOO\": \"bar\"}'"

static json_t *parse_env(const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *env = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!env) {
        snprintf(err, errlen, ENV_FORMAT ": %s", je.text);
        return NULL;
    }
    const char *k;
    json_t *v;
    bool ok = json_is_object(env);
    if (ok) {
        json_object_foreach(env, k, v) {
            if (!json_is_string(v) || !*k) {
                ok = false;
                break;
            }
        }
    }
    if (!ok) {
        snprintf(err, errlen, ENV_FORMAT);
        json_decref(env);
        return NULL;
    }
    return env;
}

/* "raw:TEXT" or "base64:B64". */
static json_t *file_value(const unsigned char *data, size_t len, char *err, size_t errlen)
{
    if (len > JOB_FILE_MAX) {
        snprintf(err, errlen, "--file is %zu bytes; the server accepts at most %d", len,
                 JOB_FILE_MAX);
        return NULL;
    }
    json_t *raw = memchr(data, '\0', len) ? NULL : json_stringn((const char *)data, len);
    if (raw) { /* valid UTF-8 */
        size_t n = len + 5;
        char *s = malloc(n);
        json_decref(raw);
        if (!s)
            goto oom;
        memcpy(s, "raw:", 4);
        memcpy(s + 4, data, len);
        json_t *v = json_stringn(s, len + 4);
        free(s);
        if (!v)
            goto oom;
        return v;
    }
    size_t cap = 7 + BASE64_ENCODED_SIZE(len);
    char *s = malloc(cap);
    if (!s)
        goto oom;
    memcpy(s, "base64:", 7);
    if (base64_encode(data, len, s + 7, cap - 7) < 0) {
        free(s);
        goto oom;
    }
    json_t *v = json_string(s);
    free(s);
    if (v)
        return v;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

/* Sets o[k] = v (stolen); -1 when v is NULL or out of memory. */
static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

/* A JSON string of an argument; NULL with a message when it is not UTF-8. */
static json_t *text(const char *s, const char *what, char *err, size_t errlen)
{
    json_t *v = json_string(s);
    if (!v)
        snprintf(err, errlen, "%s '%s' is not valid UTF-8 text", what, s);
    return v;
}

/* Sets o[k] to the string s, or fails with a message. */
static int set_text(json_t *o, const char *k, const char *s, const char *what, char *err,
                    size_t errlen)
{
    json_t *v = text(s, what, err, errlen);
    if (!v)
        return -1;
    if (json_object_set_new(o, k, v)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

json_t *cli_job_request_body(const struct cli_args *a, const unsigned char *file, size_t file_len,
                         char *err, size_t errlen)
{
    json_t *body = json_object();
    if (!body)
        goto oom;
    if (set_text(body, "command", a->command, "the command", err, errlen))
        goto fail;
    if (a->nnodes) {
        json_t *nodes = json_array();
        if (set(body, "nodes", nodes))
            goto oom;
        for (size_t i = 0; i < a->nnodes; i++) {
            json_t *n = text(a->nodes[i], "node name", err, errlen);
            if (!n)
                goto fail;
            if (json_array_append_new(nodes, n))
                goto oom;
        }
    }
    if (a->search && set_text(body, "search", a->search, "the search query", err, errlen))
        goto fail;
    if (a->has_quorum) {
        char q[32];
        snprintf(q, sizeof q, "%lu%%", a->quorum.value);
        if (set(body, "quorum", a->quorum.percent ? json_string(q)
                                                  : json_integer((json_int_t)a->quorum.value)))
            goto oom;
    }
    if (a->has_timeout && set(body, "run_timeout", json_integer(a->timeout)))
        goto oom;
    if (set(body, "capture_output", json_boolean(a->capture)))
        goto oom;
    if (a->with_env) {
        json_t *env = parse_env(a->with_env, err, errlen);
        if (!env)
            goto fail;
        if (set(body, "env", env))
            goto oom;
    }
    if (a->in_dir && set_text(body, "dir", a->in_dir, "--in-dir", err, errlen))
        goto fail;
    if (a->as_user && set_text(body, "user", a->as_user, "--as-user", err, errlen))
        goto fail;
    if (a->file) {
        json_t *f = file_value(file ? file : (const unsigned char *)"", file ? file_len : 0, err,
                               errlen);
        if (!f)
            goto fail;
        if (set(body, "file", f))
            goto oom;
    }
    return body;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    json_decref(body);
    return NULL;
}
