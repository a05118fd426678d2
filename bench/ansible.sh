#!/usr/bin/env bash
# Benchmark 5, side by side: the same command (`true`) on the same N local
# nodes, once with Ansible ad hoc (ansible-core; inventory of N hosts, all
# ansible_connection=local, forks 50, module `command`) and once with Pushy
# (N real pushy-client processes on this machine, a job of N nodes through
# the REST API). Prints both wall times and the ratio. Runs RUNS times each
# and takes the median.
#   bench/ansible.sh [--nodes N] [--runs R]        defaults 20, 3
. "$(dirname "$0")/lib.sh"
N=20 R=3
while [ $# -gt 0 ]; do
    case $1 in
    --nodes) N=$2; shift 2 ;;
    --runs) R=$2; shift 2 ;;
    *) echo "usage: $0 [--nodes N] [--runs R]" >&2; exit 2 ;;
    esac
done
command -v ansible >/dev/null || { echo "ansible not installed (scripts/install-bench-deps.sh)" >&2; exit 1; }
BENCH_COMMAND="bench/ansible.sh --nodes $N --runs $R"
out="$T/ansible.md"
bench_start_server "heartbeat_interval = 1000" || exit 1
mkdir -p "$T/nodes"
inv="$T/inventory.ini"
echo "[nodes]" > "$inv"
for i in $(seq 1 "$N"); do
    n=$(printf 'node%05d' "$i")
    echo "$n ansible_connection=local ansible_python_interpreter=/usr/bin/python3" >> "$inv"
    pushy_ctl client-create "$n" --org "$BENCH_ORG" -f "$T/keys/$n.pem" >/dev/null || exit 1
    cat > "$T/nodes/$n.rb" <<RB
chef_server_url "$BENCH_BASE"
node_name "$n"
client_key "$T/keys/$n.pem"
whitelist({ "true" => "true" })
RB
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$n.rb" -L "$T/nodes/$n.log" &
    BENCH_PIDS+=($!)
done
bench_wait_ready "$N" 120 >/dev/null || exit 1
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_REMOTE_TEMP="$T/ansible-rtmp"
ans=()
for r in $(seq 1 "$R"); do
    t0=$(now_ms)
    ansible all -i "$inv" -f 50 -m command -a true >"$T/ansible-$r.log" 2>&1 || {
        echo "ansible failed:" >&2; tail -5 "$T/ansible-$r.log" >&2; exit 1; }
    ans+=($(( $(now_ms) - t0 )))
done
py=()
for r in $(seq 1 "$R"); do
    res=$("$PUSHY_BIN/apiload" jobs --base "$BENCH_BASE" --user benchadmin \
        --key "$T/keys/benchadmin.pem" --prefix node --count "$N" --first 1 --jobs 1 --poll-ms 10 \
        2>&1 | grep '^RESULT') || true
    py+=("$(echo "$res" | sed -n 's/.*p50_ms=\([0-9]*\).*/\1/p')")
done
a=$(printf '%s\n' "${ans[@]}" | median)
p=$(printf '%s\n' "${py[@]}" | median)
ratio=$(awk -v a="$a" -v p="$p" 'BEGIN{ if (p > 0) printf "%.1f", a / p; else print "n/a" }')
{
    echo "$N local nodes, command \`true\`, median of $R runs."
    echo
    echo "| tool | wall time ms (runs) |"
    echo "|---|---|"
    echo "| Ansible $(ansible --version | head -1 | sed 's/^ansible //'), \`ansible all -f 50 -m command -a true\`, connection local | $a (${ans[*]}) |"
    echo "| Pushy, POST jobs → complete, $N real pushy-clients | $p (${py[*]}) |"
    echo
    echo "**Ratio Ansible / Pushy: $ratio×**"
} > "$out"
cat "$out"
bench_record "Side by side with Ansible" "$out"
