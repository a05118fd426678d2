#include "jobrunner/job_spec.h"
#include "shared/errbuf.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


bool job_id_valid(const char *s)
{
    if (!s || strlen(s) != JOB_ID_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int job_id_generate(char out[JOB_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[JOB_ID_LEN / 2];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0xf];
    }
    out[JOB_ID_LEN] = '\0';
    return 0;
}

int64_t job_voting_timeout_s(int base_s, int per_100_s, size_t n_nodes)
{
    int64_t hundreds = (int64_t)((n_nodes + 99) / 100);
    return (int64_t)base_s + (int64_t)per_100_s * hundreds;
}

static const char *str_field(json_t *root, const char *key, bool nonempty)
{
    const char *s = json_string_value(json_object_get(root, key));
    if (!s || (nonempty && !*s))
        return NULL;
    return s;
}

/* A positive integer field (seconds) that fits comfortably in ms. */
static int secs_field(json_t *root, const char *key, int64_t *out)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
        json_integer_value(v) > (json_int_t)100000000)
        return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int job_spec_parse(json_t *root, struct job_spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->root = root;
    if (!json_is_object(root)) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: not a JSON object");
    }
    const char *bad = NULL;
    if (!(s->job_id = str_field(root, "job_id", true)) || !job_id_valid(s->job_id))
        bad = "job_id";
    else if (!(s->org = str_field(root, "org", true)))
        bad = "org";
    else if (!(s->org_id = str_field(root, "org_id", true)))
        bad = "org_id";
    else if (!(s->created_by = str_field(root, "created_by", false)))
        bad = "created_by";
    else if (!(s->command = str_field(root, "command", true)))
        bad = "command";
    else if (secs_field(root, "run_timeout", &s->run_timeout_s))
        bad = "run_timeout";
    else if (secs_field(root, "voting_timeout", &s->voting_timeout_s))
        bad = "voting_timeout";
    if (bad) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: missing or invalid '%s'", bad);
    }

    json_t *nodes = json_object_get(root, "nodes");
    json_t *avail = json_object_get(root, "available");
    if (!json_is_array(nodes) || json_array_size(nodes) == 0) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: 'nodes' must be a non-empty array");
    }
    s->n_nodes = json_array_size(nodes);
    if (!json_is_array(avail) || json_array_size(avail) != s->n_nodes) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: 'available' must parallel 'nodes'");
    }
    s->nodes = calloc(s->n_nodes, sizeof *s->nodes);
    s->available = calloc(s->n_nodes, sizeof *s->available);
    if (!s->nodes || !s->available) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: out of memory");
    }
    for (size_t i = 0; i < s->n_nodes; i++) {
        const char *name = json_string_value(json_array_get(nodes, i));
        json_t *a = json_array_get(avail, i);
        if (!name || !*name || !json_is_boolean(a)) {
            job_spec_free(s);
            return errbuf_fail(err, errlen, "job spec: node %zu is not a name with an availability",
                        i);
        }
        s->nodes[i] = name;
        s->available[i] = json_is_true(a);
    }

    json_t *q = json_object_get(root, "quorum");
    if (!json_is_integer(q) || json_integer_value(q) < 0 ||
        (unsigned long long)json_integer_value(q) > s->n_nodes) {
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: 'quorum' must be a count from 0 to %zu",
                    s->n_nodes);
    }
    s->quorum = (size_t)json_integer_value(q);

    s->options = json_object_get(root, "options");
    if (!s->options) {
        s->options = json_object();
        if (!s->options || json_object_set_new(root, "options", s->options)) {
            s->options = NULL;
            job_spec_free(s);
            return errbuf_fail(err, errlen, "job spec: out of memory");
        }
    } else if (!json_is_object(s->options)) {
        s->options = NULL;
        job_spec_free(s);
        return errbuf_fail(err, errlen, "job spec: 'options' must be an object");
    }
    return 0;
}

void job_spec_free(struct job_spec *s)
{
    free(s->nodes);
    free(s->available);
    json_decref(s->root);
    memset(s, 0, sizeof *s);
}
