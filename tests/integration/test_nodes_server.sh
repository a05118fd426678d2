# Server side of node traffic (commandd + heartbeatd) against node_probe, a
# real protocol peer: the test registers each probe's session key and CURVE
# key in the database directly (what apid's config/NODE does).

ORG=probeorg
INTERVAL=500   # heartbeat_interval, ms

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50"
    start_pushy
    db_psql -c "INSERT INTO orgs (name, guid) VALUES ('$ORG', md5('$ORG'))" || return 1
    openssl pkey -in "$T/data/server_rsa_key.pem" -pubout -out "$T/server_pub.pem" || return 1
}

server_curve() { head -1 "$T/data/server_curve.key"; }

# register_node NODE: session key + CURVE key in the database; keys kept in $T/NODE.keys
register_node() {
    local node=$1 keys pub sec sk
    keys=$("$PUSHY_TOOLS/node_probe" keygen) || return 1
    pub=${keys% *}
    sec=${keys#* }
    sk=$(openssl rand -hex 32)
    db_psql -c "INSERT INTO session_keys (org_id, node_name, session_key)
                SELECT id, '$node', decode('$sk', 'hex') FROM orgs WHERE name = '$ORG'
                ON CONFLICT (org_id, node_name) DO UPDATE SET session_key = EXCLUDED.session_key" || return 1
    db_psql -c "INSERT INTO curve_keys (public_key, org_id, node_name, expires_at)
                SELECT '$pub', id, '$node', now() + interval '1 hour' FROM orgs WHERE name = '$ORG'" || return 1
    echo "$pub $sec $sk" > "$T/$node.keys"
}

# start_probe NODE OUTFILE [node_probe options...]: sets PROBE_PID
start_probe() {
    local node=$1 out=$2 pub sec sk
    shift 2
    read -r pub sec sk < "$T/$node.keys"
    "$PUSHY_TOOLS/node_probe" --command "tcp://127.0.0.1:$CMD_PORT" \
        --heartbeat "tcp://127.0.0.1:$HB_PORT" --server-curve "$(server_curve)" \
        --server-rsa "$T/server_pub.pem" --curve-public "$pub" --curve-secret "$sec" \
        --org "$ORG" --node "$node" --session-key "$sk" --interval "$INTERVAL" --duration 0 \
        "$@" > "$out" 2>&1 &
    PROBE_PID=$!
    track_pid "$PROBE_PID"
}

stop_probe() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

node_col() { # NODE COLUMN
    db_psql -c "SELECT n.$2 FROM nodes n JOIN orgs o ON o.id = n.org_id
                WHERE o.name = '$ORG' AND n.name = '$1'"
}
node_is() { [ "$(node_col "$1" status)" = "$2" ]; }
node_avail_is() { [ "$(node_col "$1" availability)" = "$2" ]; }
node_rows() { db_psql -c "SELECT count(*) FROM nodes WHERE name = '$1'"; }

test_node_comes_up_within_3_intervals_and_becomes_available() {
    register_node up1 || fail "register"
    start=$(now_ms)
    start_probe up1 "$T/up1.out"
    wait_for 5 node_is up1 up || fail "node never came up"
    elapsed=$(( $(now_ms) - start ))
    echo "up after ${elapsed} ms"
    [ "$elapsed" -le $((3 * INTERVAL + 500)) ] || fail "up after ${elapsed} ms (3 intervals = $((3 * INTERVAL)) ms)"
    wait_for 5 node_avail_is up1 available || fail "never available"
    out=$(cat "$T/up1.out")
    assert_contains "$out" "recv abort" "abort handshake started"
    assert_contains "$out" "sent aborted" "abort answered"
    assert_ne "" "$(node_col up1 updated_at)" "updated_at"
    assert_ne "" "$(node_col up1 incarnation_id)" "incarnation recorded with availability"
    stop_probe "$PROBE_PID"
}

test_node_goes_down_within_offline_threshold_after_it_stops() {
    register_node down1 || fail "register"
    start_probe down1 "$T/down1.out"
    wait_for 5 node_is down1 up || fail "node never came up"
    wait_for 5 node_avail_is down1 available || fail "never available"
    sleep 2   # steady state
    stop_probe "$PROBE_PID"
    stopped=$(now_ms)
    wait_for 10 node_is down1 down || fail "node never went down"
    elapsed=$(( $(now_ms) - stopped ))
    echo "down after ${elapsed} ms"
    # offline_threshold (3) + 1 intervals
    [ "$elapsed" -le $((4 * INTERVAL + 300)) ] || fail "down after ${elapsed} ms (limit $((4 * INTERVAL)) ms)"
    wait_for 5 node_avail_is down1 unavailable || fail "still available while down"
    wait_for 5 grep -q "node $ORG/down1: down" "$T/log/heartbeatd.log" || fail "no down in log"
}

test_forged_and_malformed_messages_are_dropped_and_logged() {
    pid_before=$(component_pid commandd)
    pids=()
    for kind in bad-hmac stale wrong-org extra-frame oversize; do
        register_node "forged-$kind" || fail "register"
        start_probe "forged-$kind" "$T/forged-$kind.out" --forge "$kind" --count 3
        pids+=("$PROBE_PID")
    done
    sleep $(( (4 * INTERVAL) / 1000 + 2 ))
    log=$(cat "$T/log/commandd.log")
    assert_contains "$log" "bad_signature: bad hmac signature from $ORG/forged-bad-hmac"
    assert_contains "$log" "stale_timestamp"
    assert_contains "$log" "wrong_identity: message claims x$ORG/forged-wrong-org"
    assert_contains "$log" "expected 3 frames (routing id, header, body), got 4"
    assert_contains "$log" "body_too_large"
    assert_contains "$log" "user=$ORG/forged-stale" "peer logged with its ZAP user id"
    for kind in bad-hmac stale wrong-org extra-frame oversize; do
        assert_eq 0 "$(node_rows "forged-$kind")" "node row for forged-$kind"
        assert_not_contains "$(cat "$T/forged-$kind.out")" "recv abort" "forged-$kind was answered"
    done
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM nodes WHERE name LIKE 'forged-%'")"
    assert_eq "$pid_before" "$(component_pid commandd)" "commandd restarted"
    for p in "${pids[@]}"; do stop_probe "$p"; done
}

test_node_without_session_key_is_unknown() {
    register_node nokey1 || fail "register"
    db_psql -c "DELETE FROM session_keys WHERE node_name = 'nokey1'" || fail "delete key"
    start_probe nokey1 "$T/nokey1.out"
    wait_for 5 grep -q "unknown_node: $ORG/nokey1 has no session key" "$T/log/commandd.log" \
        || fail "unknown node not logged"
    stop_probe "$PROBE_PID"
    assert_not_contains "$(cat "$T/nokey1.out")" "recv abort"
    assert_eq 0 "$(node_rows nokey1)" "node row for a node without a session key"
}

test_job_message_for_a_job_without_process_aborts_the_node() {
    register_node jm1 || fail "register"
    start_probe jm1 "$T/jm1.out" --job-event ack_commit:00000000000000000000000000000bad
    wait_for 8 grep -q "node $ORG/jm1: abort until it answers aborted (ack_commit for job 00000000000000000000000000000bad, which has no job process)" \
        "$T/log/commandd.log" || fail "no rehab for an orphan job message"
    wait_for 5 bash -c "[ \$(grep -c 'recv abort' '$T/jm1.out') -ge 2 ]" || fail "second abort not received"
    wait_for 5 node_avail_is jm1 available || fail "not available again after the second handshake"
    stop_probe "$PROBE_PID"
}

test_commands_fan_out_and_replies_reach_the_job_process() {
    JOB=0123456789abcdef0123456789abcdef
    for n in fo1 fo2; do
        register_node $n || fail "register"
        start_probe $n "$T/$n.out" --jobs ack
        eval "pid_$n=$PROBE_PID"
    done
    wait_for 5 node_avail_is fo1 available || fail "fo1 not available"
    wait_for 5 node_avail_is fo2 available || fail "fo2 not available"
    mkdir -p "$T/run/jobs" && chmod 777 "$T/run/jobs"
    "$PUSHY_TOOLS/bus_tool" listen "$T/run/jobs/$JOB.ipc" pull 10 2 > "$T/job.out" 2>&1 &
    lpid=$!
    track_pid $lpid
    wait_for 5 test -S "$T/run/jobs/$JOB.ipc" || fail "job socket"
    "$PUSHY_TOOLS/bus_tool" send "$T/run/commands.ipc" \
        "{\"type\":\"send\",\"org\":\"$ORG\",\"nodes\":[\"fo1\",\"fo2\",\"ghost\"],\"message\":{\"type\":\"commit\",\"job_id\":\"$JOB\",\"server\":\"s\",\"command\":\"chef-client\",\"capture\":false}}" \
        || fail "send on commands"
    wait "$lpid"
    cat "$T/job.out"
    replies=$(grep -c '"reply":"ack_commit"' "$T/job.out")
    assert_eq 2 "$replies" "ack_commit replies routed to the job process"
    assert_contains "$(cat "$T/job.out")" "\"job_id\":\"$JOB\""
    assert_contains "$(cat "$T/job.out")" '"type":"node_reply"'
    for n in fo1 fo2; do
        assert_contains "$(cat "$T/$n.out")" "recv commit" "$n got the commit"
    done
    assert_contains "$(cat "$T/log/commandd.log")" "commit job $JOB sent to 2 node(s); 1 not connected"
    stop_probe "$pid_fo1"
    stop_probe "$pid_fo2"
}

test_node_events_are_published() {
    register_node ev1 || fail "register"
    "$PUSHY_TOOLS/bus_tool" dial "$T/run/node-events.ipc" sub 10 '"node":"ev1","status":"down"' \
        > "$T/events.out" 2>&1 &
    lpid=$!
    track_pid $lpid
    sleep 0.5
    start_probe ev1 "$T/ev1.out"
    wait_for 5 node_is ev1 up || fail "not up"
    stop_probe "$PROBE_PID"
    wait "$lpid" || fail "no down event for ev1"
    cat "$T/events.out"
    assert_contains "$(cat "$T/events.out")" '{"type":"node_status","org":"'$ORG'","node":"ev1","status":"up"}'
    assert_contains "$(cat "$T/events.out")" '{"type":"node_status","org":"'$ORG'","node":"ev1","status":"down"}'
}

test_unregistered_curve_key_is_refused_by_zap() {
    register_node zap1 || fail "register"
    keys=$("$PUSHY_TOOLS/node_probe" keygen)
    read -r _ _ sk < "$T/zap1.keys"
    echo "${keys% *} ${keys#* } $sk" > "$T/zap1.keys"   # a key that was never registered
    start_probe zap1 "$T/zap1.out"
    sleep 2
    stop_probe "$PROBE_PID"
    assert_contains "$(cat "$T/log/commandd.log")" "zap: refused mechanism=CURVE key=${keys% *}"
    assert_not_contains "$(cat "$T/zap1.out")" "recv " "refused connection got a message"
    assert_eq 0 "$(node_rows zap1)" "node row for an unregistered key"
}

test_server_heartbeat_rsa_signature_verifies() {
    register_node hb1 || fail "register"
    start_probe hb1 "$T/hb1.out"
    wait_for 5 grep -q "server_heartbeat ok" "$T/hb1.out" || fail "no verified server heartbeat"
    sleep 1
    stop_probe "$PROBE_PID"
    out=$(cat "$T/hb1.out")
    assert_not_contains "$out" "server_heartbeat bad"
    n=$(grep -c "server_heartbeat ok" "$T/hb1.out")
    [ "$n" -ge 2 ] || fail "only $n server heartbeats in >1 s at ${INTERVAL} ms"
    assert_contains "$out" "server=127.0.0.1"
}

test_client_restart_aborts_and_publishes_node_restarted() {
    register_node inc1 || fail "register"
    start_probe inc1 "$T/inc1a.out" --incarnation inc-A
    wait_for 5 node_avail_is inc1 available || fail "never available"
    stop_probe "$PROBE_PID"
    start_probe inc1 "$T/inc1b.out" --incarnation inc-B
    wait_for 5 grep -q "node $ORG/inc1: client restarted" "$T/log/heartbeatd.log" \
        || fail "no node_restarted"
    wait_for 5 grep -q "recv abort" "$T/inc1b.out" || fail "restarted client not aborted"
    wait_for 5 bash -c "grep -q 'inc1: answered aborted' '$T/log/commandd.log'" || fail "no handshake"
    node_inc_is() { [ "$(node_col inc1 incarnation_id)" = "$1" ]; }
    wait_for 5 node_inc_is inc-B || fail "incarnation not recorded: $(node_col inc1 incarnation_id)"
    assert_eq available "$(node_col inc1 availability)"
    stop_probe "$PROBE_PID"
}

# The node stays up (no down transition) and available through a restart.
survive_restart() { # COMPONENT NODE
    local comp=$1 node=$2
    register_node "$node" || fail "register"
    start_probe "$node" "$T/$node.out"
    wait_for 5 node_avail_is "$node" available || fail "never available"
    sleep 1
    aborts_before=$(grep -c "recv abort" "$T/$node.out")
    old=$(component_pid "$comp")
    pushy_ctl kill "$comp"
    wait_for 10 bash -c "[ \"\$($PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | awk '\$1==\"$comp\"{print \$2\":\"\$3}')\" != running:$old ] && $PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | grep -q '^$comp *running'" \
        || fail "$comp not back"
    echo "$comp back as pid $(component_pid "$comp")"
    sleep $(( (5 * INTERVAL) / 1000 + 1 ))
    assert_eq up "$(node_col "$node" status)" "status after $comp restart"
    assert_eq available "$(node_col "$node" availability)" "availability after $comp restart"
    if grep -q "node $ORG/$node: down" "$T/log/heartbeatd.log"; then
        fail "false down of $node across the $comp restart"
    fi
    stop_probe "$PROBE_PID"
    aborts_after=$(grep -c "recv abort" "$T/$node.out")
    echo "aborts before $aborts_before, after $aborts_after"
    AB=$aborts_before
    AA=$aborts_after
}

test_kill_commandd_node_stays_up_and_available() {
    survive_restart commandd kc1
    assert_eq "$AB" "$AA" "the node was aborted again after commandd restarted (resume expected)"
    assert_contains "$(cat "$T/kc1.out")" "recv ack" "resumed session acked"
}

test_kill_heartbeatd_node_stays_up() {
    survive_restart heartbeatd kh1
    wait_for 5 grep -q "restored [1-9][0-9]* up node" "$T/log/heartbeatd.log" || fail "no restore logged"
}

test_processes_still_running() {
    pushy_ctl status
    assert_eq running "$(component_field commandd 2)"
    assert_eq running "$(component_field heartbeatd 2)"
}

# Runs last (it restarts commandd with another limit, then restores it).
test_zz_new_sessions_are_admitted_at_a_bounded_rate() {
    "$PUSHY_TOOLS/node_probe" keygen-batch 20 rl- > "$T/rl.txt" || fail "keygen"
    while read -r node pub _ sk; do
        db_psql -c "INSERT INTO session_keys (org_id, node_name, session_key)
                    SELECT id, '$node', decode('$sk', 'hex') FROM orgs WHERE name = '$ORG'" || fail "key"
        db_psql -c "INSERT INTO curve_keys (public_key, org_id, node_name, expires_at)
                    SELECT '$pub', id, '$node', now() + interval '1 hour' FROM orgs WHERE name = '$ORG'" || fail "curve"
    done < "$T/rl.txt"
    cp "$PUSHY_CONF" "$T/conf.before-rl"
    echo "new_sessions_per_second = 4" >> "$PUSHY_CONF"
    pushy_ctl restart commandd || fail "restart commandd"
    start=$(now_ms)
    "$PUSHY_TOOLS/node_probe" --command "tcp://127.0.0.1:$CMD_PORT" --server-curve "$(server_curve)" \
        --org "$ORG" --nodes-file "$T/rl.txt" --interval "$INTERVAL" --duration 0 --report 1 \
        > "$T/rl.out" 2>&1 &
    pid=$!
    track_pid $pid
    avail() { db_psql -c "SELECT count(*) FROM nodes WHERE name LIKE 'rl-%' AND availability = 'available'"; }
    sleep 2
    early=$(avail)
    all_available() { [ "$(avail)" = 20 ]; }
    wait_for 15 all_available
    all=$(( $(now_ms) - start ))
    final=$(avail)
    stop_probe "$pid"
    cp "$T/conf.before-rl" "$PUSHY_CONF"
    pushy_ctl restart commandd || fail "restore commandd"
    echo "available after 2 s: $early of 20; all 20 after ${all} ms"
    assert_eq 20 "$final" "every node admitted in the end"
    [ "$early" -le 13 ] || fail "$early sessions admitted in 2 s at 4/s (burst 4)"
    [ "$all" -ge 3000 ] || fail "20 sessions admitted in ${all} ms at 4/s"
    assert_eq 20 "$(db_psql -c "SELECT count(*) FROM nodes WHERE name LIKE 'rl-%' AND status = 'up'")" \
        "deferred nodes are still judged alive from their heartbeats"
}
