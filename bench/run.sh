#!/usr/bin/env bash
# `make bench`: the quick versions of every benchmark (about 5 minutes on
# 2 cores), each appending its figures to bench/RESULTS.md. Full sizes:
#   bench/fanout.sh --full
#   bench/presence.sh --nodes 20000 --seconds 120
#   bench/api.sh --nodes 1000 --seconds 20
#   bench/failure.sh --clients 20
#   bench/ansible.sh --nodes 50 --runs 5
# The first run also makes the simulator's node keys (cached in
# ~/.cache/pushy-bench, about 20 ms per 1024-bit key).
set -u
cd "$(dirname "$0")/.."
sh scripts/install-bench-deps.sh || echo "bench: could not install the bench packages; continuing" >&2
rc=0
run() {
    echo "== $*"
    timeout --kill-after=10 "$1" bash "${@:2}" || { echo "FAILED: ${*:2}"; rc=1; }
}
run 120 bench/fanout.sh
run 90 bench/presence.sh --nodes 1000 --seconds 20
run 90 bench/api.sh --nodes 100 --seconds 5
run 45 bench/failure.sh --clients 5
if command -v ansible >/dev/null; then
    run 90 bench/ansible.sh --nodes 20 --runs 3
else
    echo "== bench/ansible.sh skipped: ansible is not installed"
fi
echo "results appended to bench/RESULTS.md"
exit $rc
