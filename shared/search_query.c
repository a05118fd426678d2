/* Chef/Lucene search query parser, AST and in-memory evaluator; see
 * search_query.h for the grammar and docs/search.md for the semantics. */
#include "shared/search_query.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a clause sits in an OR list: plain (optional), +required, or
 * prohibited (-, NOT, !). */
enum mod { MOD_NONE, MOD_REQ, MOD_NEG };

/* The field bare values get inside FIELD:( ... ); set=false at top level.
 * name NULL means any field. */
struct dfield {
    bool set;
    const char *name;
};

struct parser {
    const char *s;
    size_t len, pos;
    size_t clause; /* where the current clause starts (term errors) */
    int depth;
    size_t nterms;
    char *err;
    size_t errlen;
    bool failed;
};

struct word {
    size_t start, end; /* raw bytes s[start..end) */
    char *lit;         /* unescaped text */
    char *like;        /* as a LIKE pattern: * -> %, ? -> _, literals escaped */
    bool wild;         /* has an unescaped * or ? */
    bool star;         /* is exactly one unescaped * */
};

struct nvec {
    struct search_node **v;
    enum mod *m;
    size_t n, cap;
};

/* ---- errors ---- */

static size_t utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    return 2;
}

/* Length of the character at s, never past a NUL or a missing
 * continuation byte. */
static size_t char_len(const char *s)
{
    size_t want = utf8_len((unsigned char)s[0]), l = 1;
    while (l < want && ((unsigned char)s[l] & 0xC0) == 0x80)
        l++;
    return l;
}

static size_t char_pos(const struct parser *p, size_t off)
{
    size_t n = 1;
    for (size_t i = 0; i < off && i < p->len; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Sets "<message> at position N[: hint]" unless an error is already set. */
__attribute__((format(printf, 4, 5)))
static void fail_at(struct parser *p, size_t off, const char *hint, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err || p->errlen == 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s at position %zu%s%s", msg, char_pos(p, off),
             hint ? ": " : "", hint ? hint : "");
}

static void fail_oom(struct parser *p)
{
    if (p->failed)
        return;
    p->failed = true;
    if (p->err && p->errlen)
        snprintf(p->err, p->errlen, "out of memory");
}

/* Copies at most ~40 bytes of s[start..end) into buf, whole characters,
 * with "..." when cut. */
static const char *snippet(const struct parser *p, size_t start, size_t end, char *buf, size_t n)
{
    size_t i = start, o = 0;
    while (i < end) {
        size_t l = char_len(p->s + i);
        if (i + l > end)
            break;
        if (o + l + 4 > n || o >= 40) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, p->s + i, l);
        o += l;
        i += l;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- nodes ---- */

static void node_free(struct search_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->field);
    free(n->text);
    free(n->lo);
    free(n->hi);
    free(n);
}

static struct search_node *node_new(struct parser *p, enum search_node_kind kind)
{
    struct search_node *n = calloc(1, sizeof *n);
    if (!n) {
        fail_oom(p);
        return NULL;
    }
    n->kind = kind;
    return n;
}

/* AND/OR over kids[0..n) (takes them; n >= 2), or NOT over kids[0]. Frees
 * the kids on failure. */
static struct search_node *node_with_kids(struct parser *p, enum search_node_kind kind,
                                          struct search_node **kids, size_t n)
{
    struct search_node *node = node_new(p, kind);
    struct search_node **copy = node ? malloc(n * sizeof *copy) : NULL;
    if (!copy) {
        if (node)
            fail_oom(p);
        free(node);
        for (size_t i = 0; i < n; i++)
            node_free(kids[i]);
        return NULL;
    }
    memcpy(copy, kids, n * sizeof *copy);
    node->kids = copy;
    node->nkids = n;
    return node;
}

static struct search_node *node_not(struct parser *p, struct search_node *kid)
{
    return node_with_kids(p, SEARCH_NOT, &kid, 1);
}

/* A term on field f (NULL name: any field); counts it against the limit. */
static struct search_node *term_new(struct parser *p, const struct dfield *f,
                                    enum search_term_kind kind)
{
    if (++p->nterms > SEARCH_MAX_TERMS) {
        fail_at(p, p->clause, NULL, "too many terms (more than %d)", SEARCH_MAX_TERMS);
        return NULL;
    }
    struct search_node *n = node_new(p, SEARCH_TERM);
    if (!n)
        return NULL;
    n->term = kind;
    if (f->name && !(n->field = strdup(f->name))) {
        fail_oom(p);
        free(n);
        return NULL;
    }
    return n;
}

static struct search_node *apply_mod(struct parser *p, struct search_node *n, enum mod m)
{
    return m == MOD_NEG ? node_not(p, n) : n;
}

static int nvec_push(struct parser *p, struct nvec *v, struct search_node *n, enum mod m)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        struct search_node **nv = realloc(v->v, cap * sizeof *nv);
        if (nv)
            v->v = nv;
        enum mod *nm = nv ? realloc(v->m, cap * sizeof *nm) : NULL;
        if (!nm) {
            fail_oom(p);
            node_free(n);
            return -1;
        }
        v->m = nm;
        v->cap = cap;
    }
    v->v[v->n] = n;
    v->m[v->n] = m;
    v->n++;
    return 0;
}

static void nvec_free(struct nvec *v)
{
    for (size_t i = 0; i < v->n; i++)
        node_free(v->v[i]);
    free(v->v);
    free(v->m);
    v->v = NULL;
    v->m = NULL;
    v->n = v->cap = 0;
}

/* ---- lexing ---- */

static bool at_end(const struct parser *p) { return p->pos >= p->len; }
static char cur(const struct parser *p) { return at_end(p) ? '\0' : p->s[p->pos]; }
static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Characters that end a word (besides whitespace and the end). */
static bool is_special(char c) { return c != '\0' && strchr("()[]{}\":^~", c) != NULL; }
static bool word_ends(char c) { return c == '\0' || is_ws(c) || is_special(c); }

static void skip_ws(struct parser *p)
{
    while (!at_end(p) && is_ws(cur(p)))
        p->pos++;
}

enum kw { KW_NONE, KW_AND, KW_OR, KW_NOT };

/* The operator at the current position, if any. Word operators must stand
 * alone ("ANDROID" and "AND:" are not operators). */
static enum kw keyword_at(const struct parser *p, size_t *len)
{
    const char *s = p->s + p->pos;
    size_t left = p->len - p->pos;
    if (left >= 2 && (memcmp(s, "&&", 2) == 0 || memcmp(s, "||", 2) == 0)) {
        *len = 2;
        return s[0] == '&' ? KW_AND : KW_OR;
    }
    if (left >= 1 && s[0] == '!') {
        *len = 1;
        return KW_NOT;
    }
    static const struct { const char *w; enum kw k; } words[] = {
        { "AND", KW_AND }, { "OR", KW_OR }, { "NOT", KW_NOT },
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t l = strlen(words[i].w);
        if (left >= l && memcmp(s, words[i].w, l) == 0) {
            char next = left > l ? s[l] : '\0';
            if (word_ends(next) && next != ':') {
                *len = l;
                return words[i].k;
            }
        }
    }
    return KW_NONE;
}

/* Rejects what the parser must never see: too long, invalid UTF-8,
 * control characters other than whitespace. */
static int validate(struct parser *p)
{
    if (p->len > SEARCH_MAX_QUERY_BYTES) {
        if (p->err && p->errlen)
            snprintf(p->err, p->errlen, "query is too long (%zu bytes; the limit is %d)",
                     p->len, SEARCH_MAX_QUERY_BYTES);
        p->failed = true;
        return -1;
    }
    const unsigned char *s = (const unsigned char *)p->s;
    for (size_t i = 0; i < p->len;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && !is_ws((char)c)) || c == 0x7F) {
                fail_at(p, i, NULL, "control character 0x%02X", c);
                return -1;
            }
            i++;
            continue;
        }
        size_t l = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        uint32_t cp = l == 2 ? c & 0x1F : l == 3 ? c & 0x0F : c & 0x07;
        bool ok = l != 0 && i + l <= p->len;
        for (size_t k = 1; ok && k < l; k++) {
            ok = (s[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (ok && ((l == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
                   || (l == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
            ok = false;
        if (!ok) {
            fail_at(p, i, NULL, "invalid UTF-8");
            return -1;
        }
        i += l;
    }
    return 0;
}

static void word_free(struct word *w)
{
    free(w->lit);
    free(w->like);
    w->lit = w->like = NULL;
}

/* Reads a word at the current position (which must not end a word). */
static int read_word(struct parser *p, struct word *w)
{
    memset(w, 0, sizeof *w);
    w->start = p->pos;
    size_t i = p->pos;
    while (i < p->len && !word_ends(p->s[i])) {
        if (p->s[i] == '\\') {
            if (i + 1 >= p->len) {
                fail_at(p, i, "escape a backslash as \\\\", "dangling backslash");
                return -1;
            }
            i++;
        }
        i += char_len(p->s + i);
    }
    w->end = i;
    size_t n = w->end - w->start;
    w->lit = malloc(n + 1);
    w->like = malloc(2 * n + 1);
    if (!w->lit || !w->like) {
        word_free(w);
        fail_oom(p);
        return -1;
    }
    size_t lo = 0, ko = 0;
    for (i = w->start; i < w->end;) {
        char c = p->s[i];
        if (c == '*' || c == '?') {
            w->lit[lo++] = c;
            w->like[ko++] = c == '*' ? '%' : '_';
            w->wild = true;
            i++;
            continue;
        }
        if (c == '\\')
            i++;
        size_t l = char_len(p->s + i);
        if (l == 1 && (p->s[i] == '%' || p->s[i] == '_' || p->s[i] == '\\'))
            w->like[ko++] = '\\';
        memcpy(w->lit + lo, p->s + i, l);
        memcpy(w->like + ko, p->s + i, l);
        lo += l;
        ko += l;
        i += l;
    }
    w->lit[lo] = '\0';
    w->like[ko] = '\0';
    w->star = n == 1 && p->s[w->start] == '*';
    p->pos = w->end;
    return 0;
}

/* Reads "..." at the current position; returns the unescaped text. */
static char *read_phrase(struct parser *p)
{
    size_t open = p->pos, i = p->pos + 1;
    char *out = malloc(p->len - open + 1);
    if (!out) {
        fail_oom(p);
        return NULL;
    }
    size_t o = 0;
    while (i < p->len && p->s[i] != '"') {
        if (p->s[i] == '\\' && ++i >= p->len)
            break;
        size_t l = char_len(p->s + i);
        memcpy(out + o, p->s + i, l);
        o += l;
        i += l;
    }
    if (i >= p->len) {
        free(out);
        fail_at(p, open, NULL, "unterminated quote starting");
        return NULL;
    }
    out[o] = '\0';
    p->pos = i + 1;
    return out;
}

/* ---- parsing ---- */

static struct search_node *parse_or(struct parser *p, const struct dfield *df);

static bool enter(struct parser *p, size_t off)
{
    if (++p->depth > SEARCH_MAX_DEPTH) {
        fail_at(p, off, NULL, "query nested too deeply (more than %d levels)", SEARCH_MAX_DEPTH);
        return false;
    }
    return true;
}

/* What may follow a clause: whitespace, ')' or the end. */
static int check_after(struct parser *p)
{
    char c = cur(p);
    if (c == '\0' || is_ws(c) || c == ')')
        return 0;
    char buf[64];
    if (c == '~')
        fail_at(p, p->pos, NULL, "fuzzy queries ('~') are not supported");
    else if (c == '^')
        fail_at(p, p->pos, NULL, "boosts ('^') are not supported");
    else if (c == ':')
        fail_at(p, p->pos, "escape a ':' in a value as '\\:'", "unexpected ':'");
    else
        fail_at(p, p->pos, NULL, "unexpected '%s'",
                snippet(p, p->pos, p->pos + char_len(p->s + p->pos), buf, sizeof buf));
    return -1;
}

/* "(" or_list ")" at the current position, with default field df. */
static struct search_node *parse_group(struct parser *p, const struct dfield *df)
{
    size_t open = p->pos;
    if (!enter(p, open))
        return NULL;
    p->pos++;
    struct search_node *n = parse_or(p, df);
    p->depth--;
    if (!n) {
        if (!p->failed && cur(p) == ')')
            fail_at(p, open, NULL, "empty parentheses");
        else
            fail_at(p, open, NULL, "missing ')' to close the '('");
        return NULL;
    }
    if (cur(p) != ')') {
        node_free(n);
        fail_at(p, open, NULL, "missing ')' to close the '('");
        return NULL;
    }
    p->pos++;
    return n;
}

static struct search_node *term_text(struct parser *p, const struct dfield *df,
                                     enum search_term_kind kind, char *text)
{
    struct search_node *n = term_new(p, df, kind);
    if (!n) {
        free(text);
        return NULL;
    }
    n->text = text;
    return n;
}

/* *:* (and *:[* TO *]): every node; counted as a term. */
static struct search_node *all_new(struct parser *p)
{
    if (++p->nterms > SEARCH_MAX_TERMS) {
        fail_at(p, p->clause, NULL, "too many terms (more than %d)", SEARCH_MAX_TERMS);
        return NULL;
    }
    return node_new(p, SEARCH_ALL);
}

/* A term from a word value on field df; consumes w. */
static struct search_node *term_from_word(struct parser *p, const struct dfield *df,
                                          struct word *w)
{
    struct search_node *n;
    if (w->star) {
        n = df->name ? term_new(p, df, SEARCH_EXISTS) : all_new(p);
    } else if (w->wild) {
        n = term_text(p, df, SEARCH_LIKE, w->like);
        w->like = NULL;
    } else {
        n = term_text(p, df, SEARCH_EXACT, w->lit);
        w->lit = NULL;
    }
    word_free(w);
    return n;
}

/* One bound of a range; *open is set for an unescaped "*", *quoted for
 * a phrase (always compared as text). */
static char *read_bound(struct parser *p, size_t open_off, const char *which, bool *open,
                        bool *quoted)
{
    *open = *quoted = false;
    if (at_end(p)) {
        fail_at(p, open_off, NULL, "unterminated range starting");
        return NULL;
    }
    if (cur(p) == '"') {
        *quoted = true;
        return read_phrase(p);
    }
    if (word_ends(cur(p))) {
        fail_at(p, p->pos, NULL, "missing %s bound in range", which);
        return NULL;
    }
    struct word w;
    if (read_word(p, &w))
        return NULL;
    char *lit = w.lit;
    w.lit = NULL;
    *open = w.star;
    word_free(&w);
    if (*open) {
        free(lit);
        return NULL;
    }
    return lit;
}

/* "[a TO b]" / "{a TO b}" (mixed allowed) at the current position. */
static struct search_node *parse_range(struct parser *p, const struct dfield *df)
{
    size_t open = p->pos;
    bool lo_incl = cur(p) == '[', lo_open = false, hi_open = false;
    bool lo_quoted = false, hi_quoted = false;
    p->pos++;
    skip_ws(p);
    if (p->len - p->pos >= 3 && memcmp(p->s + p->pos, "TO", 2) == 0 && is_ws(p->s[p->pos + 2])) {
        fail_at(p, p->pos, "quote a bound spelled TO", "missing lower bound in range");
        return NULL;
    }
    char *lo = read_bound(p, open, "lower", &lo_open, &lo_quoted), *hi = NULL;
    if (p->failed)
        goto fail;
    size_t ws = p->pos;
    skip_ws(p);
    if (at_end(p)) {
        fail_at(p, open, NULL, "unterminated range starting");
        goto fail;
    }
    if (p->pos == ws || p->len - p->pos < 3 || memcmp(p->s + p->pos, "TO", 2) != 0
        || !is_ws(p->s[p->pos + 2])) {
        fail_at(p, p->pos, "write [LOW TO HIGH]", "expected 'TO' in range");
        goto fail;
    }
    p->pos += 2;
    skip_ws(p);
    if (!at_end(p) && (cur(p) == ']' || cur(p) == '}')) {
        fail_at(p, p->pos, NULL, "missing upper bound in range");
        goto fail;
    }
    hi = read_bound(p, open, "upper", &hi_open, &hi_quoted);
    if (p->failed)
        goto fail;
    skip_ws(p);
    if (at_end(p)) {
        fail_at(p, open, NULL, "unterminated range starting");
        goto fail;
    }
    if (cur(p) != ']' && cur(p) != '}') {
        fail_at(p, p->pos, NULL, "expected ']' or '}' to close the range");
        goto fail;
    }
    bool hi_incl = cur(p) == ']';
    p->pos++;

    if (lo_open && hi_open)
        return df->name ? term_new(p, df, SEARCH_EXISTS) : all_new(p);
    struct search_node *n = term_new(p, df, SEARCH_RANGE);
    if (!n)
        goto fail;
    n->lo = lo;
    n->hi = hi;
    n->lo_incl = lo_incl;
    n->hi_incl = hi_incl;
    n->numeric = (lo_open || (!lo_quoted && search_is_number(lo)))
              && (hi_open || (!hi_quoted && search_is_number(hi)));
    return n;
fail:
    free(lo);
    free(hi);
    return NULL;
}

/* The value after "FIELD:" (the colon at colon_off). */
static struct search_node *parse_value(struct parser *p, const struct dfield *df,
                                       const struct word *field, size_t colon_off)
{
    char c = cur(p), buf[64];
    if (c == '\0' || is_ws(c) || c == ')') {
        fail_at(p, colon_off, is_ws(c) ? "no space is allowed after ':'" : NULL,
                "missing value after '%s:'", snippet(p, field->start, field->end, buf, sizeof buf));
        return NULL;
    }
    if (c == '(')
        return parse_group(p, df);
    if (c == '[' || c == '{')
        return parse_range(p, df);
    if (c == '"') {
        char *text = read_phrase(p);
        return text ? term_text(p, df, SEARCH_EXACT, text) : NULL;
    }
    if (is_special(c)) {
        check_after(p);
        return NULL;
    }
    struct word w;
    if (read_word(p, &w))
        return NULL;
    return term_from_word(p, df, &w);
}

static void fail_bare(struct parser *p, size_t start, size_t end)
{
    char buf[64], hint[200];
    snippet(p, start, end, buf, sizeof buf);
    snprintf(hint, sizeof hint, "name a field (name:%s), or use *:%s to search every field",
             buf, buf);
    fail_at(p, start, hint, "bare term '%s'", buf);
}

static struct search_node *parse_primary(struct parser *p, const struct dfield *df)
{
    size_t off = p->pos, kwlen;
    char c = cur(p), buf[64];
    enum kw k = keyword_at(p, &kwlen);
    p->clause = off;
    if (c == '\0') {
        fail_at(p, off, NULL, "unexpected end of query");
        return NULL;
    }
    if (k != KW_NONE) {
        fail_at(p, off, NULL, "unexpected '%.*s'", (int)kwlen, p->s + off);
        return NULL;
    }
    struct search_node *n = NULL;
    if (c == '(') {
        n = parse_group(p, df);
    } else if (c == '"') {
        if (!df->set) {
            size_t i = off + 1;
            while (i < p->len && p->s[i] != '"')
                i += p->s[i] == '\\' && i + 1 < p->len ? 2 : 1;
            fail_bare(p, off, i < p->len ? i + 1 : i);
            return NULL;
        }
        char *text = read_phrase(p);
        n = text ? term_text(p, df, SEARCH_EXACT, text) : NULL;
    } else if (c == '[' || c == '{') {
        if (!df->set) {
            fail_at(p, off, "write FIELD:[LOW TO HIGH]", "range without a field");
            return NULL;
        }
        n = parse_range(p, df);
    } else if (c == ':') {
        fail_at(p, off, NULL, "missing field name before ':'");
        return NULL;
    } else if (is_special(c) || c == '+' || c == '-') {
        fail_at(p, off, NULL, "unexpected '%c'", c);
        return NULL;
    } else {
        struct word w;
        if (read_word(p, &w))
            return NULL;
        if (cur(p) == ':') {
            if (w.wild && !w.star) {
                fail_at(p, w.start, "escape them as \\* and \\?",
                        "wildcards are not allowed in field names ('%s')",
                        snippet(p, w.start, w.end, buf, sizeof buf));
                word_free(&w);
                return NULL;
            }
            struct dfield fd = { true, w.star ? NULL : w.lit };
            size_t colon = p->pos++;
            n = parse_value(p, &fd, &w, colon);
        } else if (!df->set) {
            fail_bare(p, w.start, w.end);
        } else {
            n = term_from_word(p, df, &w);
        }
        word_free(&w);
    }
    if (n && check_after(p)) {
        node_free(n);
        return NULL;
    }
    return n;
}

static struct search_node *parse_unary(struct parser *p, const struct dfield *df, enum mod *mod)
{
    size_t off = p->pos, kwlen;
    *mod = MOD_NONE;
    if (keyword_at(p, &kwlen) == KW_NOT) {
        p->pos += kwlen;
        skip_ws(p);
        size_t l2;
        enum kw next = keyword_at(p, &l2);
        if (at_end(p) || cur(p) == ')' || next == KW_AND || next == KW_OR) {
            fail_at(p, off, NULL, "missing term after '%.*s'", (int)kwlen, p->s + off);
            return NULL;
        }
        if (!enter(p, off))
            return NULL;
        enum mod inner;
        struct search_node *n = parse_unary(p, df, &inner);
        p->depth--;
        if (!n)
            return NULL;
        *mod = MOD_NEG;
        return apply_mod(p, n, inner);
    }
    char c = cur(p);
    if (c == '+' || c == '-') {
        char next = off + 1 < p->len ? p->s[off + 1] : '\0';
        if (next == '\0' || is_ws(next) || next == ')') {
            char hint[48];
            snprintf(hint, sizeof hint, "write %cFIELD:VALUE with no space", c);
            fail_at(p, off, hint, "missing term after '%c'", c);
            return NULL;
        }
        if (!enter(p, off))
            return NULL;
        p->pos++;
        struct search_node *n = parse_primary(p, df);
        p->depth--;
        *mod = c == '+' ? MOD_REQ : MOD_NEG;
        return n;
    }
    return parse_primary(p, df);
}

static struct search_node *parse_and(struct parser *p, const struct dfield *df, enum mod *mod)
{
    struct nvec v = { 0 };
    enum mod m;
    struct search_node *n = parse_unary(p, df, &m);
    if (!n)
        return NULL;
    for (;;) {
        size_t save = p->pos, kwlen;
        skip_ws(p);
        if (keyword_at(p, &kwlen) != KW_AND) {
            p->pos = save;
            break;
        }
        size_t op = p->pos;
        p->pos += kwlen;
        skip_ws(p);
        if (at_end(p) || cur(p) == ')') {
            fail_at(p, op, NULL, "missing term after '%.*s'", (int)kwlen, p->s + op);
            goto fail;
        }
        if (v.n == 0) {
            struct search_node *first = apply_mod(p, n, m);
            n = NULL;
            if (!first || nvec_push(p, &v, first, MOD_NONE))
                goto fail;
        }
        struct search_node *k = parse_unary(p, df, &m);
        if (!k || !(k = apply_mod(p, k, m)) || nvec_push(p, &v, k, MOD_NONE))
            goto fail;
    }
    if (v.n == 0) {
        *mod = m;
        return n;
    }
    *mod = MOD_NONE;
    n = node_with_kids(p, SEARCH_AND, v.v, v.n);
    v.n = 0; /* node_with_kids owns or freed them */
    nvec_free(&v);
    return n;
fail:
    node_free(n);
    nvec_free(&v);
    return NULL;
}

/* Lucene clause rules over one OR list; consumes v. */
static struct search_node *resolve_list(struct parser *p, struct nvec *v)
{
    if (v->n == 1) {
        struct search_node *n = apply_mod(p, v->v[0], v->m[0]);
        v->n = 0;
        nvec_free(v);
        return n;
    }
    size_t nreq = 0, nneg = 0;
    for (size_t i = 0; i < v->n; i++) {
        nreq += v->m[i] == MOD_REQ;
        nneg += v->m[i] == MOD_NEG;
    }
    if (nreq == 0 && nneg == 0) {
        struct search_node *n = node_with_kids(p, SEARCH_OR, v->v, v->n);
        v->n = 0;
        nvec_free(v);
        return n;
    }
    struct nvec parts = { 0 }, opt = { 0 };
    for (size_t i = 0; i < v->n; i++) {
        struct search_node *n = v->v[i];
        if (v->m[i] == MOD_NEG)
            continue; /* below, after the others */
        v->v[i] = NULL;
        if (v->m[i] == MOD_REQ) {
            if (nvec_push(p, &parts, n, MOD_NONE))
                goto fail;
        } else if (v->m[i] == MOD_NONE) {
            if (nreq > 0)
                node_free(n); /* optional next to required: does not change the match */
            else if (nvec_push(p, &opt, n, MOD_NONE))
                goto fail;
        }
    }
    if (opt.n > 0) {
        struct search_node *o = opt.n == 1 ? opt.v[0]
                              : node_with_kids(p, SEARCH_OR, opt.v, opt.n);
        opt.n = 0;
        if (!o || nvec_push(p, &parts, o, MOD_NONE))
            goto fail;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (v->m[i] != MOD_NEG)
            continue;
        struct search_node *n = node_not(p, v->v[i]);
        v->v[i] = NULL;
        if (!n || nvec_push(p, &parts, n, MOD_NONE))
            goto fail;
    }
    nvec_free(v);
    nvec_free(&opt);
    struct search_node *n = parts.n == 1 ? parts.v[0]
                          : node_with_kids(p, SEARCH_AND, parts.v, parts.n);
    parts.n = 0;
    nvec_free(&parts);
    return n;
fail:
    nvec_free(v);
    nvec_free(&opt);
    nvec_free(&parts);
    return NULL;
}

/* An OR list up to ')' or the end; NULL without an error when empty. */
static struct search_node *parse_or(struct parser *p, const struct dfield *df)
{
    struct nvec v = { 0 };
    for (;;) {
        skip_ws(p);
        if (at_end(p) || cur(p) == ')')
            break;
        size_t kwlen;
        if (v.n > 0 && keyword_at(p, &kwlen) == KW_OR) {
            size_t op = p->pos;
            p->pos += kwlen;
            skip_ws(p);
            if (at_end(p) || cur(p) == ')') {
                fail_at(p, op, NULL, "missing term after '%.*s'", (int)kwlen, p->s + op);
                goto fail;
            }
        }
        enum mod m;
        struct search_node *n = parse_and(p, df, &m);
        if (!n || nvec_push(p, &v, n, m))
            goto fail;
    }
    if (v.n == 0) {
        nvec_free(&v);
        return NULL;
    }
    return resolve_list(p, &v);
fail:
    nvec_free(&v);
    return NULL;
}

struct search_query *search_parse(const char *text, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    struct parser p = { .s = text ? text : "", .err = err, .errlen = errlen };
    p.len = strlen(p.s);
    if (validate(&p))
        return NULL;
    skip_ws(&p);
    if (at_end(&p)) {
        if (err && errlen)
            snprintf(err, errlen, "empty query: use *:* to match every node");
        return NULL;
    }
    const struct dfield none = { false, NULL };
    struct search_node *root = parse_or(&p, &none);
    if (root && !at_end(&p)) {
        fail_at(&p, p.pos, NULL, "unexpected ')'"); /* parse_or stops only there */
        node_free(root);
        root = NULL;
    }
    if (!root) {
        if (!p.failed)
            fail_at(&p, p.pos, NULL, "unexpected ')'");
        return NULL;
    }
    struct search_query *q = malloc(sizeof *q);
    if (!q) {
        node_free(root);
        fail_oom(&p);
        return NULL;
    }
    q->root = root;
    q->nterms = p.nterms;
    return q;
}

void search_free(struct search_query *q)
{
    if (!q)
        return;
    node_free(q->root);
    free(q);
}

/* ---- evaluation ---- */

bool search_is_number(const char *s)
{
    size_t n = strlen(s), i = 0;
    if (n == 0 || n > SEARCH_MAX_NUM_LEN)
        return false;
    if (s[i] == '-')
        i++;
    size_t d = i;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return false;
    if (s[i] == '.') {
        d = ++i;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return s[i] == '\0';
}

struct decimal {
    int sign;              /* -1, 0, 1 */
    const char *ip, *fp;   /* integer digits without leading zeros; fraction */
    size_t il, fl;         /* fraction length without trailing zeros */
};

static void decimal_of(const char *s, struct decimal *d)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    while (*s == '0')
        s++;
    d->ip = s;
    d->il = strspn(s, "0123456789");
    s += d->il;
    d->fp = *s == '.' ? s + 1 : s;
    d->fl = strspn(d->fp, "0123456789");
    while (d->fl > 0 && d->fp[d->fl - 1] == '0')
        d->fl--;
    d->sign = d->il == 0 && d->fl == 0 ? 0 : neg ? -1 : 1;
}

int search_number_cmp(const char *a, const char *b)
{
    struct decimal x, y;
    decimal_of(a, &x);
    decimal_of(b, &y);
    if (x.sign != y.sign)
        return x.sign < y.sign ? -1 : 1;
    if (x.sign == 0)
        return 0;
    int mag;
    if (x.il != y.il) {
        mag = x.il < y.il ? -1 : 1;
    } else {
        mag = memcmp(x.ip, y.ip, x.il);
        size_t common = x.fl < y.fl ? x.fl : y.fl;
        if (mag == 0)
            mag = memcmp(x.fp, y.fp, common);
        if (mag == 0 && x.fl != y.fl)
            mag = x.fl < y.fl ? -1 : 1;
        mag = mag < 0 ? -1 : mag > 0 ? 1 : 0;
    }
    return x.sign * mag;
}

bool search_like(const char *pattern, const char *s)
{
    const char *p = pattern, *t = s, *star_p = NULL, *star_t = NULL;
    while (*t) {
        if (*p == '%') {
            star_p = ++p;
            star_t = t;
            continue;
        }
        if (*p == '_') {
            p++;
            t += char_len(t);
            continue;
        }
        if (*p) {
            const char *lit = *p == '\\' && p[1] ? p + 1 : p;
            size_t l = char_len(lit);
            if (strncmp(lit, t, l) == 0) {
                p = lit + l;
                t += l;
                continue;
            }
        }
        if (!star_p)
            return false;
        star_t += char_len(star_t);
        t = star_t;
        p = star_p;
    }
    while (*p == '%')
        p++;
    return *p == '\0';
}

static bool value_matches(const struct search_node *t, const char *v)
{
    switch (t->term) {
    case SEARCH_EXACT:
        return strcmp(v, t->text) == 0;
    case SEARCH_LIKE:
        return search_like(t->text, v);
    case SEARCH_EXISTS:
        return true;
    case SEARCH_RANGE:
        break;
    }
    if (t->numeric && !search_is_number(v))
        return false;
    if (t->lo) {
        int c = t->numeric ? search_number_cmp(v, t->lo) : strcmp(v, t->lo);
        if (c < 0 || (c == 0 && !t->lo_incl))
            return false;
    }
    if (t->hi) {
        int c = t->numeric ? search_number_cmp(v, t->hi) : strcmp(v, t->hi);
        if (c > 0 || (c == 0 && !t->hi_incl))
            return false;
    }
    return true;
}

static bool values_match(const struct search_node *t, const json_t *arr)
{
    if (!json_is_array(arr))
        return false;
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (s && strlen(s) == json_string_length(v) && value_matches(t, s))
            return true;
    }
    return false;
}

static bool term_matches(const struct search_node *t, const json_t *flat)
{
    if (t->field) {
        const json_t *arr = json_object_get(flat, t->field);
        return t->term == SEARCH_EXISTS ? arr != NULL : values_match(t, arr);
    }
    if (t->term == SEARCH_EXISTS)
        return true;
    const char *key;
    const json_t *arr;
    json_object_foreach((json_t *)flat, key, arr) {
        (void)key;
        if (values_match(t, arr))
            return true;
    }
    return false;
}

static bool node_matches(const struct search_node *n, const json_t *flat)
{
    switch (n->kind) {
    case SEARCH_ALL:
        return true;
    case SEARCH_AND:
        for (size_t i = 0; i < n->nkids; i++)
            if (!node_matches(n->kids[i], flat))
                return false;
        return true;
    case SEARCH_OR:
        for (size_t i = 0; i < n->nkids; i++)
            if (node_matches(n->kids[i], flat))
                return true;
        return false;
    case SEARCH_NOT:
        return !node_matches(n->kids[0], flat);
    case SEARCH_TERM:
        return term_matches(n, flat);
    }
    return false;
}

bool search_match(const struct search_query *q, const json_t *flattened)
{
    if (!q || !json_is_object(flattened))
        return false;
    return node_matches(q->root, flattened);
}

/* ---- debug tree ---- */

static void put_atom(FILE *f, const char *s, bool literal_star)
{
    bool quote = *s == '\0' || (literal_star && strcmp(s, "*") == 0)
              || strpbrk(s, " \t\r\n()\"\\[]{}") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_node(FILE *f, const struct search_node *n)
{
    static const char *const ops[] = { [SEARCH_AND] = "AND", [SEARCH_OR] = "OR",
                                       [SEARCH_NOT] = "NOT" };
    switch (n->kind) {
    case SEARCH_ALL:
        fputs("(all)", f);
        return;
    case SEARCH_AND:
    case SEARCH_OR:
    case SEARCH_NOT:
        fprintf(f, "(%s", ops[n->kind]);
        for (size_t i = 0; i < n->nkids; i++) {
            fputc(' ', f);
            put_node(f, n->kids[i]);
        }
        fputc(')', f);
        return;
    case SEARCH_TERM:
        break;
    }
    static const char *const names[] = { [SEARCH_EXACT] = "term", [SEARCH_LIKE] = "like",
                                         [SEARCH_EXISTS] = "exists", [SEARCH_RANGE] = "range" };
    fprintf(f, "(%s ", n->term == SEARCH_RANGE && n->numeric ? "nrange" : names[n->term]);
    if (n->field)
        put_atom(f, n->field, true);
    else
        fputc('*', f);
    if (n->term == SEARCH_EXACT || n->term == SEARCH_LIKE) {
        fputc(' ', f);
        put_atom(f, n->text, n->term == SEARCH_EXACT);
    } else if (n->term == SEARCH_RANGE) {
        fputs(n->lo_incl ? " [" : " {", f);
        if (n->lo)
            put_atom(f, n->lo, true);
        else
            fputc('*', f);
        fputs(" TO ", f);
        if (n->hi)
            put_atom(f, n->hi, true);
        else
            fputc('*', f);
        fputc(n->hi_incl ? ']' : '}', f);
    }
    fputc(')', f);
}

char *search_debug_tree(const struct search_query *q)
{
    if (!q)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    put_node(f, q->root);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}
