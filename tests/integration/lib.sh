# Helpers for integration tests. Each test file gets one temp instance
# directory ($T) with its own config, ports and processes; everything in
# it is killed and removed by cleanup_instance (on any exit).

T=$(mktemp -d /tmp/pushy-it.XXXXXX)
chmod 755 "$T"   # the unprivileged service user must reach its dirs
export T
TEST_LOG_DIR="$T/test-logs"
mkdir -p "$TEST_LOG_DIR"
PUSHY_CONF="$T/pushy.conf"
export PUSHY_CONF
# Ten ports per instance.
# Below the ephemeral range (32768+) so outgoing connections never hold them.
PORT_BASE=$(( 20000 + (RANDOM % 1200) * 10 ))
export API_PORT=$((PORT_BASE + 3)) HB_PORT=$((PORT_BASE + 0)) CMD_PORT=$((PORT_BASE + 2))
export API_URL="http://127.0.0.1:$API_PORT"

# Writes the instance config; extra "key = value" lines may be passed.
write_config() {
    cat > "$PUSHY_CONF" <<CONF
# integration test instance
run_dir = $T/run
data_dir = $T/data
log_dir = $T/log
server_name = 127.0.0.1
api_listen_address = 127.0.0.1
api_port = $API_PORT
server_heartbeat_port = $HB_PORT
command_port = $CMD_PORT
zeromq_listen_address = tcp://127.0.0.1
max_restarts = 20
restart_window = 60
stop_timeout = 5
ready_timeout = 30
CONF
    for line in "$@"; do echo "$line" >> "$PUSHY_CONF"; done
}

pushy_ctl() { "$PUSHY_BIN/pushy-ctl" -c "$PUSHY_CONF" "$@"; }

start_pushy() {
    [ -f "$PUSHY_CONF" ] || write_config
    pushy_ctl start
}

stop_pushy() { pushy_ctl stop; }

# psql on the embedded database (as the service's database user).
db_psql() {
    local user
    user=$(awk -F' *= *' '$1=="user"{print $2}' "$PUSHY_CONF")
    psql -X -q -t -A -h "$T/run" -p 5432 -U "${user:-pushy}" -d pushy "$@"
}

# Kills everything started for this instance and removes its directory.
cleanup_instance() {
    if [ -f "$PUSHY_CONF" ] && [ -S "$T/run/control.ipc" ]; then
        timeout 40 "$PUSHY_BIN/pushy-ctl" -c "$PUSHY_CONF" stop >/dev/null 2>&1
    fi
    # Anything still alive that names this instance's directory.
    pkill -KILL -f -- "$T" 2>/dev/null
    if [ -f "$T/extra-pids" ]; then
        while read -r p; do kill -KILL "$p" 2>/dev/null; done < "$T/extra-pids"
    fi
    sleep 0.2
    if [ -n "${KEEP_TEST_DIR:-}" ]; then
        echo "kept $T"
    else
        rm -rf "$T"
    fi
}

# Remember a background process so cleanup kills it.
track_pid() { echo "$1" >> "$T/extra-pids"; }

dump_logs() {
    [ -d "$T/log" ] || return 0
    for f in "$T"/log/*.log; do
        [ -f "$f" ] || continue
        echo "    --- $(basename "$f") (last 15 lines)"
        tail -15 "$f" | sed 's/^/    /'
    done
}

fail() { echo "ASSERTION FAILED: $*" >&2; exit 1; }

assert_eq() { # expected actual [message]
    [ "$1" == "$2" ] || fail "${3:-values differ}: expected '$1', got '$2'"
}

assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-values equal}: both '$1'"
}

assert_contains() { # haystack needle [message]
    [[ "$1" == *"$2"* ]] || fail "${3:-missing text}: '$2' not in: $1"
}

assert_not_contains() {
    [[ "$1" != *"$2"* ]] || fail "${3:-unexpected text}: '$2' found in: $1"
}

# wait_for TIMEOUT_S COMMAND...: polls every 100 ms until COMMAND succeeds.
wait_for() {
    local timeout=$1
    shift
    local end=$(( $(date +%s%N) + timeout * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$end" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# pid of a component from `pushy-ctl status`.
component_pid() { pushy_ctl status | awk -v n="$1" '$1==n {print $3}'; }
component_field() { pushy_ctl status | awk -v n="$1" -v f="$2" '$1==n {print $f}'; }
