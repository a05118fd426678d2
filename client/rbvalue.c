#include "client/rbvalue.h"

#include <string.h>

static json_t *rb_array(struct parser *ps, const char *key, int depth)
{
    json_t *a = json_array();
    if (!a) {
        rb_perr(ps, ps->line, "out of memory");
        return NULL;
    }
    struct tok t = { 0 };
    for (;;) {
        if (rb_next(ps, &t, LX_VALUE, true) != 0)
            goto fail;
        if (t.t == TK_RBRACK)
            return a;
        json_t *v = rb_value(ps, &t, key, depth + 1);
        rb_tok_free(&t);
        if (!v || json_array_append_new(a, v))
            goto fail;
        if (rb_next(ps, &t, 0, true) != 0)
            goto fail;
        if (t.t == TK_RBRACK)
            return a;
        if (t.t != TK_COMMA) {
            rb_perr(ps, t.line, "%s: expected ',' or ']', got %s", key, rb_tk_name(&t));
            rb_tok_free(&t);
            goto fail;
        }
    }
fail:
    json_decref(a);
    return NULL;
}

static json_t *rb_hash(struct parser *ps, const char *key, int depth)
{
    json_t *h = json_object();
    if (!h) {
        rb_perr(ps, ps->line, "out of memory");
        return NULL;
    }
    struct tok k = { 0 }, sep = { 0 }, v = { 0 };
    for (;;) {
        if (rb_next(ps, &k, LX_VALUE, true) != 0)
            goto fail;
        if (k.t == TK_RBRACE)
            return h;
        if (k.t == TK_STR && k.interp) {
            rb_perr(ps, k.line, "%s: string interpolation (#{...}) is not supported", key);
            goto fail;
        }
        if (k.t != TK_STR && k.t != TK_SYM && k.t != TK_LABEL) {
            rb_perr(ps, k.line, "%s: expected a hash key (a string or symbol), got %s", key,
                    rb_tk_name(&k));
            goto fail;
        }
        if (k.t != TK_LABEL) {
            if (rb_next(ps, &sep, LX_SEP, true) != 0)
                goto fail;
            if (sep.t != TK_ARROW && !(k.t == TK_STR && sep.t == TK_COLON)) {
                rb_perr(ps, sep.line, "%s: expected '=>' after '%s', got %s", key, k.s,
                        rb_tk_name(&sep));
                rb_tok_free(&sep);
                goto fail;
            }
        }
        if (rb_next(ps, &v, LX_VALUE, true) != 0)
            goto fail;
        json_t *val = rb_value(ps, &v, key, depth + 1);
        rb_tok_free(&v);
        if (!val)
            goto fail;
        if (json_object_set_new(h, k.s, val)) {
            rb_perr(ps, k.line, "%s: key '%s' is not UTF-8", key, k.s);
            goto fail;
        }
        rb_tok_free(&k);
        if (rb_next(ps, &sep, 0, true) != 0)
            goto fail;
        if (sep.t == TK_RBRACE)
            return h;
        if (sep.t != TK_COMMA) {
            rb_perr(ps, sep.line, "%s: expected ',' or '}', got %s", key, rb_tk_name(&sep));
            rb_tok_free(&sep);
            goto fail;
        }
    }
fail:
    rb_tok_free(&k);
    json_decref(h);
    return NULL;
}

json_t *rb_value(struct parser *ps, struct tok *t, const char *key, int depth)
{
    if (depth > RB_VALUE_MAX_DEPTH) {
        rb_perr(ps, t->line, "%s: nested deeper than %d levels", key, RB_VALUE_MAX_DEPTH);
        return NULL;
    }
    json_t *v = NULL;
    switch (t->t) {
    case TK_STR:
        if (t->interp) {
            rb_perr(ps, t->line, "%s: string interpolation (#{...}) is not supported", key);
            return NULL;
        }
        v = json_string(t->s);
        break;
    case TK_SYM:
        v = json_string(t->s);
        break;
    case TK_INT:
        v = json_integer((json_int_t)t->num);
        break;
    case TK_IDENT:
        if (!strcmp(t->s, "true"))
            return json_true();
        if (!strcmp(t->s, "false"))
            return json_false();
        if (!strcmp(t->s, "nil"))
            return json_null();
        rb_perr(ps, t->line, "%s: '%s' is not a literal value", key, t->s);
        return NULL;
    case TK_LBRACK:
        return rb_array(ps, key, depth);
    case TK_LBRACE:
        return rb_hash(ps, key, depth);
    default:
        rb_perr(ps, t->line, "%s: expected a string, symbol, number, true, false, nil, array or "
                "hash, got %s", key, rb_tk_name(t));
        return NULL;
    }
    if (!v)
        rb_perr(ps, t->line, "%s: a string is not UTF-8", key);
    return v;
}
