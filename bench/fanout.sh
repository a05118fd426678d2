#!/usr/bin/env bash
# Benchmark 1, fan-out: job `true` to N simulated nodes (nodesim), POST ->
# complete latency p50/p95 over JOBS jobs per size, then jobs/s with 10
# concurrent jobs of 100 nodes (each job its own 100 nodes).
#   bench/fanout.sh [--full]      quick: N = 10, 100, 1000; full: + 5000
# Env: JOBS (default 20), JOB_MS (simulated command duration, default 0).
. "$(dirname "$0")/lib.sh"
SIZES="10 100 1000"
[ "${1:-}" = "--full" ] && SIZES="10 100 1000 5000"
JOBS=${JOBS:-20}
MAX=1000
for s in $SIZES; do [ "$s" -gt "$MAX" ] && MAX=$s; done
BENCH_COMMAND="bench/fanout.sh ${1:-}"
out="$T/fanout.md"

bench_start_server "heartbeat_interval = 1000" "new_sessions_per_second = 5000" || exit 1
bench_add_clients "$MAX" || exit 1
bench_start_nodesim sim "$MAX" --job-ms "${JOB_MS:-0}" --fetch-concurrency 32
ramp=$(bench_wait_ready "$MAX" 600) || { nodesim_summary sim; exit 1; }
bench_log "$MAX simulated nodes up and available after $ramp s"
sleep 3

{
    echo "$MAX simulated nodes (nodesim, 1024-bit client keys) ready after $ramp s; heartbeat_interval 1000 ms; command \`true\`, simulated duration ${JOB_MS:-0} ms; job status polled every 20 ms (latency resolution ±10 ms)."
    echo
    echo "| nodes | jobs | complete | p50 ms | p95 ms | max ms | jobs/s (sequential) |"
    echo "|---|---|---|---|---|---|---|"
} > "$out"
rc=0
for n in $SIZES; do
    r=$("$PUSHY_BIN/apiload" jobs --base "$BENCH_BASE" --user benchadmin \
        --key "$T/keys/benchadmin.pem" --count "$n" --jobs "$JOBS" --timeout-s 60 | tee /dev/stderr | grep '^RESULT') || rc=1
    eval "$(echo "$r" | sed 's/^RESULT //; s/ /; /g')"
    echo "| $n | $jobs | $complete | $p50_ms | $p95_ms | $max_ms | $jobs_per_s |" >> "$out"
done
r=$("$PUSHY_BIN/apiload" jobs --base "$BENCH_BASE" --user benchadmin --key "$T/keys/benchadmin.pem" \
    --count 100 --concurrency 10 --jobs 100 --poll-ms 50 --timeout-s 60 | tee /dev/stderr | grep '^RESULT') || rc=1
eval "$(echo "$r" | sed 's/^RESULT //; s/ /; /g')"
{
    echo
    echo "Throughput: $jobs jobs of 100 nodes, 10 in flight (each on its own 100 nodes, polled every 50 ms): $complete complete, $failed failed in $seconds s = **$jobs_per_s jobs/s** (p50 $p50_ms ms, p95 $p95_ms ms per job)."
    echo
    echo "nodesim at the end: \`$(nodesim_summary sim)\`"
} >> "$out"
cat "$out"
bench_record "Fan-out" "$out"
exit $rc
