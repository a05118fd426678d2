# Node search SQL (issue 8) on the embedded PostgreSQL: the 50-node fixture
# (tests/fixtures/search_nodes.json) is inserted with search_keys computed
# by search_flatten (search_eval inserts); every case of the table in
# tests/unit/test_search_cases.h then runs as the compiled parameterized
# SQL through PQexecParams (search_eval pgcheck), and the matched set must
# equal the in-memory evaluator's and the table's.

ORG=searchorg
FIXTURE=tests/fixtures/search_nodes.json

setup_file() {
    write_config
    start_pushy || return 1
    db_psql -c "INSERT INTO orgs (name, guid) VALUES ('$ORG', md5('$ORG')), ('otherorg', md5('otherorg'))" || return 1
    "$PUSHY_TOOLS/search_eval" inserts "$FIXTURE" "$ORG" > "$T/fixture.sql" || return 1
    db_psql -v ON_ERROR_STOP=1 -f "$T/fixture.sql" || return 1
    # Another organization's node that every search below would match.
    db_psql -c "INSERT INTO nodes (org_id, name, search_keys)
                SELECT id, 'web01', '{\"name\": [\"web01\"], \"role\": [\"webapp\", \"database\"],
                                      \"tags\": [\"prod\", \"x\"]}'
                FROM orgs WHERE name = 'otherorg'" || return 1
}

conninfo() {
    local user
    user=$(awk -F' *= *' '$1=="user"{print $2}' "$PUSHY_CONF")
    echo "host=$T/run port=5432 user=${user:-pushy} dbname=pushy"
}

pgcheck() { "$PUSHY_TOOLS/search_eval" pgcheck "$(conninfo)" "$ORG" "$FIXTURE" "$@"; }

test_migration_adds_search_keys_with_gin_index() {
    assert_eq "50" "$(db_psql -c "SELECT count(*) FROM nodes n JOIN orgs o ON o.id = n.org_id
                                  WHERE o.name = '$ORG'")" "fixture loaded"
    assert_eq "jsonb|'{}'::jsonb" "$(db_psql -c "SELECT data_type || '|' || column_default
        FROM information_schema.columns WHERE table_name = 'nodes' AND column_name = 'search_keys'")"
    assert_contains "$(db_psql -c "SELECT indexdef FROM pg_indexes WHERE indexname = 'nodes_search_keys'")" \
        "USING gin (search_keys)"
    assert_eq "10" "$(db_psql -c "SELECT max(version) FROM schema_migrations WHERE name = '010_node_search_keys'")"
}

test_sql_matches_evaluator_for_every_case() {
    out=$(pgcheck) || { echo "$out"; fail "PostgreSQL and the evaluator disagree"; }
    echo "$out"
    assert_contains "$out" ", 0 failed"
    n=$(echo "$out" | grep -c '^ok ')
    [ "$n" -ge 40 ] || fail "only $n cases"
}

test_sql_matches_evaluator_for_random_queries() {
    out=$("$PUSHY_TOOLS/search_eval" pgfuzz "$(conninfo)" "$ORG" "$FIXTURE" 1000 20261125) ||
        { echo "$out"; fail "PostgreSQL and the evaluator disagree"; }
    echo "$out"
    assert_contains "$out" "1000 random queries (seed 20261125), 0 failed, 0 rejected"
}

test_injection_attempts_are_plain_values() {
    out=$(pgcheck \
        "tags:\"'; DROP TABLE nodes; --\"" \
        "tags:'\\;\\ DROP\\ TABLE\\ nodes\\;\\ --" \
        "\\'\\;\\ DROP\\ TABLE\\ nodes\\;\\ --:x OR name:odd-2" \
        "tags:\$1 OR tags:\\\$1" \
        "tags:\"\$1\" AND NOT tags:\"\$2\"" \
        "tags:\"quote\\\"d\" tags:back\\\\slash" \
        "tags:\"x' OR '1'='1\"" \
        "name:\"web01') OR TRUE OR ('\"" \
        "\\)\\ OR\\ TRUE\\ OR\\ \\(:*" \
        "tags:*\\%" \
        "tags:*\\_*" \
        "tags:\\%*" \
        "tags:\$\$*" \
        "*:\"'; DROP TABLE nodes; --\"" \
        "*:*DROP*" \
        "tags:[\"'\" TO \"'~\"]" \
        "name:[\"a';--\" TO \"z\"]") || { echo "$out"; fail "injection queries"; }
    echo "$out"
    assert_contains "$out" "17 queries, 0 failed"
    assert_contains "$out" "ok   tags:\"'; DROP TABLE nodes; --\"  =>  odd-2"
    assert_contains "$out" "ok   \\'\\;\\ DROP\\ TABLE\\ nodes\\;\\ --:x OR name:odd-2  =>  odd-2"
    assert_contains "$out" "ok   tags:*\\%  =>  odd-2"
    assert_contains "$out" "ok   tags:\\%*  =>  (none)"
    assert_eq "51" "$(db_psql -c "SELECT count(*) FROM nodes")" "nodes intact"
}

test_search_never_crosses_organizations() {
    out=$(pgcheck "role:webapp AND role:database" "tags:x" "name:web01") || { echo "$out"; fail "org scoping"; }
    assert_contains "$out" "ok   role:webapp AND role:database  =>  (none)"
    assert_contains "$out" "ok   tags:x  =>  (none)"
    assert_contains "$out" "ok   name:web01  =>  web01"
}

test_shape_constraint_rejects_malformed_keys() {
    for bad in '[]' '"x"' '{"a": "x"}' '{"a": [1]}' '{"a": [["x"]]}' '{"a": [null]}' '{"a": {"b": ["x"]}}'; do
        if db_psql -c "INSERT INTO nodes (org_id, name, search_keys)
                       SELECT id, 'bad', '$bad' FROM orgs WHERE name = '$ORG'" 2>"$T/err"; then
            fail "accepted search_keys $bad"
        fi
        assert_contains "$(cat "$T/err")" "nodes_search_keys_shape" "$bad"
    done
    db_psql -c "INSERT INTO nodes (org_id, name, search_keys)
                SELECT id, 'good', '{\"a\": [], \"b\": [\"x\", \"\"]}' FROM orgs WHERE name = '$ORG'" ||
        fail "well-formed keys refused"
    db_psql -c "DELETE FROM nodes WHERE name = 'good'"
}

test_exact_and_exists_terms_use_the_gin_index() {
    plan=$(db_psql <<'SQL'
SET enable_seqscan = off;
PREPARE q(text, text) AS SELECT name FROM nodes n
  WHERE (n.search_keys @> jsonb_build_object($1::text, jsonb_build_array($2::text)));
EXPLAIN EXECUTE q('role', 'webapp');
PREPARE e(text) AS SELECT name FROM nodes n WHERE (n.search_keys ? $1::text);
EXPLAIN EXECUTE e('tags');
SQL
)
    echo "$plan"
    [ "$(echo "$plan" | grep -c 'nodes_search_keys')" -ge 2 ] || fail "index not used: $plan"
}
