/* Search query parser and evaluator (shared/search_query.c): the case
 * table (parse tree + matched nodes of the 50-node fixture), malformed
 * queries with their error positions, limits, and the helpers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/search_query.h"
#include "tests/unit/test_search_cases.h"
#include "tests/unit/test_search_fixture.h"

static char err[512];

/* The tree of text, or "error: MESSAGE" (malloc'd). */
static char *tree_of(const char *text)
{
    struct search_query *q = search_parse(text, err, sizeof err);
    if (!q) {
        cr_assert(err[0] != '\0', "a parse failure must come with a message: %s", text);
        char *out = malloc(strlen(err) + 8);
        cr_assert_not_null(out);
        sprintf(out, "error: %s", err);
        return out;
    }
    cr_assert_eq(err[0], '\0', "no message on success");
    char *t = search_debug_tree(q);
    cr_assert_not_null(t);
    search_free(q);
    return t;
}

static struct search_fixture fx;

static void load_fixture(void)
{
    char msg[256];
    cr_assert_eq(search_fixture_load(SEARCH_FIXTURE_PATH, &fx, msg, sizeof msg), 0,
                 "fixture (tests run from the repository root): %s", msg);
    cr_assert_eq(fx.n, 50, "the fixture has 50 nodes");
}

static void free_fixture(void) { search_fixture_free(&fx); }

TestSuite(search_cases, .init = load_fixture, .fini = free_fixture);

Test(search_cases, table_is_large_enough)
{
    cr_assert_geq(SEARCH_NCASES, 40);
}

Test(search_cases, every_case_parses_to_its_tree)
{
    for (size_t i = 0; i < SEARCH_NCASES; i++) {
        const struct search_case *c = &search_cases[i];
        char *t = tree_of(c->query);
        cr_expect_str_eq(t, c->tree, "query %s", c->query);
        free(t);
    }
}

Test(search_cases, every_case_matches_its_nodes)
{
    for (size_t i = 0; i < SEARCH_NCASES; i++) {
        const struct search_case *c = &search_cases[i];
        struct search_query *q = search_parse(c->query, err, sizeof err);
        cr_assert_not_null(q, "%s: %s", c->query, err);
        char *want = search_fixture_expand(&fx, c->nodes);
        cr_assert_not_null(want, "bad expected set for %s: %s", c->query, c->nodes);
        char *got = search_fixture_match(&fx, q);
        cr_assert_not_null(got);
        cr_expect_str_eq(got, want, "query %s", c->query);
        free(got);
        free(want);
        search_free(q);
    }
}

/* Facts about the flattened fixture that the cases rely on. */
Test(search_cases, fixture_shapes)
{
    const char *flat_checks[][3] = {
        { "odd-9", "name", "odd-9" },   /* the reported "name" is ignored */
        { "odd-7", "recipe", "nginx::default" },
        { "odd-3", "ratio", "2.0" },
        { "odd-3", "scores", "-3" },
        { "web01", "memory.total_mb", "4096" },
    };
    for (size_t i = 0; i < sizeof flat_checks / sizeof flat_checks[0]; i++) {
        size_t k = 0;
        while (k < fx.n && strcmp(fx.names[k], flat_checks[i][0]) != 0)
            k++;
        cr_assert_lt(k, fx.n);
        json_t *arr = json_object_get(fx.flat[k], flat_checks[i][1]);
        bool found = false;
        size_t j;
        json_t *v;
        json_array_foreach(arr, j, v) found |= strcmp(json_string_value(v), flat_checks[i][2]) == 0;
        cr_expect(found, "%s: %s has %s", flat_checks[i][0], flat_checks[i][1], flat_checks[i][2]);
    }
}

/* ---- malformed queries: message and 1-based character position ---- */

static const struct { const char *query, *error; } bad_queries[] = {
    { "role:web)", "unexpected ')' at position 9" },
    { "x:y)", "unexpected ')' at position 4" },
    { "(role:web", "missing ')' to close the '(' at position 1" },
    { "role:(web", "missing ')' to close the '(' at position 6" },
    { "role:web (", "missing ')' to close the '(' at position 10" },
    { "role:\"web", "unterminated quote starting at position 6" },
    { "role:", "missing value after 'role:' at position 5" },
    { "role: web", "missing value after 'role:' at position 5: no space is allowed after ':'" },
    { "role:web AND", "missing term after 'AND' at position 10" },
    { "a:b OR", "missing term after 'OR' at position 5" },
    { "name:web1 AND (platform:x OR)", "missing term after 'OR' at position 27" },
    { "role:web NOT", "missing term after 'NOT' at position 10" },
    { "NOT", "missing term after 'NOT' at position 1" },
    { "NOT NOT", "missing term after 'NOT' at position 5" },
    { "a:b !", "missing term after '!' at position 5" },
    { "- role:web", "missing term after '-' at position 1: write -FIELD:VALUE with no space" },
    { "+", "missing term after '+' at position 1: write +FIELD:VALUE with no space" },
    { "AND role:web", "unexpected 'AND' at position 1" },
    { "role:web OR OR x:y", "unexpected 'OR' at position 13" },
    { "role:web && || x:y", "unexpected '||' at position 13" },
    { "a:b +-c:d", "unexpected '-' at position 6" },
    { "web1", "bare term 'web1' at position 1: name a field (name:web1), or use *:web1 to"
              " search every field" },
    { "role:web web1", "bare term 'web1' at position 10: name a field (name:web1), or use"
                       " *:web1 to search every field" },
    { "\"two words\"", "bare term '\"two words\"' at position 1: name a field"
                       " (name:\"two words\"), or use *:\"two words\" to search every field" },
    { "[a TO b]", "range without a field at position 1: write FIELD:[LOW TO HIGH]" },
    { "role:[a TO b", "unterminated range starting at position 6" },
    { "role:[a b]", "expected 'TO' in range at position 9: write [LOW TO HIGH]" },
    { "role:[ TO b]", "missing lower bound in range at position 8: quote a bound spelled TO" },
    { "role:[a TO ]", "missing upper bound in range at position 12" },
    { "role:[a TO b c]", "expected ']' or '}' to close the range at position 14" },
    { "role:{a TO \"b}", "unterminated quote starting at position 12" },
    { "role:[a TO b]x", "unexpected 'x' at position 14" },
    { "role:web~", "fuzzy queries ('~') are not supported at position 9" },
    { "role:web~2", "fuzzy queries ('~') are not supported at position 9" },
    { "role:web^2", "boosts ('^') are not supported at position 9" },
    { "role:a\\", "dangling backslash at position 7: escape a backslash as \\\\" },
    { "plat*:debian", "wildcards are not allowed in field names ('plat*') at position 1:"
                      " escape them as \\* and \\?" },
    { "a:b:c", "unexpected ':' at position 4: escape a ':' in a value as '\\:'" },
    { ":web", "missing field name before ':' at position 1" },
    { "a:]", "unexpected ']' at position 3" },
    { "a:\"b\"c", "unexpected 'c' at position 6" },
    { "a:b)c", "unexpected ')' at position 4" },
    { "()", "empty parentheses at position 1" },
    { "role:(  )", "empty parentheses at position 6" },
    /* positions count characters, not bytes */
    { "tags:café)", "unexpected ')' at position 10" },
    { "x:\"é", "unterminated quote starting at position 3" },
    { "tags:日本 x:y)", "unexpected ')' at position 12" },
    { "role:\xff", "invalid UTF-8 at position 6" },
    { "role:\xc3", "invalid UTF-8 at position 6" },
    { "role:\xed\xa0\x80", "invalid UTF-8 at position 6" },        /* a surrogate */
    { "role:\xc0\xaf", "invalid UTF-8 at position 6" },            /* overlong '/' */
    { "role:a\x01", "control character 0x01 at position 7" },
    { "role:a\x7f", "control character 0x7F at position 7" },
    { "", "empty query: use *:* to match every node" },
    { " \t\r\n ", "empty query: use *:* to match every node" },
};

Test(search_errors, malformed_queries_name_the_position)
{
    cr_assert_geq(sizeof bad_queries / sizeof bad_queries[0], 15);
    for (size_t i = 0; i < sizeof bad_queries / sizeof bad_queries[0]; i++) {
        char *t = tree_of(bad_queries[i].query);
        char want[600];
        snprintf(want, sizeof want, "error: %s", bad_queries[i].error);
        cr_expect_str_eq(t, want, "query [%s]", bad_queries[i].query);
        free(t);
    }
}

Test(search_errors, null_text_and_tiny_buffers)
{
    cr_assert_null(search_parse(NULL, err, sizeof err));
    cr_assert_str_eq(err, "empty query: use *:* to match every node");
    char small[8];
    cr_assert_null(search_parse("role:", small, sizeof small));
    cr_assert_eq(strlen(small), sizeof small - 1, "truncated, terminated");
    cr_assert_null(search_parse("role:", NULL, 0), "no buffer is fine");
    search_free(NULL);
    cr_assert_null(search_debug_tree(NULL));
    cr_assert_not(search_match(NULL, NULL));
}

/* ---- syntax details ---- */

static const struct { const char *query, *tree; } trees[] = {
    /* keywords are upper case and must stand alone */
    { "role:and or:x", "(OR (term role and) (term or x))" },
    { "AND:x", "(term AND x)" },
    { "ANDROID:x", "(term ANDROID x)" },
    { "a:b AND(c:d)", "(AND (term a b) (term c d))" },
    { "NOT(a:b)", "(NOT (term a b))" },
    { "!a:b", "(NOT (term a b))" },
    { "! a:b", "(NOT (term a b))" },
    { "a:b&&c", "(term a b&&c)" },
    { "a:b&&c:d", "error: unexpected ':' at position 7: escape a ':' in a value as '\\:'" },
    { "a:b && c:d || e:f", "(OR (AND (term a b) (term c d)) (term e f))" },
    /* whitespace of all kinds; a value may hold operators' characters */
    { "\ta:b\r\n\tc:d ", "(OR (term a b) (term c d))" },
    { "a:b-c+d!e&f|g/h@i", "(term a b-c+d!e&f|g/h@i)" },
    { "a:-5", "(term a -5)" },
    /* escapes */
    { "x:a\\ b", "(term x \"a b\")" },
    { "x:\\(a\\)", "(term x \"(a)\")" },
    { "x:\\\"", "(term x \"\\\"\")" },
    { "x:\\*", "(term x \"*\")" },
    { "x:\\**", "(like x *%)" },
    { "x:100\\%", "(term x 100%)" },
    { "x:\\é", "(term x é)" },
    { "a\\:b:c", "(term a:b c)" },
    { "a\\ b:c", "(term \"a b\" c)" },
    { "\\*:x", "(term \"*\" x)" },
    { "f.g-h_1:x", "(term f.g-h_1 x)" },
    /* phrases are literal */
    { "x:\"a*b?\"", "(term x a*b?)" },
    { "x:\"a \\\\ \\\" b\"", "(term x \"a \\\\ \\\" b\")" },
    { "x:\"\"", "(term x \"\")" },
    { "x:\"*\"", "(term x \"*\")" },
    /* wildcards */
    { "x:*", "(exists x)" },
    { "x:**", "(like x %%)" },
    { "x:?", "(like x _)" },
    { "x:a_b*", "(like x \"a\\\\_b%\")" },
    { "*:x*", "(like * x%)" },
    { "*:\"a b\"", "(term * \"a b\")" },
    /* ranges */
    { "x:[1 TO 5]", "(nrange x [1 TO 5])" },
    { "x:{1 TO 5}", "(nrange x {1 TO 5})" },
    { "x:[1 TO 5}", "(nrange x [1 TO 5})" },
    { "x:{-1.5 TO *]", "(nrange x {-1.5 TO *])" },
    { "x:[ 1   TO   5 ]", "(nrange x [1 TO 5])" },
    { "x:[\"1\" TO 5]", "(range x [1 TO 5])" },
    { "x:[1 TO 5a]", "(range x [1 TO 5a])" },
    { "x:[1. TO 5]", "(range x [1. TO 5])" },
    { "x:[a* TO b?]", "(range x [a* TO b?])" },
    { "x:[\\* TO b]", "(range x [\"*\" TO b])" },
    { "x:[\"a b\" TO \"c d\"]", "(range x [\"a b\" TO \"c d\"])" },
    { "x:[* TO *]", "(exists x)" },
    { "*:[* TO *]", "(all)" },
    { "*:[1 TO 2]", "(nrange * [1 TO 2])" },
    /* field groups: bare values take the field; an inner field wins */
    { "x:(a b)", "(OR (term x a) (term x b))" },
    { "x:(a AND NOT b*)", "(AND (term x a) (NOT (like x b%)))" },
    { "x:(a y:b \"c d\" [1 TO 2] *)",
      "(OR (term x a) (term y b) (term x \"c d\") (nrange x [1 TO 2]) (exists x))" },
    { "x:(a (b OR c))", "(OR (term x a) (OR (term x b) (term x c)))" },
    { "*:(a b)", "(OR (term * a) (term * b))" },
    /* Lucene clause rules */
    { "+a:b", "(term a b)" },
    { "-a:b", "(NOT (term a b))" },
    { "-a:b -c:d", "(AND (NOT (term a b)) (NOT (term c d)))" },
    { "a:b c:d -e:f", "(AND (OR (term a b) (term c d)) (NOT (term e f)))" },
    { "+a:b c:d -e:f +g:h", "(AND (term a b) (term g h) (NOT (term e f)))" },
    { "a:b OR -c:d", "(AND (term a b) (NOT (term c d)))" },
    { "a:b AND -c:d", "(AND (term a b) (NOT (term c d)))" },
    { "a:b AND +c:d", "(AND (term a b) (term c d))" },
    { "-a:b AND c:d", "(AND (NOT (term a b)) (term c d))" },
    { "-a:b AND c:d e:f", "(OR (AND (NOT (term a b)) (term c d)) (term e f))" },
    { "NOT a:b AND c:d", "(AND (NOT (term a b)) (term c d))" },
    { "NOT (a:b AND c:d)", "(NOT (AND (term a b) (term c d)))" },
    { "NOT -a:b", "(NOT (NOT (term a b)))" },
    { "-(a:b c:d)", "(NOT (OR (term a b) (term c d)))" },
    { "((a:b))", "(term a b)" },
    { "a:b OR c:d AND e:f OR g:h", "(OR (term a b) (AND (term c d) (term e f)) (term g h))" },
    { "a:b AND c:d AND e:f", "(AND (term a b) (term c d) (term e f))" },
    { "(a:b AND c:d) AND e:f", "(AND (AND (term a b) (term c d)) (term e f))" },
    { "*:* *:*", "(OR (all) (all))" },
};

Test(search_syntax, trees)
{
    for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
        char *t = tree_of(trees[i].query);
        cr_expect_str_eq(t, trees[i].tree, "query [%s]", trees[i].query);
        free(t);
    }
}

Test(search_syntax, terms_are_counted)
{
    struct search_query *q = search_parse("a:b (c:d OR *:*) -e:[1 TO 2] x:(y z)", err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    cr_assert_eq(q->nterms, 6);
    search_free(q);
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
    char *s = malloc(len);
    cr_assert_not_null(s);
    strcpy(s, head);
    for (size_t i = 0; i < n; i++)
        strcat(s, unit);
    strcat(s, tail);
    return s;
}

Test(search_limits, query_length)
{
    char *ok = repeat("name:", "a", SEARCH_MAX_QUERY_BYTES - 5, "");
    cr_assert_eq(strlen(ok), SEARCH_MAX_QUERY_BYTES);
    struct search_query *q = search_parse(ok, err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    search_free(q);
    char *long1 = repeat("name:", "a", SEARCH_MAX_QUERY_BYTES - 4, "");
    cr_assert_null(search_parse(long1, err, sizeof err));
    cr_assert_str_eq(err, "query is too long (4097 bytes; the limit is 4096)");
    free(ok);
    free(long1);
}

Test(search_limits, nesting_depth)
{
    char *ok = repeat("", "(", SEARCH_MAX_DEPTH, "a:b");
    char *ok2 = repeat(ok, ")", SEARCH_MAX_DEPTH, "");
    struct search_query *q = search_parse(ok2, err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    search_free(q);
    char *deep = repeat("", "(", SEARCH_MAX_DEPTH + 1, "a:b");
    char *deep2 = repeat(deep, ")", SEARCH_MAX_DEPTH + 1, "");
    cr_assert_null(search_parse(deep2, err, sizeof err));
    cr_assert_str_eq(err, "query nested too deeply (more than 64 levels) at position 65");
    char *nots = repeat("", "NOT ", SEARCH_MAX_DEPTH + 1, "a:b");
    cr_assert_null(search_parse(nots, err, sizeof err));
    cr_assert_str_eq(err, "query nested too deeply (more than 64 levels) at position 257");
    char *mixed = repeat("", "-(", SEARCH_MAX_DEPTH / 2 + 1, "a:b");
    cr_assert_null(search_parse(mixed, err, sizeof err));
    cr_assert(strstr(err, "nested too deeply"), "%s", err);
    /* a wide query is not a deep one */
    char *wide = repeat("", "(a:b) ", 200, "");
    q = search_parse(wide, err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    search_free(q);
    free(ok);
    free(ok2);
    free(deep);
    free(deep2);
    free(nots);
    free(mixed);
    free(wide);
}

Test(search_limits, term_count)
{
    char *ok = repeat("", "a:1 ", SEARCH_MAX_TERMS, "");
    struct search_query *q = search_parse(ok, err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    cr_assert_eq(q->nterms, SEARCH_MAX_TERMS);
    search_free(q);
    char *many = repeat("", "a:1 ", SEARCH_MAX_TERMS, "b:*");
    cr_assert_null(search_parse(many, err, sizeof err));
    cr_assert_str_eq(err, "too many terms (more than 512) at position 2049");
    char *alls = repeat("", "*:* ", SEARCH_MAX_TERMS + 1, "");
    cr_assert_null(search_parse(alls, err, sizeof err));
    cr_assert(strstr(err, "too many terms"), "%s", err);
    free(ok);
    free(many);
    free(alls);
}

/* Pathological wildcards stay fast (no exponential backtracking). */
Test(search_limits, wildcards_are_linear_enough, .timeout = 5)
{
    char *pattern = repeat("x:", "*a", 500, "*b");
    struct search_query *q = search_parse(pattern, err, sizeof err);
    cr_assert_not_null(q, "%s", err);
    char *value = repeat("", "a", 4000, "");
    json_t *flat = json_pack("{s:[s]}", "x", value);
    cr_assert_not(search_match(q, flat));
    json_decref(flat);
    search_free(q);
    free(pattern);
    free(value);
}

/* ---- helpers ---- */

Test(search_helpers, like)
{
    const struct { const char *pattern, *s; bool match; } cases[] = {
        { "abc", "abc", true },      { "abc", "abd", false },   { "abc", "ab", false },
        { "ab", "abc", false },      { "%", "", true },         { "%", "anything", true },
        { "_", "", false },          { "_", "a", true },        { "_", "é", true },
        { "__", "é", false },        { "caf_", "café", true },  { "%é", "café", true },
        { "a%c", "abbbc", true },    { "a%c", "abbbd", false }, { "a%b%c", "aXbYc", true },
        { "a%b%c", "acb", false },   { "%a%a%", "banana", true }, { "%%", "", true },
        { "\\%", "%", true },        { "\\%", "a", false },     { "\\_", "_", true },
        { "\\_", "a", false },       { "\\\\", "\\", true },    { "a\\%%", "a%bc", true },
        { "%\\%", "100%", true },    { "%\\%", "100", false },  { "x%y", "x*y", true },
        { "", "", true },            { "", "a", false },        { "%_", "", false },
        { "_%_", "ab", true },       { "%b", "aaab", true },    { "%ab", "aab", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(search_like(cases[i].pattern, cases[i].s), cases[i].match,
                     "'%s' LIKE '%s'", cases[i].s, cases[i].pattern);
}

Test(search_helpers, numbers)
{
    const char *yes[] = { "0", "-0", "7", "007", "-12.5", "0.000", "123456789012345678901234567890" };
    const char *no[] = { "", "-", ".5", "5.", "1e5", "+5", "1.2.3", " 1", "1 ", "0x10", "--1",
                         "NaN", "Infinity", "١" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_expect(search_is_number(yes[i]), "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_expect_not(search_is_number(no[i]), "%s", no[i]);
    char *longest = repeat("", "9", SEARCH_MAX_NUM_LEN, "");
    char *too_long = repeat("", "9", SEARCH_MAX_NUM_LEN + 1, "");
    cr_expect(search_is_number(longest));
    cr_expect_not(search_is_number(too_long));
    free(longest);
    free(too_long);

    const struct { const char *a, *b; int cmp; } cmp[] = {
        { "1", "2", -1 },         { "2", "1", 1 },          { "10", "9", 1 },
        { "007", "7", 0 },        { "7.0", "7", 0 },        { "-0", "0", 0 },
        { "-0.0", "0.00", 0 },    { "-1", "0", -1 },        { "-10", "-9", -1 },
        { "-9", "-10", 1 },       { "1.5", "1.25", 1 },     { "1.05", "1.5", -1 },
        { "0.1", "0.10", 0 },     { "-1.5", "-1.25", -1 },  { "100", "99.999", 1 },
        { "12345678901234567890123", "12345678901234567890122", 1 },
        { "0.000000000000000000001", "0", 1 },
    };
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
        cr_expect_eq(search_number_cmp(cmp[i].a, cmp[i].b), cmp[i].cmp, "%s vs %s",
                     cmp[i].a, cmp[i].b);
}

/* The evaluator on hand-made flattened keys: only arrays of strings
 * count, the same as the SQL over the constrained column. */
Test(search_eval, shapes_of_flattened_keys)
{
    json_t *flat = json_pack("{s:[s,s], s:s, s:[i], s:[], s:{}}", "tags", "a", "b", "scalar", "a",
                             "ints", 5, "empty", "obj");
    cr_assert_not_null(flat);
    const struct { const char *query; bool match; } cases[] = {
        { "tags:b", true },     { "tags:c", false },   { "scalar:a", false },
        { "ints:5", false },    { "empty:*", true },   { "empty:**", false },
        { "obj:*", true },      { "missing:*", false }, { "*:a", true },
        { "*:5", false },       { "tags:[a TO a]", true }, { "tags:{a TO b}", false },
        { "tags:{a TO b]", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct search_query *q = search_parse(cases[i].query, err, sizeof err);
        cr_assert_not_null(q, "%s", err);
        cr_expect_eq(search_match(q, flat), cases[i].match, "%s", cases[i].query);
        search_free(q);
    }
    struct search_query *q = search_parse("*:*", err, sizeof err);
    cr_assert_not_null(q);
    json_t *arr = json_array();
    cr_expect_not(search_match(q, arr), "not an object: no match");
    json_decref(arr);
    search_free(q);
    json_decref(flat);
}
