# Issue 5, node side: real pushy-client processes against a real server
# (apid config/NODE, commandd, heartbeatd): coming up, going down, surviving
# restarts of server components, going offline when the server's heartbeats
# stop, and reconnecting with backoff.

ORG=nodeorg
INTERVAL=250            # heartbeat_interval, ms
OFFLINE_THRESHOLD=3     # what config/NODE hands out
NODES="n1 n2 n3"

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" "voting_timeout = 5"
    start_pushy || return 1
    mkdir -p "$T/nodes"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/nodes/alice.pem" || return 1
    for n in $NODES; do
        pushy_ctl client-create "$n" --org "$ORG" -f "$T/nodes/$n.pem" || return 1
        write_client_rb "$n" "$T/nodes/$n.pem"
    done
}

write_client_rb() { # NODE KEYFILE
    cat > "$T/nodes/$1.rb" <<RB
# client.rb of $1, as chef-client's own file would have it
chef_server_url "http://127.0.0.1:$API_PORT/organizations/$ORG"
node_name "$1"
client_key "$2"
log_level :debug
ssl_verify_mode :verify_peer
whitelist({"ok" => "true", "echo" => "/bin/echo hello"})
RB
}

# The client's stderr goes to $T/client-NODE.log, where the harness also
# looks for sanitizer reports.
start_client() {
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$1.rb" >> "$T/client-$1.log" 2>&1 &
    local pid=$!
    echo "$pid" > "$T/nodes/$1.pid"
    track_pid "$pid"
}

client_pid() { cat "$T/nodes/$1.pid"; }
# Gone, or a zombie nobody reaps (the test shell that started it is gone).
pid_gone() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }

stop_client() {
    local pid
    pid=$(client_pid "$1")
    kill -TERM "$pid" 2>/dev/null
    wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
}

node_col() { # NODE COLUMN
    db_psql -c "SELECT n.$2 FROM nodes n JOIN orgs o ON o.id = n.org_id
                WHERE o.name = '$ORG' AND n.name = '$1'"
}
node_is() { [ "$(node_col "$1" status)" = "$2" ]; }
all_up() { for n in $NODES; do node_is "$n" up || return 1; done; }
node_ready() { [ "$(node_col "$1" status):$(node_col "$1" availability)" = up:available ]; }
all_ready() { for n in $NODES; do node_ready "$n" || return 1; done; }
client_log() { cat "$T/client-$1.log"; }
log_has() { grep -q -- "$2" "$T/client-$1.log"; } # NODE TEXT
log_count() { grep -c -- "$2" "$T/client-$1.log"; }

# ms since the epoch of the first client log line containing TEXT
log_time_ms() { # NODE TEXT
    local ts
    ts=$(grep -m1 -- "$2" "$T/client-$1.log" | cut -d' ' -f1)
    [ -n "$ts" ] || return 1
    echo $(( $(date -d "$ts" +%s%3N) ))
}

# ms since the epoch of heartbeatd's first log line containing TEXT
hb_log_time_ms() { # TEXT
    local ts
    ts=$(grep -m1 -- "$1" "$T/log/heartbeatd.log" | cut -d' ' -f1)
    [ -n "$ts" ] || return 1
    echo $(( $(date -d "$ts" +%s%3N) ))
}

# Lines of heartbeatd's log saying NODE went down, from line FROM on.
downs_since() { # FROM NODE
    tail -n +"$1" "$T/log/heartbeatd.log" | grep -c "node $ORG/$2: down"
}

component_back() { # NAME OLD_PID
    local pid
    pid=$(component_pid "$1")
    [ "$(component_field "$1" 2)" = running ] && [ -n "$pid" ] && [ "$pid" != "$2" ]
}

O() { echo "$API_URL/organizations/$ORG/pushy$1"; }
api() { # METHOD PATH [BODY]
    "$PUSHY_TOOLS/signed_request" --key "$T/nodes/alice.pem" --user alice "$1" "$(O "$2")" ${3:+"$3"}
}
job_json() { api GET "/jobs/$1" | tail -n +2; }
job_status_is() { [ "$(job_json "$1" | jq -r .status)" = "$2" ]; }
start_job() { # BODY -> id
    local out
    out=$(api POST /jobs "$1")
    [ "$(head -1 <<< "$out")" = 201 ] || fail "POST jobs: $out"
    tail -n +2 <<< "$out" | jq -r .id
}

# ---------------------------------------------------------------------------

test_a_three_clients_come_up_within_3_intervals() {
    for n in $NODES; do start_client "$n"; done
    wait_for 10 all_up || { for n in $NODES; do client_log "$n" | tail -20; done; fail "not all up"; }
    for n in $NODES; do
        # when heartbeatd judged it up (its log), not when a psql poll of
        # this shell noticed: on a loaded machine the poll alone took 1 s
        up=$(hb_log_time_ms "node $ORG/$n: up") || fail "$n: no 'up' in heartbeatd's log"
        connected=$(log_time_ms "$n" "connected: heartbeats") || fail "$n: no 'connected' line"
        elapsed=$(( up - connected ))
        echo "$n: up ${elapsed} ms after connecting"
        [ "$elapsed" -le $(( 3 * INTERVAL + 150 )) ] \
            || fail "$n up ${elapsed} ms after connecting (3 intervals = $((3 * INTERVAL)) ms)"
    done
    wait_for 5 all_ready || fail "not all available: $(db_psql -c 'SELECT name, status, availability FROM nodes')"
    for n in $NODES; do
        log_has "$n" "received abort" || fail "$n: no abort handshake"
        log_has "$n" "reply aborted" || fail "$n: abort not answered"
        log_has "$n" "fetching config (start): GET http://127.0.0.1:$API_PORT/organizations/$ORG/pushy/config/$n?ccpk=" \
            || fail "$n: config URL"
    done
}

test_b_kill9_client_goes_down_then_up_after_restart() {
    wait_for 5 all_ready || fail "precondition: all nodes ready"
    sleep 1   # steady state
    local killed from down
    from=$(( $(wc -l < "$T/log/heartbeatd.log") + 1 ))
    kill -KILL "$(client_pid n1)"
    killed=$(now_ms)
    wait_for 10 node_is n1 down || fail "n1 never went down"
    # when heartbeatd judged it down (its log), not when a psql poll of this
    # shell noticed (under load the poll alone added 0.5 s and more)
    down=$(tail -n +"$from" "$T/log/heartbeatd.log" | grep -m1 "node $ORG/n1: down" | cut -d' ' -f1)
    [ -n "$down" ] || fail "no 'down' in heartbeatd's log"
    elapsed=$(( $(date -d "$down" +%s%3N) - killed ))
    echo "n1 down ${elapsed} ms after kill -9 (seen in the database $(( $(now_ms) - killed )) ms after)"
    [ "$elapsed" -le $(( (OFFLINE_THRESHOLD + 1) * INTERVAL + 300 )) ] \
        || fail "down after ${elapsed} ms (limit $(( (OFFLINE_THRESHOLD + 1) * INTERVAL )) ms)"
    node_ready n2 && node_ready n3 || fail "the other nodes must stay up"
    start_client n1
    wait_for 10 node_ready n1 || fail "n1 not back after restart"
    assert_eq 2 "$(log_count n1 "pushy-client .* starting")" "two client starts in n1's log"
}

# Kills COMPONENT; all nodes must stay up and available, with no down
# transition logged for them (sets ELAPSED: how long the restart took).
survive() { # COMPONENT
    local comp=$1 old from
    wait_for 5 all_ready || fail "precondition: all nodes ready"
    # A node that has only just come back up (an earlier test restarted it)
    # has a heartbeat average barely over the threshold; give every node a
    # decay window (4 intervals) to reach steady state first.
    sleep "$(( 4 * INTERVAL / 1000 )).$(printf '%03d' $(( 4 * INTERVAL % 1000 )))"
    from=$(( $(wc -l < "$T/log/heartbeatd.log") + 1 ))
    old=$(component_pid "$comp")
    local t0
    t0=$(now_ms)
    pushy_ctl kill "$comp"
    wait_for 10 component_back "$comp" "$old" || fail "$comp not back"
    ELAPSED=$(( $(now_ms) - t0 ))
    echo "$comp back after ${ELAPSED} ms"
    sleep $(( (6 * INTERVAL) / 1000 + 1 ))
    all_ready || fail "nodes after the $comp restart: $(db_psql -c 'SELECT name, status, availability FROM nodes')"
    # A restart quicker than the server's down threshold (2.5 intervals)
    # must not cost any node a down transition. (A slower one, e.g. after
    # the supervisor's restart backoff has grown, may.)
    if [ "$ELAPSED" -le $(( 2 * INTERVAL )) ]; then
        for n in $NODES; do
            assert_eq 0 "$(downs_since "$from" "$n")" "down transitions of $n across the $comp restart"
        done
    else
        echo "$comp took ${ELAPSED} ms to come back: down transitions allowed"
    fi
}

test_c_kill_commandd_clients_reconnect_and_stay_up() {
    declare -A before=()
    for n in $NODES; do before[$n]=$(log_count "$n" "received \|server says"); done
    survive commandd
    for n in $NODES; do
        # the new commandd talked to every client: an ack (session resumed)
        # or an abort (new session)
        wait_for 5 bash -c "[ \$(grep -c 'received \|server says' '$T/client-$n.log') -gt ${before[$n]} ]" \
            || fail "$n heard nothing from the new commandd"
        pid_gone "$(client_pid "$n")" && fail "$n client died"
    done
    return 0
}

test_d_kill_heartbeatd_clients_stay_up() {
    local from
    from=$(( $(wc -l < "$T/log/heartbeatd.log") + 1 ))
    survive heartbeatd
    # the restored nodes were judged from the first forwarded heartbeat on,
    # not from the restore (commandd redials: heartbeatd/tracker.h); when
    # the redial beat the database load, heartbeats came first and there
    # was nothing to hold
    tail -n +"$from" "$T/log/heartbeatd.log" \
        | grep -E -o "first heartbeats [0-9]* ms after the restore|restored [0-9]+ up node\(s\) with a fresh grace window" \
        || fail "neither a 'first heartbeats' nor a 'fresh grace window' line: $(tail -n +"$from" "$T/log/heartbeatd.log")"
    for n in $NODES; do
        # a client that saw the server go offline must have seen it come back
        local off on
        off=$(log_count "$n" "server offline")
        on=$(log_count "$n" "server is back online")
        echo "$n: offline $off, back online $on"
        [ "$off" -le "$on" ] || fail "$n still thinks the server is offline"
    done
}

test_e_server_heartbeats_stop_client_refuses_new_work() {
    wait_for 5 all_ready || fail "precondition: all nodes ready"
    local from
    from=$(( $(wc -l < "$T/client-n2.log") + 1 ))
    pushy_ctl stop heartbeatd || fail "stop heartbeatd"
    local t0
    t0=$(now_ms)
    wait_for 5 bash -c "tail -n +$from '$T/client-n2.log' | grep -q 'server offline: no server heartbeat for $OFFLINE_THRESHOLD intervals'" \
        || fail "n2 never noticed the server going offline"
    echo "n2 offline after $(( $(now_ms) - t0 )) ms"
    # commandd still works: a job reaches n2, which refuses it
    id=$(start_job '{"command":"ok","nodes":["n2"]}')
    wait_for 10 job_status_is "$id" quorum_failed || fail "job: $(job_json "$id")"
    assert_eq '["n2"]' "$(job_json "$id" | jq -c '.nodes.nacked')" "n2 nacked"
    tail -n +"$from" "$T/client-n2.log" | grep -q "job=$id nack_commit: server is offline" \
        || fail "no nack reason in n2's log"
    pushy_ctl start heartbeatd || fail "start heartbeatd"
    wait_for 10 bash -c "tail -n +$from '$T/client-n2.log' | grep -q 'server is back online'" \
        || fail "n2 never saw the server come back"
    wait_for 10 all_ready || fail "nodes not ready after heartbeatd came back"
    id=$(start_job '{"command":"ok","nodes":["n2"]}')
    wait_for 10 job_status_is "$id" complete || fail "job after recovery: $(job_json "$id")"
    assert_eq '["n2"]' "$(job_json "$id" | jq -c '.nodes.succeeded')"
}

test_f_sigusr1_reconfigures() {
    wait_for 5 all_ready || fail "precondition: all nodes ready"
    local from
    from=$(( $(wc -l < "$T/client-n3.log") + 1 ))
    kill -USR1 "$(client_pid n3)"
    wait_for 5 bash -c "tail -n +$from '$T/client-n3.log' | grep -q 'fetching config (SIGUSR1)'" \
        || fail "no reconfigure"
    wait_for 5 bash -c "tail -n +$from '$T/client-n3.log' | grep -q 'connected: heartbeats'" \
        || fail "not reconnected"
    wait_for 5 node_ready n3 || fail "n3 not ready after SIGUSR1"
}

test_g_unknown_client_key_is_refused_and_retried_with_backoff() {
    openssl genrsa -out "$T/nodes/rogue.pem" 2048 2>/dev/null || fail "openssl"
    write_client_rb rogue "$T/nodes/rogue.pem"
    start_client rogue
    wait_for 10 bash -c "[ \$(grep -c 'reconnecting in' '$T/client-rogue.log') -ge 2 ]" \
        || { client_log rogue; fail "no retries"; }
    client_log rogue | grep -E "HTTP|reconnecting"
    log_has rogue "config fetch: HTTP 401" || fail "401 not logged"
    # the delays grow: 0.5-1.5 s, then 1-3 s
    mapfile -t d < <(grep -o 'reconnecting in [0-9]*' "$T/client-rogue.log" | awk '{print $3}')
    [ "${d[0]}" -ge 500 ] && [ "${d[0]}" -le 1500 ] || fail "first delay ${d[0]}"
    [ "${d[1]}" -ge 1000 ] && [ "${d[1]}" -le 3000 ] || fail "second delay ${d[1]}"
    stop_client rogue
    pid_gone "$(client_pid rogue)" || fail "rogue client did not stop on SIGTERM"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM nodes WHERE name = 'rogue'")" "no node row"
}

test_h_server_stop_and_start_clients_come_back() {
    wait_for 5 all_ready || fail "precondition: all nodes ready"
    local from
    from=$(( $(wc -l < "$T/client-n1.log") + 1 ))
    stop_pushy || fail "stop"
    wait_for 5 bash -c "tail -n +$from '$T/client-n1.log' | grep -q 'server offline'" \
        || fail "n1 did not notice the server stopping"
    wait_for 10 bash -c "tail -n +$from '$T/client-n1.log' | grep -q 'config fetch failed'" \
        || fail "n1 did not try to reconnect"
    for n in $NODES; do pid_gone "$(client_pid "$n")" && fail "$n exited"; done
    start_pushy || fail "start"
    wait_for 40 all_ready || fail "nodes not back: $(db_psql -c 'SELECT name, status, availability FROM nodes')"
    tail -n +"$from" "$T/client-n1.log" | grep -E "reconnecting|incarnation|connected" | head -20
    return 0
}

test_i_sigterm_stops_clients() {
    for n in $NODES; do
        stop_client "$n"
        pid_gone "$(client_pid "$n")" || fail "$n still running"
        log_has "$n" "node=$n stopped" || fail "$n: no clean stop"
    done
}
