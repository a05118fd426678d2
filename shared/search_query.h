/* Node search (issue 8): the Chef/Lucene query language, parsed into an
 * AST that search_sql.h compiles to SQL and search_match() evaluates in
 * memory with the same semantics. Nodes are searched through their
 * flattened keys (search_flatten.h): an object mapping each field name to
 * an array of string values. The full reference is docs/search.md.
 *
 * Grammar (whitespace = space, tab, CR, LF):
 *
 *   query    := or_list EOF
 *   or_list  := and_expr ( [ "OR" | "||" ] and_expr )*   adjacency = OR
 *   and_expr := unary ( ( "AND" | "&&" ) unary )*
 *   unary    := ( "NOT" | "!" ) unary | ( "+" | "-" ) primary | primary
 *   primary  := "(" or_list ")" | FIELD ":" value | value (inside FIELD:(...))
 *   value    := WORD | "\"" PHRASE "\"" | range | "(" or_list ")"
 *   range    := ( "[" | "{" ) BOUND "TO" BOUND ( "]" | "}" )   [ ] inclusive
 *
 * - Keywords are upper case; "and"/"or"/"not" are plain words. No space
 *   is allowed after "FIELD:" nor after a "+"/"-" prefix.
 * - WORD: any characters but whitespace and ( ) [ ] { } " : ^ ~ ; a
 *   backslash makes the next character literal (name:a\:b, \*, \\, \ ).
 *   Unescaped * and ? are wildcards (any run / exactly one character);
 *   FIELD:* means "the field exists"; *:* matches every node; "*:" as the
 *   field searches every field. Phrases and range bounds are literal.
 * - Precedence NOT > AND > OR. Within an OR list (explicit or implicit)
 *   Lucene's clause rules apply, so a negated clause never widens a
 *   match: "a NOT b", "a -b", "a OR NOT b" all mean a AND NOT b; with a
 *   "+required" clause present the plain clauses of that list are only
 *   optional and do not affect the match ("+a b" == a); a list of only
 *   negated clauses means everything except them ("-a" == NOT a).
 * - Matching is exact and case-sensitive (like Chef's keyword fields;
 *   Chef's Solr/Elasticsearch index lowercases, Pushy does not).
 * - Ranges compare text by byte (UTF-8 code point) order; when every
 *   given bound is an unquoted decimal number (-?[0-9]+(.[0-9]+)?), the
 *   range is numeric and matches only values that are such numbers, by
 *   value. [* TO *] is the same as FIELD:*.
 * - Rejected with a message: bare terms outside FIELD:(...) (Chef would
 *   search a catch-all field; write *:VALUE), fuzzy "~", boost "^",
 *   wildcards in field names, a ':' inside a value (escape it).
 * - Limits: SEARCH_MAX_QUERY_BYTES of valid UTF-8 without control
 *   characters, SEARCH_MAX_DEPTH levels of "(" / NOT / + / - nesting,
 *   SEARCH_MAX_TERMS terms.
 *
 * Errors name the 1-based character (not byte) position, e.g.
 * "unexpected ')' at position 14"; the API returns them as 400. */
#ifndef PUSHY_SHARED_SEARCH_QUERY_H
#define PUSHY_SHARED_SEARCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define SEARCH_MAX_QUERY_BYTES 4096
#define SEARCH_MAX_DEPTH 64
#define SEARCH_MAX_TERMS 512
/* Longest text (bytes) that counts as a number in numeric ranges (keeps
 * the SQL ::numeric casts far inside PostgreSQL's limits). */
#define SEARCH_MAX_NUM_LEN 100

enum search_node_kind {
    SEARCH_ALL,  /* *:* */
    SEARCH_AND,  /* kids[0..nkids), nkids >= 2 */
    SEARCH_OR,   /* kids[0..nkids), nkids >= 2 */
    SEARCH_NOT,  /* kids[0] */
    SEARCH_TERM,
};

enum search_term_kind {
    SEARCH_EXACT,  /* some value equals text */
    SEARCH_LIKE,   /* some value matches text, a SQL LIKE pattern (\ escapes) */
    SEARCH_EXISTS, /* the field is present (FIELD:*, FIELD:[* TO *]) */
    SEARCH_RANGE,  /* some value lies between lo and hi */
};

struct search_node {
    enum search_node_kind kind;
    struct search_node **kids;
    size_t nkids;
    /* SEARCH_TERM only: */
    enum search_term_kind term;
    char *field;        /* NULL: any field ("*:value") */
    char *text;         /* EXACT: the value; LIKE: the pattern */
    char *lo, *hi;      /* RANGE: bounds, NULL when open */
    bool lo_incl, hi_incl;
    bool numeric;       /* RANGE: compare as numbers */
};

struct search_query {
    struct search_node *root;
    size_t nterms;
};

/* Parses text. Returns the query, or NULL with a message for the user in
 * err ("... at position N"); NULL with "out of memory" on allocation
 * failure. */
struct search_query *search_parse(const char *text, char *err, size_t errlen);
void search_free(struct search_query *q);

/* Whether a node with these flattened keys (search_flatten) matches;
 * the same answer as the SQL of search_to_sql on the stored keys. */
bool search_match(const struct search_query *q, const json_t *flattened);

/* The parse tree as an S-expression (malloc'd; NULL on allocation
 * failure): (AND x y ...), (OR x y ...), (NOT x), (all),
 * (term FIELD VALUE), (like FIELD PATTERN), (exists FIELD),
 * (range FIELD [LO TO HI}) or (nrange ...) for numeric ranges, with * for
 * an open bound. FIELD is * for any field. Atoms holding whitespace,
 * parentheses, quotes, backslashes, brackets, or that are empty or a
 * literal "*", are written in double quotes with \" and \\ escapes. */
char *search_debug_tree(const struct search_query *q);

/* Exposed for the compiler and the tests. A number: -?[0-9]+(.[0-9]+)?
 * of at most SEARCH_MAX_NUM_LEN bytes. */
bool search_is_number(const char *s);
/* Compares two strings that satisfy search_is_number by value: <0, 0, >0. */
int search_number_cmp(const char *a, const char *b);
/* SQL LIKE (backslash escapes) on UTF-8 characters, case-sensitive. */
bool search_like(const char *pattern, const char *s);

#endif
