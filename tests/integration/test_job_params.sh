# Issue 7: job parameters (env, dir, user, file, capture_output) from
# POST jobs to the command on a real pushy-client node, observed through
# the command's captured output; refusals on the node (nack with a reason
# in the job's events) and on the server (400 naming the field). Node n3
# has client.rb allowed_overwritable_env_vars and :lock whitelist entries.

ORG=acme
INTERVAL=500
NODES="n1 n2 n3"

setup_file() {
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" \
        "voting_timeout = 5" "log_level = debug"
    start_pushy || return 1
    mkdir -p "$T/keys" "$T/nodes" "$T/work dir" "$T/files" "$T/lock"
    chmod 755 "$T/files"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    cat > "$T/show.sh" <<'SH'
echo "PWD=$(pwd)"
echo "ID=$(id -un)"
env | grep -E '^(FOO|BAR|CHEF_PUSH_[A-Z_]*|HOME|USER)=' | sort
if [ -n "$CHEF_PUSH_JOB_FILE" ]; then
    echo "FILE_MODE=$(stat -c '%a %U' "$CHEF_PUSH_JOB_FILE")"
    echo "FILE_BEGIN"
    cat "$CHEF_PUSH_JOB_FILE"
    echo "FILE_END"
fi
SH
    chmod 755 "$T/show.sh"
    for n in $NODES; do
        pushy_ctl client-create "$n" --org "$ORG" -f "$T/keys/$n.pem" || return 1
        cat > "$T/nodes/$n.rb" <<RB
chef_server_url "http://127.0.0.1:$API_PORT/organizations/$ORG"
node_name "$n"
client_key "$T/keys/$n.pem"
log_level :debug
file_dir "$T/files"
whitelist({
  "show" => "sh $T/show.sh",
  "ok" => "true",
})
RB
        [ "$n" = n3 ] && cat >> "$T/nodes/$n.rb" <<RB
allowed_overwritable_env_vars ["FOO"]
file_cache_path "$T/lock"
whitelist["locked"] = {:command_line => "sh $T/show.sh", :lock => true}
whitelist["locked_nodir"] = {:command_line => "true", :lock => "$T/nolock/x.pid"}
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
stdout_of() { body_of "$(api alice GET "/jobs/$1/output/$2/stdout")"; }

# ---------------------------------------------------------------------------

test_a_env_dir_and_file_reach_the_command() {
    file=$(printf 'line one\nline "two"\n')
    body=$(jq -cn --arg d "$T/work dir" --arg f "raw:$file" \
        '{command:"show",nodes:["n1","n2"],capture_output:true,
          env:{FOO:"foo value",BAR:"x=y",CHEF_PUSH_NODE_NAME:"spoofed"},dir:$d,file:$f}')
    id=$(start_job "$body")
    wait_job "$id" complete 15
    for n in n1 n2; do
        out=$(stdout_of "$id" "$n")
        echo "$out"
        assert_contains "$out" "PWD=$T/work dir"
        assert_contains "$out" "FOO=foo value"
        assert_contains "$out" "BAR=x=y"
        assert_contains "$out" "CHEF_PUSH_NODE_NAME=$n"      # never overridden by the job
        assert_contains "$out" "CHEF_PUSH_JOB_ID=$id"
        assert_contains "$out" "CHEF_PUSH_JOB_FILE=$T/files/pushy_file."
        assert_contains "$out" "FILE_MODE=600 root"
        # (the trailing newline was stripped by the shell: none in the file)
        assert_contains "$out" "$(printf 'FILE_BEGIN\nline one\nline "two"FILE_END')"
    done
    # the file is gone once the job ended
    assert_eq "" "$(ls "$T/files")"
    # GET jobs/ID shows the parameters, not the file's content
    job=$(job_json "$id")
    assert_eq "$T/work dir" "$(jq -r .dir <<< "$job")"
    assert_eq "foo value" "$(jq -r .env.FOO <<< "$job")"
    assert_eq true "$(jq -r .file_specified <<< "$job")"
    assert_eq true "$(jq -r .capture_output <<< "$job")"
    assert_eq null "$(jq -r .file <<< "$job")"
    with=$(body_of "$(api alice GET "/jobs/$id?include_file=true")")
    assert_eq "raw:$file" "$(jq -r .file <<< "$with")"
}

test_b_base64_file() {
    b64=$(printf 'bin\001ary\n' | base64 -w0)
    id=$(start_job "{\"command\":\"show\",\"nodes\":[\"n1\"],\"capture_output\":true,\"file\":\"base64:$b64\"}")
    wait_job "$id" complete 15
    out=$(stdout_of "$id" n1)
    assert_contains "$out" "$(printf 'FILE_BEGIN\nbin\001ary\nFILE_END')"
}

test_c_run_as_another_user() {
    id=$(start_job '{"command":"show","nodes":["n1"],"capture_output":true,"user":"nobody","dir":"/tmp","file":"raw:x"}')
    wait_job "$id" complete 15
    out=$(stdout_of "$id" n1)
    echo "$out"
    assert_contains "$out" "ID=nobody"
    assert_contains "$out" "USER=nobody"
    assert_contains "$out" "FILE_MODE=600 nobody"
    assert_eq '["n1"]' "$(job_json "$id" | jq -c .nodes.succeeded)"
}

test_d_node_refusals_are_nacks_with_a_reason() {
    id=$(start_job '{"command":"show","nodes":["n1"],"user":"no-such-user-xyz"}')
    wait_job "$id" quorum_failed 15
    assert_eq '["n1"]' "$(job_json "$id" | jq -c .nodes.nacked)"
    reason=$(db_psql -c "SELECT data->>'reason' FROM job_events WHERE job_id = '$id' AND name = 'quorum_vote'")
    assert_contains "$reason" "user 'no-such-user-xyz' does not exist"
    id=$(start_job "{\"command\":\"show\",\"nodes\":[\"n1\"],\"dir\":\"$T/nope\"}")
    wait_job "$id" quorum_failed 15
    reason=$(db_psql -c "SELECT data->>'reason' FROM job_events WHERE job_id = '$id' AND name = 'quorum_vote'")
    assert_contains "$reason" "directory '$T/nope' does not exist"
    # the reason is in the SSE feed too
    out=$(api alice GET "/job_status_feed/$id" "" --max-time 5 -H 'Last-Event-ID: job-0')
    assert_contains "$out" '"reason":"directory'
}

test_e_bad_parameters_are_400_naming_the_field() {
    expect400() { # BODY FIELD-TEXT
        local out
        out=$(api alice POST /jobs "$1")
        assert_eq 400 "$(status_of "$out")" "POST $1: $out"
        assert_contains "$out" "$2"
    }
    expect400 '{"command":"show","nodes":["n1"],"env":{"A":1}}' "env"
    expect400 '{"command":"show","nodes":["n1"],"env":{"1A":"x"}}' "env"
    expect400 '{"command":"show","nodes":["n1"],"env":["A"]}' "env"
    expect400 '{"command":"show","nodes":["n1"],"dir":"relative"}' "dir"
    expect400 '{"command":"show","nodes":["n1"],"dir":7}' "dir"
    expect400 '{"command":"show","nodes":["n1"],"user":"bad user"}' "user"
    expect400 '{"command":"show","nodes":["n1"],"user":false}' "user"
    expect400 '{"command":"show","nodes":["n1"],"file":"hello"}' "file"
    expect400 '{"command":"show","nodes":["n1"],"file":"base64:@@@"}' "file"
    expect400 '{"command":"show","nodes":["n1"],"capture_output":"yes"}' "capture_output"
    big=$(head -c 100001 /dev/zero | tr '\0' a)
    expect400 "{\"command\":\"show\",\"nodes\":[\"n1\"],\"file\":\"raw:$big\"}" "file size"
}

test_f_a_100000_byte_file_reaches_the_node() {
    head -c 100000 /dev/zero | tr '\0' z > "$T/max.txt"
    body=$(jq -cn --rawfile f "$T/max.txt" '{command:"show",nodes:["n1"],capture_output:true,file:("raw:" + $f)}')
    id=$(start_job "$body")
    wait_job "$id" complete 15
    assert_eq '["n1"]' "$(job_json "$id" | jq -c .nodes.succeeded)"
    assert_contains "$(stdout_of "$id" n1)" "zzzzzzzzzz"
}

# client.rb allowed_overwritable_env_vars ["FOO"]: FOO keeps its name, every
# other job variable arrives as CHEF_PUSH_ENV_<NAME> (PATH cannot be
# replaced: the command is still found); CHEF_PUSH_* of the client win.
test_g_allowed_overwritable_env_vars() {
    body='{"command":"show","nodes":["n1","n3"],"capture_output":true,
           "env":{"FOO":"f","BAR":"b","CHEF_PUSH_JOB_ID":"spoof"}}'
    id=$(start_job "$body")
    wait_job "$id" complete 15
    assert_eq '["n1","n3"]' "$(job_json "$id" | jq -c '.nodes.succeeded | sort')"
    out=$(stdout_of "$id" n3)
    echo "$out"
    assert_contains "$out" "FOO=f"
    assert_contains "$out" "CHEF_PUSH_ENV_BAR=b"
    assert_eq "" "$(grep -x 'BAR=b' <<< "$out")" "BAR must be renamed on n3"
    assert_contains "$out" "CHEF_PUSH_ENV_CHEF_PUSH_JOB_ID=spoof"
    assert_contains "$out" "CHEF_PUSH_JOB_ID=$id"
    # n1 has no list: names kept
    out1=$(stdout_of "$id" n1)
    assert_eq "BAR=b" "$(grep -x 'BAR=b' <<< "$out1")"
    # PATH is not in n3's list: the command keeps the client's PATH (its
    # grep and sort still work)
    id=$(start_job '{"command":"show","nodes":["n3"],"capture_output":true,
                     "env":{"PATH":"/nowhere","FOO":"g"}}')
    wait_job "$id" complete 15
    out=$(stdout_of "$id" n3)
    echo "$out"
    assert_contains "$out" "CHEF_PUSH_ENV_PATH=/nowhere"
    assert_contains "$out" "FOO=g"
}

# :lock => true: another process holding the lock file (a chef-client run)
# makes the node refuse the commit; once free the job runs and the lock is
# let go. A lock file whose directory does not exist locks nothing.
test_h_lock_entries() {
    lockf="$T/lock/chef-client-running.pid"
    echo 4242 > "$lockf"
    # one process holds the lock (flock(1) would leave it to its child)
    ( exec 9>>"$lockf" && flock 9 && exec sleep 60 ) &
    holder=$!
    track_pid "$holder"
    wait_for 5 bash -c "! flock -n '$lockf' true" || fail "test holder did not lock"
    id=$(start_job '{"command":"locked","nodes":["n3"]}')
    wait_job "$id" quorum_failed 15
    assert_eq '["n3"]' "$(job_json "$id" | jq -c .nodes.nacked)"
    reason=$(db_psql -c "SELECT data->>'reason' FROM job_events WHERE job_id = '$id' AND name = 'quorum_vote'")
    assert_contains "$reason" "lock file $lockf is held by another process"
    kill "$holder"
    wait "$holder" 2>/dev/null
    id=$(start_job '{"command":"locked","nodes":["n3"],"capture_output":true}')
    wait_job "$id" complete 15
    assert_eq '["n3"]' "$(job_json "$id" | jq -c .nodes.succeeded)"
    flock -n "$lockf" true || fail "the node kept the lock after the job"
    assert_eq 4242 "$(cat "$lockf")" "the lock file was truncated"
    assert_contains "$(cat "$T/nodes/n3.log")" "took the run lock $lockf"
    id=$(start_job '{"command":"locked_nodir","nodes":["n3"]}')
    wait_job "$id" complete 15
    assert_contains "$(cat "$T/nodes/n3.log")" "run lock $T/nolock/x.pid: its directory does not exist"
}
