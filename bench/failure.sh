#!/usr/bin/env bash
# Benchmark 3, failure detection: K real pushy-client processes connect;
# all are killed with SIGKILL at once; the time from the kill to each node's
# `down` in the database (polled every 50 ms) is compared with the
# configured thresholds (heartbeat_interval, decay window 4, threshold 0.6:
# 2-3 intervals by design).
#   bench/failure.sh [--clients K] [--interval MS]   defaults 5, 1000
. "$(dirname "$0")/lib.sh"
K=5 IV=1000
while [ $# -gt 0 ]; do
    case $1 in
    --clients) K=$2; shift 2 ;;
    --interval) IV=$2; shift 2 ;;
    *) echo "usage: $0 [--clients K] [--interval MS]" >&2; exit 2 ;;
    esac
done
BENCH_COMMAND="bench/failure.sh --clients $K --interval $IV"
out="$T/failure.md"
bench_start_server "heartbeat_interval = $IV" || exit 1
mkdir -p "$T/nodes"
declare -a CPIDS
for i in $(seq 1 "$K"); do
    n=real$i
    pushy_ctl client-create "$n" --org "$BENCH_ORG" -f "$T/keys/$n.pem" >/dev/null || exit 1
    cat > "$T/nodes/$n.rb" <<RB
chef_server_url "$BENCH_BASE"
node_name "$n"
client_key "$T/keys/$n.pem"
whitelist({ "true" => "true" })
RB
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$n.rb" -L "$T/nodes/$n.log" &
    CPIDS+=($!)
    BENCH_PIDS+=($!)
done
bench_wait_ready "$K" 60 >/dev/null || exit 1
sleep 3
kill_ms=$(now_ms)
for p in "${CPIDS[@]}"; do kill -KILL "$p"; done
set +u  # bash 5.2: ${#A[@]} of an empty associative array trips set -u
declare -A DOWN
end=$((kill_ms + 30000))
while [ "${#DOWN[@]}" -lt "$K" ] && [ "$(now_ms)" -lt "$end" ]; do
    for n in $(db_psql -c "SELECT n.name FROM nodes n JOIN orgs o ON o.id = n.org_id
                           WHERE o.name = '$BENCH_ORG' AND n.status = 'down'"); do
        [ -n "${DOWN[$n]:-}" ] || DOWN[$n]=$(( $(now_ms) - kill_ms ))
    done
    sleep 0.05
done
times=$(for n in "${!DOWN[@]}"; do echo "${DOWN[$n]}"; done | sort -n | tr '\n' ' ')
{
    echo "$K real pushy-client processes, heartbeat_interval $IV ms (decayed average, window 4, down below 0.6: expected $((2 * IV))–$((3 * IV)) ms plus the liveness tick), all killed with SIGKILL at once; \`down\` observed in the database, polled every 50 ms."
    echo
    echo "- time from kill -9 to down, per node (ms): ${times:-none}"
    echo "- nodes detected: ${#DOWN[@]} of $K within 30 s"
} > "$out"
cat "$out"
bench_record "Failure detection" "$out"
[ "${#DOWN[@]}" -eq "$K" ]
