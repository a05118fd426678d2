#!/usr/bin/env bash
# Benchmark 4, API: signed GET jobs/ID and GET node_states requests per
# second at 16 and 64 connections, with p50/p99 latency (bench/apiload_main.c:
# libcurl keep-alive connections, X-Ops-Sign 1.1 with a 2048-bit user key,
# each connection's signature reused for 60 s; the server verifies every
# request). The org has NODES simulated nodes (so node_states lists them)
# and one finished job of NODES nodes.
#   bench/api.sh [--nodes N] [--seconds S]     defaults 100 nodes, 10 s
. "$(dirname "$0")/lib.sh"
N=100 S=10
while [ $# -gt 0 ]; do
    case $1 in
    --nodes) N=$2; shift 2 ;;
    --seconds) S=$2; shift 2 ;;
    *) echo "usage: $0 [--nodes N] [--seconds S]" >&2; exit 2 ;;
    esac
done
BENCH_COMMAND="bench/api.sh --nodes $N --seconds $S"
out="$T/api.md"
bench_start_server "heartbeat_interval = 1000" || exit 1
bench_add_clients "$N" || exit 1
bench_start_nodesim sim "$N"
bench_wait_ready "$N" 300 >/dev/null || exit 1
"$PUSHY_BIN/apiload" jobs --base "$BENCH_BASE" --user benchadmin --key "$T/keys/benchadmin.pem" \
    --count "$N" --jobs 1 >/dev/null || exit 1
JOB=$(db_psql -c "SELECT id FROM jobs LIMIT 1")
{
    echo "$N simulated nodes connected; \`GET jobs/ID\` of a complete job of $N nodes; $S s per row; apid default settings (api_threads as configured by default); load generator on the same 2 cores."
    echo
    echo "| request | connections | requests/s | p50 ms | p99 ms | failed |"
    echo "|---|---|---|---|---|---|"
} > "$out"
rc=0
for path in "/pushy/jobs/$JOB" /pushy/node_states; do
    for c in 16 64; do
        r=$("$PUSHY_BIN/apiload" get --base "$BENCH_BASE" --user benchadmin \
            --key "$T/keys/benchadmin.pem" --path "$path" --connections "$c" --threads 2 \
            --seconds "$S" | tee /dev/stderr | grep '^RESULT') || rc=1
        eval "$(echo "$r" | sed 's/^RESULT //; s/ /; /g')"
        echo "| GET ${path/$JOB/ID} | $c | **$rps** | $p50_ms | $p99_ms | $failed |" >> "$out"
    done
done
cat "$out"
bench_record "API" "$out"
exit $rc
