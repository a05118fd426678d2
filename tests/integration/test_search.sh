# Search end to end (docs/search.md): real pushy-clients report facts from
# their client.rb (pushy_roles, pushy_tags, pushy_attributes, json_attribs)
# with PUT nodes/NODE/facts; POST jobs "search" and GET node_states?search=
# select nodes by them; the CLI's -s; errors, injection attempts, and a node
# that never reported facts (name: only).

ORG=acme
INTERVAL=500
NODES="web1 web2 db1 plain"

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" \
        "voting_timeout = 5" "log_level = debug"
    start_pushy || return 1
    mkdir -p "$T/keys" "$T/nodes"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl org-create other || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    for n in $NODES ghost; do
        pushy_ctl client-create "$n" --org "$ORG" -f "$T/keys/$n.pem" || return 1
    done
    cat > "$T/nodes/db1.json" <<'JSON'
{"run_list": ["role[db]", "recipe[postgres::server]"], "tags": ["blue"],
 "dc": "east", "postgres": {"version": "15"}}
JSON
    write_client_config web1 'pushy_roles ["web"]
pushy_tags ["blue"]
pushy_attributes({"dc" => "east", "rack" => {"row" => 1}})'
    write_client_config web2 'pushy_roles ["web"]
pushy_tags ["green"]
pushy_attributes({"dc" => "west", "rack" => {"row" => 2}})'
    write_client_config db1 "json_attribs \"$T/nodes/db1.json\""
    # a json_attribs file that does not exist: the facts report fails, the node works
    write_client_config plain "json_attribs \"$T/nodes/missing.json\""
    cat > "$T/knife.rb" <<RB
node_name                "alice"
client_key               "$T/keys/alice.pem"
chef_server_url          '$API_URL/organizations/$ORG/'
RB
    for n in $NODES; do
        start_client "$n" || return 1
    done
    for n in $NODES; do
        wait_for 30 node_ready "$n" || { echo "node $n never became available"; return 1; }
    done
    for n in web1 web2 db1; do
        wait_for 20 has_facts "$n" || { echo "node $n never reported facts"; return 1; }
    done
    # ghost: fetches its config once (the node row exists) and never runs
    "$PUSHY_TOOLS/signed_request" --key "$T/keys/ghost.pem" --user ghost \
        --send-path "/organizations/$ORG/pushy/config/ghost?ccpk=Yne%40%24w-vo%3CfVvi%5Da%3CNY6T1ed%3AM%24fCG%2A%5BIaLV%7BhID" \
        GET "$(O /config/ghost)" | head -1 | grep -q '^200$' \
        || { echo "ghost config fetch failed"; return 1; }
    # a node of another org with the same role: never a target here
    db_psql -c "INSERT INTO nodes (org_id, name, search_keys) SELECT id, 'web9',
                '{\"name\": [\"web9\"], \"role\": [\"web\"]}' FROM orgs WHERE name = 'other'" \
        > /dev/null || return 1
}

# write_client_config NODE EXTRA_RUBY
write_client_config() {
    cat > "$T/nodes/$1.rb" <<RB
chef_server_url "http://127.0.0.1:$API_PORT/organizations/$ORG"
node_name "$1"
client_key "$T/keys/$1.pem"
log_level :debug
whitelist({"ok" => "true", "hold" => "sleep 30"})
$2
RB
}

start_client() {
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$1.rb" -L "$T/nodes/$1.log" &
    local pid=$!
    echo "$pid" > "$T/nodes/$1.pid"
    track_pid "$pid"
}

stop_client() {
    local pid
    pid=$(cat "$T/nodes/$1.pid")
    kill -TERM "$pid" 2>/dev/null
    wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
}
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# shellcheck source=tests/integration/api_lib.sh
source tests/integration/api_lib.sh

has_facts() { [ "$(node_col "$1" "attributes ? 'os'")" = t ]; }
keys_of() { node_col "$1" "search_keys::text"; }   # NODE

job_nodes_in() { job_json "$1" | jq -r ".nodes.\"$2\" // [] | sort | join(\" \")"; }
job_count() { db_psql -c "SELECT count(*) FROM jobs"; }

# node_states?search=RAW (RAW: already %-encoded): status line and body
node_states_search() {
    "$PUSHY_TOOLS/signed_request" --key "$T/keys/alice.pem" --user alice \
        --send-path "/organizations/$ORG/pushy/node_states?search=$1" GET "$(O /node_states)"
}
names_of() { jq -r '[.[].node_name] | sort | join(" ")'; }   # a node_states list on stdin

cli() { "$PUSHY_BIN/pushy" -c "$T/knife.rb" "$@"; }

nodes_available() { for n in "$@"; do node_ready "$n" || return 1; done; }

# ---------------------------------------------------------------------------

test_a_clients_report_their_facts() {
    k=$(keys_of web1)
    echo "web1: $k"
    assert_eq '["web"]' "$(jq -c .role <<< "$k")" "roles are also role"
    assert_eq '["blue"]' "$(jq -c .tags <<< "$k")"
    assert_eq '["east"]' "$(jq -c .dc <<< "$k")"
    assert_eq '["1"]' "$(jq -c .rack_row <<< "$k")"
    assert_eq '["1"]' "$(jq -c '."rack.row"' <<< "$k")"
    assert_eq '["web1"]' "$(jq -c .name <<< "$k")"
    assert_eq '["linux"]' "$(jq -c .os <<< "$k")"
    assert_eq "$(hostname -s)" "$(jq -r '.hostname[0]' <<< "$k")"
    . /etc/os-release
    assert_eq "$ID" "$(jq -r '.platform[0]' <<< "$k")"
    [[ "$(jq -r '.ipaddress[0]' <<< "$k")" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] \
        || fail "no IPv4 ipaddress: $k"
    k=$(keys_of db1)
    echo "db1: $k"
    assert_eq '["db"]' "$(jq -c .role <<< "$k")" "role[db] from json_attribs' run_list"
    assert_eq '["postgres::server"]' "$(jq -c .recipe <<< "$k")"
    assert_eq '["15"]' "$(jq -c .postgres_version <<< "$k")"
    assert_contains "$(cat "$T/nodes/web1.log")" "facts reported"
    # plain's json_attribs is missing: no facts, only its name, and it works
    assert_eq '{"name": ["plain"]}' "$(keys_of plain)"
    assert_contains "$(cat "$T/nodes/plain.log")" "facts not reported: json_attribs"
    # the attributes as reported
    assert_eq '"east"' "$(node_col web1 "attributes->'dc'")"
}

test_b_a_job_by_search_runs_exactly_on_the_matches() {
    id=$(start_job '{"command":"ok","search":"role:web"}')
    wait_job "$id" complete 20
    job=$(job_json "$id")
    echo "$job"
    assert_eq "web1 web2" "$(job_nodes_in "$id" succeeded)"
    assert_eq 1 "$(jq '.nodes | length' <<< "$job")" "no other node state"
    assert_eq "role:web" "$(jq -r .search <<< "$job")"
    assert_eq "role:web" "$(db_psql -c "SELECT search_query FROM jobs WHERE id = '$id'")"
    assert_eq 2 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$id'")"
    # a job by name shows no "search"
    id=$(start_job '{"command":"ok","nodes":["db1"]}')
    wait_job "$id" complete 20
    assert_eq null "$(job_field "$id" .search)"
    # nested attributes, wildcards, negation, ranges
    wait_for 10 nodes_available web1 web2 db1 plain
    id=$(start_job '{"command":"ok","search":"dc:east AND NOT role:db"}')
    wait_job "$id" complete 20
    assert_eq "web1" "$(job_nodes_in "$id" succeeded)"
    id=$(start_job '{"command":"ok","search":"rack_row:[2 TO *] OR recipe:postgres*"}')
    wait_job "$id" complete 20
    assert_eq "db1 web2" "$(job_nodes_in "$id" succeeded)"
}

test_c_search_and_nodes_are_a_union() {
    wait_for 10 nodes_available web1 web2 db1 plain
    id=$(start_job '{"command":"ok","nodes":["plain","web2"],"search":"tags:green OR role:db","quorum":"100%"}')
    wait_job "$id" complete 20
    assert_eq "db1 plain web2" "$(job_nodes_in "$id" succeeded)" "web2 once"
    assert_eq 3 "$(job_field "$id" .quorum)"
}

test_d_no_match_is_a_400_and_no_job() {
    before=$(job_count)
    out=$(api alice POST /jobs '{"command":"ok","search":"role:nothing"}')
    echo "$out"
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "no nodes matched the search and no 'nodes' were given"
    # with nodes it runs on them
    id=$(start_job '{"command":"ok","nodes":["web1"],"search":"role:nothing"}')
    wait_job "$id" complete 20
    assert_eq "web1" "$(job_nodes_in "$id" succeeded)"
    assert_eq $((before + 1)) "$(job_count)"
    # another org's node of the same role is never a target
    out=$(api alice POST /jobs '{"command":"ok","search":"name:web9"}')
    assert_eq 400 "$(status_of "$out")"
}

test_e_syntax_errors_name_the_position() {
    out=$(api alice POST /jobs '{"command":"ok","search":"role:web AND (dc:east))"}')
    echo "$out"
    assert_eq 400 "$(status_of "$out")"
    body=$(body_of "$out")
    assert_eq "search: unexpected ')' at position 23" "$(jq -r '.error[0]' <<< "$body")"
    assert_eq "role:web AND (dc:east))" "$(jq -r '.error[1]' <<< "$body")"
    assert_eq "                      ^" "$(jq -r '.error[2]' <<< "$body")"
    out=$(api alice POST /jobs '{"command":"ok","search":"web1"}')
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "bare term 'web1' at position 1"
    out=$(api alice POST /jobs '{"command":"ok","search":42}')
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "'search' must be a string"
    big=$(head -c 5000 /dev/zero | tr '\0' a)
    out=$(api alice POST /jobs "{\"command\":\"ok\",\"search\":\"name:$big\"}")
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "longer than 4096 bytes"
}

test_f_injection_attempts_leave_the_database_intact() {
    nodes_before=$(db_psql -c "SELECT count(*) FROM nodes")
    jobs_before=$(job_count)
    for q in "name:\"x'; DROP TABLE nodes; --\"" "*:\"' OR '1'='1\"" 'name:$1' \
             'name:$$x$$' "name\\'\\;DROP:x" "name:x\\\\' OR 1=1 --" \
             "name:*' OR TRUE) OR (n.org_id <> 0 --"; do
        body=$(jq -cn --arg q "$q" '{command:"ok",search:$q}')
        out=$(api alice POST /jobs "$body")
        echo "$q -> $out"
        assert_eq 400 "$(status_of "$out")" "$q"
        assert_not_contains "$out" "syntax error at or near" "no SQL error leaks"
    done
    assert_eq "$nodes_before" "$(db_psql -c "SELECT count(*) FROM nodes")"
    assert_eq "$jobs_before" "$(job_count)"
    assert_eq t "$(db_psql -c "SELECT to_regclass('public.nodes') IS NOT NULL")"
    # an injection through node_states?search=
    out=$(node_states_search "name%3A%22x%27%3B%20DROP%20TABLE%20nodes%3B%20--%22")
    assert_eq 200 "$(status_of "$out")"
    assert_eq "[]" "$(body_of "$out")"
    assert_eq "$nodes_before" "$(db_psql -c "SELECT count(*) FROM nodes")"
}

test_g_node_states_search() {
    out=$(node_states_search "role%3Aweb")
    echo "$out"
    assert_eq 200 "$(status_of "$out")"
    assert_eq "web1 web2" "$(body_of "$out" | names_of)"
    assert_eq up "$(body_of "$out" | jq -r '.[0].status')"
    # '+' is a space, %XX decoded
    out=$(node_states_search "role%3Aweb+OR+role%3Adb")
    assert_eq "db1 web1 web2" "$(body_of "$out" | names_of)"
    out=$(node_states_search "*%3A*")
    assert_eq "db1 ghost plain web1 web2" "$(body_of "$out" | names_of)" "every node of the org"
    out=$(node_states_search "role%3Aweb)")
    echo "$out"
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "search: unexpected ')' at position 9"
    out=$(node_states_search "%zz")
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "not validly %-encoded"
    out=$(node_states_search "")
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "empty query"
    # without search: every node
    out=$(api alice GET /node_states)
    assert_eq "db1 ghost plain web1 web2" "$(body_of "$out" | names_of)"
}

test_h_name_matches_a_node_that_never_reported() {
    assert_eq '{"name": ["ghost"]}' "$(keys_of ghost)"
    out=$(node_states_search "name%3Aghost")
    assert_eq "ghost" "$(body_of "$out" | names_of)"
    out=$(node_states_search "name%3Agh*")
    assert_eq "ghost" "$(body_of "$out" | names_of)"
    # a job on it is created (ghost is down, so it does not run)
    id=$(start_job '{"command":"ok","search":"name:ghost","quorum":0,"run_timeout":5}')
    job=$(job_json "$id")
    echo "$job"
    assert_contains "$(jq -c .nodes <<< "$job")" '"ghost"'
    # rows written by heartbeatd / commandd are searchable by name too
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM nodes WHERE NOT search_keys ? 'name'")"
}

test_i_facts_follow_the_client_config() {
    write_client_config web2 'pushy_roles ["web", "cache"]
pushy_tags ["green"]
pushy_attributes({"dc" => "north"})'
    stop_client web2
    start_client web2
    cache_found() { [ "$(body_of "$(node_states_search "role%3Acache")" | names_of)" = web2 ]; }
    wait_for 30 cache_found || fail "web2's new role never searchable: $(keys_of web2)"
    assert_eq '["north"]' "$(keys_of web2 | jq -c .dc)"
    assert_eq null "$(keys_of web2 | jq -c .rack_row)" "attributes replaced, not merged"
    wait_for 30 node_ready web2 || fail "web2 not back"
    id=$(start_job '{"command":"ok","search":"role:cache"}')
    wait_job "$id" complete 20
    assert_eq "web2" "$(job_nodes_in "$id" succeeded)"
}

test_j_cli_job_start_by_search() {
    wait_for 30 nodes_available web1 web2 || fail "web nodes not available"
    out=$(cli job start ok -s 'role:web' 2>&1)
    rc=$?
    echo "$out"
    assert_eq 0 "$rc" "pushy job start -s"
    id=$(grep -o '[0-9a-f]\{32\}' <<< "$out" | head -1)
    assert_eq "web1 web2" "$(job_nodes_in "$id" succeeded)"
    assert_eq "role:web" "$(job_field "$id" .search)"
    out=$(cli job start ok --search 'role:nothing' 2>&1)
    assert_ne 0 "$?"
    assert_contains "$out" "no nodes matched the search"
    out=$(cli job start ok -s 'role:(web' 2>&1)
    assert_ne 0 "$?"
    assert_contains "$out" "at position"
}

test_k_only_a_node_writes_its_own_facts() {
    facts() { # USER NODE BODY
        "$PUSHY_TOOLS/signed_request" --key "$T/keys/$1.pem" --user "$1" PUT \
            "$(O "/nodes/$2/facts")" "$3"
    }
    out=$(facts web1 db1 '{"roles":["evil"]}')
    assert_eq 403 "$(status_of "$out")" "another node's facts"
    out=$(facts alice web1 '{"roles":["evil"]}')
    assert_eq 403 "$(status_of "$out")" "a user, even an admin"
    assert_eq null "$(keys_of db1 | jq -c '.role | index("evil")')"
    out=$(facts web1 web1 '{"roles":"web"}')
    assert_eq 400 "$(status_of "$out")"
    assert_contains "$out" "'roles' must be an array of strings"
    out=$(facts web1 web1 '[1]')
    assert_eq 400 "$(status_of "$out")"
    big=$(head -c 70000 /dev/zero | tr '\0' a)
    out=$(facts web1 web1 "{\"x\":\"$big\"}")
    assert_eq 413 "$(status_of "$out")"
    # a node may write its own (the next report of the client puts them back)
    out=$(facts web1 web1 '{"roles":["web"],"tags":["blue"],"extra":"yes"}')
    echo "$out"
    assert_eq 200 "$(status_of "$out")"
    assert_eq true "$(body_of "$out" | jq .changed)"
    out=$(facts web1 web1 '{"roles":["web"],"tags":["blue"],"extra":"yes"}')
    assert_eq false "$(body_of "$out" | jq .changed)" "unchanged facts are not written"
    assert_eq '["yes"]' "$(keys_of web1 | jq -c .extra)"
}
