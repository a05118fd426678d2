#include "client/rbconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/job_opts.h"
#include "client/rblex.h"
#include "client/rbvalue.h"
#include "shared/fsutil.h"

/* ---- values ---------------------------------------------------------------- */

static int want_string(struct parser *ps, struct tok *t, const char *key)
{
    if (t->t != TK_STR)
        return rb_perr(ps, t->line, "%s: expected a quoted string, got %s", key, rb_tk_name(t));
    if (t->interp)
        return rb_perr(ps, t->line, "%s: string interpolation (#{...}) is not supported", key);
    if (strlen(t->s) == 0)
        return rb_perr(ps, t->line, "%s: empty string", key);
    return 0;
}

/* An entry hash: {:command_line => "...", :lock => true|"path"}. *lock:
 * NULL (none or false), "" (true) or the path; malloc'd. */
static int parse_entry_hash(struct parser *ps, const char *key, char **cmd, char **lock)
{
    *cmd = NULL;
    *lock = NULL;
    struct tok k = { 0 }, v = { 0 }, sep = { 0 };
    for (;;) {
        if (rb_next(ps, &k, 0, true) != 0)
            goto fail;
        if (k.t == TK_RBRACE)
            break;
        if (k.t == TK_STR || k.t == TK_SYM) {
            if (rb_next(ps, &sep, LX_SEP, true) != 0)
                goto fail;
            if (sep.t != TK_ARROW && !(k.t == TK_STR && sep.t == TK_COLON)) {
                rb_perr(ps, sep.line, "whitelist '%s': expected '=>' after %s, got %s", key,
                     k.s, rb_tk_name(&sep));
                goto fail;
            }
        } else if (k.t != TK_LABEL) {
            rb_perr(ps, k.line, "whitelist '%s': expected an option name, got %s", key, rb_tk_name(&k));
            goto fail;
        }
        if (rb_next(ps, &v, 0, true) != 0)
            goto fail;
        if (strcmp(k.s, "command_line") == 0) {
            if (want_string(ps, &v, "whitelist command_line") != 0)
                goto fail;
            free(*cmd);
            *cmd = v.s;
            v.s = NULL;
        } else if (strcmp(k.s, "lock") == 0) {
            free(*lock);
            *lock = NULL;
            if (v.t == TK_IDENT && (strcmp(v.s, "true") == 0 || strcmp(v.s, "false") == 0)) {
                if (strcmp(v.s, "true") == 0 && !(*lock = strdup(""))) {
                    rb_perr(ps, v.line, "out of memory");
                    goto fail;
                }
            } else if (v.t == TK_STR && !v.interp && v.s[0]) {
                *lock = v.s;
                v.s = NULL;
            } else {
                rb_perr(ps, v.line, "whitelist '%s': lock must be true, false or a path", key);
                goto fail;
            }
        } else {
            rb_perr(ps, k.line, "whitelist '%s': unknown option '%s'", key, k.s);
            goto fail;
        }
        rb_tok_free(&k);
        rb_tok_free(&v);
        if (rb_next(ps, &sep, 0, true) != 0)
            goto fail;
        if (sep.t == TK_RBRACE)
            break;
        if (sep.t != TK_COMMA) {
            rb_perr(ps, sep.line, "whitelist '%s': expected ',' or '}', got %s", key, rb_tk_name(&sep));
            goto fail;
        }
    }
    rb_tok_free(&k);
    if (!*cmd) {
        free(*lock);
        *lock = NULL;
        return rb_perr(ps, ps->line, "whitelist '%s': entry has no command_line", key);
    }
    return 0;
fail:
    rb_tok_free(&k);
    rb_tok_free(&v);
    rb_tok_free(&sep);
    free(*cmd);
    *cmd = NULL;
    free(*lock);
    *lock = NULL;
    return -1;
}

/* One `key => value` pair whose key token is k (already read). */
static int parse_pair(struct parser *ps, struct tok *k, struct pc_whitelist *wl)
{
    struct tok sep = { 0 }, v = { 0 };
    bool is_regex = k->t == TK_REGEX;
    if (k->t == TK_STR && k->interp)
        return rb_perr(ps, k->line, "whitelist: string interpolation (#{...}) is not supported");
    if (k->t != TK_STR && k->t != TK_SYM && k->t != TK_LABEL && k->t != TK_REGEX)
        return rb_perr(ps, k->line, "whitelist: expected a command name, got %s", rb_tk_name(k));
    if (k->t != TK_LABEL) {
        if (rb_next(ps, &sep, LX_SEP, true) != 0)
            return -1;
        if (sep.t != TK_ARROW && !(k->t == TK_STR && sep.t == TK_COLON)) {
            int rc = rb_perr(ps, sep.line, "whitelist: expected '=>' after '%s', got %s", k->s,
                          rb_tk_name(&sep));
            rb_tok_free(&sep);
            return rc;
        }
    }
    if (rb_next(ps, &v, 0, true) != 0)
        return -1;
    char *cmd = NULL, *lock = NULL;
    int line = v.line;
    if (v.t == TK_LBRACE) {
        if (parse_entry_hash(ps, k->s, &cmd, &lock) != 0)
            return -1;
    } else if (v.t == TK_STR) {
        if (want_string(ps, &v, "whitelist value") != 0) {
            rb_tok_free(&v);
            return -1;
        }
        cmd = v.s;
        v.s = NULL;
    } else {
        int rc = rb_perr(ps, v.line, "whitelist '%s': expected a command line string, got %s", k->s,
                      rb_tk_name(&v));
        rb_tok_free(&v);
        return rc;
    }
    char why[200];
    int rc = pc_whitelist_add(wl, k->s, cmd, is_regex, k->icase, lock, why, sizeof why);
    free(cmd);
    free(lock);
    if (rc != 0)
        return rb_perr(ps, line, "whitelist: %s", why);
    return 0;
}

/* A hash; braced: '{' was read. Bare: ends at the end of the statement.
 * first: an already-read first key (bare form), or NULL. */
static int parse_wl_hash(struct parser *ps, bool braced, struct tok *first, struct pc_whitelist *wl)
{
    struct tok k = { 0 }, sep = { 0 };
    bool have_first = first != NULL;
    for (;;) {
        if (have_first) {
            k = *first;
            first->s = NULL;
            have_first = false;
        } else {
            if (rb_next(ps, &k, LX_VALUE, true) != 0)
                return -1;
            if (braced && k.t == TK_RBRACE)
                return 0;
        }
        int rc = parse_pair(ps, &k, wl);
        rb_tok_free(&k);
        if (rc != 0)
            return -1;
        if (rb_next(ps, &sep, 0, braced) != 0)
            return -1;
        if (braced && sep.t == TK_RBRACE)
            return 0;
        if (sep.t == TK_COMMA)
            continue;
        if (!braced) {
            rb_push_back(ps, &sep);
            return 0;
        }
        int rc2 = rb_perr(ps, sep.line, "whitelist: expected ',' or '}', got %s", rb_tk_name(&sep));
        rb_tok_free(&sep);
        return rc2;
    }
}

static int parse_whitelist(struct parser *ps, struct tok *v, struct pc_rbconf *c)
{
    struct pc_whitelist wl = { 0 };
    int rc;
    if (v->t == TK_LBRACE) {
        rc = parse_wl_hash(ps, true, NULL, &wl);
    } else if (v->t == TK_STR || v->t == TK_SYM || v->t == TK_LABEL || v->t == TK_REGEX) {
        rc = parse_wl_hash(ps, false, v, &wl);
    } else {
        rc = rb_perr(ps, v->line, "whitelist: expected a hash, got %s", rb_tk_name(v));
    }
    if (rc != 0) {
        pc_whitelist_free(&wl);
        return -1;
    }
    pc_whitelist_free(&c->whitelist);
    c->whitelist = wl;
    c->has_whitelist = true;
    return 0;
}

static int set_str(char **dst, char **src)
{
    free(*dst);
    *dst = *src;
    *src = NULL;
    return 0;
}

const char *rb_norm_level(const char *s)
{
    static const char *const map[][2] = {
        { "trace", "debug" }, { "debug", "debug" }, { "info", "info" }, { "auto", "info" },
        { "warn", "warn" },   { "error", "error" }, { "fatal", "error" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static bool nonempty_string(const json_t *e)
{
    return json_is_string(e) && json_string_length(e) > 0;
}

static bool env_name(const json_t *e)
{
    return json_is_string(e) && pc_env_name_ok(json_string_value(e));
}

/* An array whose every item passes item_ok (what says what an item must
 * be, for the error), into *dst. */
static int apply_array(struct parser *ps, const char *key, struct tok *v, json_t **dst,
                       bool (*item_ok)(const json_t *), const char *what)
{
    if (v->t != TK_LBRACK)
        return rb_perr(ps, v->line, "%s: expected an array of strings, got %s", key,
                       rb_tk_name(v));
    json_t *a = rb_value(ps, v, key, 0);
    if (!a)
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        if (!item_ok(e)) {
            json_decref(a);
            return rb_perr(ps, v->line, "%s: item %zu is not %s", key, i, what);
        }
    }
    json_decref(*dst);
    *dst = a;
    return 0;
}

/* pushy_roles / pushy_tags: an array of strings (or symbols). */
static int apply_list(struct parser *ps, const char *key, struct tok *v, json_t **dst)
{
    return apply_array(ps, key, v, dst, nonempty_string, "a non-empty string");
}

/* pushy_attributes: a hash. */
static int apply_hash(struct parser *ps, const char *key, struct tok *v, json_t **dst)
{
    if (v->t != TK_LBRACE)
        return rb_perr(ps, v->line, "%s: expected a hash ({\"key\" => value, ...}), got %s", key,
                       rb_tk_name(v));
    json_t *h = rb_value(ps, v, key, 0);
    if (!h)
        return -1;
    json_decref(*dst);
    *dst = h;
    return 0;
}

/* allowed_overwritable_env_vars: an array of variable names, or nil. */
static int apply_env_names(struct parser *ps, const char *key, struct tok *v, json_t **dst)
{
    if (v->t == TK_IDENT && strcmp(v->s, "nil") == 0) {
        json_decref(*dst);
        *dst = NULL;
        return 0;
    }
    return apply_array(ps, key, v, dst, env_name,
                       "a variable name ([A-Za-z_][A-Za-z0-9_]*)");
}

/* The value v of setting key. */
static int apply(struct parser *ps, const char *key, struct tok *v, struct pc_rbconf *c)
{
    if (strcmp(key, "whitelist") == 0)
        return parse_whitelist(ps, v, c);
    if (strcmp(key, "pushy_roles") == 0)
        return apply_list(ps, key, v, &c->roles);
    if (strcmp(key, "pushy_tags") == 0)
        return apply_list(ps, key, v, &c->tags);
    if (strcmp(key, "pushy_attributes") == 0)
        return apply_hash(ps, key, v, &c->attributes);
    if (strcmp(key, "allowed_overwritable_env_vars") == 0)
        return apply_env_names(ps, key, v, &c->overwritable_env);
    if (strcmp(key, "json_attribs") == 0 || strcmp(key, "lockfile") == 0 ||
        strcmp(key, "file_cache_path") == 0 || strcmp(key, "trusted_certs_dir") == 0) {
        if (want_string(ps, v, key) != 0)
            return -1;
        char **dst = key[0] == 'j' ? &c->json_attribs
                     : key[0] == 'l' ? &c->lockfile
                     : key[0] == 'f' ? &c->file_cache_path
                                     : &c->trusted_certs_dir;
        return set_str(dst, &v->s);
    }
    if (v->t == TK_IDENT && strcmp(v->s, "nil") == 0)
        return rb_perr(ps, v->line, "%s: nil is not a usable value", key);
    if (strcmp(key, "node_name") == 0 || strcmp(key, "chef_server_url") == 0 ||
        strcmp(key, "client_key") == 0 || strcmp(key, "file_dir") == 0) {
        if (want_string(ps, v, key) != 0)
            return -1;
        char **dst = key[0] == 'n' ? &c->node_name
                     : key[1] == 'h' ? &c->chef_server_url
                     : key[1] == 'l' ? &c->client_key
                                     : &c->file_dir;
        return set_str(dst, &v->s);
    }
    if (strcmp(key, "log_level") == 0) {
        const char *lvl = (v->t == TK_SYM || (v->t == TK_STR && !v->interp)) ? rb_norm_level(v->s)
                                                                               : NULL;
        if (!lvl)
            return rb_perr(ps, v->line,
                        "log_level: expected :debug, :info, :warn or :error, got %s",
                        v->s ? v->s : rb_tk_name(v));
        free(c->log_level);
        c->log_level = strdup(lvl);
        return c->log_level ? 0 : rb_perr(ps, v->line, "out of memory");
    }
    if (strcmp(key, "log_location") == 0) {
        if (v->t == TK_IDENT && (strcmp(v->s, "STDOUT") == 0 || strcmp(v->s, "STDERR") == 0 ||
                                 strcmp(v->s, "$stdout") == 0 || strcmp(v->s, "$stderr") == 0))
            return set_str(&c->log_location, &v->s);
        if (v->t == TK_SYM)
            return rb_perr(ps, v->line, "log_location :%s is not supported (use a path, STDOUT "
                                     "or STDERR)", v->s);
        if (want_string(ps, v, key) != 0)
            return -1;
        return set_str(&c->log_location, &v->s);
    }
    if (strcmp(key, "max_body_size") == 0) {
        if (v->t != TK_INT || v->num < 1024 || v->num > 64L * 1024 * 1024)
            return rb_perr(ps, v->line, "max_body_size: expected a number of bytes in 1024..67108864");
        c->max_body_size = (long)v->num;
        return 0;
    }
    if (strcmp(key, "authentication_protocol_version") == 0) {
        if (v->t != TK_STR || v->interp ||
            (strcmp(v->s, "1.0") && strcmp(v->s, "1.1") && strcmp(v->s, "1.3")))
            return rb_perr(ps, v->line, "authentication_protocol_version: expected \"1.0\", "
                                     "\"1.1\" or \"1.3\"");
        snprintf(c->auth_version, sizeof c->auth_version, "%s", v->s);
        return 0;
    }
    if (strcmp(key, "ssl_verify_mode") == 0) {
        if (v->t == TK_SYM && strcmp(v->s, "verify_none") == 0)
            c->ssl_verify = 0;
        else if (v->t == TK_SYM && strcmp(v->s, "verify_peer") == 0)
            c->ssl_verify = 1;
        else
            return rb_perr(ps, v->line, "ssl_verify_mode: expected :verify_peer or :verify_none");
        return 0;
    }
    return rb_perr(ps, v->line, "internal: unhandled key %s", key);
}

static bool known_key(const char *s)
{
    static const char *const keys[] = {
        "node_name", "chef_server_url", "client_key", "file_dir", "log_level",
        "log_location", "max_body_size", "ssl_verify_mode", "whitelist",
        "authentication_protocol_version", "pushy_roles", "pushy_tags", "pushy_attributes",
        "json_attribs", "allowed_overwritable_env_vars", "lockfile", "file_cache_path",
        "trusted_certs_dir",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(s, keys[i]) == 0)
            return true;
    return false;
}

/* After a value: the statement must end here. */
static int expect_end(struct parser *ps, const char *key)
{
    struct tok t = { 0 };
    if (rb_next(ps, &t, 0, false) != 0)
        return -1;
    if (t.t == TK_NL || t.t == TK_EOF || t.t == TK_SEMI)
        return 0;
    int rc = rb_perr(ps, t.line, "%s: unexpected %s after the value", key, rb_tk_name(&t));
    rb_tok_free(&t);
    return rc;
}

/* `whitelist["cmd"] = value` ('[' was read). */
static int parse_wl_index(struct parser *ps, struct pc_rbconf *c)
{
    struct tok k = { 0 }, t = { 0 };
    int rc = -1;
    if (!c->has_whitelist) {
        if (pc_whitelist_set_default(&c->whitelist) != 0)
            return rb_perr(ps, ps->line, "out of memory");
        c->has_whitelist = true;
    }
    if (rb_next(ps, &k, LX_VALUE, false) != 0)
        return -1;
    if (k.t != TK_STR && k.t != TK_SYM && k.t != TK_REGEX) {
        rc = rb_perr(ps, k.line, "whitelist[...]: expected a command name, got %s", rb_tk_name(&k));
        goto out;
    }
    if (rb_next(ps, &t, 0, false) != 0)
        goto out;
    if (t.t != TK_RBRACK) {
        rc = rb_perr(ps, t.line, "whitelist[...]: expected ']'");
        goto out;
    }
    if (rb_next(ps, &t, 0, false) != 0)
        goto out;
    if (t.t != TK_EQ) {
        rc = rb_perr(ps, t.line, "whitelist[...]: expected '='");
        goto out;
    }
    if (rb_next(ps, &t, 0, true) != 0)
        goto out;
    char *cmd = NULL, *lock = NULL;
    if (t.t == TK_LBRACE) {
        if (parse_entry_hash(ps, k.s, &cmd, &lock) != 0)
            goto out;
    } else if (want_string(ps, &t, "whitelist value") == 0) {
        cmd = t.s;
        t.s = NULL;
    } else {
        goto out;
    }
    char why[200];
    int arc = pc_whitelist_add(&c->whitelist, k.s, cmd, k.t == TK_REGEX, k.icase, lock, why,
                               sizeof why);
    free(cmd);
    free(lock);
    if (arc != 0) {
        rc = rb_perr(ps, k.line, "whitelist: %s", why);
        goto out;
    }
    rc = expect_end(ps, "whitelist");
out:
    rb_tok_free(&k);
    rb_tok_free(&t);
    return rc;
}

/* A statement that starts with a known key name (already read). */
static int parse_setting(struct parser *ps, const char *key, struct pc_rbconf *c, bool assigned)
{
    struct tok v = { 0 };
    int rc;
    if (assigned) {
        if (rb_next(ps, &v, LX_VALUE, true) != 0)
            return -1;
        rc = apply(ps, key, &v, c);
        rb_tok_free(&v);
        return rc == 0 ? expect_end(ps, key) : -1;
    }
    /* directly after the name: '(' '[' '=' or a value */
    bool tight = ps->p < ps->end && (*ps->p == '(' || *ps->p == '[');
    if (rb_next(ps, &v, LX_VALUE, false) != 0)
        return -1;
    if (v.t == TK_LBRACK && tight && strcmp(key, "whitelist") == 0)
        return parse_wl_index(ps, c);
    if (v.t == TK_EQ)
        return rb_perr(ps, v.line, "%s = VALUE only sets a Ruby local variable; write `%s VALUE`",
                    key, key);
    if (v.t == TK_NL || v.t == TK_EOF || v.t == TK_SEMI)
        return rb_perr(ps, v.line, "%s: missing value", key);
    if (v.t == TK_LPAREN) {
        struct tok inner = { 0 }, close = { 0 };
        if (rb_next(ps, &inner, LX_VALUE, true) != 0)
            return -1;
        rc = apply(ps, key, &inner, c);
        rb_tok_free(&inner);
        if (rc != 0)
            return -1;
        if (rb_next(ps, &close, 0, true) != 0)
            return -1;
        if (close.t != TK_RPAREN) {
            rc = rb_perr(ps, close.line, "%s: expected ')', got %s", key, rb_tk_name(&close));
            rb_tok_free(&close);
            return rc;
        }
        return expect_end(ps, key);
    }
    rc = apply(ps, key, &v, c);
    rb_tok_free(&v);
    return rc == 0 ? expect_end(ps, key) : -1;
}

/* `Chef::Config[:key] = value` or `Chef::Config.key value`: sets *key_out
 * (malloc'd) and *assigned, or leaves *key_out NULL when it is not one of
 * ours. */
static int parse_chef_config_head(struct parser *ps, char **key_out, bool *assigned)
{
    struct tok t = { 0 }, k = { 0 }, e = { 0 };
    *key_out = NULL;
    *assigned = false;
    if (rb_next(ps, &t, 0, false) != 0)
        return -1;
    if (t.t == TK_DOT) {
        if (rb_next(ps, &k, 0, false) != 0)
            return -1;
        if (k.t == TK_IDENT && known_key(k.s)) {
            *key_out = k.s;
            return 0;
        }
        rb_tok_free(&k);
        return 0;
    }
    if (t.t != TK_LBRACK) {
        rb_tok_free(&t);
        return 0;
    }
    if (rb_next(ps, &k, 0, false) != 0)
        return -1;
    if ((k.t != TK_SYM && k.t != TK_STR) || !known_key(k.s)) {
        rb_tok_free(&k);
        return 0;
    }
    if (rb_next(ps, &t, 0, false) != 0 || t.t != TK_RBRACK || rb_next(ps, &e, false, false) != 0 ||
        e.t != TK_EQ) {
        int rc = rb_perr(ps, k.line, "Chef::Config[:%s]: expected `] = VALUE`", k.s);
        rb_tok_free(&k);
        rb_tok_free(&t);
        rb_tok_free(&e);
        return rc;
    }
    *key_out = k.s;
    *assigned = true;
    return 0;
}

static int parse_ruby(struct parser *ps, struct pc_rbconf *c)
{
    while (!ps->failed) {
        /* statement start */
        rb_skip_space(ps);
        if (ps->p >= ps->end)
            return 0;
        if (*ps->p == '\n' || *ps->p == ';') {
            if (*ps->p == '\n')
                ps->line++;
            ps->p++;
            continue;
        }
        const char *start = ps->p;
        int start_line = ps->line;
        if (!rb_ident_start(*ps->p)) {
            rb_skip_statement(ps);
            continue;
        }
        struct tok head = { 0 };
        if (rb_lex(ps, &head, 0) != 0)
            return -1;
        char *key = NULL;
        bool assigned = false;
        int rc = 0;
        if (head.t == TK_IDENT && known_key(head.s)) {
            key = head.s;
            head.s = NULL;
        } else if (head.t == TK_IDENT && strcmp(head.s, "Chef::Config") == 0) {
            rc = parse_chef_config_head(ps, &key, &assigned);
        }
        rb_tok_free(&head);
        if (rc != 0)
            return -1;
        if (!key) {
            ps->p = start;
            ps->line = start_line;
            ps->has_peek = false;
            rb_skip_statement(ps);
            continue;
        }
        rc = parse_setting(ps, key, c, assigned);
        free(key);
        if (rc != 0)
            return -1;
    }
    return -1;
}

/* ---- entry points --------------------------------------------------------- */

int pc_whitelist_set_default(struct pc_whitelist *wl)
{
    pc_whitelist_free(wl);
    return pc_whitelist_add(wl, "chef-client", "chef-client", false, false, false, NULL, 0);
}

void pc_rbconf_free(struct pc_rbconf *c)
{
    free(c->node_name);
    free(c->chef_server_url);
    free(c->client_key);
    free(c->file_dir);
    free(c->log_level);
    free(c->log_location);
    free(c->json_attribs);
    free(c->lockfile);
    free(c->file_cache_path);
    free(c->trusted_certs_dir);
    json_decref(c->overwritable_env);
    json_decref(c->roles);
    json_decref(c->tags);
    json_decref(c->attributes);
    pc_whitelist_free(&c->whitelist);
    memset(c, 0, sizeof *c);
    c->ssl_verify = -1;
}

int pc_rbconf_parse(const char *text, const char *name, struct pc_rbconf *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->ssl_verify = -1;
    size_t len = strlen(text);
    const char *s = text;
    while (*s && isspace((unsigned char)*s))
        s++;
    if (*s == '{')
        return pc_rbconf_parse_json(text, name, out, err, errlen);
    struct parser ps = { .p = text, .end = text + len, .name = name, .line = 1,
                         .err = err, .errlen = errlen };
    int rc = parse_ruby(&ps, out);
    if (ps.has_peek)
        rb_tok_free(&ps.peek);
    return rc;
}

int pc_rbconf_load(const char *path, struct pc_rbconf *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->ssl_verify = -1;
    size_t len;
    char *text = read_file(path, 1 << 20, &len);
    if (!text) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (strlen(text) != len) {
        free(text);
        if (err && errlen)
            snprintf(err, errlen, "%s: contains a NUL byte", path);
        return -1;
    }
    int rc = pc_rbconf_parse(text, path, out, err, errlen);
    free(text);
    return rc;
}
