/* Test tool for node search (shared/search_*.c):
 *
 *   search_eval parse QUERY                 the parse tree, or the error (exit 1)
 *   search_eval sql QUERY [COLUMN [FIRST]]  {"sql": ..., "params": [...]}
 *   search_eval flatten FIXTURE NODE        that node's flattened search keys
 *   search_eval match FIXTURE QUERY         the evaluator's matches, sorted, one a line
 *   search_eval inserts FIXTURE ORG         SQL inserting the fixture's nodes into
 *                                           org ORG (attributes and search_keys)
 *   search_eval pgcheck CONNINFO ORG FIXTURE [QUERY...]
 *       runs each query (default: every case of tests/unit/test_search_cases.h)
 *       through PostgreSQL with PQexecParams over ORG's nodes, as apid will,
 *       and compares the matched set with the evaluator's and, for table
 *       cases, with the expected set; prints one line per query and exits 1
 *       on any difference.
 *   search_eval pgfuzz CONNINFO ORG FIXTURE COUNT SEED
 *       the same for COUNT random queries built from the fixture's keys and
 *       values (exact, wildcard, exists, ranges, every operator); ok lines
 *       only with SEARCH_EVAL_VERBOSE set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "shared/search_flatten.h"
#include "shared/search_query.h"
#include "shared/search_sql.h"
#include "tests/unit/test_search_cases.h"
#include "tests/unit/test_search_fixture.h"

static int usage(void)
{
    fprintf(stderr, "usage: search_eval parse QUERY | sql QUERY [COLUMN [FIRST]] |"
                    " flatten FIXTURE NODE | match FIXTURE QUERY | inserts FIXTURE ORG |"
                    " pgcheck CONNINFO ORG FIXTURE [QUERY...]\n");
    return 2;
}

static struct search_query *parse_or_die(const char *text)
{
    char err[512];
    struct search_query *q = search_parse(text, err, sizeof err);
    if (!q) {
        fprintf(stderr, "search_eval: %s\n", err);
        exit(1);
    }
    return q;
}

static void load_or_die(const char *path, struct search_fixture *fx)
{
    char err[512];
    if (search_fixture_load(path, fx, err, sizeof err)) {
        fprintf(stderr, "search_eval: %s\n", err);
        exit(2);
    }
}

static int cmd_parse(const char *text)
{
    struct search_query *q = parse_or_die(text);
    char *tree = search_debug_tree(q);
    if (!tree)
        return 2;
    printf("%s\n", tree);
    free(tree);
    search_free(q);
    return 0;
}

static int cmd_sql(const char *text, const char *column, int first)
{
    struct search_query *q = parse_or_die(text);
    struct search_sql s;
    if (search_to_sql(q, column, first, &s)) {
        fprintf(stderr, "search_eval: search_to_sql failed\n");
        return 2;
    }
    json_t *params = json_array();
    for (int i = 0; params && i < s.nparams; i++)
        json_array_append_new(params, json_string(s.params[i]));
    json_t *out = json_pack("{s:s, s:o}", "sql", s.sql, "params", params);
    char *dump = out ? json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    int rc = dump ? 0 : 2;
    if (dump)
        printf("%s\n", dump);
    free(dump);
    json_decref(out);
    search_sql_free(&s);
    search_free(q);
    return rc;
}

static int cmd_flatten(const char *path, const char *node)
{
    struct search_fixture fx;
    load_or_die(path, &fx);
    int rc = 1;
    for (size_t i = 0; i < fx.n; i++) {
        if (strcmp(fx.names[i], node) != 0)
            continue;
        char *dump = json_dumps(fx.flat[i], JSON_INDENT(1));
        if (dump)
            printf("%s\n", dump);
        free(dump);
        rc = 0;
    }
    search_fixture_free(&fx);
    return rc;
}

static int cmd_match(const char *path, const char *text)
{
    struct search_fixture fx;
    load_or_die(path, &fx);
    struct search_query *q = parse_or_die(text);
    for (size_t i = 0; i < fx.n; i++)
        if (search_match(q, fx.flat[i]))
            printf("%s\n", fx.names[i]);
    search_free(q);
    search_fixture_free(&fx);
    return 0;
}

/* A SQL string literal (standard_conforming_strings on). */
static void put_literal(const char *s)
{
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'')
            putchar('\'');
        putchar(*s);
    }
    putchar('\'');
}

static int cmd_inserts(const char *path, const char *org)
{
    struct search_fixture fx;
    load_or_die(path, &fx);
    printf("SET standard_conforming_strings = on;\nBEGIN;\n");
    for (size_t i = 0; i < fx.n; i++) {
        char *attrs = json_dumps(fx.attributes[i], JSON_COMPACT);
        char *keys = json_dumps(fx.flat[i], JSON_COMPACT);
        if (!attrs || !keys)
            return 2;
        printf("INSERT INTO nodes (org_id, name, attributes, search_keys) SELECT id, ");
        put_literal(fx.names[i]);
        printf(", ");
        put_literal(attrs);
        printf("::jsonb, ");
        put_literal(keys);
        printf("::jsonb FROM orgs WHERE name = ");
        put_literal(org);
        printf(";\n");
        free(attrs);
        free(keys);
    }
    printf("COMMIT;\n");
    search_fixture_free(&fx);
    return 0;
}

/* Runs q's SQL over org's nodes; returns the canonical set (malloc'd) or
 * NULL with the error printed. */
static char *pg_matches(PGconn *c, const char *org, const struct search_query *q, char **sql_out)
{
    struct search_sql s;
    if (search_to_sql(q, "n.search_keys", 2, &s)) {
        fprintf(stderr, "search_to_sql failed\n");
        return NULL;
    }
    char *sql = NULL;
    if (asprintf(&sql, "SELECT n.name FROM nodes n JOIN orgs o ON o.id = n.org_id"
                       " WHERE o.name = $1 AND %s", s.sql) < 0) {
        search_sql_free(&s);
        return NULL;
    }
    const char **params = calloc((size_t)s.nparams + 1, sizeof *params);
    char *out = NULL;
    if (!params)
        goto done;
    params[0] = org;
    for (int i = 0; i < s.nparams; i++)
        params[i + 1] = s.params[i];
    PGresult *r = PQexecParams(c, sql, s.nparams + 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        printf("  sql error: %s  sql: %s\n", PQresultErrorMessage(r), sql);
    } else {
        int n = PQntuples(r);
        const char **names = calloc((size_t)n + 1, sizeof *names);
        if (names) {
            for (int i = 0; i < n; i++)
                names[i] = PQgetvalue(r, i, 0);
            out = search_fixture_join(names, (size_t)n);
            free(names);
        }
    }
    PQclear(r);
done:
    free(params);
    if (sql_out)
        *sql_out = sql;
    else
        free(sql);
    search_sql_free(&s);
    return out;
}

/* Prints FAIL lines always, ok lines when print_ok; returns 1 on a
 * difference. */
static int check_one(PGconn *c, const char *org, const struct search_fixture *fx,
                     const char *text, const char *expected_spec, bool print_ok)
{
    char err[512];
    struct search_query *q = search_parse(text, err, sizeof err);
    if (!q) {
        printf("FAIL %s\n  parse error: %s\n", text, err);
        return 1;
    }
    char *sql = NULL, *expected = NULL;
    char *db = pg_matches(c, org, q, &sql);
    char *mem = search_fixture_match(fx, q);
    int bad = !db || !mem || strcmp(db, mem) != 0;
    if (expected_spec) {
        expected = search_fixture_expand(fx, expected_spec);
        bad |= !expected || !db || strcmp(expected, db) != 0;
    }
    if (bad) {
        printf("FAIL %s\n  sql:       %s\n  postgres:  %s\n  evaluator: %s\n", text,
               sql ? sql : "?", db ? db : "(error)", mem ? mem : "?");
        if (expected_spec)
            printf("  expected:  %s\n", expected ? expected : "(bad spec)");
    } else if (print_ok) {
        printf("ok   %s  =>  %s\n", text, *db ? db : "(none)");
    }
    free(sql);
    free(db);
    free(mem);
    free(expected);
    search_free(q);
    return bad;
}

static int cmd_pgcheck(const char *conninfo, const char *org, const char *path, int nq,
                       char **queries)
{
    struct search_fixture fx;
    load_or_die(path, &fx);
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "search_eval: connect: %s", PQerrorMessage(c));
        PQfinish(c);
        search_fixture_free(&fx);
        return 2;
    }
    int failures = 0, total = 0;
    if (nq > 0) {
        for (int i = 0; i < nq; i++, total++)
            failures += check_one(c, org, &fx, queries[i], NULL, true);
    } else {
        for (size_t i = 0; i < SEARCH_NCASES; i++, total++)
            failures += check_one(c, org, &fx, search_cases[i].query, search_cases[i].nodes, true);
    }
    printf("%d queries, %d failed\n", total, failures);
    PQfinish(c);
    search_fixture_free(&fx);
    return failures ? 1 : 0;
}

/* ---- random differential queries ---- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return n ? (unsigned)((rng_state >> 33) % n) : 0;
}

/* Every (key, value) pair of the flattened fixture. */
struct pool {
    const char **keys, **values;
    size_t n;
};

static void pool_add(struct pool *p, const char *key, const char *value)
{
    const char **k = realloc(p->keys, (p->n + 1) * sizeof *k);
    if (k)
        p->keys = k;
    const char **v = k ? realloc(p->values, (p->n + 1) * sizeof *v) : NULL;
    if (!v)
        exit(2);
    p->values = v;
    p->keys[p->n] = key;
    p->values[p->n++] = value;
}

/* Appends s to buf with every ASCII non-alphanumeric escaped (a literal
 * word); with wild, one character in the middle becomes * or ?. */
static void put_word(char *buf, size_t n, const char *s, bool wild)
{
    size_t o = strlen(buf), len = strlen(s), cut = len ? rnd((unsigned)len + 1) : 0;
    while (cut < len && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut++; /* on a character boundary */
    for (size_t i = 0; i <= len && o + 8 < n; i++) {
        if (wild && i == cut) {
            buf[o++] = rnd(3) ? '*' : '?';
            if (buf[o - 1] == '?' && i < len) {
                while (((unsigned char)s[i + 1] & 0xC0) == 0x80)
                    i++; /* ? stands for that whole character */
                continue;
            }
        }
        if (i == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            buf[o++] = '\\';
        buf[o++] = s[i];
    }
    buf[o] = '\0';
}

static void put_phrase(char *buf, size_t n, const char *s)
{
    size_t o = strlen(buf);
    buf[o++] = '"';
    for (; *s && o + 4 < n; s++) {
        if (*s == '"' || *s == '\\')
            buf[o++] = '\\';
        buf[o++] = *s;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static void put_clause(char *buf, size_t n, const struct pool *p)
{
    static const char *const extra_keys[] = { "*", "missing", "tags", "role", "name",
                                              "platform_version", "memory_total_mb" };
    static const char *const bounds[] = { "*", "0", "1", "10", "2048", "-5", "20.04", "a", "m",
                                          "web05", "10.0.1" };
    /* mostly a key with one of its own values, so that clauses match */
    unsigned pick = rnd((unsigned)p->n);
    const char *key = rnd(4) ? p->keys[pick]
                             : extra_keys[rnd(sizeof extra_keys / sizeof extra_keys[0])];
    const char *val = rnd(4) ? p->values[pick] : p->values[rnd((unsigned)p->n)];
    if (strcmp(key, "*") == 0)
        strncat(buf, "*", n - strlen(buf) - 1);
    else
        put_word(buf, n, key, false);
    strncat(buf, ":", n - strlen(buf) - 1);
    switch (rnd(8)) {
    case 0: case 1: case 2:
        put_phrase(buf, n, val);
        break;
    case 3:
        put_word(buf, n, val, true);
        break;
    case 4:
        strncat(buf, "*", n - strlen(buf) - 1);
        break;
    default: {
        const char *lo = rnd(2) ? bounds[rnd(sizeof bounds / sizeof bounds[0])] : val;
        const char *hi = rnd(2) ? bounds[rnd(sizeof bounds / sizeof bounds[0])]
                                : p->values[rnd((unsigned)p->n)];
        strncat(buf, rnd(2) ? "[" : "{", n - strlen(buf) - 1);
        if (strcmp(lo, "*") == 0)
            strncat(buf, "*", n - strlen(buf) - 1);
        else if (rnd(4) == 0 || !*lo || strcmp(lo, "TO") == 0)
            put_phrase(buf, n, lo);
        else
            put_word(buf, n, lo, false);
        strncat(buf, " TO ", n - strlen(buf) - 1);
        if (strcmp(hi, "*") == 0)
            strncat(buf, "*", n - strlen(buf) - 1);
        else if (!*hi)
            put_phrase(buf, n, hi);
        else
            put_word(buf, n, hi, false);
        strncat(buf, rnd(2) ? "]" : "}", n - strlen(buf) - 1);
    }
    }
}

static void put_expr(char *buf, size_t n, const struct pool *p, int depth)
{
    static const char *const ops[] = { " AND ", " OR ", " ", " && ", " || ", " -", " +", " NOT " };
    unsigned parts = 1 + rnd(3);
    for (unsigned i = 0; i < parts; i++) {
        const char *op = i > 0 ? ops[rnd(sizeof ops / sizeof ops[0])] : "";
        strncat(buf, op, n - strlen(buf) - 1);
        bool prefixed = *op && (op[strlen(op) - 1] == '-' || op[strlen(op) - 1] == '+');
        if (!prefixed && rnd(6) == 0)
            strncat(buf, "NOT ", n - strlen(buf) - 1);
        if (depth < 3 && rnd(4) == 0) {
            strncat(buf, "(", n - strlen(buf) - 1);
            put_expr(buf, n, p, depth + 1);
            strncat(buf, ")", n - strlen(buf) - 1);
        } else {
            put_clause(buf, n, p);
        }
    }
}

static int cmd_pgfuzz(const char *conninfo, const char *org, const char *path, int count,
                      unsigned long long seed)
{
    struct search_fixture fx;
    load_or_die(path, &fx);
    struct pool p = { 0 };
    for (size_t i = 0; i < fx.n; i++) {
        const char *key;
        json_t *arr;
        json_object_foreach(fx.flat[i], key, arr) {
            size_t j;
            json_t *v;
            json_array_foreach(arr, j, v) pool_add(&p, key, json_string_value(v));
        }
    }
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "search_eval: connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return 2;
    }
    rng_state = seed;
    int failures = 0, rejected = 0;
    for (int i = 0; i < count; i++) {
        char q[2048] = "";
        put_expr(q, sizeof q, &p, 0);
        char err[512];
        struct search_query *parsed = search_parse(q, err, sizeof err);
        if (!parsed) {
            rejected++; /* the generator only writes valid queries */
            printf("REJECTED %s\n  %s\n", q, err);
            continue;
        }
        search_free(parsed);
        failures += check_one(c, org, &fx, q, NULL, getenv("SEARCH_EVAL_VERBOSE") != NULL);
    }
    printf("%d random queries (seed %llu), %d failed, %d rejected\n", count, seed, failures,
           rejected);
    PQfinish(c);
    free(p.keys);
    free(p.values);
    search_fixture_free(&fx);
    return failures || rejected ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "parse") == 0 && argc == 3)
        return cmd_parse(argv[2]);
    if (strcmp(cmd, "sql") == 0 && argc >= 3 && argc <= 5)
        return cmd_sql(argv[2], argc > 3 ? argv[3] : "search_keys", argc > 4 ? atoi(argv[4]) : 1);
    if (strcmp(cmd, "flatten") == 0 && argc == 4)
        return cmd_flatten(argv[2], argv[3]);
    if (strcmp(cmd, "match") == 0 && argc == 4)
        return cmd_match(argv[2], argv[3]);
    if (strcmp(cmd, "inserts") == 0 && argc == 4)
        return cmd_inserts(argv[2], argv[3]);
    if (strcmp(cmd, "pgfuzz") == 0 && argc == 7)
        return cmd_pgfuzz(argv[2], argv[3], argv[4], atoi(argv[5]), strtoull(argv[6], NULL, 10));
    if (strcmp(cmd, "pgcheck") == 0 && argc >= 5)
        return cmd_pgcheck(argv[2], argv[3], argv[4], argc - 5, argv + 5);
    return usage();
}
