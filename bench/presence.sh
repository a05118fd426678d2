#!/usr/bin/env bash
# Benchmark 2, presence: N nodes connected with 1 s heartbeats for S seconds.
# Reports CPU of heartbeatd and commandd (share of one core), server RSS per
# node (growth of heartbeatd + commandd + apid + jobrunner + pushyd RSS from
# before the nodes connected), and false `down` transitions: nodes whose
# status row changed (updated_at) during the measurement, which must be 0.
#   bench/presence.sh [--nodes N] [--seconds S] [--admit R] [--io-threads T]
# defaults: 1000 nodes, 30 s; --admit sets new_sessions_per_second (default
# 5000 here so the ramp is quick; the server default is 1000); --io-threads:
# ZeroMQ I/O threads per nodesim (default 2: with one, that thread does the
# TCP and CURVE work of up to 4,000 simulated nodes, which real nodes do each
# on their own, and during the ramp it delayed handshakes past the client's
# 3 s first-answer rule: a reconnect storm of the simulator's making).
. "$(dirname "$0")/lib.sh"
N=1000 S=30 ADMIT=5000 IOT=2
while [ $# -gt 0 ]; do
    case $1 in
    --nodes) N=$2; shift 2 ;;
    --seconds) S=$2; shift 2 ;;
    --admit) ADMIT=$2; shift 2 ;;
    --io-threads) IOT=$2; shift 2 ;;
    *) echo "usage: $0 [--nodes N] [--seconds S] [--admit R] [--io-threads T]" >&2; exit 2 ;;
    esac
done
BENCH_COMMAND="bench/presence.sh --nodes $N --seconds $S --admit $ADMIT --io-threads $IOT"
out="$T/presence.md"
bench_start_server "heartbeat_interval = 1000" "new_sessions_per_second = $ADMIT" || exit 1
bench_add_clients "$N" || exit 1
COMPONENTS="heartbeatd commandd apid jobrunner"
declare -A PID RSS0
for c in $COMPONENTS; do PID[$c]=$(pid_of "$c"); done
PID[pushyd]=$(pgrep -o -f -- "pushyd --daemon -c $PUSHY_CONF" | head -1)
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
for c in $COMPONENTS pushyd; do RSS0[$c]=$(rss_kb "${PID[$c]}"); done

bench_start_nodesim sim "$N" --fetch-concurrency 32 --io-threads "$IOT"
ramp=$(bench_wait_ready "$N" 1200) || { nodesim_summary sim; exit 1; }
bench_log "$N nodes up and available after $ramp s; settling 10 s"
sleep 10
start_ts=$(db_psql -c "SELECT now()")
declare -A C0
for c in heartbeatd commandd; do C0[$c]=$(cpu_ticks "${PID[$c]}"); done
sim0=0; for p in "${NODESIM_PIDS[@]}"; do sim0=$((sim0 + $(cpu_ticks "$p"))); done
# RSS keeps growing for minutes after the nodes connect (libzmq's pipe
# queues fill their 16 KB chunks), so the growth during the window is shown
win0=0; for c in heartbeatd commandd; do win0=$((win0 + $(rss_kb "${PID[$c]}"))); done
t0=$(now_ms)
sleep "$S"
t1=$(now_ms)
declare -A CPU
hz=$(getconf CLK_TCK)
for c in heartbeatd commandd; do
    CPU[$c]=$(awk -v a="${C0[$c]}" -v b="$(cpu_ticks "${PID[$c]}")" -v hz="$hz" -v ms=$((t1 - t0)) \
        'BEGIN{printf "%.1f", (b - a) / hz / (ms / 1000) * 100}')
done
sim1=0; for p in "${NODESIM_PIDS[@]}"; do sim1=$((sim1 + $(cpu_ticks "$p"))); done
simcpu=$(awk -v a="$sim0" -v b="$sim1" -v hz="$hz" -v ms=$((t1 - t0)) \
    'BEGIN{printf "%.1f", (b - a) / hz / (ms / 1000) * 100}')
flaps=$(db_psql -c "SELECT count(*) FROM nodes n JOIN orgs o ON o.id = n.org_id
                    WHERE o.name = '$BENCH_ORG' AND n.updated_at > '$start_ts'")
down=$(nodes_down)
ready=$(nodes_ready)
rss_line=""
total=0
for c in $COMPONENTS pushyd; do
    r=$(rss_kb "${PID[$c]}")
    d=$((r - RSS0[$c]))
    total=$((total + d))
    rss_line="$rss_line $c ${RSS0[$c]}→$r KB;"
done
per_node=$(awk -v t="$total" -v n="$N" 'BEGIN{printf "%.1f", t / n}')
win1=0; for c in heartbeatd commandd; do win1=$((win1 + $(rss_kb "${PID[$c]}"))); done
win_node=$(awk -v a="$win0" -v b="$win1" -v n="$N" 'BEGIN{printf "%.1f", (b - a) / n}')
{
    echo "$N nodes (nodesim), heartbeat_interval 1000 ms, new_sessions_per_second $ADMIT; all $N up and available after **$ramp s**; measured over $S s after 10 s of settling."
    echo
    echo "| figure | value | target |"
    echo "|---|---|---|"
    echo "| heartbeatd CPU | ${CPU[heartbeatd]} % of one core | heartbeat path < 50 % |"
    echo "| commandd CPU | ${CPU[commandd]} % of one core | (heartbeat path) |"
    echo "| server RSS growth per node | $per_node KB (of which $win_node KB during the $S s window) | ≤ 16 KB |"
    echo "| nodes whose status changed during the run (false downs/flaps) | $flaps (down at the end: $down, up+available: $ready) | 0 |"
    echo "| nodesim CPU (the simulator, same machine) | $simcpu % | — |"
    echo
    echo "RSS before → after:$rss_line"
    echo
    echo "nodesim at the end: \`$(nodesim_summary sim)\`"
} > "$out"
cat "$out"
bench_record "Presence, $N nodes" "$out"
[ "$flaps" = 0 ]
