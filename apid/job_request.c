#include "apid/job_request.h"
#include "shared/errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/router.h"
#include "apid/validate.h"
#include "shared/base64.h"
#include "shared/quorum.h"


static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:  return "an object";
    case JSON_ARRAY:   return "an array";
    case JSON_STRING:  return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL:    return "a number";
    case JSON_TRUE:
    case JSON_FALSE:   return "a boolean";
    case JSON_NULL:    return "null";
    }
    return "?";
}

/* A string without NUL bytes (JSON allows \u0000) of 1..max bytes. */
static bool plain_string(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    if (!s)
        return false;
    size_t n = json_string_length(v);
    return n > 0 && n <= max && strlen(s) == n;
}

/* Also no control characters (user names, paths). */
static bool printable_string(const json_t *v, size_t max)
{
    if (!plain_string(v, max))
        return false;
    for (const unsigned char *c = (const unsigned char *)json_string_value(v); *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

static const char *const allowed_keys[] = {
    "command", "nodes", "search", "quorum", "run_timeout", "capture_output", "user", "dir", "env",
    "file",
};

static int check_keys(const json_t *body, char *err, size_t errlen)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof allowed_keys / sizeof *allowed_keys; i++)
            known = known || !strcmp(key, allowed_keys[i]);
        if (!known) {
            char safe[64];
            return errbuf_fail(err, errlen, "invalid key supplied: '%s' (allowed: command, nodes, "
                        "search, quorum, run_timeout, capture_output, user, dir, env, file)",
                        log_safe(key, safe, sizeof safe));
        }
    }
    return 0;
}

static int check_command(const json_t *body, struct job_request *r, char *err, size_t errlen)
{
    const json_t *v = json_object_get(body, "command");
    if (!v)
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' is required");
    if (!json_is_string(v))
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' must be a string, not %s",
                    json_type_name(v));
    if (json_string_length(v) > JOB_MAX_COMMAND)
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' is longer than %d bytes",
                    JOB_MAX_COMMAND);
    if (json_string_length(v) == 0)
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' is empty");
    if (!plain_string(v, JOB_MAX_COMMAND))
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' contains a NUL character");
    const char *s = json_string_value(v);
    if (s[strspn(s, " \t\r\n")] == '\0')
        return errbuf_fail(err, errlen, "invalid command supplied: 'command' is blank");
    r->command = s;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_search(const json_t *body, struct job_request *r, char *err, size_t errlen)
{
    const json_t *v = json_object_get(body, "search");
    if (!v)
        return 0;
    if (!json_is_string(v))
        return errbuf_fail(err, errlen, "invalid search supplied: 'search' must be a string, not %s",
                           json_type_name(v));
    if (json_string_length(v) > JOB_MAX_SEARCH)
        return errbuf_fail(err, errlen, "invalid search supplied: 'search' is longer than %d bytes",
                           JOB_MAX_SEARCH);
    if (!plain_string(v, JOB_MAX_SEARCH))
        return errbuf_fail(err, errlen, "invalid search supplied: 'search' is empty or contains a "
                           "NUL character (use *:* to match every node)");
    r->search = json_string_value(v);
    return 0;
}

static int check_nodes(const json_t *body, struct job_request *r, char *err, size_t errlen)
{
    json_t *v = json_object_get(body, "nodes");
    if (!v && r->search) {
        r->nodes = json_array();
        return r->nodes ? 0 : errbuf_fail(err, errlen, "out of memory");
    }
    if (!v)
        return errbuf_fail(err, errlen, "at least one node must be supplied: 'nodes' is required "
                           "(or give a 'search')");
    if (!json_is_array(v))
        return errbuf_fail(err, errlen, "invalid nodes supplied: 'nodes' must be an array of node "
                    "names, not %s", json_type_name(v));
    size_t n = json_array_size(v);
    if (n == 0 && !r->search)
        return errbuf_fail(err, errlen, "at least one node must be supplied: 'nodes' is empty");
    if (n > JOB_MAX_NODES)
        return errbuf_fail(err, errlen, "invalid nodes supplied: more than %d nodes", JOB_MAX_NODES);
    const char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return errbuf_fail(err, errlen, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *e = json_array_get(v, i);
        const char *name = json_string_value(e);
        if (!name) {
            rc = errbuf_fail(err, errlen, "invalid nodes supplied: 'nodes' item %zu must be a "
                      "string, not %s", i, json_type_name(e));
        } else if (strlen(name) != json_string_length(e) || !valid_node_name(name)) {
            char safe[64];
            rc = errbuf_fail(err, errlen, "invalid nodes supplied: '%s' is not a valid node name "
                      "(letters, digits, '_', '.', ':' and '-', at most 255 characters)",
                      log_safe(name, safe, sizeof safe));
        }
        sorted[i] = name;
    }
    if (rc == 0) {
        qsort(sorted, n, sizeof *sorted, cmp_str);
        for (size_t i = 1; i < n && rc == 0; i++)
            if (!strcmp(sorted[i - 1], sorted[i]))
                rc = errbuf_fail(err, errlen, "invalid nodes supplied: node '%s' is listed more "
                          "than once", sorted[i]);
    }
    free(sorted);
    if (rc == 0) {
        r->nodes = json_copy(v);
        r->n_nodes = n;
        if (!r->nodes)
            rc = errbuf_fail(err, errlen, "out of memory");
    }
    return rc;
}

/* The quorum's type now; its value once the targets are known. */
static int check_quorum_type(const json_t *body, struct job_request *r, char *err, size_t errlen)
{
    const json_t *v = json_object_get(body, "quorum");
    r->quorum_value = v;
    if (v && !json_is_integer(v) && !json_is_real(v) && !json_is_string(v))
        return errbuf_fail(err, errlen, "invalid type supplied for quorum (expected a node count or "
                    "a percentage string like \"80%%\", not %s)", json_type_name(v));
    return 0;
}

static int resolve_quorum(struct job_request *r, char *err, size_t errlen)
{
    const json_t *v = r->quorum_value;
    struct quorum_spec q;
    char qerr[200];
    int rc = 0;
    if (!v) {
        quorum_default(&q);
    } else if (json_is_integer(v)) {
        rc = quorum_from_count(json_integer_value(v), r->n_nodes, &q, qerr, sizeof qerr);
    } else if (json_is_real(v)) {
        rc = quorum_from_number(json_real_value(v), r->n_nodes, &q, qerr, sizeof qerr);
    } else if (json_is_string(v)) {
        rc = quorum_parse(json_string_value(v), r->n_nodes, &q, qerr, sizeof qerr);
    } else {
        return errbuf_fail(err, errlen, "invalid type supplied for quorum (expected a node count or "
                    "a percentage string like \"80%%\", not %s)", json_type_name(v));
    }
    if (rc)
        return errbuf_fail(err, errlen, "%s", qerr);
    r->quorum = quorum_required(&q, r->n_nodes);
    r->resolved = true;
    return 0;
}

static int check_run_timeout(const json_t *body, long dflt, struct job_request *r, char *err,
                             size_t errlen)
{
    const json_t *v = json_object_get(body, "run_timeout");
    if (!v) {
        r->run_timeout = dflt;
        return 0;
    }
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v))
        d = json_real_value(v);
    else
        return errbuf_fail(err, errlen, "invalid type supplied for run_timeout (expected a number of "
                    "seconds, not %s)", json_type_name(v));
    if (!(d >= 1 && d <= JOB_MAX_RUN_TIMEOUT)) /* also NaN */
        return errbuf_fail(err, errlen, "invalid run_timeout supplied: %g; it must be from 1 to %d "
                    "seconds", d, JOB_MAX_RUN_TIMEOUT);
    if (d != (double)(long)d)
        return errbuf_fail(err, errlen, "invalid run_timeout supplied: %g is not a whole number of "
                    "seconds", d);
    r->run_timeout = (long)d;
    return 0;
}

static int check_file(const json_t *v, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return errbuf_fail(err, errlen, "invalid file contents (expected 'base64:...' or 'raw:...', "
                    "not %s)", json_type_name(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 4 && !strncmp(s, "raw:", 4)) {
        if (n - 4 > JOB_MAX_FILE)
            return errbuf_fail(err, errlen, "invalid file size (must be <= %d bytes)", JOB_MAX_FILE);
        return 0;
    }
    if (n >= 7 && !strncmp(s, "base64:", 7)) {
        size_t enc = n - 7, cap = enc / 4 * 3 + 4;
        unsigned char *buf = malloc(cap);
        if (!buf)
            return errbuf_fail(err, errlen, "out of memory");
        long got = base64_decode(s + 7, enc, buf, cap);
        free(buf);
        if (got < 0)
            return errbuf_fail(err, errlen, "invalid file contents (couldn't decode base64 string)");
        if (got > JOB_MAX_FILE)
            return errbuf_fail(err, errlen, "invalid file size (must be <= %d bytes)", JOB_MAX_FILE);
        return 0;
    }
    return errbuf_fail(err, errlen, "invalid file contents (expected 'base64:...' or 'raw:...')");
}

/* [A-Za-z_][A-Za-z0-9_]*, at most JOB_MAX_ENV_KEY bytes. */
static bool env_name_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > JOB_MAX_ENV_KEY || (k[0] >= '0' && k[0] <= '9'))
        return false;
    for (; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

/* A POSIX-ish user name: [A-Za-z0-9_.][A-Za-z0-9_.@-]*, optional
 * trailing '$' (Samba machine accounts), at most JOB_MAX_USER bytes. */
static bool user_name_ok(const json_t *v)
{
    if (!plain_string(v, JOB_MAX_USER))
        return false;
    const char *u = json_string_value(v);
    size_t n = strlen(u);
    if (u[0] == '-' || u[0] == '@')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '@' || (c == '$' && i == n - 1)))
            return false;
    }
    return true;
}

static int check_env(const json_t *v, char *err, size_t errlen)
{
    if (!json_is_object(v))
        return errbuf_fail(err, errlen, "invalid env supplied: expected an object of strings, not %s",
                    json_type_name(v));
    const char *key;
    const json_t *val;
    size_t total = 0;
    json_object_foreach((json_t *)v, key, val) {
        char safe[64];
        if (!env_name_ok(key))
            return errbuf_fail(err, errlen, "invalid env supplied: variable name '%s' (expected "
                        "letters, digits and '_', not starting with a digit, at most %d)",
                        log_safe(key, safe, sizeof safe), JOB_MAX_ENV_KEY);
        if (!json_is_string(val) || strlen(json_string_value(val)) != json_string_length(val))
            return errbuf_fail(err, errlen, "invalid env supplied: value of '%s' (expected a string "
                        "without NUL characters)", log_safe(key, safe, sizeof safe));
        total += strlen(key) + json_string_length(val) + 2;
        if (total > JOB_MAX_ENV_TOTAL)
            return errbuf_fail(err, errlen, "invalid env supplied: more than %d bytes of variables",
                        JOB_MAX_ENV_TOTAL);
    }
    return 0;
}

/* The 2.x options: validated, then kept in req->options. */
static int check_options(const json_t *body, struct job_request *r, char *err, size_t errlen)
{
    const json_t *v;
    int rc = 0;
    if ((v = json_object_get(body, "capture_output"))) {
        if (!json_is_boolean(v))
            return errbuf_fail(err, errlen, "invalid type supplied for capture_output (expected a "
                        "boolean, not %s)", json_type_name(v));
        if (json_is_true(v))
            rc |= json_object_set_new(r->options, "capture_output", json_true());
    }
    if ((v = json_object_get(body, "user"))) {
        if (!user_name_ok(v))
            return errbuf_fail(err, errlen, "invalid user supplied: 'user' must be a user name of 1 to "
                        "%d letters, digits, '_', '.', '@' or '-'", JOB_MAX_USER);
        rc |= json_object_set(r->options, "user", (json_t *)v);
    }
    if ((v = json_object_get(body, "dir"))) {
        if (!printable_string(v, JOB_MAX_PATH) || json_string_value(v)[0] != '/')
            return errbuf_fail(err, errlen, "invalid dir supplied: 'dir' must be an absolute path of 1 "
                        "to %d characters", JOB_MAX_PATH);
        rc |= json_object_set(r->options, "dir", (json_t *)v);
    }
    if ((v = json_object_get(body, "env"))) {
        if (check_env(v, err, errlen))
            return -1;
        if (json_object_size(v))
            rc |= json_object_set(r->options, "env", (json_t *)v);
    }
    if ((v = json_object_get(body, "file"))) {
        if (check_file(v, err, errlen))
            return -1;
        rc |= json_object_set(r->options, "file", (json_t *)v);
    }
    return rc ? errbuf_fail(err, errlen, "out of memory") : 0;
}

int job_request_parse(const json_t *body, long default_run_timeout, struct job_request *r,
                      char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(body))
        return errbuf_fail(err, errlen, "the job must be a JSON object");
    r->options = json_object();
    if (!r->options)
        return errbuf_fail(err, errlen, "out of memory");
    if (check_keys(body, err, errlen) || check_command(body, r, err, errlen) ||
        check_search(body, r, err, errlen) || check_nodes(body, r, err, errlen) ||
        check_quorum_type(body, r, err, errlen) ||
        check_run_timeout(body, default_run_timeout, r, err, errlen) ||
        check_options(body, r, err, errlen) || (!r->search && resolve_quorum(r, err, errlen))) {
        job_request_free(r);
        return -1;
    }
    return 0;
}

int job_request_add_matches(struct job_request *r, const char *const *names, size_t n,
                            char *err, size_t errlen)
{
    if (r->resolved)
        return errbuf_fail(err, errlen, "internal: the targets are already complete");
    size_t given = r->n_nodes;
    const char **sorted = malloc((given ? given : 1) * sizeof *sorted);
    if (!sorted)
        return errbuf_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < given; i++)
        sorted[i] = json_string_value(json_array_get(r->nodes, i));
    qsort(sorted, given, sizeof *sorted, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (given && bsearch(&names[i], sorted, given, sizeof *sorted, cmp_str))
            continue;
        if (json_array_size(r->nodes) >= JOB_MAX_NODES)
            rc = errbuf_fail(err, errlen, "too many nodes: the search and 'nodes' together name "
                             "more than %d nodes", JOB_MAX_NODES);
        else if (json_array_append_new(r->nodes, json_string(names[i])))
            rc = errbuf_fail(err, errlen, "out of memory");
    }
    free(sorted);
    if (rc)
        return -1;
    r->n_nodes = json_array_size(r->nodes);
    if (r->n_nodes == 0)
        return errbuf_fail(err, errlen, "no nodes matched the search and no 'nodes' were given: "
                           "nothing to run on");
    return resolve_quorum(r, err, errlen);
}

void job_request_free(struct job_request *r)
{
    json_decref(r->nodes);
    json_decref(r->options);
    memset(r, 0, sizeof *r);
}

/* ---- GET jobs query ---- */

static const char *const job_states[] = {
    "new", "voting", "running", "complete", "quorum_failed", "crashed", "timed_out", "aborted",
};

static int number_param(const char *query, const char *name, long min, long max, long *out,
                        char *err, size_t errlen)
{
    char buf[32];
    long n = query_get(query, name, buf, sizeof buf);
    if (n == -1)
        return 0;
    bool digits = n > 0 && n <= 18;
    for (long i = 0; digits && i < n; i++)
        digits = buf[i] >= '0' && buf[i] <= '9';
    long v = digits ? strtol(buf, NULL, 10) : -1;
    if (!digits || v < min || v > max)
        return errbuf_fail(err, errlen, "invalid '%s': expected a whole number from %ld to %ld", name,
                    min, max);
    *out = v;
    return 0;
}

int job_list_query_parse(const char *query, struct job_list_query *out, char *err,
                         size_t errlen)
{
    out->limit = JOB_LIST_DEFAULT_LIMIT;
    out->offset = 0;
    out->status[0] = '\0';
    if (!query)
        query = "";
    if (number_param(query, "limit", 1, JOB_LIST_MAX_LIMIT, &out->limit, err, errlen) ||
        number_param(query, "offset", 0, 1000000000L, &out->offset, err, errlen))
        return -1;
    char st[32];
    long n = query_get(query, "status", st, sizeof st);
    if (n == -1)
        return 0;
    for (size_t i = 0; n > 0 && i < sizeof job_states / sizeof *job_states; i++) {
        if (!strcmp(st, job_states[i])) {
            snprintf(out->status, sizeof out->status, "%s", st);
            return 0;
        }
    }
    return errbuf_fail(err, errlen, "invalid 'status': expected one of new, voting, running, "
                "complete, quorum_failed, crashed, timed_out, aborted");
}

bool job_id_is_valid(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}
