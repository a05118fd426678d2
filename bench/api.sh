#!/usr/bin/env bash
# Benchmark 4, API: signed GET jobs/ID and GET node_states requests per
# second at 16 and 64 connections, with p50/p99 latency (bench/apiload_main.c:
# keep-alive connections through its own small HTTP/1.1 client (libcurl cost
# it 80-110 us of CPU per request), X-Ops-Sign 1.1 with a 2048-bit user key,
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
# CPU time (clock ticks) used so far by each pid given, one "pid ticks" line each.
cpu_ticks() {
    local p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && awk -v p="$p" '{ sub(/^.*\) /, ""); print p, $12 + $13 }' "/proc/$p/stat"
    done
}
# Percent of one core used by the pids in AFTER since BEFORE (pids missing
# from BEFORE started during the row), over SECONDS.
cpu_share() { # BEFORE AFTER SECONDS
    awk -v s="$3" -v hz="$(getconf CLK_TCK)" 'NR == FNR { b[$1] = $2; next } { t += $2 - b[$1] }
        END { printf "%.0f", 100 * t / hz / s }' "$1" "$2"
}
apid_pids() { pgrep -f "apid -c $T/pushy.conf"; }
pg_pids() { # the embedded postgres and its backends
    local pm
    pm=$(pgrep -f "postgres -D $T/data" | head -1)
    [ -n "$pm" ] && { echo "$pm"; pgrep -P "$pm"; }
}
{
    echo "$N simulated nodes connected; \`GET jobs/ID\` of a complete job of $N nodes; $S s per row after a 1 s warm-up; apid default settings; load generator on the same 2 cores. CPU columns: percent of one core used during the row by apid, by the embedded PostgreSQL (all its processes) and by the load generator (apiload); 200 % is the whole machine. Server CPU per request: (apid + postgres CPU time) / requests, which the other load on the machine disturbs less than requests/s."
    echo
    echo "| request | connections | requests/s | p50 ms | p99 ms | failed | apid CPU % | postgres CPU % | apiload CPU % | server CPU µs/request |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
rc=0
TIMEFORMAT="%U %S"
for path in "/pushy/jobs/$JOB" /pushy/node_states; do
    for c in 16 64; do
        load() { # SECONDS
            "$PUSHY_BIN/apiload" get --base "$BENCH_BASE" --user benchadmin \
                --key "$T/keys/benchadmin.pem" --path "$path" --connections "$c" --threads 2 \
                --seconds "$1"
        }
        load 1 >/dev/null 2>&1 # warm-up: every apid thread has its database connection
        cpu_ticks $(apid_pids) > "$T/apid.before"
        cpu_ticks $(pg_pids) > "$T/pg.before"
        { time load "$S" > "$T/load.out" 2>&1; } 2> "$T/load.time" || rc=1
        cpu_ticks $(apid_pids) > "$T/apid.after"
        cpu_ticks $(pg_pids) > "$T/pg.after"
        cat "$T/load.out" >&2
        r=$(grep '^RESULT' "$T/load.out") || rc=1
        eval "$(echo "$r" | sed 's/^RESULT //; s/ /; /g')"
        apid_cpu=$(cpu_share "$T/apid.before" "$T/apid.after" "$seconds")
        pg_cpu=$(cpu_share "$T/pg.before" "$T/pg.after" "$seconds")
        gen_cpu=$(awk -v s="$seconds" '{ printf "%.0f", 100 * ($1 + $2) / s }' "$T/load.time")
        per_req=$(awk -v a="$apid_cpu" -v p="$pg_cpu" -v r="$rps" 'BEGIN { printf "%.0f", (r > 0 ? (a + p) * 10000 / r : 0) }')
        echo "| GET ${path/$JOB/ID} | $c | **$rps** | $p50_ms | $p99_ms | $failed | $apid_cpu | $pg_cpu | $gen_cpu | $per_req |" >> "$out"
    done
done
cat "$out"
bench_record "API" "$out"
exit $rc
