#!/usr/bin/env bash
# Runs the test_* functions of one file, each in a subshell, against the
# instance the file's setup_file starts; cleanup_instance runs on any exit.
set -u
file="$1"
results="$2"
# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
# shellcheck disable=SC1090
source "$file"

passed=0
failed=0
record() { echo "$passed $failed" >> "$results"; }
# A sanitizer report in any component's log fails the file (make sanitize).
check_sanitizers() {
    local hits
    hits=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/log/*.log "$T"/*.log 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "FAIL $file: sanitizer reports in: $hits"
        grep -h -A12 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' $hits | head -60 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}
trap 'cleanup_instance_checked; record' EXIT
cleanup_instance_checked() {
    if [ -f "$PUSHY_CONF" ] && [ -S "$T/run/control.ipc" ]; then
        timeout 40 "$PUSHY_BIN/pushy-ctl" -c "$PUSHY_CONF" stop >/dev/null 2>&1
    fi
    check_sanitizers
    cleanup_instance
}
trap 'exit 130' INT TERM

if declare -F setup_file >/dev/null; then
    if ! setup_file > "$TEST_LOG_DIR/setup_file.log" 2>&1; then
        echo "FAIL $file: setup_file failed"
        sed 's/^/    /' "$TEST_LOG_DIR/setup_file.log" | tail -30
        dump_logs
        failed=$((failed + 1))
        exit 1
    fi
fi

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
    if [ -n "${TEST_FILTER:-}" ] && ! [[ "$t" =~ $TEST_FILTER ]]; then
        continue
    fi
    start=$(date +%s%N)
    out="$TEST_LOG_DIR/$t.log"
    ( set -u; "$t" ) > "$out" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    dur="$((ms / 1000)).$(( (ms % 1000) / 100 ))"
    if [ $rc -eq 0 ]; then
        echo "PASS $t (${dur}s)"
        passed=$((passed + 1))
    else
        echo "FAIL $t (${dur}s)"
        sed 's/^/    /' "$out" | tail -40
        dump_logs
        failed=$((failed + 1))
    fi
done
