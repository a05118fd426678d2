# Foundation: pushyd supervision, pushy-ctl, embedded PostgreSQL.

setup_file() {
    write_config "restart_backoff_ms = 50"
    start_pushy
}

test_status_lists_every_component_running() {
    out=$(pushy_ctl status)
    echo "$out"
    for c in postgres heartbeatd commandd jobrunner apid; do
        assert_eq running "$(component_field "$c" 2)" "$c state"
    done
    pushy_ctl status >/dev/null || fail "status exit code should be 0 when all run"
}

test_children_run_as_unprivileged_user() {
    [ "$(id -u)" -eq 0 ] || { echo "not root: nothing to check"; return 0; }
    for c in pushyd postgres heartbeatd commandd jobrunner apid; do
        if [ "$c" = pushyd ]; then pid=$(cat "$T/run/pushyd.pid"); else pid=$(component_pid "$c"); fi
        user=$(ps -o user= -p "$pid")
        assert_eq pushy "$user" "$c (pid $pid) user"
    done
}

test_kill_apid_restarts_within_one_second() {
    old=$(component_pid apid)
    before=$(component_field apid 5)
    pushy_ctl kill apid
    start=$(now_ms)
    wait_for 5 bash -c "[ \"\$($PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | awk '\$1==\"apid\"{print \$2\":\"\$3}')\" != running:$old ] && $PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | grep -q '^apid *running'" \
        || fail "apid not back"
    elapsed=$(( $(now_ms) - start ))
    new=$(component_pid apid)
    echo "apid back as pid $new after ${elapsed} ms"
    assert_ne "$old" "$new" "apid pid"
    [ "$elapsed" -le 1000 ] || fail "apid took ${elapsed} ms to come back (limit 1000)"
    assert_eq $((before + 1)) "$(component_field apid 5)" "apid restarts"
}

test_restart_postgres_keeps_data() {
    db_psql -c "INSERT INTO orgs (name, guid) VALUES ('persist-org', md5('persist-org'))" || fail "insert"
    pushy_ctl restart postgres || fail "restart postgres"
    pushy_ctl status | grep -q '^postgres *running' || fail "postgres not running"
    wait_for 10 db_psql -c "SELECT 1" || fail "database not back"
    assert_eq persist-org "$(db_psql -c "SELECT name FROM orgs WHERE name = 'persist-org'")"
}

test_stop_and_start_one_component() {
    pushy_ctl stop jobrunner || fail "stop jobrunner"
    wait_for 10 bash -c "$PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | grep -q '^jobrunner *stopped'" || fail "not stopped"
    if pushy_ctl status >/dev/null; then fail "status must exit non-zero with a component down"; fi
    sleep 1
    assert_eq stopped "$(component_field jobrunner 2)" "stopped component stays down"
    pushy_ctl start jobrunner || fail "start jobrunner"
    assert_eq running "$(component_field jobrunner 2)"
}

test_sighup_rereads_config() {
    cp "$PUSHY_CONF" "$T/conf.bak"
    echo "log_level = debug" >> "$PUSHY_CONF"
    kill -HUP "$(cat "$T/run/pushyd.pid")"
    wait_for 5 grep -q "configuration re-read" "$T/log/pushyd.log" || fail "pushyd did not re-read"
    wait_for 5 grep -q "log_level=debug" "$T/log/heartbeatd.log" || fail "children did not re-read"
    echo "bogus_key = 1" >> "$PUSHY_CONF"
    kill -HUP "$(cat "$T/run/pushyd.pid")"
    wait_for 5 grep -q "keeping the running configuration: .*unknown key 'bogus_key'" "$T/log/pushyd.log" \
        || fail "bad config on SIGHUP not reported"
    cp "$T/conf.bak" "$PUSHY_CONF"
    pushy_ctl status >/dev/null || fail "still running after bad reload"
}

test_unknown_component_is_an_error() {
    out=$(pushy_ctl kill nosuch 2>&1) && fail "kill of unknown component succeeded"
    assert_contains "$out" "no such component"
}

test_bad_config_is_rejected_with_file_and_line() {
    bad="$T/bad.conf"
    printf 'run_dir = /tmp/x\napi_port = 99999\n' > "$bad"
    out=$("$PUSHY_BIN/pushy-ctl" -c "$bad" start 2>&1)
    rc=$?
    assert_eq 2 "$rc" "exit code"
    assert_contains "$out" "$bad:2: api_port: integer out of range"
}

test_help_documents_commands() {
    out=$(pushy_ctl --help)
    for w in start stop status restart kill tail; do assert_contains "$out" "  $w"; done
}

# Runs last (alphabetical order puts z_ at the end): full stop/start.
test_z_stop_leaves_nothing_and_data_persists() {
    db_psql -c "INSERT INTO orgs (name, guid) VALUES ('across-restart', md5('across-restart'))" || fail insert
    # A node the last run left up and available, whose client is gone.
    db_psql -c "INSERT INTO nodes (org_id, name, status, availability, last_heard_at, search_keys)
                SELECT id, 'ghost', 'up', 'available', now(), '{\"name\":[\"ghost\"]}'
                FROM orgs WHERE name = 'across-restart'" || fail "insert ghost"
    pushy_ctl stop || fail "stop"
    left=$(pgrep -f -- "$T" || true)
    [ -z "$left" ] || { ps -o pid,user,args -p $left; fail "processes left behind"; }
    socks=$(find "$T/run" -type s -o -name '*.pid' | tr '\n' ' ')
    [ -z "$socks" ] || fail "left in run_dir: $socks"
    pushy_ctl start || fail "start again"
    assert_eq across-restart "$(db_psql -c "SELECT name FROM orgs WHERE name = 'across-restart'")"
    # A new server start counts no node up or available before it is heard.
    assert_eq "down|unavailable" "$(db_psql -c "SELECT status || '|' || availability FROM nodes WHERE name = 'ghost'")"
}

test_readme_documents_every_config_key() {
    keys=$("$PUSHY_BIN/pushyd" --config-reference | awk 'NR>1 {print $1}')
    [ -n "$keys" ] || fail "no keys printed"
    for k in $keys; do
        grep -q "^| \`$k\` |" README.md || fail "README.md does not document config key $k"
    done
}
