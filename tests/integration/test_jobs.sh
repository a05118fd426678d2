# Jobs end to end: POST jobs through apid, jobrunner and its job
# processes, commandd, and real pushy-client nodes running whitelisted
# commands; GET jobs / jobs/ID, abort, quorum, timeouts and crash
# recovery. Requests are signed by tests/tools/signed_request.

ORG=acme
INTERVAL=500            # heartbeat_interval, ms: a stopped node is down in ~1.5 s
NODES="n1 n2 n3 n4 n5"

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" \
        "voting_timeout = 5" "log_level = debug"
    start_pushy || return 1
    mkdir -p "$T/keys" "$T/nodes"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    pushy_ctl user-create rita --org "$ORG" -f "$T/keys/rita.pem" || return 1
    pushy_ctl group-add "$ORG" pushy_job_readers rita || return 1
    for n in $NODES; do
        pushy_ctl client-create "$n" --org "$ORG" -f "$T/keys/$n.pem" || return 1
        write_client_config "$n"
        start_client "$n" || return 1
    done
    for n in $NODES; do
        wait_for 30 node_ready "$n" || { echo "node $n never became available"; return 1; }
    done
}

# Each node's whitelist. The sleeps carry a per-node marker argument so a
# test can tell whether the command's process is still alive.
write_client_config() {
    local n=$1 num=${1#n}
    cat > "$T/nodes/$n.rb" <<RB
chef_server_url "http://127.0.0.1:$API_PORT/organizations/$ORG"
node_name "$n"
client_key "$T/keys/$n.pem"
log_level :debug
whitelist({
  "ok" => "true",
  "fail" => "false",
  "hold" => "sleep 6$num.5",
  "timeout" => "sleep 7$num.5",
  "abortme" => "sleep 8$num.5",
  "crashme" => "sleep 9$num.5",
})
RB
}

start_client() {
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$1.rb" -L "$T/nodes/$1.log" &
    local pid=$!
    echo "$pid" > "$T/nodes/$1.pid"
    track_pid "$pid"
}

stop_client() {
    local pid
    pid=$(cat "$T/nodes/$1.pid")
    kill -TERM "$pid" 2>/dev/null
    wait_for 10 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
}

# shellcheck source=tests/integration/api_lib.sh
source tests/integration/api_lib.sh

# nodes of the job in state S, sorted, space separated
job_nodes_in() { job_json "$1" | jq -r ".nodes.\"$2\" // [] | sort | join(\" \")"; }

job_nodes_are() { [ "$(job_nodes_in "$1" "$2")" = "$3" ]; } # ID STATE "NODES"

# the command's process, by its marker
cmd_running() { pgrep -f "^sleep $1\$" > /dev/null; }
cmds_gone() { for m in "$@"; do cmd_running "$m" && return 1; done; return 0; }

pid_gone() { ! kill -0 "$1" 2>/dev/null; }
jobrunner_restarted() { # OLD_PID
    local pid
    pid=$(component_pid jobrunner)
    [ "$(component_field jobrunner 2)" = running ] && [ -n "$pid" ] && [ "$pid" != "$1" ]
}

job_gone() { [ "$(db_psql -c "SELECT count(*) FROM jobs WHERE id = '$1'")" = 0 ]; }

db_job() { db_psql -c "SELECT $2 FROM jobs WHERE id = '$1'"; }

# ---------------------------------------------------------------------------

test_a_job_succeeds_on_three_nodes() {
    out=$(api alice POST /jobs '{"command":"ok","nodes":["n1","n2","n3"]}' -i)
    echo "$out"
    assert_eq 201 "$(status_of "$out")" "POST jobs"
    id=$(grep -o '"id":"[0-9a-f]*"' <<< "$out" | cut -d'"' -f4)
    [[ "$id" =~ ^[0-9a-f]{32}$ ]] || fail "job id '$id'"
    assert_contains "$out" "Location: http://127.0.0.1:$API_PORT/organizations/$ORG/pushy/jobs/$id"
    assert_contains "$out" "\"uri\":\"http://127.0.0.1:$API_PORT/organizations/$ORG/pushy/jobs/$id\""
    wait_job "$id" complete 15
    job=$(job_json "$id")
    echo "$job"
    assert_eq "n1 n2 n3" "$(job_nodes_in "$id" succeeded)"
    assert_eq 1 "$(jq '.nodes | length' <<< "$job")" "only one node state group"
    assert_eq ok "$(jq -r .command <<< "$job")"
    assert_eq 3 "$(jq -r .quorum <<< "$job")"
    assert_eq 3600 "$(jq -r .run_timeout <<< "$job")"
    [[ "$(jq -r .created_at <<< "$job")" =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]] \
        || fail "created_at is not RFC 1123"
    # every node row written with its time, and the list has it first
    assert_eq 3 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$id' AND updated_at > created_at")"
    list=$(body_of "$(api alice GET /jobs)")
    assert_eq "$id" "$(jq -r '.[0].id' <<< "$list")" "newest first"
    assert_eq complete "$(jq -r '.[0].status' <<< "$list")"
    assert_eq null "$(jq -r '.[0].nodes' <<< "$list")" "summaries carry no nodes"
}

test_b_a_failing_command_ends_failed() {
    id=$(start_job '{"command":"fail","nodes":["n1","n2"],"quorum":2}')
    wait_job "$id" complete 15
    assert_eq "n1 n2" "$(job_nodes_in "$id" failed)"
}

test_c_a_command_not_in_the_whitelist_is_nacked() {
    # quorum 1 keeps voting open until both have answered
    id=$(start_job '{"command":"rm -rf /","nodes":["n1","n2"],"quorum":1}')
    wait_job "$id" quorum_failed 15
    assert_eq "n1 n2" "$(job_nodes_in "$id" nacked)"
    # with the default quorum (100%) the first nack ends the vote
    id=$(start_job '{"command":"rm -rf /","nodes":["n1","n2"]}')
    wait_job "$id" quorum_failed 15
    [[ "$(job_nodes_in "$id" nacked)" == n[12]* ]] || fail "no nack: $(job_json "$id")"
}

test_d_knife_requests_work_unchanged() {
    # knife-push 2.x: quorum as a count, capture_output and env always sent
    id=$(start_job '{"command":"ok","nodes":["n1","n2"],"quorum":2,"capture_output":true,"env":{}}')
    wait_job "$id" complete 15
    job=$(job_json "$id")
    assert_eq true "$(jq -r .capture_output <<< "$job")"
    assert_eq '{"capture_output": true}' "$(db_job "$id" options)"
    # knife-push 1.x: run_timeout only when given
    id=$(start_job '{"command":"ok","nodes":["n3"],"quorum":1,"run_timeout":120}')
    wait_job "$id" complete 15
    assert_eq 120 "$(job_field "$id" .run_timeout)"
    # a percentage string works too
    id=$(start_job '{"command":"ok","nodes":["n1","n2","n3"],"quorum":"50%"}')
    assert_eq 2 "$(job_field "$id" .quorum)"
    wait_job "$id" complete 15
}

test_e_bad_requests_are_400_naming_the_field() {
    expect400() { # BODY TEXT
        local out
        out=$(api alice POST /jobs "$1")
        assert_eq 400 "$(status_of "$out")" "POST $1: $out"
        assert_contains "$out" "$2"
        assert_contains "$out" '{"error":["'
    }
    before=$(db_psql -c "SELECT count(*) FROM jobs")
    expect400 '{"command":"","nodes":["n1"]}' "command"
    expect400 '{"command":"ok","nodes":[]}' "at least one node"
    expect400 '{"command":"ok","nodes":["n1","n1"]}' "node 'n1' is listed more than once"
    expect400 '{"command":"ok","nodes":["n1"],"quorum":2}' "quorum"
    expect400 '{"command":"ok","nodes":["n1"],"quorum":"101%"}' "quorum"
    expect400 '{"command":"ok","nodes":["n1"],"quorum":"abc"}' "quorum"
    expect400 '{"command":"ok","nodes":["n1"],"quorum":-1}' "quorum"
    expect400 '{"command":"ok","nodes":["n1"],"run_timeout":-1}' "run_timeout"
    expect400 '{"command":"ok","nodes":["n1"],"run_timeout":0}' "run_timeout"
    expect400 '{"command":"ok","nodes":["n1"],"run_timeout":2.5}' "run_timeout"
    expect400 '{"command":"ok","nodes":["n1"],"frobnicate":1}' "invalid key supplied: 'frobnicate'"
    expect400 '{"command":["ok"],"nodes":["n1"]}' "command"
    expect400 '{"command":"ok","nodes":"n1"}' "nodes"
    expect400 '{"command":"ok","nodes":["n1"],"capture_output":"yes"}' "capture_output"
    expect400 '{"command":"ok","nodes":["n1"],"env":{"A":1}}' "invalid env supplied"
    expect400 '{"command":"ok","search":"role:web"}' "no nodes matched the search"   # no facts here
    expect400 '{"command":"ok","search":"role:web)"}' "unexpected ')' at position 9"
    expect400 '{"command":"ok","nodes":["n1"],"search":7}' "'search' must be a string"
    assert_eq "$before" "$(db_psql -c "SELECT count(*) FROM jobs")" "no job created by a 400"
}

test_f_get_and_abort_errors() {
    out=$(api alice GET /jobs/0123456789abcdef0123456789abcdef)
    assert_eq 404 "$(status_of "$out")" "unknown job: $out"
    out=$(api alice GET /jobs/not-a-job-id)
    assert_eq 404 "$(status_of "$out")"
    out=$(api alice POST /jobs/0123456789abcdef0123456789abcdef/abort)
    assert_eq 404 "$(status_of "$out")" "abort unknown job: $out"
    id=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id" complete 15
    out=$(api alice POST "/jobs/$id/abort")
    assert_eq 409 "$(status_of "$out")" "abort finished job: $out"
    assert_contains "$out" "already finished"
    # readers read, but may not start or abort
    assert_eq 200 "$(status_of "$(api rita GET "/jobs/$id")")"
    assert_eq 403 "$(status_of "$(api rita POST /jobs '{"command":"ok","nodes":["n1"]}')")"
    # list filters and paging
    out=$(api alice GET "/jobs?status=nacked")
    assert_eq 400 "$(status_of "$out")" "bad status filter"
    list=$(body_of "$(api alice GET "/jobs?status=quorum_failed")")
    assert_eq quorum_failed "$(jq -r '[.[].status] | unique | join(",")' <<< "$list")"
    list=$(body_of "$(api alice GET "/jobs?limit=2")")
    assert_eq 2 "$(jq length <<< "$list")"
    second=$(jq -r '.[1].id' <<< "$list")
    list=$(body_of "$(api alice GET "/jobs?limit=1&offset=1")")
    assert_eq "$second" "$(jq -r '.[0].id' <<< "$list")" "offset"
}

test_g_abort_mid_run_kills_the_command() {
    id=$(start_job '{"command":"abortme","nodes":["n1","n2"]}')
    wait_job "$id" running 15
    wait_for 10 cmd_running 81.5 || fail "command never started on n1"
    wait_for 10 cmd_running 82.5 || fail "command never started on n2"
    out=$(api alice POST "/jobs/$id/abort")
    echo "$out"
    assert_eq 200 "$(status_of "$out")" "abort"
    assert_eq aborted "$(body_of "$out" | jq -r .status)" "the answer is the aborted job"
    assert_eq "n1 n2" "$(job_nodes_in "$id" aborted)"
    wait_for 10 cmds_gone 81.5 82.5 || fail "the aborted command is still running"
    out=$(api alice POST "/jobs/$id/abort")
    assert_eq 409 "$(status_of "$out")" "second abort"
    # the nodes take jobs again
    wait_for 10 node_ready n1 || fail "n1 not available again"
    wait_for 10 node_ready n2 || fail "n2 not available again"
}

test_h_run_timeout_ends_timed_out() {
    id=$(start_job '{"command":"timeout","nodes":["n1","n2"],"run_timeout":2}')
    wait_job "$id" running 15
    wait_job "$id" timed_out 10
    assert_eq "n1 n2" "$(job_nodes_in "$id" timed_out)"
    wait_for 10 cmds_gone 71.5 72.5 || fail "timed-out command still running"
}

test_i_killing_jobrunner_mid_job_crashes_the_job() {
    id=$(start_job '{"command":"crashme","nodes":["n1","n2","n3"]}')
    wait_job "$id" running 15
    for i in 1 2 3; do wait_for 10 cmd_running "9$i.5" || fail "command never started on n$i"; done
    job_pid=$(pgrep -f "pushy-job -c .* $id")
    [ -n "$job_pid" ] || fail "no job process for $id"
    old=$(component_pid jobrunner)
    pushy_ctl kill jobrunner
    # the job process dies with jobrunner
    wait_for 5 pid_gone "$job_pid" || fail "job process $job_pid outlived jobrunner"
    wait_for 10 jobrunner_restarted "$old" || fail "jobrunner not back"
    wait_job "$id" crashed 10
    assert_eq "n1 n2 n3" "$(job_nodes_in "$id" crashed)"
    # the restarted jobrunner sent them abort: the commands stop
    wait_for 10 cmds_gone 91.5 92.5 93.5 || fail "commands still running after the crash"
    for n in n1 n2 n3; do wait_for 10 node_ready "$n" || fail "$n not available again"; done
}

test_i2_a_job_process_that_dies_crashes_its_job() {
    for sig in KILL TERM; do
        id=$(start_job '{"command":"crashme","nodes":["n1","n2"]}')
        wait_job "$id" running 15
        wait_for 10 cmd_running 91.5 || fail "command never started on n1"
        wait_for 10 cmd_running 92.5 || fail "command never started on n2"
        job_pid=$(pgrep -f "pushy-job -c .* $id")
        [ -n "$job_pid" ] || fail "no job process for $id"
        kill "-$sig" "$job_pid"
        wait_job "$id" crashed 10
        assert_eq "n1 n2" "$(job_nodes_in "$id" crashed)" "SIG$sig"
        wait_for 10 cmds_gone 91.5 92.5 || fail "commands still running after SIG$sig"
        for n in n1 n2; do wait_for 10 node_ready "$n" || fail "$n not available again"; done
    done
}

test_j_quorum_with_one_node_down() {
    stop_client n5
    wait_for 10 node_down n5 || fail "n5 never went down"
    id=$(start_job '{"command":"ok","nodes":["n1","n2","n3","n4","n5"],"quorum":"80%"}')
    wait_job "$id" complete 15
    assert_eq "n1 n2 n3 n4" "$(job_nodes_in "$id" succeeded)"
    assert_eq n5 "$(job_nodes_in "$id" unavailable)"
    # 90% of 5 needs all 5: the vote fails at once, nobody runs anything
    id=$(start_job '{"command":"ok","nodes":["n1","n2","n3","n4","n5"],"quorum":"90%"}')
    assert_eq 5 "$(job_field "$id" .quorum)"
    wait_job "$id" quorum_failed 10
    assert_eq "n1 n2 n3 n4 n5" "$(job_nodes_in "$id" unavailable)"
    start_client n5
    wait_for 30 node_ready n5 || fail "n5 not back"
}

test_k_a_node_going_down_mid_run_is_crashed() {
    id=$(start_job '{"command":"hold","nodes":["n4","n5"]}')
    wait_job "$id" running 15
    wait_for 10 cmd_running 65.5 || fail "command never started on n5"
    kill -KILL "$(cat "$T/nodes/n5.pid")"
    pkill -f '^sleep 65.5$'
    wait_for 10 node_down n5 || fail "n5 never went down"
    wait_for 10 job_nodes_are "$id" crashed n5 || fail "n5 not crashed: $(job_json "$id")"
    assert_eq running "$(job_status "$id")" "n4 still runs"
    api alice POST "/jobs/$id/abort" > /dev/null
    wait_job "$id" aborted 5
    start_client n5
    wait_for 30 node_ready n5 || fail "n5 not back"
}

test_l_stopping_jobrunner_crashes_its_jobs_and_then_503() {
    id=$(start_job '{"command":"hold","nodes":["n1","n2"]}')
    wait_job "$id" running 15
    wait_for 10 cmd_running 61.5 || fail "command never started on n1"
    pushy_ctl stop jobrunner || fail "stop jobrunner"
    # crashed by the stopping jobrunner itself, nodes told to abort
    assert_eq crashed "$(db_job "$id" status)"
    assert_eq "n1 n2" "$(db_psql -c "SELECT string_agg(node_name, ' ' ORDER BY node_name) FROM job_nodes
                                      WHERE job_id = '$id' AND status = 'crashed'")"
    wait_for 10 cmds_gone 61.5 62.5 || fail "commands still running after the stop"
    before=$(db_psql -c "SELECT count(*) FROM jobs")
    start=$(now_ms)
    out=$(api alice POST /jobs '{"command":"ok","nodes":["n1"]}')
    elapsed=$(( $(now_ms) - start ))
    pushy_ctl start jobrunner || fail "start jobrunner"
    echo "$out (${elapsed} ms)"
    assert_eq 503 "$(status_of "$out")"
    assert_contains "$out" "job runner unavailable"
    [ "$elapsed" -lt 8000 ] || fail "took ${elapsed} ms"
    sleep 1
    assert_eq "$before" "$(db_psql -c "SELECT count(*) FROM jobs")" "no job created"
}

# After each commit that stored events jobrunner publishes one notice on
# `job-events` naming the jobs with new events and the orgs whose feed got
# some (jobrunner/event_notice.h); the events stay in the database. While
# the job's first flush waits for a lock (the org's event counter, taken
# for its start event) no notice names the job; the last notice naming it
# (job_complete: it names the org) finds the job complete in the database.
test_m_job_events_are_published_after_each_commit() {
    local user
    user=$(awk -F' *= *' '$1=="user"{print $2}' "$PUSHY_CONF")
    # per job a notice names: the job's status when the notice arrived
    cat > "$T/on_notice.sh" <<SH
for j in \$(jq -r '.jobs[]?' <<< "\$BUS_MSG" 2>/dev/null); do
    echo "status \$j \$(psql -X -q -t -A -h '$T/run' -p 5432 -U '${user:-pushy}' -d pushy -c "SELECT status FROM jobs WHERE id = '\$j'")"
done
SH
    db_psql -c "INSERT INTO org_event_counters (org_id, last_seq) SELECT id, 0 FROM orgs
                WHERE name = '$ORG' ON CONFLICT (org_id) DO NOTHING" || fail "counter row"
    "$PUSHY_TOOLS/bus_sub" "ipc://$T/run/job-events.ipc" 30 "bash $T/on_notice.sh" \
        > "$T/notices.out" 2> "$T/notices.err" &
    sub=$!
    track_pid "$sub"
    touch "$T/hold"
    trap 'rm -f "$T/hold"' EXIT
    db_psql > "$T/hold.out" 2>&1 <<SQL &
BEGIN;
SELECT 1 FROM org_event_counters c JOIN orgs o ON o.id = c.org_id WHERE o.name = '$ORG' FOR UPDATE OF c;
\! touch '$T/locked'; for i in \$(seq 200); do [ -f '$T/hold' ] || break; sleep 0.1; done
COMMIT;
SQL
    holder=$!
    track_pid "$holder"
    wait_for 5 test -f "$T/locked" || fail "the counter was not locked: $(cat "$T/hold.out")"
    sleep 0.3   # subscribed before the job starts
    id=$(start_job '{"command":"ok","nodes":["n1","n2"]}')
    wait_for 10 flush_waits || fail "jobrunner's flush did not wait for the lock"
    sleep 0.3   # a notice sent before the commit would be here by now
    early=$(grep -c "$id" "$T/notices.out")
    rm -f "$T/hold"
    wait "$holder"
    assert_eq 0 "$early" "notices naming the job while its flush was held: $(cat "$T/notices.out")"
    wait_job "$id" complete 15
    wait_for 5 grep -q "^status $id complete" "$T/notices.out" \
        || fail "no notice after the job completed: $(cat "$T/notices.out")"
    kill "$sub"
    wait "$sub"
    cat "$T/notices.out"
    assert_eq 0 "$(grep '^{' "$T/notices.out" | jq -s '[.[] | select(.type != "job_events"
        or (.jobs | type) != "array" or (.orgs | type) != "array"
        or (.jobs | unique | length) != (.jobs | length))] | length')" "malformed notices"
    last=$(awk -v id="$id" '/^\{/ { msg = $0; next }
                            $1 == "status" && $2 == id { m = msg; st = $3 }
                            END { print st; print m }' "$T/notices.out")
    assert_eq complete "$(head -1 <<< "$last")" "status when the last notice naming the job arrived"
    assert_eq true "$(tail -1 <<< "$last" | jq --arg o "$ORG" '.orgs | index($o) != null')" "org in the last notice"
    # the events themselves are stored (their feeds: test_sse.sh)
    names=$(db_psql -c "SELECT name FROM job_events WHERE job_id = '$id' ORDER BY seq" | tr '\n' ' ')
    for e in start quorum_vote quorum_succeeded run_start run_complete job_complete; do
        assert_contains "$names" "$e" "event $e"
    done
    assert_eq start "$(db_psql -c "SELECT name FROM job_events WHERE job_id = '$id' ORDER BY seq LIMIT 1")"
    assert_eq job_complete "$(db_psql -c "SELECT name FROM job_events WHERE job_id = '$id'
                                          ORDER BY seq DESC LIMIT 1")"
    assert_eq 2 "$(db_psql -c "SELECT count(*) FROM job_events WHERE job_id = '$id'
                               AND name = 'run_complete' AND data->>'status' = 'success'")"
}

flush_waits() {
    [ "$(db_psql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                     AND query LIKE '%org_event_counters%' AND pid <> pg_backend_pid()")" -gt 0 ]
}

test_n_old_jobs_are_purged() {
    db_psql -c "INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout, created_by, created_at, updated_at)
                SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', id, 'ok', 'complete', 1, 60, 'alice',
                       now() - interval '91 days', now() - interval '91 days' FROM orgs WHERE name = '$ORG'" || fail "insert"
    db_psql -c "INSERT INTO job_nodes (job_id, node_name, status) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'n1', 'succeeded')"
    recent=$(db_psql -c "SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day'")
    old=$(component_pid jobrunner)
    pushy_ctl restart jobrunner || fail "restart"
    wait_for 10 jobrunner_restarted "$old" || fail "jobrunner not back"
    wait_for 5 job_gone aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa || fail "the 91 days old job is still there"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")"
    assert_eq "$recent" "$(db_psql -c "SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day'")" \
        "recent jobs kept"
}

# The events of a purged job go with it (job_event_batches, org_events);
# the org's event numbers do not go back.
test_n2_a_purged_job_takes_its_events() {
    id=$(start_job '{"command":"ok","nodes":["n1","n2"]}')
    wait_job "$id" complete 15
    [ "$(db_psql -c "SELECT count(*) FROM job_event_batches WHERE job_id = '$id'")" -gt 0 ] || fail "no events stored"
    assert_eq 2 "$(db_psql -c "SELECT count(*) FROM org_events WHERE job_id = '$id'")"
    counter=$(db_psql -c "SELECT last_seq FROM org_event_counters c JOIN orgs o ON o.id = c.org_id WHERE o.name = '$ORG'")
    db_psql -c "UPDATE jobs SET created_at = now() - interval '91 days' WHERE id = '$id'" || fail "age"
    old=$(component_pid jobrunner)
    pushy_ctl restart jobrunner || fail "restart"
    wait_for 10 jobrunner_restarted "$old" || fail "jobrunner not back"
    wait_for 5 job_gone "$id" || fail "the old job is still there"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_event_batches WHERE job_id = '$id'")"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM org_events WHERE job_id = '$id'")"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_events WHERE job_id = '$id'")"
    assert_eq "$counter" "$(db_psql -c "SELECT last_seq FROM org_event_counters c JOIN orgs o ON o.id = c.org_id WHERE o.name = '$ORG'")"
}

# job_nodes -> jobs is checked per statement (migration 052), not by a
# foreign key: the same guarantees, including the key's locking.
a_session_sleeps_in_its_transaction() {
    [ "$(db_psql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")" -ge 1 ]
}

test_n3_job_nodes_rows_need_their_job() {
    local ghost=0123456789abcdef0123456789abcdef
    out=$(db_psql -v ON_ERROR_STOP=1 -c "INSERT INTO job_nodes (job_id, node_name, status) VALUES ('$ghost', 'n1', 'new')" 2>&1) \
        && fail "a row for a missing job was inserted"
    assert_contains "$out" 'violates foreign key constraint "job_nodes_job_id_fkey"'
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$ghost'")"

    id=$(start_job '{"command":"ok","nodes":["n1","n2"]}')
    wait_job "$id" complete 15
    out=$(db_psql -v ON_ERROR_STOP=1 -c "UPDATE job_nodes SET job_id = '$ghost' WHERE job_id = '$id'" 2>&1) \
        && fail "a row moved to another job"
    assert_contains "$out" "job_nodes.job_id cannot change"
    out=$(db_psql -v ON_ERROR_STOP=1 -c "UPDATE jobs SET id = '$ghost' WHERE id = '$id'" 2>&1) \
        && fail "a job changed its id"
    assert_contains "$out" "jobs.id cannot change"

    # an insert waits for a concurrent delete of its job, then fails
    db_psql -c "BEGIN; DELETE FROM jobs WHERE id = '$id'; SELECT pg_sleep(1); COMMIT" > /dev/null &
    local del=$!
    wait_for 5 a_session_sleeps_in_its_transaction || fail "the delete did not start"
    out=$(db_psql -v ON_ERROR_STOP=1 -c "INSERT INTO job_nodes (job_id, node_name, status) VALUES ('$id', 'late', 'new')" 2>&1) \
        && fail "a row was inserted for a job being deleted"
    wait "$del" || fail "delete"
    assert_contains "$out" "job_nodes_job_id_fkey"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$id'")" "rows deleted with their job"

    # a delete waits for a concurrent insert of its job's rows, then takes them too
    id=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id" complete 15
    db_psql -c "BEGIN; INSERT INTO job_nodes (job_id, node_name, status) VALUES ('$id', 'late', 'new'); SELECT pg_sleep(1); COMMIT" > /dev/null &
    local ins=$!
    wait_for 5 a_session_sleeps_in_its_transaction || fail "the insert did not start"
    db_psql -v ON_ERROR_STOP=1 -c "DELETE FROM jobs WHERE id = '$id'" > /dev/null || fail "delete"
    wait "$ins" || fail "the insert before the delete failed"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$id'")" "rows of a deleted job"

    # deleting an org deletes its jobs' rows (orgs -> jobs cascades)
    db_psql -v ON_ERROR_STOP=1 -c "
        INSERT INTO orgs (name, guid) VALUES ('gone-org', 'fedcba9876543210fedcba9876543210');
        INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout, created_by)
            SELECT '$ghost', id, 'ok', 'complete', 1, 60, 'alice' FROM orgs WHERE name = 'gone-org';
        INSERT INTO job_nodes (job_id, node_name, status) VALUES ('$ghost', 'n1', 'succeeded');
        DELETE FROM orgs WHERE name = 'gone-org';" > /dev/null || fail "org delete"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$ghost'")" "rows of a deleted org's job"
}

test_o_a_5000_node_job() {
    # n1 and n2 are real; 4998 names were never seen, so they are unavailable
    { printf '{"command":"ok","quorum":2,"nodes":["n1","n2"'
      for i in $(seq 3 5000); do printf ',"ghost%04d"' "$i"; done
      printf ']}'; } > "$T/big.json"
    start=$(now_ms)
    out=$(api alice POST /jobs "" --body-file "$T/big.json")
    assert_eq 201 "$(status_of "$out")" "POST: $(head -c 300 <<< "$out")"
    id=$(body_of "$out" | jq -r .id)
    wait_job "$id" complete 20
    echo "5000-node job complete after $(( $(now_ms) - start )) ms"
    job=$(job_json "$id")
    assert_eq "n1 n2" "$(jq -r '.nodes.succeeded | sort | join(" ")' <<< "$job")"
    assert_eq 4998 "$(jq '.nodes.unavailable | length' <<< "$job")"
    assert_eq 5000 "$(db_psql -c "SELECT count(*) FROM job_nodes WHERE job_id = '$id' AND updated_at > created_at")"
}

test_p_a_database_restart_mid_job_loses_no_transition() {
    id=$(start_job '{"command":"timeout","nodes":["n1","n2"],"run_timeout":3}')
    wait_job "$id" running 15
    pushy_ctl restart postgres || fail "restart postgres"
    wait_for 10 db_psql -c "SELECT 1" || fail "database not back"
    # the timeout fires while (or after) the database is away; jobrunner
    # keeps the batch and writes it when the database is back
    wait_job "$id" timed_out 15
    assert_eq "n1 n2" "$(job_nodes_in "$id" timed_out)"
    id=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id" complete 15
}

test_z_no_job_is_left_unfinished() {
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM jobs WHERE status IN ('new','voting','running')")"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_nodes n JOIN jobs j ON j.id = n.job_id
                                WHERE n.status IN ('new','ready','running')")"
}
