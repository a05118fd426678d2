#!/usr/bin/env bash
# Integration test runner: every tests/integration/test_*.sh file runs in
# its own process with its own pushyd instance (temp dir, own ports), and
# is cleaned up even when it fails. TESTS="supervisor api" limits the
# files; TEST_FILTER=regex limits the test functions.
set -u
cd "$(dirname "$0")/../.."
export BUILD="${BUILD:-build}"
export PUSHY_BIN="$PWD/$BUILD/bin"
export PUSHY_TOOLS="$PWD/$BUILD/tests"
results=$(mktemp)
trap 'rm -f "$results"' EXIT

files=()
if [ -n "${TESTS:-}" ]; then
    for t in $TESTS; do files+=("tests/integration/test_$t.sh"); done
else
    files=(tests/integration/test_*.sh)
fi

for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "FAIL $f (no such file)"; echo "0 1" >> "$results"; continue; }
    echo "== $f"
    timeout --kill-after=15 "${FILE_TIMEOUT:-420}" bash tests/integration/file_runner.sh "$f" "$results"
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "FAIL $f: timed out"
        echo "0 1" >> "$results"
    fi
done

passed=0
failed=0
while read -r p fl; do
    passed=$((passed + p))
    failed=$((failed + fl))
done < "$results"
echo
echo "integration: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
