# Helpers for the benchmark scripts (bash). Reuses the integration-test
# helpers (tests/integration/lib.sh: write_config, pushy_ctl, db_psql,
# wait_for) for one temporary pushyd instance on loopback, and adds:
#   bench_start_server [CONFIG_LINE...]   start pushyd, org "bench", admin user
#   bench_add_clients COUNT               register sim00000.. (bulk, psql)
#   bench_start_nodesim NAME COUNT [nodesim options]
#   bench_wait_ready COUNT TIMEOUT_S      nodes up + available in the database
#   bench_record TITLE FILE               append a result block to RESULTS.md
# Everything started here is stopped by pid in bench_cleanup (EXIT trap).
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
export BUILD="${BUILD:-build}"
export PUSHY_BIN="$ROOT/$BUILD/bin"
export PUSHY_TOOLS="$ROOT/$BUILD/tests"
# shellcheck source=../tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"

BENCH_ORG=bench
BENCH_KEYS="${PUSHY_BENCH_KEYS:-${XDG_CACHE_HOME:-$HOME/.cache}/pushy-bench/keys-1024}"
BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}"
BENCH_BASE="$API_URL/organizations/$BENCH_ORG"
BENCH_PIDS=()

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

bench_cleanup() {
    local p
    for p in "${BENCH_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in "${BENCH_PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    if [ -f "$PUSHY_CONF" ] && [ -S "$T/run/control.ipc" ]; then
        timeout 60 "$PUSHY_BIN/pushy-ctl" -c "$PUSHY_CONF" stop >/dev/null 2>&1
    fi
    if [ -n "${KEEP_BENCH_DIR:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

machine_description() {
    echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
}

# bench_start_server [CONFIG_LINE...]
bench_start_server() {
    ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    write_config "log_level = warn" "$@"
    start_pushy >/dev/null || { bench_log "pushyd did not start"; dump_logs; return 1; }
    mkdir -p "$T/keys"
    pushy_ctl org-create "$BENCH_ORG" >/dev/null || return 1
    pushy_ctl user-create benchadmin --org "$BENCH_ORG" --admin -f "$T/keys/benchadmin.pem" \
        >/dev/null || return 1
}

# bench_add_clients COUNT: keys come from the cache (made once, 1024-bit,
# by `nodesim keygen`); public keys are bulk-inserted into table clients,
# which is what `pushy-ctl client-create` does one at a time.
bench_add_clients() {
    local n=$1 t0
    t0=$(date +%s)
    "$PUSHY_BIN/nodesim" keygen --keys "$BENCH_KEYS" --prefix sim --count "$n" \
        --csv "$T/clients.csv" || return 1
    db_psql -v ON_ERROR_STOP=1 >/dev/null <<SQL || return 1
CREATE TEMP TABLE bench_clients (name text, public_key text);
\copy bench_clients FROM '$T/clients.csv' WITH (FORMAT csv)
INSERT INTO clients (org_id, name, public_key)
  SELECT o.id, b.name, b.public_key FROM bench_clients b, orgs o WHERE o.name = '$BENCH_ORG'
  ON CONFLICT (org_id, name) DO UPDATE SET public_key = EXCLUDED.public_key;
SQL
    bench_log "registered $n clients ($(( $(date +%s) - t0 )) s, keys in $BENCH_KEYS)"
}

# bench_start_nodesim NAME COUNT [options]: runs in the background, one
# nodesim process per 1,000 nodes; logs in $T/NAME-K.log, status in
# $T/NAME-K.status; pids in NODESIM_PIDS. At most 4,000 per process (a
# simulated node holds 4 file descriptors: two ZeroMQ sockets, each a TCP
# connection and a mailbox eventfd, and this container caps RLIMIT_NOFILE
# at 20,000 even for root), but one main thread for 4,000 nodes falls
# behind during a ramp: at 5,000 nodes, a 4,000-node process counted
# 3,808 first-message timeouts (3 s) and 4,410 reconnects, the 1,000-node
# process beside it none (RESULTS.md, session 5).
BENCH_NODES_PER_SIM=${BENCH_NODES_PER_SIM:-1000}
bench_start_nodesim() {
    local name=$1 n=$2 first=0 k=0 cnt
    shift 2
    NODESIM_PIDS=()
    while [ "$first" -lt "$n" ]; do
        cnt=$(( n - first < BENCH_NODES_PER_SIM ? n - first : BENCH_NODES_PER_SIM ))
        "$PUSHY_BIN/nodesim" run --url "$BENCH_BASE" --keys "$BENCH_KEYS" --prefix sim \
            --first "$first" --count "$cnt" --status-file "$T/$name-$k.status" --report-ms 2000 \
            --max-seconds 3000 "$@" 2> "$T/$name-$k.log" &
        NODESIM_PIDS+=($!)
        BENCH_PIDS+=($!)
        first=$(( first + cnt ))
        k=$(( k + 1 ))
    done
}
# The last status line of every nodesim of NAME.
nodesim_summary() { for f in "$T/$1"-*.log; do tail -1 "$f" | sed 's/^nodesim\[[^]]*\]: //'; done; }

nodes_ready() {
    db_psql -c "SELECT count(*) FROM nodes n JOIN orgs o ON o.id = n.org_id
                WHERE o.name = '$BENCH_ORG' AND n.status = 'up' AND n.availability = 'available'"
}
nodes_down() {
    db_psql -c "SELECT count(*) FROM nodes n JOIN orgs o ON o.id = n.org_id
                WHERE o.name = '$BENCH_ORG' AND n.status = 'down'"
}

# bench_wait_ready COUNT TIMEOUT_S: prints the seconds it took; 1 on timeout.
bench_wait_ready() {
    local want=$1 timeout=$2 t0 now have=0
    t0=$(now_ms)
    while :; do
        have=$(nodes_ready 2>/dev/null || echo 0)
        [ "${have:-0}" -ge "$want" ] && break
        now=$(now_ms)
        if [ $(( now - t0 )) -ge $(( timeout * 1000 )) ]; then
            bench_log "only $have of $want nodes ready after $timeout s"
            return 1
        fi
        sleep 0.5
    done
    awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.1f\n", ms/1000}'
}

pid_of() { component_pid "$1"; }

# bench_record TITLE FILE: appends "## TITLE" with the date, command and
# machine, then FILE's contents, to RESULTS.md.
bench_record() {
    {
        echo
        echo "### $1 — $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "- command: \`${BENCH_COMMAND:-$0 $*}\`"
        echo "- machine: $(machine_description)"
        echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
        echo
        cat "$2"
    } >> "$BENCH_RESULTS"
}
