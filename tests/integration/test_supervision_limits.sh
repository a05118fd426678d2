# Restart intensity and readiness notification, on a pushyd run in the
# foreground so its exit status can be checked.

setup_file() {
    write_config "max_restarts = 3" "restart_window = 30" "restart_backoff_ms = 20"
}

test_crash_loop_trips_intensity_and_pushyd_exits_nonzero() {
    NOTIFY_SOCKET="$T/notify.sock"
    "$PUSHY_TOOLS/notify_listen" "$NOTIFY_SOCKET" READY=1 30 > "$T/notify.out" &
    listener=$!
    track_pid $listener
    sleep 0.2
    NOTIFY_SOCKET="$NOTIFY_SOCKET" "$PUSHY_BIN/pushyd" -c "$PUSHY_CONF" > "$T/fg.out" 2>&1 &
    pushyd=$!
    track_pid $pushyd
    wait $listener || fail "no READY=1 from pushyd (sd_notify)"
    grep -q READY=1 "$T/notify.out" || fail "READY=1 not received"
    pushy_ctl status || fail "not all running"
    # Crash the same child more often than the intensity allows.
    last=""
    for i in 1 2 3 4; do
        # wait until commandd runs again (a new pid), then crash it
        wait_for 10 bash -c "$PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | grep -q '^commandd *running' && \
            [ \"\$($PUSHY_BIN/pushy-ctl -c $PUSHY_CONF status | awk '\$1==\"commandd\"{print \$3}')\" != '$last' ]" \
            || fail "commandd did not come back before crash $i"
        last=$(component_pid commandd)
        echo "crash $i: killing commandd pid $last"
        kill -KILL "$last"
    done
    timeout 30 tail --pid=$pushyd -f /dev/null || { kill -KILL $pushyd; fail "pushyd still running"; }
    wait $pushyd
    rc=$?
    echo "pushyd exit status $rc"
    [ "$rc" -ne 0 ] || fail "pushyd should exit non-zero"
    grep -q "restart intensity exceeded" "$T/log/pushyd.log" "$T/fg.out" || fail "no clear log line"
    left=$(pgrep -f -- "$T/" | grep -v "^$$\$" || true)
    [ -z "$left" ] || { ps -o pid,args -p $left; fail "children left behind"; }
}
