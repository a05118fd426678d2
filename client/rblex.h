/* The Ruby side of client.rb parsing (internal to rbconf*.c): a lexer
 * for the literals a client.rb setting may hold (strings with Ruby's
 * escapes, symbols, labels, integers, /regex/i, punctuation), with one token
 * of look-ahead, and a skipper for whole statements pushy-client does not
 * know. Errors go to the parser's buffer as "FILE:LINE: message". */
#ifndef PUSHY_CLIENT_RBLEX_H
#define PUSHY_CLIENT_RBLEX_H

#include <stdbool.h>
#include <stddef.h>

enum tk {
    TK_EOF, TK_NL, TK_SEMI, TK_IDENT, TK_STR, TK_SYM, TK_LABEL, TK_INT, TK_REGEX,
    TK_ARROW, TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE, TK_LBRACK, TK_RBRACK,
    TK_COMMA, TK_COLON, TK_EQ, TK_DOT, TK_OTHER,
};

struct tok {
    enum tk t;
    char *s;      /* IDENT, STR, SYM, LABEL, REGEX text (malloc'd) */
    long long num;
    bool interp;  /* STR with #{...} */
    bool icase;   /* REGEX /i */
    int line;
};

struct parser {
    const char *p, *end, *name;
    int line;
    char *err;
    size_t errlen;
    bool failed;
    bool has_peek;
    struct tok peek;
};

#define LX_VALUE 1 /* a '/' starts a regex */
#define LX_SEP 2   /* a ':' is a separator, never a symbol */

/* Records the first error (later ones are ignored); returns -1. */
int rb_perr(struct parser *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rb_tok_free(struct tok *t);
bool rb_ident_start(char c);
/* Skips blanks, comments and backslash-newlines (not newlines). */
void rb_skip_space(struct parser *ps);
/* The next token from the text; mode: LX_VALUE | LX_SEP. */
int rb_lex(struct parser *ps, struct tok *t, int mode);
/* The next token, the looked-ahead one first; skip_nl: newlines are
 * continuation (inside brackets, after ',' or '=>'). */
int rb_next(struct parser *ps, struct tok *t, int mode, bool skip_nl);
/* Makes t the next token (takes its text). */
void rb_push_back(struct parser *ps, struct tok *t);
/* "a string", "'=>'", an identifier's own text... for messages. */
const char *rb_tk_name(const struct tok *t);
/* From the start of a statement to its end: a newline or ';' outside
 * brackets that does not follow ',', '\\', '=', '(', '>', '.' or '+'.
 * Quotes are honoured; an unterminated quote ends at the end of its line. */
void rb_skip_statement(struct parser *ps);
/* trace/debug/info/auto/warn/error/fatal -> debug|info|warn|error, or NULL. */
const char *rb_norm_level(const char *s);

#endif
