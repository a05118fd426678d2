#include "cli/knife_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/strbuf.h"
#include "shared/fsutil.h"

#define KNIFE_CONFIG_MAX (1024 * 1024)

static const char *const known_keys[] = { "node_name", "client_key", "chef_server_url",
                                          "trusted_certs_dir" };

static char **slot_for(struct knife_config *cfg, size_t i)
{
    switch (i) {
    case 0: return &cfg->node_name;
    case 1: return &cfg->client_key;
    case 2: return &cfg->chef_server_url;
    default: return &cfg->trusted_certs_dir;
    }
}

/* Parsing state for one line. */
struct line {
    const char *path;
    const char *home;
    const char *dir; /* directory of path */
    size_t dirlen;
    unsigned lineno;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int line_error(const struct line *l, const char *fmt,
                                                            ...)
{
    if (!l->err || !l->errlen)
        return -1;
    int n = snprintf(l->err, l->errlen, "%s:%u: ", l->path, l->lineno);
    if (n >= 0 && (size_t)n < l->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_ident_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Appends the value of the interpolation #{expr} (expr is [s, e)). */
static int interpolate(const struct line *l, const char *s, const char *e, struct strbuf *out)
{
    size_t n = (size_t)(e - s);
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(s, lit, n))
    if (IS("current_dir") || IS("File.dirname(__FILE__)"))
        return sb_append(out, l->dir, l->dirlen) ? line_error(l, "out of memory") : 0;
    if (IS("ENV['HOME']") || IS("ENV[\"HOME\"]") || IS("Dir.home")) {
        if (!l->home)
            return line_error(l, "#{%.*s}: HOME is not set", (int)n, s);
        return sb_puts(out, l->home) ? line_error(l, "out of memory") : 0;
    }
#undef IS
    return line_error(l, "unsupported Ruby interpolation #{%.*s}: write the value out, "
                         "or use #{current_dir}", (int)n, s);
}

/* Parses a quoted string starting at *pp (on the quote) into out; moves
 * *pp past the closing quote. */
static int parse_string(const struct line *l, const char **pp, const char *end,
                        struct strbuf *out)
{
    const char *p = *pp;
    char q = *p++;
    while (p < end && *p != q) {
        char c = *p;
        if (c == '\\' && p + 1 < end) {
            char n = p[1];
            if (q == '\'') {
                if (n == '\\' || n == '\'') {
                    c = n;
                    p++;
                }
            } else {
                c = n == 'n' ? '\n' : n == 't' ? '\t' : n;
                p++;
            }
            p++;
            if (sb_putc(out, c))
                return line_error(l, "out of memory");
            continue;
        }
        if (q == '"' && c == '#' && p + 1 < end && p[1] == '{') {
            const char *close = memchr(p + 2, '}', (size_t)(end - (p + 2)));
            if (!close)
                return line_error(l, "unterminated #{ in string");
            if (interpolate(l, p + 2, close, out))
                return -1;
            p = close + 1;
            continue;
        }
        if (c == '\0')
            return line_error(l, "NUL byte in string");
        if (sb_putc(out, c))
            return line_error(l, "out of memory");
        p++;
    }
    if (p >= end)
        return line_error(l, "unterminated string (the closing %c is missing)", q);
    *pp = p + 1;
    return 0;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p;
}

/* The rest of an `ssl_verify_mode` line, from after the key: a symbol,
 * optionally after '=' or inside '( )', then at most a comment. */
static int parse_verify_mode(const struct line *l, const char *p, const char *end,
                             struct knife_config *cfg)
{
    p = skip_space(p, end);
    if (p < end && *p == '=')
        p = skip_space(p + 1, end);
    bool paren = p < end && *p == '(';
    if (paren)
        p = skip_space(p + 1, end);
    const char *sym = p;
    if (p < end && *p == ':')
        for (p++; p < end && is_ident(*p); p++)
            ;
    size_t n = (size_t)(p - sym);
    bool none = n == 12 && !memcmp(sym, ":verify_none", n);
    bool peer = n == 12 && !memcmp(sym, ":verify_peer", n);
    p = skip_space(p, end);
    if (paren && p < end && *p == ')')
        p = skip_space(p + 1, end);
    else if (paren)
        none = peer = false;
    if ((!none && !peer) || (p < end && *p != '#'))
        return line_error(l, "ssl_verify_mode: expected :verify_peer or :verify_none, found "
                             "'%.*s'", (int)(end - sym > 40 ? 40 : end - sym), sym);
    cfg->ssl_verify_none = none;
    return 0;
}

/* One line [p, end). Sets a key of cfg when the line assigns one. */
static int parse_line(const struct line *l, const char *p, const char *end,
                      struct knife_config *cfg)
{
    p = skip_space(p, end);
    if (p == end || *p == '#' || !is_ident_start(*p))
        return 0;
    const char *id = p;
    while (p < end && is_ident(*p))
        p++;
    size_t idlen = (size_t)(p - id);
    if (idlen == 15 && !memcmp(id, "ssl_verify_mode", idlen) &&
        (p == end || is_space(*p) || *p == '=' || *p == '('))
        return parse_verify_mode(l, p, end, cfg);
    size_t k;
    for (k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++)
        if (strlen(known_keys[k]) == idlen && !memcmp(known_keys[k], id, idlen))
            break;
    if (k == sizeof known_keys / sizeof known_keys[0])
        return 0; /* not a key we read */
    if (p < end && !is_space(*p) && *p != '=' && *p != '(' && *p != '#')
        return 0; /* node_name.something: Ruby code, not an assignment */
    const char *key = known_keys[k];
    p = skip_space(p, end);
    if (p < end && *p == '=' && (p + 1 == end || p[1] != '=')) {
        p = skip_space(p + 1, end);
    }
    bool paren = false;
    if (p < end && *p == '(') {
        paren = true;
        p = skip_space(p + 1, end);
    }
    if (p == end || *p == '#')
        return line_error(l, "%s has no value: write %s \"VALUE\"", key, key);
    if (*p != '"' && *p != '\'')
        return line_error(l, "%s: expected a quoted string (\"...\" or '...'), found '%.*s'", key,
                          (int)(end - p > 40 ? 40 : end - p), p);
    struct strbuf value = { 0 };
    if (parse_string(l, &p, end, &value)) {
        sb_free(&value);
        return -1;
    }
    p = skip_space(p, end);
    if (paren) {
        if (p == end || *p != ')') {
            sb_free(&value);
            return line_error(l, "%s: missing ')'", key);
        }
        p = skip_space(p + 1, end);
    }
    if (p < end && *p != '#') {
        sb_free(&value);
        return line_error(l, "%s: unexpected text after the value: '%.*s'", key,
                          (int)(end - p > 40 ? 40 : end - p), p);
    }
    char *v = sb_take(&value);
    if (!v)
        return line_error(l, "out of memory");
    int rc = knife_config_set(slot_for(cfg, k), v, l->home);
    if (rc && !strncmp(v, "~/", 2))
        rc = line_error(l, "%s: cannot expand '~': HOME is not set", key);
    else if (rc)
        rc = line_error(l, "out of memory");
    free(v);
    return rc;
}

int knife_config_set(char **slot, const char *value, const char *home)
{
    struct strbuf b = { 0 };
    if (!strncmp(value, "~/", 2) || !strcmp(value, "~")) {
        if (!home)
            return -1;
        if (sb_puts(&b, home) || sb_puts(&b, value + 1)) {
            sb_free(&b);
            return -1;
        }
    } else if (sb_puts(&b, value)) {
        return -1;
    }
    char *v = sb_take(&b);
    if (!v)
        return -1;
    free(*slot);
    *slot = v;
    return 0;
}

int knife_config_parse(const char *text, size_t len, const char *path, const char *home,
                       struct knife_config *cfg, char *err, size_t errlen)
{
    struct line l = { .path = path ? path : "knife.rb", .home = home, .err = err,
                      .errlen = errlen };
    const char *slash = strrchr(l.path, '/');
    if (slash) {
        l.dir = l.path;
        l.dirlen = slash == l.path ? 1 : (size_t)(slash - l.path);
    } else {
        l.dir = ".";
        l.dirlen = 1;
    }
    const char *p = text, *end = text + len;
    while (p < end) {
        l.lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (parse_line(&l, p, eol, cfg))
            return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int knife_config_load(const char *path, const char *home, struct knife_config *cfg, char *err,
                      size_t errlen)
{
    size_t len;
    char *text = read_file(path, KNIFE_CONFIG_MAX, &len);
    if (!text) {
        if (err)
            snprintf(err, errlen, "cannot read %s: %s", path,
                     errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
        return -1;
    }
    int rc = knife_config_parse(text, len, path, home, cfg, err, errlen);
    free(text);
    return rc;
}

void knife_config_free(struct knife_config *cfg)
{
    free(cfg->node_name);
    free(cfg->client_key);
    free(cfg->chef_server_url);
    free(cfg->trusted_certs_dir);
    cfg->node_name = cfg->client_key = cfg->chef_server_url = cfg->trusted_certs_dir = NULL;
    cfg->ssl_verify_none = false;
}
