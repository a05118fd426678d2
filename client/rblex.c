/* Lexer for client.rb (see rblex.h). */
#include "client/rblex.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rb_perr(struct parser *ps, int line, const char *fmt, ...)
{
    if (ps->failed)
        return -1;
    ps->failed = true;
    if (ps->err && ps->errlen) {
        int n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name, line);
        if (n >= 0 && (size_t)n < ps->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

void rb_tok_free(struct tok *t)
{
    free(t->s);
    t->s = NULL;
}

bool rb_ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Skips blanks, comments and backslash-newlines (not newlines). */
void rb_skip_space(struct parser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            ps->p++;
        } else if (c == '\\' && ps->p + 1 < ps->end && ps->p[1] == '\n') {
            ps->p += 2;
            ps->line++;
        } else if (c == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else {
            break;
        }
    }
}

/* Growable string. */
struct sbuf {
    char *s;
    size_t len, cap;
};

static int sb_put(struct sbuf *b, char c)
{
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        char *s = realloc(b->s, cap);
        if (!s)
            return -1;
        b->s = s;
        b->cap = cap;
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
    return 0;
}

static int sb_utf8(struct sbuf *b, unsigned long cp)
{
    int rc = 0;
    if (cp < 0x80) {
        rc |= sb_put(b, (char)cp);
    } else if (cp < 0x800) {
        rc |= sb_put(b, (char)(0xC0 | (cp >> 6)));
        rc |= sb_put(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        rc |= sb_put(b, (char)(0xE0 | (cp >> 12)));
        rc |= sb_put(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        rc |= sb_put(b, (char)(0x80 | (cp & 0x3F)));
    }
    return rc;
}

/* A quoted string starting at the quote; sets t->s. */
static int lex_string(struct parser *ps, struct tok *t)
{
    char q = *ps->p++;
    struct sbuf b = { 0 };
    int start_line = ps->line;
    while (ps->p < ps->end && *ps->p != q) {
        char c = *ps->p++;
        if (c == '\n')
            ps->line++;
        if (c == '\\' && ps->p < ps->end) {
            char e = *ps->p++;
            if (q == '\'') {
                if (e != '\\' && e != '\'' && sb_put(&b, '\\') != 0)
                    goto oom;
                if (sb_put(&b, e) != 0)
                    goto oom;
                continue;
            }
            const char *from = "ntrsaebfv";
            const char *to = "\n\t\r \a\x1b\b\f\v";
            const char *hit = strchr(from, e);
            if (e == '\n') {
                ps->line++;
                continue;
            }
            if (e == 'u' && ps->p + 4 <= ps->end) {
                char hex[5] = { 0 };
                memcpy(hex, ps->p, 4);
                char *endp;
                unsigned long cp = strtoul(hex, &endp, 16);
                if (*endp || cp == 0 || (cp >= 0xD800 && cp < 0xE000)) {
                    free(b.s);
                    return rb_perr(ps, ps->line, "bad \\u escape in string");
                }
                ps->p += 4;
                if (sb_utf8(&b, cp) != 0)
                    goto oom;
                continue;
            }
            if (e == '0' || e == 'x' || e == 'c' || e == 'C' || e == 'M') {
                free(b.s);
                return rb_perr(ps, ps->line, "unsupported escape \\%c in string", e);
            }
            if (sb_put(&b, hit && e ? to[hit - from] : e) != 0)
                goto oom;
            continue;
        }
        if (q == '"' && c == '#' && ps->p < ps->end && strchr("{@$", *ps->p))
            t->interp = true;
        if (sb_put(&b, c) != 0)
            goto oom;
    }
    if (ps->p >= ps->end) {
        free(b.s);
        return rb_perr(ps, start_line, "unterminated string");
    }
    ps->p++;
    if (!b.s && !(b.s = strdup(""))) /* the empty string '' */
        goto oom;
    t->t = TK_STR;
    t->s = b.s;
    return 0;
oom:
    free(b.s);
    return rb_perr(ps, ps->line, "out of memory");
}

static int lex_regex(struct parser *ps, struct tok *t)
{
    ps->p++;
    struct sbuf b = { 0 };
    while (ps->p < ps->end && *ps->p != '/' && *ps->p != '\n') {
        char c = *ps->p++;
        if (c == '\\' && ps->p < ps->end && *ps->p == '/') {
            c = '/';
            ps->p++;
        } else if (c == '\\' && ps->p < ps->end) {
            if (sb_put(&b, c) != 0)
                goto oom;
            c = *ps->p++;
        }
        if (sb_put(&b, c) != 0)
            goto oom;
    }
    if (ps->p >= ps->end || *ps->p != '/') {
        free(b.s);
        return rb_perr(ps, ps->line, "unterminated regex");
    }
    ps->p++;
    if (!b.s) {
        free(b.s);
        return rb_perr(ps, ps->line, "empty regex");
    }
    while (ps->p < ps->end && isalpha((unsigned char)*ps->p)) {
        if (*ps->p == 'i') {
            t->icase = true;
        } else {
            char f = *ps->p;
            free(b.s);
            return rb_perr(ps, ps->line, "regex flag '%c' is not supported (only i)", f);
        }
        ps->p++;
    }
    t->t = TK_REGEX;
    t->s = b.s;
    return 0;
oom:
    free(b.s);
    return rb_perr(ps, ps->line, "out of memory");
}

static char *dup_range(const char *a, const char *b)
{
    size_t n = (size_t)(b - a);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, a, n);
        s[n] = '\0';
    }
    return s;
}

int rb_lex(struct parser *ps, struct tok *t, int mode)
{
    memset(t, 0, sizeof *t);
    rb_skip_space(ps);
    t->line = ps->line;
    if (ps->p >= ps->end) {
        t->t = TK_EOF;
        return 0;
    }
    char c = *ps->p;
    if (c == '\n') {
        ps->p++;
        ps->line++;
        t->t = TK_NL;
        return 0;
    }
    if (c == '"' || c == '\'')
        return lex_string(ps, t);
    if (c == '/' && (mode & LX_VALUE))
        return lex_regex(ps, t);
    if (rb_ident_start(c)) {
        const char *s = ps->p;
        for (;;) {
            while (ps->p < ps->end && ident_char(*ps->p))
                ps->p++;
            if (ps->p + 2 < ps->end && ps->p[0] == ':' && ps->p[1] == ':' && rb_ident_start(ps->p[2]))
                ps->p += 2;
            else
                break;
        }
        if (ps->p < ps->end && (*ps->p == '?' || *ps->p == '!'))
            ps->p++;
        t->s = dup_range(s, ps->p);
        if (!t->s)
            return rb_perr(ps, ps->line, "out of memory");
        t->t = TK_IDENT;
        if (ps->p < ps->end && *ps->p == ':' && (ps->p + 1 >= ps->end || ps->p[1] != ':')) {
            ps->p++;
            t->t = TK_LABEL;
        }
        return 0;
    }
    if (isdigit((unsigned char)c)) {
        long long v = 0;
        while (ps->p < ps->end && (isdigit((unsigned char)*ps->p) || *ps->p == '_')) {
            if (*ps->p != '_') {
                if (v > (LLONG_MAX - 9) / 10)
                    return rb_perr(ps, ps->line, "number too large");
                v = v * 10 + (*ps->p - '0');
            }
            ps->p++;
        }
        if (ps->p < ps->end && (ident_char(*ps->p) || *ps->p == '.'))
            return rb_perr(ps, ps->line, "bad number");
        t->t = TK_INT;
        t->num = v;
        return 0;
    }
    if (c == ':' && (mode & LX_SEP) && !(ps->p + 1 < ps->end && ps->p[1] == ':')) {
        ps->p++;
        t->t = TK_COLON;
        return 0;
    }
    if (c == ':' && ps->p + 1 < ps->end && rb_ident_start(ps->p[1])) {
        const char *s = ++ps->p;
        while (ps->p < ps->end && ident_char(*ps->p))
            ps->p++;
        if (ps->p < ps->end && (*ps->p == '?' || *ps->p == '!'))
            ps->p++;
        t->s = dup_range(s, ps->p);
        if (!t->s)
            return rb_perr(ps, ps->line, "out of memory");
        t->t = TK_SYM;
        return 0;
    }
    if (c == ':' && ps->p + 1 < ps->end && (ps->p[1] == '"' || ps->p[1] == '\'')) {
        ps->p++;
        if (lex_string(ps, t) != 0)
            return -1;
        t->t = TK_SYM;
        return 0;
    }
    ps->p++;
    switch (c) {
    case '(': t->t = TK_LPAREN; break;
    case ')': t->t = TK_RPAREN; break;
    case '{': t->t = TK_LBRACE; break;
    case '}': t->t = TK_RBRACE; break;
    case '[': t->t = TK_LBRACK; break;
    case ']': t->t = TK_RBRACK; break;
    case ',': t->t = TK_COMMA; break;
    case ';': t->t = TK_SEMI; break;
    case '.': t->t = TK_DOT; break;
    case ':': t->t = TK_COLON; break;
    case '=':
        if (ps->p < ps->end && *ps->p == '>') {
            ps->p++;
            t->t = TK_ARROW;
        } else if (ps->p < ps->end && strchr("=~", *ps->p)) {
            ps->p++;
            t->t = TK_OTHER;
        } else {
            t->t = TK_EQ;
        }
        break;
    default: t->t = TK_OTHER; break;
    }
    return 0;
}

/* Token stream with one token of look-ahead. skip_nl: newlines are
 * continuation (inside brackets, after ',' or '=>'). */
int rb_next(struct parser *ps, struct tok *t, int mode, bool skip_nl)
{
    for (;;) {
        if (ps->has_peek) {
            *t = ps->peek;
            ps->has_peek = false;
        } else if (rb_lex(ps, t, mode) != 0) {
            return -1;
        }
        if (!(skip_nl && t->t == TK_NL))
            return 0;
    }
}

void rb_push_back(struct parser *ps, struct tok *t)
{
    ps->peek = *t;
    ps->has_peek = true;
    t->s = NULL;
}

const char *rb_tk_name(const struct tok *t)
{
    switch (t->t) {
    case TK_EOF: return "end of file";
    case TK_NL: return "end of line";
    case TK_IDENT: return t->s;
    case TK_STR: return "a string";
    case TK_SYM: return "a symbol";
    case TK_LABEL: return "a label";
    case TK_INT: return "a number";
    case TK_REGEX: return "a regex";
    case TK_ARROW: return "'=>'";
    case TK_LPAREN: return "'('";
    case TK_RPAREN: return "')'";
    case TK_LBRACE: return "'{'";
    case TK_RBRACE: return "'}'";
    case TK_LBRACK: return "'['";
    case TK_RBRACK: return "']'";
    case TK_COMMA: return "','";
    case TK_COLON: return "':'";
    case TK_SEMI: return "';'";
    case TK_EQ: return "'='";
    case TK_DOT: return "'.'";
    default: return "an unexpected character";
    }
}

/* ---- skipping statements we do not know --------------------------------- */

/* From the start of a statement to its end: a newline outside brackets
 * that does not follow ',', '\\' or an operator. Quotes are honoured; an
 * unterminated quote ends at the end of its line. */
void rb_skip_statement(struct parser *ps)
{
    int depth = 0;
    char last = 0;
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
            continue;
        }
        if (c == '"' || c == '\'') {
            const char *q = ps->p + 1;
            int lines = 0;
            while (q < ps->end && *q != c) {
                if (*q == '\\' && q + 1 < ps->end)
                    q++;
                if (*q == '\n')
                    lines++;
                q++;
            }
            if (q < ps->end) {
                ps->p = q + 1;
                ps->line += lines;
            } else {
                while (ps->p < ps->end && *ps->p != '\n')
                    ps->p++;
            }
            last = c;
            continue;
        }
        if (c == '\n') {
            ps->line++;
            ps->p++;
            if (depth > 0 || (last && strchr(",\\=(>.+", last)))
                continue;
            return;
        }
        if (c == ';' && depth <= 0) {
            ps->p++;
            return;
        }
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if (c == ')' || c == ']' || c == '}')
            depth--;
        if (c != ' ' && c != '\t' && c != '\r')
            last = c;
        ps->p++;
    }
}
