/* Search query -> SQL (shared/search_sql.c): the exact SQL of each kind of
 * term, parameter numbering, and injection attempts: user text (values and
 * field names) only ever travels as parameters, verbatim. The SQL's
 * results are compared with the evaluator on PostgreSQL by
 * tests/integration/test_search_sql.sh. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/search_sql.h"

#define COL "n.search_keys"
#define NUM "CASE WHEN octet_length(pushy_v.x) <= 100 AND pushy_v.x ~ '^-?[0-9]+([.][0-9]+)?$' THEN "
#define ELEMS "EXISTS (SELECT 1 FROM jsonb_array_elements_text(n.search_keys -> $1::text) AS pushy_v(x) WHERE "
#define ANY_ELEMS "EXISTS (SELECT 1 FROM jsonb_each(n.search_keys) AS pushy_f(k, v)," \
                  " jsonb_array_elements_text(pushy_f.v) AS pushy_v(x) WHERE "

static char err[512];

/* Compiles text; the caller frees out. */
static void compile(const char *text, int first, struct search_sql *out)
{
    struct search_query *q = search_parse(text, err, sizeof err);
    cr_assert_not_null(q, "%s: %s", text, err);
    cr_assert_eq(search_to_sql(q, COL, first, out), 0, "%s", text);
    search_free(q);
    cr_assert_not_null(out->sql);
}

/* params joined with '|' for compact assertions. */
static char *joined(const struct search_sql *s)
{
    size_t len = 1;
    for (int i = 0; i < s->nparams; i++)
        len += strlen(s->params[i]) + 1;
    char *out = calloc(1, len);
    cr_assert_not_null(out);
    for (int i = 0; i < s->nparams; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, s->params[i]);
    }
    return out;
}

static const struct { const char *query, *sql, *params; } golden[] = {
    { "role:webapp",
      "(n.search_keys @> jsonb_build_object($1::text, jsonb_build_array($2::text)))",
      "role|webapp" },
    { "role:*", "(n.search_keys ? $1::text)", "role" },
    { "role:[* TO *]", "(n.search_keys ? $1::text)", "role" },
    { "name:web*", ELEMS "pushy_v.x LIKE $2::text)", "name|web%" },
    { "name:a_b?%c\\*\\\\*", ELEMS "pushy_v.x LIKE $2::text)", "name|a\\_b_\\%c*\\\\%" },
    { "name:[a TO b}",
      ELEMS "pushy_v.x COLLATE \"C\" >= $2::text AND pushy_v.x COLLATE \"C\" < $3::text)",
      "name|a|b" },
    { "name:{a TO *]", ELEMS "pushy_v.x COLLATE \"C\" > $2::text)", "name|a" },
    { "name:[* TO b]", ELEMS "pushy_v.x COLLATE \"C\" <= $2::text)", "name|b" },
    { "mem:[1 TO 2.5]",
      ELEMS NUM "pushy_v.x::numeric >= $2::numeric AND pushy_v.x::numeric <= $3::numeric"
            " ELSE FALSE END)",
      "mem|1|2.5" },
    { "mem:{-1 TO *]", ELEMS NUM "pushy_v.x::numeric > $2::numeric ELSE FALSE END)", "mem|-1" },
    { "mem:[* TO 7}", ELEMS NUM "pushy_v.x::numeric < $2::numeric ELSE FALSE END)", "mem|7" },
    { "*:x",
      "EXISTS (SELECT 1 FROM jsonb_each(n.search_keys) AS pushy_f(k, v)"
      " WHERE pushy_f.v @> jsonb_build_array($1::text))",
      "x" },
    { "*:x*", ANY_ELEMS "pushy_v.x LIKE $1::text)", "x%" },
    { "*:[1 TO 2]",
      ANY_ELEMS NUM "pushy_v.x::numeric >= $1::numeric AND pushy_v.x::numeric <= $2::numeric"
                " ELSE FALSE END)",
      "1|2" },
    { "*:*", "TRUE", "" },
    { "*:* -a:b",
      "(TRUE AND (NOT (n.search_keys @> jsonb_build_object($1::text, jsonb_build_array($2::text)))))",
      "a|b" },
    { "a:b c:d",
      "((n.search_keys @> jsonb_build_object($1::text, jsonb_build_array($2::text)))"
      " OR (n.search_keys @> jsonb_build_object($3::text, jsonb_build_array($4::text))))",
      "a|b|c|d" },
    { "NOT (a:* AND c:*)", "(NOT ((n.search_keys ? $1::text) AND (n.search_keys ? $2::text)))",
      "a|c" },
    { "a:b a:b", /* no parameter sharing: one per use */
      "((n.search_keys @> jsonb_build_object($1::text, jsonb_build_array($2::text)))"
      " OR (n.search_keys @> jsonb_build_object($3::text, jsonb_build_array($4::text))))",
      "a|b|a|b" },
};

Test(search_sql, golden)
{
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        struct search_sql s;
        compile(golden[i].query, 1, &s);
        cr_expect_str_eq(s.sql, golden[i].sql, "query [%s]", golden[i].query);
        char *p = joined(&s);
        cr_expect_str_eq(p, golden[i].params, "params of [%s]", golden[i].query);
        free(p);
        search_sql_free(&s);
    }
}

Test(search_sql, numbering_starts_at_first_param)
{
    struct search_sql s;
    compile("a:b -c:[1 TO 2]", 4, &s);
    cr_assert_str_eq(s.sql,
                     "((n.search_keys @> jsonb_build_object($4::text, jsonb_build_array($5::text)))"
                     " AND (NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(n.search_keys ->"
                     " $6::text) AS pushy_v(x) WHERE " NUM "pushy_v.x::numeric >= $7::numeric AND"
                     " pushy_v.x::numeric <= $8::numeric ELSE FALSE END)))");
    cr_assert_eq(s.nparams, 5);
    search_sql_free(&s);
    cr_assert_null(s.sql, "freed and cleared");
    search_sql_free(&s);
    search_sql_free(NULL);
}

Test(search_sql, bad_arguments)
{
    struct search_query *q = search_parse("a:b", err, sizeof err);
    cr_assert_not_null(q);
    struct search_sql s;
    cr_assert_eq(search_to_sql(NULL, COL, 1, &s), -1);
    cr_assert_null(s.sql);
    cr_assert_eq(search_to_sql(q, NULL, 1, &s), -1);
    cr_assert_eq(search_to_sql(q, "", 1, &s), -1);
    cr_assert_eq(search_to_sql(q, COL, 0, &s), -1);
    cr_assert_eq(search_to_sql(q, COL, 1, NULL), -1);
    /* PostgreSQL allows $65535 at most */
    cr_assert_eq(search_to_sql(q, COL, 65534, &s), 0);
    cr_assert_eq(s.nparams, 2);
    search_sql_free(&s);
    cr_assert_eq(search_to_sql(q, COL, 65535, &s), -1);
    cr_assert_null(s.sql);
    cr_assert_eq(s.nparams, 0);
    search_free(q);
}

/* ---- injection ---- */

static const char *const evil[] = {
    "'; DROP TABLE nodes; --",
    "x' OR '1'='1",
    "$1",
    "$2::text) OR TRUE --",
    "$$; SELECT pg_sleep(10); $$",
    "\\",
    "\\'",
    "'",
    "\"",
    "a\"b'c\\d",
    ";",
    "/* comment */",
    ") OR TRUE OR (",
    "E'\\x41'",
    "%_\\",
    "n.search_keys",
    "role:webapp AND name:*",
    "日本 café",
};

/* text with every ASCII punctuation/space backslash-escaped: a literal word. */
static char *escape_word(const char *text)
{
    char *out = malloc(2 * strlen(text) + 1), *o = out;
    cr_assert_not_null(out);
    for (const char *s = text; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* text inside a phrase: " and \ escaped. */
static char *escape_phrase(const char *text)
{
    char *out = malloc(2 * strlen(text) + 3), *o = out;
    cr_assert_not_null(out);
    *o++ = '"';
    for (const char *s = text; *s; s++) {
        if (*s == '"' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* text as a LIKE literal. */
static char *like_literal(const char *text)
{
    char *out = malloc(2 * strlen(text) + 2), *o = out;
    cr_assert_not_null(out);
    for (const char *s = text; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* The SQL of query equals the SQL of template, and the params are want[]. */
static void same_sql(const char *query, const char *template, const char *const *want, int nwant)
{
    struct search_sql s, t;
    compile(query, 1, &s);
    compile(template, 1, &t);
    cr_expect_str_eq(s.sql, t.sql, "SQL text must not depend on user text: [%s]", query);
    cr_expect_eq(s.nparams, nwant, "[%s]", query);
    for (int i = 0; i < nwant && i < s.nparams; i++)
        cr_expect_str_eq(s.params[i], want[i], "param %d of [%s]", i + 1, query);
    search_sql_free(&s);
    search_sql_free(&t);
}

Test(search_sql, injection_in_values_and_field_names)
{
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        const char *e = evil[i];
        char *word = escape_word(e), *phrase = escape_phrase(e), *like = like_literal(e);
        char q[512], likep[256];
        snprintf(likep, sizeof likep, "%s%%", like);

        snprintf(q, sizeof q, "tags:%s", phrase);
        same_sql(q, "tags:\"x\"", (const char *const[]){ "tags", e }, 2);
        snprintf(q, sizeof q, "tags:%s", word);
        same_sql(q, "tags:x", (const char *const[]){ "tags", e }, 2);
        snprintf(q, sizeof q, "%s:x", word);
        same_sql(q, "f:x", (const char *const[]){ e, "x" }, 2);
        snprintf(q, sizeof q, "%s:*", word);
        same_sql(q, "f:*", (const char *const[]){ e }, 1);
        snprintf(q, sizeof q, "tags:%s*", word);
        same_sql(q, "tags:x*", (const char *const[]){ "tags", likep }, 2);
        snprintf(q, sizeof q, "%s:[%s TO %s}", word, phrase, phrase);
        same_sql(q, "f:[a TO b}", (const char *const[]){ e, e, e }, 3);
        snprintf(q, sizeof q, "*:%s", phrase);
        same_sql(q, "*:x", (const char *const[]){ e }, 1);
        snprintf(q, sizeof q, "%s:(%s OR %s*)", word, phrase, word);
        same_sql(q, "f:(x OR x*)", (const char *const[]){ e, e, e, likep }, 4);
        free(word);
        free(phrase);
        free(like);
    }
}

Test(search_sql, sql_text_holds_no_user_text)
{
    struct search_sql s;
    compile("tags:\"'; DROP TABLE nodes; --\" OR \\'\\;\\ DROP\\ TABLE\\ nodes\\;\\ --:x"
            " OR tags:\\$\\$*", 1, &s);
    cr_assert_null(strstr(s.sql, "DROP"));
    cr_assert_null(strchr(s.sql, ';'));
    cr_assert_null(strchr(s.sql, '\''));
    cr_assert_null(strstr(s.sql, "--"));
    cr_assert_null(strstr(s.sql, "$$"));
    cr_assert_eq(s.nparams, 6);
    cr_assert_str_eq(s.params[1], "'; DROP TABLE nodes; --");
    cr_assert_str_eq(s.params[2], "'; DROP TABLE nodes; --");
    cr_assert_str_eq(s.params[5], "$$%");
    search_sql_free(&s);
}

/* The only quote characters in any SQL are the fixed regular expression
 * of numeric ranges and COLLATE "C". */
Test(search_sql, only_fixed_literals)
{
    struct search_sql s;
    compile("a:[1 TO 2] b:[x TO y] c:d e:f* *:g *:h* *:[1 TO *] i:*", 1, &s);
    char *copy = strdup(s.sql);
    cr_assert_not_null(copy);
    const char *fixed[] = { "'^-?[0-9]+([.][0-9]+)?$'", "COLLATE \"C\"" };
    for (size_t i = 0; i < 2; i++) {
        char *p;
        while ((p = strstr(copy, fixed[i])))
            memset(p, ' ', strlen(fixed[i]));
    }
    cr_expect_null(strpbrk(copy, "'\";\\"), "unexpected literal in: %s", s.sql);
    free(copy);
    search_sql_free(&s);
}
