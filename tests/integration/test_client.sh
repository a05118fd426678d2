# pushy-client on its own (no server): options, client.rb errors with
# file:line, logging, and what it does while the server cannot be reached.

setup_file() {
    mkdir -p "$T/c"
    openssl genrsa -out "$T/c/key.pem" 2048 2>/dev/null || return 1
    # a closed port: nothing listens on port 1 of the loopback
    UNREACHABLE="http://127.0.0.1:1/organizations/acme"
}

pc() { "$PUSHY_BIN/pushy-client" "$@"; }

start_bg() { # LOGFILE ARGS...: sets BG_PID
    local log=$1
    shift
    "$PUSHY_BIN/pushy-client" "$@" >> "$log" 2>&1 &
    BG_PID=$!
    track_pid "$BG_PID"
}

pid_gone() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }

test_help_and_version() {
    out=$(pc --help) || fail "--help exit code"
    for o in "-c, --config CONFIG" "-k, --client-key" "-l, --log_level LEVEL" "-L, --logfile" \
             "-N, --node-name NODE_NAME" "-S, --server CHEF_SERVER_URL" "-v, --version" "-h, --help"; do
        assert_contains "$out" "$o"
    done
    assert_contains "$(pc -v)" "pushy-client"
    out=$(pc --bogus 2>&1) && fail "unknown option accepted"
    assert_contains "$out" "unknown option --bogus"
    pc --bogus >/dev/null 2>&1
    assert_eq 2 "$?" "usage error exit code"
}

test_config_errors_name_file_and_line() {
    cat > "$T/c/bad.rb" <<'RB'
# a client.rb
log_level :info
whitelist({
  "chef-client" => "chef-client",
  "oops" => 42,
})
RB
    out=$(pc -c "$T/c/bad.rb" 2>&1) && fail "bad config accepted"
    assert_contains "$out" "$T/c/bad.rb:5: whitelist 'oops': expected a command line string"
    printf 'node_name "n1"\n' > "$T/c/nourl.rb"
    out=$(pc -c "$T/c/nourl.rb" 2>&1) && fail "config without chef_server_url accepted"
    assert_contains "$out" "no chef_server_url"
    out=$(pc -c "$T/c/nourl.rb" -S https://chef.example.com 2>&1) && fail "URL without org accepted"
    assert_contains "$out" "must be http(s)://HOST/organizations/ORG"
    out=$(pc -c "$T/c/missing.rb" 2>&1) && fail "missing -c file accepted"
    assert_contains "$out" "$T/c/missing.rb"
    out=$(pc -c "$T/c/nourl.rb" -S "$UNREACHABLE" -k "$T/c/nokey.pem" 2>&1) && fail "missing key accepted"
    assert_contains "$out" "client key $T/c/nokey.pem"
}

test_unreachable_server_backs_off_and_signals_work() {
    cat > "$T/c/client.rb" <<RB
chef_server_url "$UNREACHABLE"
node_name "lonely"
client_key "$T/c/key.pem"
log_location STDERR
RB
    log="$T/client-lonely.log"
    start_bg "$log" -c "$T/c/client.rb" -l debug
    wait_for 10 bash -c "[ \$(grep -c 'reconnecting in' '$log') -ge 2 ]" || { cat "$log"; fail "no retries"; }
    assert_contains "$(cat "$log")" "config fetch failed"
    assert_contains "$(cat "$log")" "GET http://127.0.0.1:1/organizations/acme/pushy/config/lonely?ccpk="
    mapfile -t d < <(grep -o 'reconnecting in [0-9]*' "$log" | awk '{print $3}')
    echo "delays: ${d[*]}"
    [ "${d[0]}" -ge 500 ] && [ "${d[0]}" -le 1500 ] || fail "first delay ${d[0]}"
    [ "${d[1]}" -ge 1000 ] && [ "${d[1]}" -le 3000 ] || fail "second delay ${d[1]}"
    # SIGUSR1: try again now, without waiting for the backoff
    kill -USR1 "$BG_PID"
    wait_for 3 grep -q "fetching config (SIGUSR1)" "$log" || fail "SIGUSR1 ignored"
    local t0
    t0=$(now_ms)
    kill -TERM "$BG_PID"
    wait_for 5 pid_gone "$BG_PID" || fail "did not stop on SIGTERM"
    echo "stopped in $(( $(now_ms) - t0 )) ms"
    assert_contains "$(cat "$log")" "node=lonely stopped"
}

test_logfile_and_level_from_the_command_line() {
    cat > "$T/c/quiet.rb" <<RB
chef_server_url "$UNREACHABLE"
node_name "quiet"
client_key "$T/c/key.pem"
log_level :error
RB
    start_bg "$T/client-quiet.stderr" -c "$T/c/quiet.rb" -l info -L "$T/c/quiet.log"
    wait_for 5 grep -q "config fetch failed" "$T/c/quiet.log" || fail "no log file"
    grep -q "pushy-client\[$BG_PID\]: node=quiet pushy-client .* starting: org acme" "$T/c/quiet.log" \
        || fail "start line: $(head -3 "$T/c/quiet.log")"
    assert_not_contains "$(cat "$T/c/quiet.log")" " debug " "debug lines at level info"
    assert_eq "" "$(cat "$T/client-quiet.stderr")" "stderr should stay empty"
    kill -TERM "$BG_PID"
    wait_for 5 pid_gone "$BG_PID" || fail "did not stop"
}

test_json_config_and_command_line_only() {
    cat > "$T/c/client.json" <<JSON
{"chef_server_url": "$UNREACHABLE", "node_name": "jsonnode", "client_key": "$T/c/key.pem",
 "whitelist": {"chef-client": "chef-client", "/^echo (.*)$/": "/bin/echo \\\\1"}}
JSON
    start_bg "$T/client-jsonnode.log" -c "$T/c/client.json"
    wait_for 5 grep -q "node=jsonnode pushy-client .* 2 whitelist entries" "$T/client-jsonnode.log" \
        || fail "JSON config: $(cat "$T/client-jsonnode.log")"
    kill -TERM "$BG_PID"
    wait_for 5 pid_gone "$BG_PID" || fail "did not stop"
    # everything from options, client.rb absent (-c not given, so its
    # absence at the default path is fine)
    if [ ! -e /etc/chef/client.rb ]; then
        start_bg "$T/client-cli.log" -S "$UNREACHABLE" -N cli-node -k "$T/c/key.pem"
        wait_for 5 grep -q "node=cli-node pushy-client .* 1 whitelist entries" "$T/client-cli.log" \
            || fail "options only: $(cat "$T/client-cli.log")"
        kill -TERM "$BG_PID"
        wait_for 5 pid_gone "$BG_PID" || fail "did not stop"
    fi
}

# No node_name anywhere: the original's fallback, the fqdn (getaddrinfo's
# canonical name of the host name), else the short host name; logged.
test_node_name_falls_back_to_the_fqdn() {
    cat > "$T/c/noname.rb" <<RB
chef_server_url "$UNREACHABLE"
client_key "$T/c/key.pem"
RB
    log="$T/client-noname.log"
    start_bg "$log" -c "$T/c/noname.rb"
    wait_for 10 grep -q "GET http://127.0.0.1:1/organizations/acme/pushy/config/" "$log" \
        || { cat "$log"; fail "no config request"; }
    kill -TERM "$BG_PID"
    wait_for 5 pid_gone "$BG_PID" || fail "did not stop"
    line=$(grep "no node_name in $T/c/noname.rb or -N: using the" "$log") || { cat "$log"; fail "not logged"; }
    echo "$line"
    name=$(sed -n 's/.*node=\([^ ]*\) no node_name.*/\1/p' <<< "$line")
    canon=$(getent ahosts "$(hostname)" | awk 'NR==1 {print $3}')
    if [ -n "$canon" ]; then
        assert_contains "$line" "using the fqdn"
        assert_eq "$canon" "$name"
    else
        assert_contains "$line" "using the hostname"
        assert_eq "$(hostname | cut -d. -f1)" "$name"
    fi
    assert_contains "$(cat "$log")" "/pushy/config/$name?ccpk="
}

# trusted_certs_dir: a self-signed HTTPS endpoint (openssl s_server) is
# trusted only with its certificate in the directory; TLS then works and
# the (non-Chef) answer is what fails. A file that is no certificate stops
# the client at start, naming the file.
test_trusted_certs_dir_for_https() {
    mkdir -p "$T/c/certs" "$T/c/empty" "$T/c/badcerts"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/c/srv.key" -out "$T/c/certs/srv.crt" \
        -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null \
        || fail "openssl req"
    port=$((PORT_BASE + 5))
    openssl s_server -accept "127.0.0.1:$port" -cert "$T/c/certs/srv.crt" -key "$T/c/srv.key" \
        -www -quiet > "$T/s_server.log" 2>&1 &
    track_pid $!
    wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || fail "s_server did not start"
    for d in certs empty; do
        cat > "$T/c/tls-$d.rb" <<RB
chef_server_url "https://127.0.0.1:$port/organizations/acme"
node_name "tls-$d"
client_key "$T/c/key.pem"
trusted_certs_dir "$T/c/$d"
RB
        start_bg "$T/client-tls-$d.log" -c "$T/c/tls-$d.rb"
        wait_for 10 grep -q "config fetch failed\|bad config from the server\|config fetch: HTTP" \
            "$T/client-tls-$d.log" || { cat "$T/client-tls-$d.log"; fail "no fetch ($d)"; }
        kill -TERM "$BG_PID"
        wait_for 5 pid_gone "$BG_PID" || fail "did not stop"
    done
    cat "$T/client-tls-certs.log"
    assert_contains "$(cat "$T/client-tls-certs.log")" "trusting 1 CA certificates from 1 files in $T/c/certs"
    assert_not_contains "$(cat "$T/client-tls-certs.log")" "certificate problem"
    assert_contains "$(cat "$T/client-tls-certs.log")" "node=tls-certs bad config from the server"
    assert_contains "$(cat "$T/client-tls-empty.log")" "SSL certificate problem"
    echo "not a certificate" > "$T/c/badcerts/broken.pem"
    sed "s|$T/c/certs|$T/c/badcerts|" "$T/c/tls-certs.rb" > "$T/c/tls-bad.rb"
    out=$(timeout 10 "$PUSHY_BIN/pushy-client" -c "$T/c/tls-bad.rb" 2>&1) && fail "bad cert accepted"
    assert_contains "$out" "trusted certificate $T/c/badcerts/broken.pem: not a PEM or DER X.509 certificate"
}
