/* client.rb's JSON form (see rbconf.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/rbconf.h"
#include "client/job_opts.h"
#include "client/rblex.h"

static int json_fail(char *err, size_t errlen, const char *name, int line, const char *msg,
                     const char *key)
{
    if (err && errlen)
        snprintf(err, errlen, "%s:%d: %s%s", name, line, msg, key ? key : "");
    return -1;
}

static int json_str(json_t *root, const char *key, char **dst, const char *name, char *err,
                    size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0)
        return json_fail(err, errlen, name, 1, "expected a non-empty string for ", key);
    free(*dst);
    *dst = strdup(json_string_value(v));
    return *dst ? 0 : json_fail(err, errlen, name, 1, "out of memory", NULL);
}

/* An array of non-empty strings (pushy_roles, pushy_tags). */
static int json_list(json_t *root, const char *key, json_t **dst, const char *name, char *err,
                     size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v)
        return 0;
    size_t i;
    json_t *e;
    if (!json_is_array(v))
        return json_fail(err, errlen, name, 1, "expected an array of strings for ", key);
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0)
            return json_fail(err, errlen, name, 1, "expected non-empty strings in ", key);
    }
    json_decref(*dst);
    *dst = json_incref(v);
    return 0;
}

int pc_rbconf_parse_json(const char *text, const char *name, struct pc_rbconf *c, char *err,
                         size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return json_fail(err, errlen, name, je.line, je.text, NULL);
    int rc = -1;
    if (!json_is_object(root)) {
        json_fail(err, errlen, name, 1, "expected a JSON object", NULL);
        goto out;
    }
    if (json_str(root, "node_name", &c->node_name, name, err, errlen) ||
        json_str(root, "chef_server_url", &c->chef_server_url, name, err, errlen) ||
        json_str(root, "client_key", &c->client_key, name, err, errlen) ||
        json_str(root, "file_dir", &c->file_dir, name, err, errlen) ||
        json_str(root, "log_location", &c->log_location, name, err, errlen))
        goto out;
    if (json_str(root, "lockfile", &c->lockfile, name, err, errlen) ||
        json_str(root, "file_cache_path", &c->file_cache_path, name, err, errlen) ||
        json_str(root, "trusted_certs_dir", &c->trusted_certs_dir, name, err, errlen))
        goto out;
    json_t *ov = json_object_get(root, "allowed_overwritable_env_vars");
    if (ov && !json_is_null(ov)) {
        size_t i;
        json_t *e;
        bool ok = json_is_array(ov);
        json_array_foreach(ov, i, e) ok = ok && json_is_string(e) &&
                                          pc_env_name_ok(json_string_value(e));
        if (!ok) {
            json_fail(err, errlen, name, 1, "allowed_overwritable_env_vars: expected an array "
                                            "of variable names", NULL);
            goto out;
        }
        json_decref(c->overwritable_env);
        c->overwritable_env = json_incref(ov);
    }
    if (json_str(root, "json_attribs", &c->json_attribs, name, err, errlen) ||
        json_list(root, "pushy_roles", &c->roles, name, err, errlen) ||
        json_list(root, "pushy_tags", &c->tags, name, err, errlen))
        goto out;
    json_t *v = json_object_get(root, "pushy_attributes");
    if (v) {
        if (!json_is_object(v)) {
            json_fail(err, errlen, name, 1, "pushy_attributes: expected an object", NULL);
            goto out;
        }
        json_decref(c->attributes);
        c->attributes = json_incref(v);
    }
    v = json_object_get(root, "log_level");
    if (v) {
        const char *lvl = json_is_string(v) ? rb_norm_level(json_string_value(v)) : NULL;
        if (!lvl) {
            json_fail(err, errlen, name, 1, "log_level: expected debug, info, warn or error", NULL);
            goto out;
        }
        c->log_level = strdup(lvl);
        if (!c->log_level)
            goto out;
    }
    v = json_object_get(root, "max_body_size");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
            json_integer_value(v) > 64L * 1024 * 1024) {
            json_fail(err, errlen, name, 1, "max_body_size: expected bytes in 1024..67108864", NULL);
            goto out;
        }
        c->max_body_size = (long)json_integer_value(v);
    }
    v = json_object_get(root, "authentication_protocol_version");
    if (v) {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        if (strcmp(s, "1.0") && strcmp(s, "1.1") && strcmp(s, "1.3")) {
            json_fail(err, errlen, name, 1, "authentication_protocol_version: expected 1.0, 1.1 "
                                            "or 1.3", NULL);
            goto out;
        }
        snprintf(c->auth_version, sizeof c->auth_version, "%s", s);
    }
    v = json_object_get(root, "ssl_verify_mode");
    if (v) {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        if (*s == ':')
            s++;
        if (strcmp(s, "verify_none") == 0) {
            c->ssl_verify = 0;
        } else if (strcmp(s, "verify_peer") == 0) {
            c->ssl_verify = 1;
        } else {
            json_fail(err, errlen, name, 1, "ssl_verify_mode: expected verify_peer or verify_none",
                      NULL);
            goto out;
        }
    }
    v = json_object_get(root, "whitelist");
    if (v) {
        if (!json_is_object(v)) {
            json_fail(err, errlen, name, 1, "whitelist: expected an object", NULL);
            goto out;
        }
        c->has_whitelist = true;
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e) {
            const char *cmd = NULL, *lock = NULL;
            if (json_is_string(e)) {
                cmd = json_string_value(e);
            } else if (json_is_object(e)) {
                json_t *cl = json_object_get(e, "command_line");
                json_t *lk = json_object_get(e, "lock");
                cmd = json_is_string(cl) ? json_string_value(cl) : NULL;
                if (json_is_true(lk)) {
                    lock = "";
                } else if (json_is_string(lk) && json_string_length(lk) > 0) {
                    lock = json_string_value(lk);
                } else if (lk && !json_is_false(lk) && !json_is_null(lk)) {
                    json_fail(err, errlen, name, 1, "whitelist: lock must be true, false or a "
                                                    "path for ", k);
                    goto out;
                }
            }
            if (!cmd || !*cmd) {
                json_fail(err, errlen, name, 1, "whitelist: no command line for ", k);
                goto out;
            }
            size_t kl = strlen(k);
            bool icase = kl > 3 && k[0] == '/' && strcmp(k + kl - 2, "/i") == 0;
            bool is_re = kl > 2 && k[0] == '/' && (k[kl - 1] == '/' || icase);
            char *key = is_re ? strndup(k + 1, kl - (icase ? 3 : 2)) : strdup(k);
            char why[200];
            int arc = key ? pc_whitelist_add(&c->whitelist, key, cmd, is_re, icase, lock, why,
                                             sizeof why)
                          : -1;
            free(key);
            if (arc != 0) {
                json_fail(err, errlen, name, 1, "whitelist: ", key ? why : "out of memory");
                goto out;
            }
        }
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}
