# Issue 7: captured output (GET jobs/ID/output/NODE/stdout|stderr) and the
# Server-Sent Events feeds (job_status_feed/ID and the org feed), with real
# pushy-client nodes. Requests are signed by tests/tools/signed_request
# (--max-time reads an event stream for a while).

ORG=acme
INTERVAL=500
NODES="n1 n2 n3"
export PUSHY_SSE_KEEPALIVE_MS=1000   # keep-alive comments every second

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" \
        "voting_timeout = 5" "log_level = debug"
    start_pushy || return 1
    mkdir -p "$T/keys" "$T/nodes"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    cat > "$T/big.sh" <<'SH'
head -c 1000000 /dev/zero | tr '\0' 'y'
echo to-stderr >&2
SH
    cat > "$T/bin.sh" <<'SH'
printf 'A\000B\377C\n'
SH
    for n in $NODES; do
        pushy_ctl client-create "$n" --org "$ORG" -f "$T/keys/$n.pem" || return 1
        cat > "$T/nodes/$n.rb" <<RB
chef_server_url "http://127.0.0.1:$API_PORT/organizations/$ORG"
node_name "$n"
client_key "$T/keys/$n.pem"
log_level :debug
whitelist({
  "ok" => "true",
  "hello" => "echo hello from $n",
  "slow" => "sleep 1",
  "big" => "sh $T/big.sh",
  "bin" => "sh $T/bin.sh",
})
RB
        "$PUSHY_BIN/pushy-client" -c "$T/nodes/$n.rb" -L "$T/nodes/$n.log" &
        track_pid $!
    done
    for n in $NODES; do
        wait_for 30 node_ready "$n" || { echo "node $n never became available"; return 1; }
    done
}

# shellcheck source=tests/integration/api_lib.sh
source tests/integration/api_lib.sh

# feed PATH SECONDS [signed_request options]: the raw event stream
feed() { local p=$1 s=$2; shift 2; api alice GET "$p" "" --max-time "$s" -i "$@"; }
# "name id" per event of a stream
events_of() { awk '/^event: /{e=$2} /^id: /{i=$2} /^data: /{print e, i}' <<< "$1"; }

# ---------------------------------------------------------------------------

test_a_output_is_captured_and_served() {
    id=$(start_job '{"command":"hello","nodes":["n1","n2"],"capture_output":true}')
    wait_job "$id" complete 15
    for n in n1 n2; do
        out=$(api alice GET "/jobs/$id/output/$n/stdout" "" -i)
        assert_eq 200 "$(status_of "$out")" "$out"
        assert_contains "$out" "Content-Type: application/octet-stream"
        assert_contains "$out" "hello from $n"
        out=$(api alice GET "/jobs/$id/output/$n/stderr")
        assert_eq 200 "$(status_of "$out")"
    done
    # 404s: unknown node, unknown job, and a job without capture
    assert_eq 404 "$(status_of "$(api alice GET "/jobs/$id/output/n3/stdout")")"
    assert_eq 404 "$(status_of "$(api alice GET "/jobs/0123456789abcdef0123456789abcdef/output/n1/stdout")")"
    id2=$(start_job '{"command":"hello","nodes":["n1"]}')
    wait_job "$id2" complete 15
    out=$(api alice GET "/jobs/$id2/output/n1/stdout")
    assert_eq 404 "$(status_of "$out")" "$out"
    assert_contains "$out" "no stdout captured"
}

test_b_large_output_is_truncated_and_the_node_still_succeeds() {
    id=$(start_job '{"command":"big","nodes":["n1"],"capture_output":true}')
    wait_job "$id" complete 20
    assert_eq '["n1"]' "$(job_json "$id" | jq -c .nodes.succeeded)"
    api alice GET "/jobs/$id/output/n1/stdout" > "$T/big.out"
    size=$(stat -c %s "$T/big.out")
    [ "$size" -lt 70000 ] || fail "output not bounded: $size bytes"
    [ "$size" -gt 1000 ] || fail "output lost: $size bytes"
    assert_contains "$(tail -c 200 "$T/big.out")" "bytes dropped]"
    assert_contains "$(head -c 50 "$T/big.out")" "yyyyyyyy"
    assert_eq t "$(db_psql -c "SELECT stdout_truncated FROM job_output WHERE job_id = '$id'")"
    assert_eq "to-stderr" "$(body_of "$(api alice GET "/jobs/$id/output/n1/stderr")")"
}

test_c_binary_output() {
    id=$(start_job '{"command":"bin","nodes":["n1"],"capture_output":true}')
    wait_job "$id" complete 15
    # Pushy's client sends non-UTF-8 output as stdout_b64 too: stored byte-exact
    hex=$(db_psql -c "SELECT encode(stdout, 'hex') FROM job_output WHERE job_id = '$id'")
    assert_eq 410042ff430a "$hex"
    # what the original client sends (text, U+FFFD for bad bytes) is kept as is
    assert_eq f "$(db_psql -c "SELECT stdout_truncated FROM job_output WHERE job_id = '$id'")"
    out=$(api alice GET "/jobs/$id/output/n1/stdout")
    assert_eq 200 "$(status_of "$out")"
}

test_d_job_feed_shows_every_transition_in_order() {
    id=$(start_job '{"command":"slow","nodes":["n1","n2","n3"]}')
    out=$(feed "/job_status_feed/$id" 15)
    echo "$out"
    assert_eq 200 "$(status_of "$out")"
    assert_contains "$out" "Content-Type: text/event-stream"
    assert_contains "$out" "Cache-Control: no-cache"
    assert_contains "$out" "X-Accel-Buffering: no"
    ev=$(events_of "$out")
    # ids job-1.. in order, no gaps, and the stream ended with job_complete
    n=$(wc -l <<< "$ev")
    assert_eq "$(seq -f 'job-%g' 1 "$n" | tr '\n' ' ')" "$(awk '{print $2}' <<< "$ev" | tr '\n' ' ')"
    assert_eq "start job-1" "$(head -n 1 <<< "$ev")"
    assert_eq "job_complete job-$n" "$(tail -n 1 <<< "$ev")"
    for node in n1 n2 n3; do
        for e in quorum_vote run_start run_complete; do
            grep -q "\"node\":\"$node\"" <<< "$(grep -A2 "^event: $e" <<< "$out")" ||
                fail "no $e for $node"
        done
    done
    assert_eq 1 "$(grep -c '^event: quorum_succeeded' <<< "$out")"
    # order: every vote before quorum_succeeded, every run_start before run_complete of that node
    names=$(awk '{print $1}' <<< "$ev" | tr '\n' ' ')
    [[ "$names" =~ ^start\ (quorum_vote\ ){3}quorum_succeeded\ .*job_complete\ $ ]] || fail "order: $names"
    assert_contains "$(grep '^data: ' <<< "$out" | head -n 1)" '"command":"slow"'
    assert_contains "$out" '"status":"complete"'
    # the database has the same events
    assert_eq "$n" "$(db_psql -c "SELECT count(*) FROM job_events WHERE job_id = '$id'")"
}

test_e_resume_with_last_event_id() {
    id=$(start_job '{"command":"slow","nodes":["n1","n2","n3"]}')
    wait_job "$id" complete 15
    all=$(events_of "$(feed "/job_status_feed/$id" 5 -H 'Last-Event-ID: job-0')")
    n=$(wc -l <<< "$all")
    [ "$n" -ge 10 ] || fail "too few events: $all"
    part=$(events_of "$(feed "/job_status_feed/$id" 5 -H 'Last-Event-ID: job-4')")
    assert_eq "$(tail -n +5 <<< "$all")" "$part" "resume after job-4"
    # finished job without Last-Event-ID: one summary with the nodes
    out=$(feed "/job_status_feed/$id" 5)
    assert_eq "summary job-$n" "$(events_of "$out")"
    assert_contains "$out" '"nodes":{"succeeded":["n1","n2","n3"]}'
    # unknown job
    assert_eq 404 "$(status_of "$(feed /job_status_feed/0123456789abcdef0123456789abcdef 3)")"
}

test_f_live_feed_resumes_mid_job() {
    id=$(start_job '{"command":"slow","nodes":["n1","n2","n3"]}')
    first=$(events_of "$(feed "/job_status_feed/$id" 0.3)")
    last=$(tail -n 1 <<< "$first" | awk '{print $2}')
    [ -n "$last" ] || fail "no event in the first 0.3 s"
    rest=$(events_of "$(feed "/job_status_feed/$id" 15 -H "Last-Event-ID: $last")")
    all=$(events_of "$(feed "/job_status_feed/$id" 5 -H 'Last-Event-ID: job-0')")
    assert_eq "$all" "$(printf '%s\n%s' "$first" "$rest")" "first part + resumed part = everything"
}

test_g_org_feed() {
    # without Last-Event-ID: only what happens after connecting
    feed /job_status_feed 6 > "$T/org.out" &
    reader=$!
    sleep 1
    id=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id" complete 15
    wait "$reader"
    out=$(cat "$T/org.out")
    echo "$out"
    ev=$(events_of "$out")
    assert_eq 2 "$(wc -l <<< "$ev")" "start and job_complete: $ev"
    assert_eq start "$(head -n 1 <<< "$ev" | awk '{print $1}')"
    assert_eq job_complete "$(tail -n 1 <<< "$ev" | awk '{print $1}')"
    assert_contains "$out" "\"job\":\"$id\""
    assert_contains "$out" ": keepalive"
    first=$(head -n 1 <<< "$ev" | awk '{print $2}')
    [[ "$first" =~ ^org-[0-9]+$ ]] || fail "org id: $first"
    # resume from the start event: exactly the job_complete
    out=$(feed /job_status_feed 2 -H "Last-Event-ID: $first")
    assert_eq "$(tail -n 1 <<< "$ev")" "$(events_of "$out")"
    # unknown id: start_of_history, then everything retained
    out=$(feed /job_status_feed 2 -H "Last-Event-ID: org-999999")
    assert_contains "$out" "event: start_of_history"
    total=$(db_psql -c "SELECT count(*) FROM job_events e JOIN orgs o ON o.id = e.org_id
                        WHERE o.name = '$ORG' AND org_seq IS NOT NULL")
    assert_eq "$total" "$(grep -c '^id: org-' <<< "$out")"
}

test_h_cli_job_start_follows_the_feed() {
    cat > "$T/knife.rb" <<RB
node_name "alice"
client_key "$T/keys/alice.pem"
chef_server_url "$API_URL/organizations/$ORG"
RB
    # a poll interval far longer than the job: only the feed can make it quick
    start=$(date +%s%N)
    out=$("$PUSHY_BIN/pushy" -c "$T/knife.rb" job start slow n1 n2 n3 --poll-interval 30 --capture \
        --with-env '{"A":"b"}' --in-dir /tmp 2>&1)
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$out"
    assert_eq 0 "$rc" "job start"
    [ "$ms" -lt 15000 ] || fail "took $ms ms: the feed was not used"
    assert_contains "$out" "Running (3/3 in progress) ..."
    assert_contains "$out" "Complete."
    [[ "$out" =~ Job\ ID:\ ([0-9a-f]{32}) ]] || fail "no job id"
    id=${BASH_REMATCH[1]}
    job=$(job_json "$id")
    assert_eq b "$(jq -r .env.A <<< "$job")"
    assert_eq /tmp "$(jq -r .dir <<< "$job")"
    # pushy job output (stdout of `sleep` is empty; --channel stderr works)
    "$PUSHY_BIN/pushy" -c "$T/knife.rb" job output "$id" n1 --channel stderr || fail "job output"
}

# JSON object lines with their keys sorted, other lines as they are
sorted_json() { jq -cSrR 'if startswith("{") then fromjson else . end'; }

# feed_lines PATH LAST_ID: "event id" and the data (keys sorted) of every event
feed_lines() {
    feed "$1" 3 -H "Last-Event-ID: $2" |
        awk '/^event: /{e=$2} /^id: /{i=$2} /^data: /{sub(/^data: /, ""); print e, i; print}' |
        sorted_json
}

# fake_job ID LIKE: a finished job row ID in the org of job LIKE (no nodes)
fake_job() {
    db_psql -v ON_ERROR_STOP=1 -c "INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout,
        created_by) SELECT '$1', org_id, 'ok', 'complete', 0, 60, 'alice' FROM jobs WHERE id = '$2'"
}

# Migration 051 on a database with events: they are put back the way
# migrations 020/050 left them (one jsonb row each), 051 is forgotten, and
# pushyd is restarted: the feeds send the same events, ids and data.
test_i_migration_051_keeps_the_events() {
    id=$(start_job '{"command":"ok","nodes":["n1","n2"]}')
    wait_job "$id" complete 15
    job_before=$(feed_lines "/job_status_feed/$id" job-0)
    org_before=$(feed_lines /job_status_feed org-0)
    [ "$(grep -c '^job_complete job-' <<< "$job_before")" = 1 ] || fail "feed before: $job_before"
    # and a job whose old rows share one created_at around a gap wider than
    # a feed page (seqs 1..1203, 2000..2002, then 2003), with data holding
    # "\n", ", " and ": " in strings
    gid=99999999999999999999999999999901
    fake_job "$gid" "$id" || fail "fake job"
    pushy_ctl stop jobrunner || fail "stop jobrunner"
    db_psql -v ON_ERROR_STOP=1 <<'SQL' || fail "back to the old schema"
BEGIN;
CREATE TEMP TABLE ev AS SELECT * FROM job_events;
DROP VIEW job_events;
DROP TABLE org_events, job_event_batches;
CREATE TABLE job_events (
    org_id     bigint NOT NULL,
    job_id     char(32) NOT NULL,
    seq        integer NOT NULL CHECK (seq > 0),
    org_seq    bigint,
    name       text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq),
    CONSTRAINT job_events_job_org_fkey FOREIGN KEY (job_id, org_id)
        REFERENCES jobs (id, org_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX job_events_org_seq ON job_events (org_id, org_seq) WHERE org_seq IS NOT NULL;
INSERT INTO job_events SELECT * FROM ev;
DELETE FROM schema_migrations WHERE version = 51;
COMMIT;
SQL
    db_psql -v ON_ERROR_STOP=1 -v g="$gid" <<'SQL' || fail "old rows of the fake job"
INSERT INTO job_events (org_id, job_id, seq, name, data, created_at)
SELECT j.org_id, j.id, s,
       CASE WHEN s = 1 THEN 'start' WHEN s = 2003 THEN 'job_complete' ELSE 'quorum_vote' END,
       CASE WHEN s = 1 THEN '{"command": "ok", "note": "a, b: c\nd"}'::jsonb
            WHEN s = 2003 THEN '{"status": "complete"}'::jsonb
            ELSE jsonb_build_object('node', 'n, ' || s || ': x', 'status', 'success') END,
       CASE WHEN s = 2003 THEN '2026-01-01 00:00:01Z' ELSE '2026-01-01 00:00:00Z' END::timestamptz
FROM jobs j, (SELECT generate_series(1, 1203) UNION ALL SELECT generate_series(2000, 2003)) g(s)
WHERE j.id = :'g';
SQL
    rows_before=$(db_psql -c "SELECT count(*) FROM job_events")
    gap_want=$(db_psql -F $'\n' -c "SELECT name || ' job-' || seq, data::text FROM job_events
        WHERE job_id = '$gid' ORDER BY seq" | sorted_json)
    assert_eq 2414 "$(wc -l <<< "$gap_want")" "expected lines of the fake job"
    stop_pushy || fail "stop"
    start_pushy || fail "start"
    assert_eq 1 "$(db_psql -c "SELECT count(*) FROM schema_migrations WHERE version = 51")" "051 applied again"
    assert_eq "$rows_before" "$(db_psql -c "SELECT count(*) FROM job_events")" "rows in the view"
    assert_eq "$job_before" "$(feed_lines "/job_status_feed/$id" job-0)" "job feed"
    assert_eq "$org_before" "$(feed_lines /job_status_feed org-0)" "org feed"
    # the data lines are compact, as before
    out=$(feed "/job_status_feed/$id" 3 -H "Last-Event-ID: job-0")
    if grep -q '^data: .*": ' <<< "$out"; then fail "blanks in the data: $out"; fi
    # the fake job: rows of at most 500 events, one run split at 500, the gap
    # kept; its feed jumps the gap, keeps the blanks inside strings
    assert_eq "1 500|501 1000|1001 1203|2000 2002|2003 2003" \
        "$(db_psql -c "SELECT first_seq, last_seq FROM job_event_batches
            WHERE job_id = '$gid' ORDER BY first_seq" | tr '|' ' ' | paste -sd '|')" \
        "converted rows"
    assert_eq "$gap_want" "$(feed_lines "/job_status_feed/$gid" job-0)" "fake job feed"
    assert_eq "$(tail -n +1401 <<< "$gap_want")" "$(feed_lines "/job_status_feed/$gid" job-700)" \
        "fake job feed from job-700"
    out=$(feed "/job_status_feed/$gid" 3 -H "Last-Event-ID: job-0")
    assert_contains "$out" 'data: {"note":"a, b: c\nd","command":"ok"}'
    assert_contains "$out" 'data: {"node":"n, 2000: x","status":"success"}'
    # and the numbering goes on after the converted events
    for n in $NODES; do wait_for 30 node_ready "$n" || fail "node $n not back"; done
    id2=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id2" complete 15
    assert_eq "start job-1" "$(events_of "$(feed "/job_status_feed/$id2" 3 -H 'Last-Event-ID: job-0')" | head -n 1)"
    org_after=$(events_of "$(feed /job_status_feed 3 -H 'Last-Event-ID: org-0')")
    n_org=$(wc -l <<< "$org_after")
    assert_eq "$(seq -f 'org-%g' 1 "$n_org" | tr '\n' ' ')" "$(awk '{print $2}' <<< "$org_after" | tr '\n' ' ')" \
        "org ids go on without a gap"
}

# A stored row of more than a page (1,200 events; rows written before they
# were split), then a gap wider than a page: a feed resumed in the middle of
# the row sends the rest of it, jumps the gap and ends with job_complete.
# Two rows of one job may not start at the same seq (two writers that read
# the same last seq: the second's flush fails and is retried).
test_j_resume_inside_a_row_of_more_than_a_page() {
    id=$(start_job '{"command":"ok","nodes":["n1"]}')
    wait_job "$id" complete 15
    big=99999999999999999999999999999902
    fake_job "$big" "$id" || fail "fake job"
    db_psql -v ON_ERROR_STOP=1 -v g="$big" <<'SQL' || fail "rows of the fake job"
INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)
SELECT :'g', 1, 1200, string_agg('quorum_vote {"node":"n' || s || '"}', E'\n' ORDER BY s)
FROM generate_series(1, 1200) s;
INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)
VALUES (:'g', 1900, 1901, E'run_start {"node":"n1"}\njob_complete {"status":"complete"}');
SQL
    want=$( (for i in $(seq 701 1200); do echo "quorum_vote job-$i"; done
             echo "run_start job-1900"; echo "job_complete job-1901") )
    assert_eq "$want" "$(events_of "$(feed "/job_status_feed/$big" 5 -H 'Last-Event-ID: job-700')")" \
        "resumed after job-700"
    out=$(feed "/job_status_feed/$big" 5 -H 'Last-Event-ID: job-1199')
    assert_eq "quorum_vote job-1200 run_start job-1900 job_complete job-1901" \
        "$(events_of "$out" | tr '\n' ' ' | sed 's/ $//')" "resumed after job-1199"
    assert_contains "$out" 'data: {"node":"n1200"}'
    # overlapping rows: 1902..1902 then 1902..1903 (the same first seq)
    db_psql -c "INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)
        VALUES ('$big', 1902, 1902, 'x {}')" || fail "first row"
    if db_psql -c "INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)
        VALUES ('$big', 1902, 1903, E'x {}\\ny {}')" 2>/dev/null; then
        fail "a row overlapping 1902..1902 was accepted"
    fi
}

# Two writers that read the same last seq: a transaction (standing in for
# a second jobrunner) holds an uncommitted row numbered from the job's last
# seq while jobrunner flushes the job's next events. jobrunner's insert
# waits for it and, once it commits, fails on (job_id, first_seq) (or
# last_seq): the flush rolls back and is retried, numbered after that row.
# Nothing overlaps and no event is lost.
test_k_a_conflicting_writer_makes_the_flush_retry() {
    id=$(start_job '{"command":"slow","nodes":["n1","n2","n3"]}')
    db_psql -v ON_ERROR_STOP=1 <<SQL || fail "conflicting row"
BEGIN;
INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)
SELECT '$id', s + 1, s + 1, 'other {}'
FROM (SELECT coalesce(max(last_seq), 0) AS s FROM job_event_batches WHERE job_id = '$id') m;
SELECT pg_sleep(1.5);
COMMIT;
SQL
    wait_job "$id" complete 15
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM job_event_batches a JOIN job_event_batches b
        ON a.job_id = b.job_id AND a.ctid < b.ctid AND a.first_seq <= b.last_seq
        AND b.first_seq <= a.last_seq
        WHERE a.job_id = '$id'")" "overlapping rows"
    grep -q 'flush: .* not written; retrying' "$T/log/jobrunner.log" ||
        fail "jobrunner never retried a flush"
    all=$(events_of "$(feed "/job_status_feed/$id" 5 -H 'Last-Event-ID: job-0')")
    n=$(wc -l <<< "$all")
    assert_eq "$(seq -f 'job-%g' 1 "$n" | tr '\n' ' ')" "$(awk '{print $2}' <<< "$all" | tr '\n' ' ')" \
        "ids without gap"
    assert_eq 1 "$(grep -c '^other ' <<< "$all")" "the other writer's event"
    assert_eq 1 "$(grep -c '^job_complete ' <<< "$all")" "job_complete"
    assert_eq 3 "$(grep -c '^run_complete ' <<< "$all")" "run_complete per node"
}
