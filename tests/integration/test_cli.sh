# The pushy CLI (cli/) against a real pushyd and real pushy-clients:
# knife.rb configuration, node status, one-line errors (401, 403, 404,
# connection refused), and jobs end to end (start with its exit codes,
# list, status, abort, output).

ORG=acme
INTERVAL=500   # heartbeat_interval, ms: nodes come up quickly

# pushy with the test's knife.rb (as alice, an org admin). Under `make
# sanitize`, the CLI's sanitizer reports (leaks included: a CLI run must
# free everything) go to $T/sanitizer-cli.PID, checked by the last test.
cli() { pushy_bin -c "$T/knife.rb" "$@"; }
pushy_bin() {
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=1:log_path=$T/sanitizer-cli" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:print_stacktrace=1:log_path=$T/sanitizer-cli" \
        "$PUSHY_BIN/pushy" "$@"
}

# run_cli OUT_VAR RC_VAR ARGS...: stdout+stderr of `cli ARGS` and its exit code.
run_cli() {
    local __out __rc
    __out=$(cli "${@:3}" 2>&1)
    __rc=$?
    printf -v "$1" '%s' "$__out"
    printf -v "$2" '%s' "$__rc"
    echo "\$ pushy ${*:3}  (exit $__rc)"
    echo "$__out"
}

json_get() { # JSON KEY: a top-level string/number field
    ruby -rjson -e 'v = JSON.parse(ARGV[0])[ARGV[1]]; puts(v.is_a?(String) ? v : v.to_json)' "$1" "$2"
}

# start_node NAME WHITELIST_RUBY: a pushy-client for client NAME.
start_node() {
    local name=$1 wl=$2
    pushy_ctl client-create "$name" --org "$ORG" -f "$T/keys/$name.pem" > /dev/null || return 1
    cat > "$T/$name.rb" <<RB
node_name "$name"
chef_server_url "$API_URL/organizations/$ORG"
client_key "$T/keys/$name.pem"
log_location "$T/$name.log"
file_dir "$T/files-$name"
whitelist($wl)
RB
    "$PUSHY_BIN/pushy-client" -c "$T/$name.rb" -l debug > "$T/$name.out" 2>&1 &
    track_pid $!
}

node_available() { cli node status "$1" 2>/dev/null | grep -q "^$1	available$"; }

job_is() { cli job status "$1" | grep -q "^Status: *$2\$"; }   # ID STATUS

# Before a job: both nodes done with the previous one (they are briefly
# unavailable after an abort).
nodes_ready() {
    wait_for 20 node_available node1 || fail "node1 not available"
    wait_for 20 node_available node2 || fail "node2 not available"
}

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50"
    start_pushy || return 1
    mkdir -p "$T/keys"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    pushy_ctl user-create bob --org "$ORG" -f "$T/keys/bob.pem" || return 1   # in no group
    pushy_ctl user-create mallory -f "$T/keys/mallory.pem" || return 1        # another key
    cat > "$T/knife.rb" <<RB
# knife.rb as knife writes it
current_dir = File.dirname(__FILE__)
log_level                :info
node_name                "alice"
client_key               "#{current_dir}/keys/alice.pem"
chef_server_url          '$API_URL/organizations/$ORG/'
cookbook_path            ["#{current_dir}/../cookbooks"]
RB
    local common='"ok" => "/bin/true", "hello" => "/bin/echo hello from the node", "nap" => "/bin/sleep 60"'
    start_node node1 "{$common, \"maybe\" => \"/bin/true\"}" || return 1
    start_node node2 "{$common, \"maybe\" => \"/bin/false\"}" || return 1
    pushy_ctl client-create node3 --org "$ORG" -f "$T/keys/node3.pem" > /dev/null || return 1
    wait_for 30 node_available node1 || { echo "node1 never available"; cat "$T/node1.log"; return 1; }
    wait_for 30 node_available node2 || { echo "node2 never available"; cat "$T/node2.log"; return 1; }
}

test_help_version_and_usage_errors() {
    run_cli out rc --help
    assert_eq 0 "$rc" "--help"
    assert_contains "$out" "job start COMMAND NODE..."
    run_cli out rc job start --help
    assert_eq 0 "$rc"
    assert_contains "$out" "--poll-interval S"
    run_cli out rc --version
    assert_eq 0 "$rc"
    assert_contains "$out" "pushy "
    run_cli out rc job start
    assert_eq 2 "$rc" "no command"
    assert_contains "$out" "ERROR: No job specified."
    run_cli out rc job start ok
    assert_eq 2 "$rc" "no nodes"
    assert_contains "$out" "ERROR: No nodes to run job on. Specify nodes as arguments or use -s to specify a search query."
    run_cli out rc job start ok node1 -q 1.5
    assert_eq 2 "$rc"
    assert_contains "$out" "ERROR: Invalid Format please enter integer or percent"
}

test_config_errors_name_the_file_and_line() {
    printf 'node_name "alice"\nclient_key alice.pem\n' > "$T/bad.rb"
    out=$(pushy_bin -c "$T/bad.rb" node status 2>&1)
    rc=$?
    echo "$out"
    assert_eq 2 "$rc"
    assert_eq "ERROR: $T/bad.rb:2: client_key: expected a quoted string (\"...\" or '...'), found 'alice.pem'" "$out"
    printf 'node_name "alice"\nclient_key "%s"\n' "$T/keys/alice.pem" > "$T/nourl.rb"
    out=$(pushy_bin -c "$T/nourl.rb" node status 2>&1)
    assert_contains "$out" "ERROR: chef_server_url is not set in $T/nourl.rb"
    out=$(pushy_bin -c "$T/nourl.rb" -s "$API_URL/nope" node status 2>&1)
    assert_contains "$out" "must end in /organizations/ORG"
    out=$(pushy_bin -c "$T/knife.rb" -k "$T/keys/missing.pem" node status 2>&1)
    assert_contains "$out" "ERROR: cannot use client key $T/keys/missing.pem"
    # No knife.rb at all: the three overrides are enough.
    out=$(HOME="$T/nohome" pushy_bin -u alice -k "$T/keys/alice.pem" \
        -s "$API_URL/organizations/$ORG" node status node1 2>&1) || fail "overrides only: $out"
    assert_contains "$out" "node1	"
}

test_node_status_like_knife() {
    run_cli out rc node status
    assert_eq 0 "$rc"
    assert_contains "$out" "node1	available"
    assert_contains "$out" "node2	available"
    assert_not_contains "$out" "node3" "a client that never fetched its config is not a node yet"
    run_cli out rc node status node2 node1
    assert_eq 0 "$rc"
    assert_eq "node2	available
node1	available" "$out"
    run_cli out rc node status -l
    assert_eq 0 "$rc"
    assert_contains "$out" "NODE   STATUS  AVAILABILITY  UPDATED_AT"
    [[ "$out" =~ node1\ +up\ +available\ +[A-Z][a-z][a-z],\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT ]] \
        || fail "long line for node1"
    run_cli out rc -F json node status
    assert_eq 0 "$rc"
    assert_eq array "$(ruby -rjson -e 'puts JSON.parse(STDIN.read).is_a?(Array) ? "array" : "other"' <<< "$out")"
    run_cli out rc node status node1 -F json
    assert_eq node1 "$(ruby -rjson -e 'puts JSON.parse(STDIN.read)[0]["node_name"]' <<< "$out")"
}

test_errors_are_one_line_with_the_servers_message() {
    run_cli out rc node status nosuch
    assert_eq 1 "$rc" "unknown node"
    assert_eq "ERROR: 404 Not Found: node 'nosuch' not found in organization '$ORG'" "$out"

    run_cli out rc node status node1 nosuch
    assert_eq 1 "$rc" "one of two unknown"
    assert_contains "$out" "node1	available"
    assert_contains "$out" "ERROR: 404 Not Found: node 'nosuch'"

    run_cli out rc -k "$T/keys/mallory.pem" node status
    assert_eq 1 "$rc" "wrong key"
    [[ "$out" == "ERROR: 401 Unauthorized: "* ]] || fail "401 line: $out"
    assert_eq 1 "$(wc -l <<< "$out")" "401 on one line"

    run_cli out rc -u bob -k "$T/keys/bob.pem" node status
    assert_eq 1 "$rc" "no read permission"
    [[ "$out" == "ERROR: 403 Forbidden: "*bob* ]] || fail "403 line: $out"
    assert_eq 1 "$(wc -l <<< "$out")" "403 on one line"

    run_cli out rc -s "$API_URL/organizations/nosuchorg" node status
    assert_eq 1 "$rc" "unknown org"
    [[ "$out" == "ERROR: 404 Not Found: "*nosuchorg* ]] || fail "unknown org line: $out"

    run_cli out rc job status 0123456789abcdef0123456789abcdef
    assert_eq 1 "$rc" "unknown job"
    assert_eq "ERROR: 404 Not Found: job '0123456789abcdef0123456789abcdef' not found" "$out"
}

test_connection_refused_names_the_url() {
    # A port nothing listens on: bind one, then close it.
    port=$(ruby -rsocket -e 's = TCPServer.new("127.0.0.1", 0); puts s.addr[1]; s.close')
    run_cli out rc -s "http://127.0.0.1:$port/organizations/$ORG" node status
    assert_eq 1 "$rc"
    assert_eq "ERROR: could not connect to http://127.0.0.1:$port/organizations/$ORG/pushy/node_states: Connection refused" "$out"
    start=$(now_ms)
    run_cli out rc -s "http://127.0.0.1:$port/organizations/$ORG" job start ok node1
    assert_eq 1 "$rc"
    assert_contains "$out" "ERROR: could not connect to http://127.0.0.1:$port/organizations/$ORG/pushy/jobs: Connection refused"
    [ $(( $(now_ms) - start )) -lt 5000 ] || fail "took too long to fail"
}

# knife's trusted_certs_dir (default: trusted_certs next to knife.rb) for a
# self-signed HTTPS endpoint (openssl s_server -www, not a Pushy server):
# with the certificate there, TLS works and only the answer is wrong; so it
# does with ssl_verify_mode :verify_none and no certificate, with a warning.
test_trusted_certs_dir_like_knife() {
    mkdir -p "$T/tls/trusted_certs" "$T/tls2/empty" "$T/tls3/trusted_certs" "$T/tls4"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls/srv.key" \
        -out "$T/tls/trusted_certs/srv.crt" -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 2>/dev/null || fail "openssl req"
    port=$((PORT_BASE + 5))
    openssl s_server -accept "127.0.0.1:$port" -cert "$T/tls/trusted_certs/srv.crt" \
        -key "$T/tls/srv.key" -www -quiet > "$T/tls/s_server.log" 2>&1 &
    track_pid $!
    wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "s_server did not start"
    for d in tls tls2 tls3 tls4; do
        cat > "$T/$d/knife.rb" <<RB
node_name "alice"
client_key "$T/keys/alice.pem"
chef_server_url "https://127.0.0.1:$port/organizations/$ORG"
RB
    done
    echo 'trusted_certs_dir "#{File.dirname(__FILE__)}/empty"' >> "$T/tls2/knife.rb"
    echo "not a certificate" > "$T/tls3/trusted_certs/x.pem"
    out=$(pushy_bin -c "$T/tls/knife.rb" node status 2>&1)
    echo "$out"
    assert_not_contains "$out" "certificate"
    assert_contains "$out" "ERROR:"
    out=$(pushy_bin -c "$T/tls2/knife.rb" node status 2>&1) && fail "untrusted server accepted"
    echo "$out"
    assert_contains "$out" "SSL certificate problem"
    out=$(pushy_bin -c "$T/tls3/knife.rb" node status 2>&1) && fail "bad certificate file accepted"
    assert_eq "ERROR: trusted certificate $T/tls3/trusted_certs/x.pem: not a PEM or DER X.509 certificate" "$out"
    echo 'ssl_verify_mode :verify_none' >> "$T/tls4/knife.rb"
    out=$(pushy_bin -c "$T/tls4/knife.rb" node status 2>&1) && fail "s_server's answer accepted"
    echo "$out"
    assert_contains "$out" "WARNING: ssl_verify_mode is :verify_none"
    assert_not_contains "$out" "SSL certificate problem"
    assert_contains "$out" "ERROR:"
    echo 'ssl_verify_mode :verify_peer' >> "$T/tls4/knife.rb"
    out=$(pushy_bin -c "$T/tls4/knife.rb" node status 2>&1) && fail "untrusted server accepted"
    assert_contains "$out" "SSL certificate problem"
}

test_job_start_all_succeeded_exits_0() {
    nodes_ready
    run_cli out rc job start ok node1 node2 --poll-interval 0.2
    assert_eq 0 "$rc" "every node succeeded"
    [[ "$out" =~ ^Started\.\ \ Job\ ID:\ ([0-9a-f]{32}) ]] || fail "no Started line"
    id=${BASH_REMATCH[1]}
    assert_contains "$out" "Complete."
    assert_contains "$out" "id:          $id"
    assert_contains "$out" "command:     ok"
    assert_contains "$out" "nodes:
  succeeded: node1 node2"
    assert_contains "$out" "status:      complete"
    assert_contains "$out" "run_timeout: "
    [[ "$out" == *"."* ]] || fail "no progress dots"
}

test_job_start_with_a_failed_node_exits_1() {
    nodes_ready
    run_cli out rc job start maybe node1 node2 --poll-interval 0.2
    assert_eq 1 "$rc" "node2 failed"
    assert_contains "$out" "Complete."
    assert_contains "$out" "  failed:    node2"
    assert_contains "$out" "  succeeded: node1"
}

test_job_start_quorum_failed_exits_1() {
    nodes_ready
    # Not in any whitelist: the nodes nack (voting ends at the first nack,
    # which makes a quorum of 2 impossible: the other node may be left
    # unavailable).
    run_cli out rc job start not-whitelisted node1 node2 --poll-interval 0.2
    assert_eq 1 "$rc"
    assert_contains "$out" "Quorum_failed."
    assert_contains "$out" "  nacked: "
    assert_contains "$out" "status:      quorum_failed"
}

test_job_start_percent_quorum_with_an_unavailable_node() {
    nodes_ready
    # node3 never connected: unavailable. 50% of 2 nodes is 1: the job runs
    # on node1, completes, and the exit status is still 1 (not every node succeeded).
    run_cli out rc job start ok node1 node3 -q 50% --poll-interval 0.2
    assert_eq 1 "$rc"
    assert_contains "$out" "Complete."
    assert_contains "$out" "succeeded:   node1"
    assert_contains "$out" "unavailable: node3"
}

test_job_start_json_and_nowait() {
    nodes_ready
    out=$(cli -F json job start ok node1 --poll-interval 0.2 2> "$T/start.err")
    rc=$?
    echo "$out"
    cat "$T/start.err"
    assert_eq 0 "$rc"
    assert_eq complete "$(json_get "$out" status)"
    assert_contains "$(cat "$T/start.err")" "Started.  Job ID: "
    out=$(cli job start ok node1 --nowait -F json 2>/dev/null)
    assert_eq 0 "$?" "nowait"
    id=$(json_get "$out" id)
    [[ "$id" =~ ^[0-9a-f]{32}$ ]] || fail "id from -F json --nowait: $out"
    wait_for 20 job_is "$id" complete || fail "nowait job never completed"
}

test_job_list_status_and_abort() {
    nodes_ready
    run_cli out rc job start nap node1 node2 -b
    assert_eq 0 "$rc"
    [[ "$out" =~ Job\ ID:\ ([0-9a-f]{32}) ]] || fail "no job id"
    id=${BASH_REMATCH[1]}
    wait_for 20 job_is "$id" running || fail "job never ran"
    run_cli out rc job status "$id"
    assert_eq 0 "$rc"
    assert_contains "$out" "Job ID:   $id"
    assert_contains "$out" "Command:  nap"
    assert_contains "$out" "Node name  Status   Last updated"
    [[ "$out" =~ node1\ +running\ +[A-Z][a-z]{2},\  ]] || fail "node1 row"
    run_cli out rc job list
    assert_eq 0 "$rc"
    assert_contains "$out" "Job ID"
    [[ "$out" =~ $id\ +running\ +nap\ + ]] || fail "job in list"
    run_cli out rc job list --status running --limit 1
    assert_eq 0 "$rc"
    assert_eq 2 "$(wc -l <<< "$out")" "header + one job"
    run_cli out rc job list --status complete
    assert_not_contains "$out" "$id"
    run_cli out rc job abort "$id"
    assert_eq 0 "$rc"
    assert_contains "$out" "id:          $id"
    wait_for 20 job_is "$id" aborted || fail "job not aborted"
    run_cli out rc job status "$id"
    assert_contains "$out" "aborted"
    run_cli out rc -F json job list --status aborted
    assert_contains "$out" "\"id\":\"$id\""
    # The nodes come back for the next job.
    nodes_ready
}

test_job_output_of_a_captured_job() {
    nodes_ready
    run_cli out rc job start hello node1 --capture --poll-interval 0.2
    assert_eq 0 "$rc"
    [[ "$out" =~ Job\ ID:\ ([0-9a-f]{32}) ]] || fail "no job id"
    id=${BASH_REMATCH[1]}
    out=$(cli job output "$id" node1 2>&1)
    rc=$?
    echo "$out (exit $rc)"
    assert_eq 0 "$rc"
    assert_eq "hello from the node" "$out"
    out=$(cli job output "$id" node1 --channel stderr 2>&1)
    assert_eq 0 "$?"
    assert_eq "" "$out"
}

# Runs last (tests run in name order).
test_zz_the_cli_had_no_sanitizer_reports() {
    local f
    for f in "$T"/sanitizer-cli.*; do
        [ -e "$f" ] || continue
        cat "$f"
        fail "sanitizer report from the CLI: $f"
    done
}
