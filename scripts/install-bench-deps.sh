#!/bin/sh
# Installs the Debian packages only the benchmarks need (bench/run.sh,
# `make bench`), only when one is missing: ansible-core (the side-by-side
# comparison), linux-perf and valgrind (profiling). `make test` does not
# need them (scripts/install-deps.sh). Needs root (or sudo) to install;
# without either it only says what is missing.
set -eu
PKGS="ansible-core linux-perf valgrind"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-bench-deps: missing:$missing (run as root to install)" >&2
        exit 0
    fi
fi
echo "install-bench-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
