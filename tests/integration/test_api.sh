# apid: the REST API with Chef signed-header authentication, identity
# store commands, node_states, config/NODE, _status, metrics and errors.
# Requests are signed by tests/tools/signed_request (shared/chef_auth) and
# by Chef's own Ruby library (tests/fixtures/mixlib_sign.rb + curl).

# A valid Z85 CURVE public key (libzmq's test vector).
CCPK1='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'
CCPK2='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'

urlencode() {
    local s=$1 out="" c h i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [a-zA-Z0-9.~_-]) out+=$c ;;
            *) printf -v h '%%%02X' "'$c"; out+=$h ;;
        esac
    done
    echo "$out"
}

# signed USER [options] METHOD URL [BODY]: status on the first line, body after.
signed() {
    local user=$1
    shift
    "$PUSHY_TOOLS/signed_request" --key "$T/keys/$user.pem" --user "$user" "$@"
}

# expect STATUS TEXT COMMAND...: runs COMMAND, checks the status line and
# that the output contains TEXT (empty TEXT: no check).
expect() {
    local want=$1 text=$2 out st
    shift 2
    out=$("$@")
    st=$(head -n 1 <<< "$out")
    assert_eq "$want" "$st" "status of [$*], output: $out"
    [ -z "$text" ] || assert_contains "$out" "$text" "body of [$*]"
}

# passes_auth COMMAND...: the request got past authentication and
# authorization (whatever the endpoint then answers; never 501: every
# route is implemented).
passes_auth() {
    local out st
    out=$("$@")
    st=$(head -n 1 <<< "$out")
    case "$st" in
        401 | 403 | 405 | 413 | 501 | "") fail "refused, unimplemented or no answer for [$*]: $out" ;;
    esac
    echo "$st"
}

# mixlib_call USER VERSION METHOD PATH [QUERY] [BODY]: signs with the Ruby
# library, sends with curl; prints "BODY STATUS".
mixlib_call() {
    local user=$1 version=$2 method=$3 path=$4 query=${5:-} body=${6:-}
    ruby tests/fixtures/mixlib_sign.rb --key "$T/keys/$user.pem" --user "$user" \
        --version "$version" --method "$method" --path "$path" --body "$body" > "$T/mixlib.h" \
        || return 1
    if [ -n "$body" ]; then
        curl -s -w ' %{http_code}' -X "$method" -H @"$T/mixlib.h" -H 'Content-Type: application/json' \
            --data-binary "$body" "$API_URL$path$query"
    else
        curl -s -w ' %{http_code}' -X "$method" -H @"$T/mixlib.h" "$API_URL$path$query"
    fi
}

setup_file() {
    write_config "restart_backoff_ms = 50"
    start_pushy
    mkdir -p "$T/keys"
    pushy_ctl org-create acme
    pushy_ctl org-create other
    pushy_ctl user-create alice --org acme --admin -f "$T/keys/alice.pem"   # admin
    pushy_ctl user-create rita --org acme -f "$T/keys/rita.pem"             # reader
    pushy_ctl user-create wendy --org acme -f "$T/keys/wendy.pem"           # writer
    pushy_ctl user-create bob --org acme -f "$T/keys/bob.pem"               # member, no group
    pushy_ctl user-create nina --org acme -f "$T/keys/nina.pem"             # reader via nested group
    pushy_ctl user-create carol --org other -f "$T/keys/carol.pem"          # other org only
    pushy_ctl client-create node1 --org acme -f "$T/keys/node1.pem"
    pushy_ctl client-create node1b --org acme -f "$T/keys/node1b.pem"
    pushy_ctl client-create node2 --org other -f "$T/keys/node2.pem"
    pushy_ctl group-add acme pushy_job_readers rita
    pushy_ctl group-add acme pushy_job_writers wendy
    pushy_ctl group-create acme ops
    pushy_ctl group-add acme ops nina
    pushy_ctl group-add acme pushy_job_readers ops --group
    # a key nobody has registered, for wrong-key tests
    pushy_ctl user-create mallory -f "$T/keys/mallory.pem"
}

O() { echo "$API_URL/organizations/acme/pushy$1"; }

test_status_needs_no_auth_and_reports_components() {
    out=$(curl -s -w ' %{http_code}' "$API_URL/pushy/_status")
    echo "$out"
    assert_contains "$out" '"status":"it'"'"'s alive"'
    assert_contains "$out" '"database":"ok"'
    for c in postgres heartbeatd commandd jobrunner apid; do
        assert_contains "$out" "\"$c\":\"running\""
    done
    assert_contains "$out" '"incarnation_id":"'
    assert_contains "$out" ' 200'
}

test_metrics_are_prometheus_text_with_real_counts() {
    signed alice GET "$(O /node_states)" > /dev/null
    signed alice GET "$(O /node_states)" > /dev/null
    signed mallory GET "$(O /node_states)" > /dev/null
    hdr=$(curl -s -D - -o "$T/metrics.txt" "$API_URL/metrics")
    assert_contains "$hdr" "text/plain; version=0.0.4"
    m=$(cat "$T/metrics.txt")
    n=$(grep '^pushy_api_http_requests_total{method="GET",route="/organizations/:org/pushy/node_states",code="200"}' \
        "$T/metrics.txt" | awk '{print $2}')
    [ "${n:-0}" -ge 2 ] || fail "node_states 200 count is '$n'"
    assert_contains "$m" 'pushy_api_http_requests_total{method="GET",route="/organizations/:org/pushy/node_states",code="403"}'
    assert_contains "$m" 'pushy_api_http_request_duration_seconds_bucket{route="/organizations/:org/pushy/node_states",le="+Inf"}'
    assert_contains "$m" '# TYPE pushy_api_http_request_duration_seconds histogram'
    assert_contains "$m" 'pushy_api_auth_failures_total{reason="not_associated"}'
    assert_contains "$m" 'pushy_api_database_up 1'
    assert_contains "$m" 'pushy_nodes{status="up"}'
}

test_node_states_with_every_signing_version() {
    for v in 1.0 1.1 1.3; do
        expect 200 "[" signed alice --version "$v" GET "$(O /node_states)"
    done
    expect 200 "[" signed alice --version 1.3 --server-api-version 2 GET "$(O /node_states)"
}

test_requests_signed_by_ruby_mixlib_are_accepted() {
    local path=/organizations/acme/pushy/node_states
    for v in 1.0 1.1 1.3; do
        out=$(mixlib_call alice "$v" GET "$path") || fail "mixlib_sign.rb failed"
        echo "mixlib $v: $out"
        assert_contains "$out" "] 200"
    done
    # a body, and a query string (mixlib signs the path without it)
    out=$(mixlib_call wendy 1.1 POST /organizations/acme/pushy/jobs "" '{"command":"chef-client","nodes":["node1"]}')
    echo "mixlib POST: $out"
    st=${out##* }
    [ "$st" != 401 ] && [ "$st" != 403 ] || fail "signed POST with a body refused: $out"
    # a tampered body is refused (the signature covers the body's hash)
    curl -s -w ' %{http_code}' -X POST -H @"$T/mixlib.h" -H 'Content-Type: application/json' \
        --data-binary '{"command":"rm -rf /","nodes":["node1"]}' "$API_URL/organizations/acme/pushy/jobs" \
        > "$T/mixlib.out"
    assert_contains "$(cat "$T/mixlib.out")" "X-Ops-Content-Hash does not match"
    out=$(mixlib_call node1 1.1 GET /organizations/acme/pushy/config/node1 "?ccpk=$(urlencode "$CCPK1")&version=2.0")
    assert_contains "$out" '"type":"config"'
    assert_contains "$out" " 200"
    # a mixlib signature with a wrong key is refused
    cp "$T/keys/mallory.pem" "$T/keys/fake-alice.pem"
    ruby tests/fixtures/mixlib_sign.rb --key "$T/keys/mallory.pem" --user alice --path "$path" > "$T/mixlib.h"
    out=$(curl -s -w ' %{http_code}' -H @"$T/mixlib.h" "$API_URL$path")
    assert_contains "$out" "Invalid signature for user or client 'alice'"
    assert_contains "$out" " 401"
}

test_config_for_own_node() {
    out=$(signed node1 --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")&version=2.0")
    echo "$out"
    assert_eq 200 "$(head -n 1 <<< "$out")"
    for f in '"type":"config"' '"host":"127.0.0.1"' "\"out_addr\":\"tcp://127.0.0.1:$HB_PORT\"" \
        "\"command_addr\":\"tcp://127.0.0.1:$CMD_PORT\"" '"interval":1.0' '"offline_threshold":3' \
        '"online_threshold":2' '"node":"node1"' '"organization":"acme"' \
        '"public_key":"-----BEGIN PUBLIC KEY-----' '"curve_public_key":"' \
        '"encoded_session_key":{"method":"hmac_sha256","key":"' '"lifetime":3600' \
        '"max_message_skew":300' '"max_body_size":65536' '"incarnation_id":"'; do
        assert_contains "$out" "$f"
    done
    assert_contains "$out" "\"curve_public_key\":\"$(head -n 1 "$T/data/server_curve.key")\""
    key1=$(grep '^session_key=' <<< "$out")
    [ ${#key1} -eq $((12 + 64)) ] || fail "session key is not 32 bytes: $key1"
    # the same key on the next fetch
    key2=$(signed node1 --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")" | grep '^session_key=')
    assert_eq "$key1" "$key2" "session key reused"
    # stored, bound to the org and node, registered ccpk with an expiry
    assert_eq 1 "$(db_psql -c "SELECT count(*) FROM session_keys WHERE node_name = 'node1'")"
    row=$(db_psql -c "SELECT c.node_name, o.name, (c.expires_at - now()) > interval '59 minutes'
                      FROM curve_keys c JOIN orgs o ON o.id = c.org_id WHERE c.public_key = '$CCPK1'")
    assert_eq "node1|acme|t" "$row" "curve key registration"
    # node1 is now listed
    expect 200 '"node_name":"node1","status":"down","availability":"unavailable","updated_at":"' \
        signed alice GET "$(O /node_states/node1)"
    out=$(signed rita GET "$(O /node_states)")
    assert_contains "$out" '"node_name":"node1"'
    [[ "$out" =~ \"updated_at\":\"[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ GMT\" ]] \
        || fail "updated_at is not RFC 1123: $out"
}

test_config_errors() {
    expect 400 '{"error":["Missing ccpk"]}' signed node1 GET "$(O /config/node1)?version=2.0"
    expect 401 '{"error":["Bad ccpk"]}' signed node1 GET "$(O /config/node1)?ccpk=tooshort"
    expect 401 '{"error":["Bad ccpk"]}' signed node1 GET "$(O /config/node1)?ccpk=${CCPK1:0:39}%22"
    expect 403 '{"error":["Client and node name must match"]}' \
        signed node1 GET "$(O /config/node1b)?ccpk=$(urlencode "$CCPK2")"
    expect 403 "does not have access" signed bob GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK2")"
    # a reader user may fetch it; the session key is encrypted to the user's key
    out=$(signed rita --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")")
    assert_eq 200 "$(head -n 1 <<< "$out")"
    rkey=$(grep '^session_key=' <<< "$out")
    nkey=$(signed node1 --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")" | grep '^session_key=')
    assert_eq "$nkey" "$rkey" "same node session key, whoever asked"
}

test_ccpk_bound_to_one_node() {
    expect 200 '"type":"config"' signed node1b GET "$(O /config/node1b)?ccpk=$(urlencode "$CCPK2")"
    expect 409 "registered to another node" signed node1 GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK2")"
    assert_eq node1b "$(db_psql -c "SELECT node_name FROM curve_keys WHERE public_key = '$CCPK2'")"
}

test_config_refused_ccpk_writes_no_session_key_and_racing_first_fetches_agree() {
    local k3='AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA3' i
    pushy_ctl client-create node3 --org acme -f "$T/keys/node3.pem" >/dev/null
    expect 200 '"type":"config"' signed node1b GET "$(O /config/node1b)?ccpk=$(urlencode "$k3")"
    expect 409 "registered to another node" signed node3 GET "$(O /config/node3)?ccpk=$k3"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM session_keys WHERE node_name = 'node3'")" \
        "no session key for a refused fetch"
    assert_eq 0 "$(db_psql -c "SELECT count(*) FROM nodes WHERE name = 'node3'")" \
        "no node row for a refused fetch"
    # four first fetches at once (one statement each; the losers of the
    # insert race read the winner's key): all get the same key
    for i in 1 2 3 4; do
        signed node3 --session-key GET "$(O /config/node3)?ccpk=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB$i" \
            > "$T/race.$i" &
    done
    wait
    for i in 1 2 3 4; do assert_eq 200 "$(head -n 1 "$T/race.$i")" "racing fetch $i"; done
    assert_eq 1 "$(grep -h '^session_key=' "$T"/race.* | sort -u | wc -l)" "one session key"
    assert_eq 1 "$(db_psql -c "SELECT count(*) FROM session_keys WHERE node_name = 'node3'")"
}

test_config_first_fetch_that_loses_the_insert_race_hands_out_the_winners_key() {
    local k='00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
    pushy_ctl client-create node4 --org acme -f "$T/keys/node4.pem" >/dev/null
    # a transaction holds node4's session key uncommitted while the fetch
    # inserts its own: the fetch waits for it, its insert does nothing, and
    # its statement's snapshot cannot see the winner's row, so the second
    # statement has to read it
    db_psql -c "BEGIN; INSERT INTO session_keys (org_id, node_name, session_key)
                SELECT id, 'node4', decode('$k', 'hex') FROM orgs WHERE name = 'acme';
                SELECT pg_sleep(1.5); COMMIT;" >/dev/null &
    local holder=$!
    local tries=0
    until [ "$(db_psql -c "SELECT count(*) FROM pg_stat_activity
                            WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()")" = 1 ]; do
        tries=$((tries + 1))
        [ $tries -lt 50 ] || fail "the holding transaction did not start"
        sleep 0.1
    done
    signed node4 --session-key GET "$(O /config/node4)?ccpk=CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC4" > "$T/race4"
    wait "$holder" || fail "the holding transaction failed"
    assert_eq 200 "$(head -n 1 "$T/race4")"
    assert_eq "session_key=$k" "$(grep '^session_key=' "$T/race4")" "the committed key, not the fetch's own"
}

test_401_authentication_failures() {
    local url
    url=$(O /node_states)
    expect 401 "Invalid signature for user or client 'alice'" \
        signed alice --key "$T/keys/mallory.pem" GET "$url"
    expect 401 "Failed to authenticate as 'nosuchuser'" \
        "$PUSHY_TOOLS/signed_request" --key "$T/keys/alice.pem" --user nosuchuser GET "$url"
    expect 401 "X-Ops-Content-Hash does not match" \
        signed alice -H "X-Ops-Content-Hash: 2jmj7l5rSw0yVb/vlWAYkK/YBwk=" POST "$(O /jobs)" '{"a":1}'
    # tampered body: the hash gives it away ...
    expect 401 "X-Ops-Content-Hash does not match" \
        signed wendy --send-body '{"command":"rm -rf /"}' POST "$(O /jobs)" '{"command":"uptime"}'
    # ... and with a recomputed hash the signature does
    h=$(printf '%s' '{"command":"rm -rf /"}' | openssl dgst -sha1 -binary | base64)
    expect 401 "Invalid signature" \
        signed wendy --send-body '{"command":"rm -rf /"}' -H "X-Ops-Content-Hash: $h" \
        POST "$(O /jobs)" '{"command":"uptime"}'
    # tampered path (another resource the signer can read)
    expect 401 "Invalid signature" \
        signed rita --send-path /organizations/acme/pushy/node_states/node1 GET "$url"
    for h in X-Ops-Sign X-Ops-Userid X-Ops-Timestamp X-Ops-Content-Hash; do
        expect 401 "missing required authentication header(s): $h" signed alice --omit "$h" GET "$url"
    done
    expect 401 "X-Ops-Authorization-1" signed alice --omit X-Ops-Authorization-1 GET "$url"
    expect 401 "X-Ops-Authorization-3" signed alice --omit X-Ops-Authorization-3 GET "$url"
    expect 401 "missing required authentication header(s): X-Ops-Sign, X-Ops-Userid" \
        "$PUSHY_TOOLS/signed_request" GET "$url"
    expect 401 "Synchronize the clock" signed alice --time-offset 1000 GET "$url"
    expect 401 "Synchronize the clock" signed alice --time-offset -1000 GET "$url"
    expect 200 "" signed alice --time-offset 600 GET "$url"
    expect 401 "bad X-Ops-Timestamp" signed alice -H "X-Ops-Timestamp: yesterday" GET "$url"
}

test_400_bad_protocol_version_json_and_names() {
    expect 400 "Unsupported authentication protocol version" \
        signed alice -H "X-Ops-Sign: algorithm=sha1;version=1.2" GET "$(O /node_states)"
    expect 400 "Invalid JSON at line 2, column 13 (position 15)" \
        signed wendy POST "$(O /jobs)" $'{\n "command": x}'
    expect 400 "Request body must be a JSON object" signed wendy POST "$(O /jobs)" '[1,2]'
    expect 400 "Invalid organization name 'ACME'" \
        signed alice GET "$API_URL/organizations/ACME/pushy/node_states"
    expect 400 "Invalid node name 'no de'" signed alice GET "$(O /node_states/no%20de)"
    expect 400 "Invalid node name" signed alice GET "$(O /config/a%2Fb)?ccpk=x"
    expect 400 "malformed percent-escape" signed alice GET "$(O /node_states/a%zz)"
}

test_403_authorization() {
    expect 403 "User or client 'bob' does not have access to that action on this server." \
        signed bob GET "$(O /node_states)"
    expect 403 "does not have access" signed node1 GET "$(O /node_states)"
    expect 403 "User or client 'rita' does not have access" signed rita POST "$(O /jobs)" '{}'
    expect 403 "does not have access" signed rita POST "$(O /jobs/abc/abort)"
    passes_auth signed wendy POST "$(O /jobs)" '{}'
    passes_auth signed alice POST "$(O /jobs/abc/abort)"
    # membership through a nested group
    expect 200 "[" signed nina GET "$(O /node_states)"
    # actors of another organization
    expect 403 "'carol' is not associated with organization 'acme'" signed carol GET "$(O /node_states)"
    expect 403 "'node2' is not associated with organization 'acme'" \
        signed node2 GET "$(O /config/node2)?ccpk=$(urlencode "$CCPK1")"
    # ... but someone without node2's key learns nothing
    expect 401 "Failed to authenticate as 'node2'" \
        signed node2 --key "$T/keys/mallory.pem" GET "$(O /node_states)"
    # a group change takes effect at once
    pushy_ctl group-add acme pushy_job_readers bob
    expect 200 "[" signed bob GET "$(O /node_states)"
    pushy_ctl group-remove acme pushy_job_readers bob
    expect 403 "" signed bob GET "$(O /node_states)"
}

test_404s() {
    expect 404 "organization 'nosuch' does not exist." \
        signed alice GET "$API_URL/organizations/nosuch/pushy/node_states"
    expect 404 "No such endpoint: /organizations/acme/pushy/nothing" signed alice GET "$(O /nothing)"
    expect 404 "No such endpoint: /" "$PUSHY_TOOLS/signed_request" GET "$API_URL/"
    expect 404 "node 'ghost' not found in organization 'acme'" signed alice GET "$(O /node_states/ghost)"
}

test_405_lists_allowed_methods() {
    out=$(signed alice -i DELETE "$(O /node_states)")
    assert_eq 405 "$(head -n 1 <<< "$out")"
    assert_contains "$out" "Allow: GET, HEAD"
    assert_contains "$out" "Method DELETE is not allowed here"
    out=$(signed alice -i PUT "$(O /jobs)" '{}')
    assert_contains "$out" "Allow: GET, HEAD, POST"
    out=$(curl -s -i -X POST "$API_URL/pushy/_status")
    assert_contains "$out" "405"
    assert_contains "$out" "Allow: GET, HEAD"
}

test_413_body_too_large() {
    head -c 1000001 /dev/zero | tr '\0' 'a' > "$T/big"
    expect 413 "Request body must be no more than 1000000 bytes." \
        signed wendy --body-file "$T/big" POST "$(O /jobs)"
    # without Content-Length (chunked), while streaming
    out=$(curl -s -w ' %{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$(O /jobs)")
    assert_contains "$out" "no more than 1000000 bytes"
    assert_contains "$out" " 413"
    # just at the limit passes the size check (then fails on JSON)
    head -c 1000000 /dev/zero | tr '\0' 'a' > "$T/max"
    expect 400 "Invalid JSON" signed wendy --body-file "$T/max" POST "$(O /jobs)"
}

test_jobs_routes_are_authenticated_and_authorized() {
    # Their answers belong to the jobs issues; here:
    # unsigned -> 401, no group -> 403, reader/writer -> past both.
    # (--max-time: the org feed is an event stream that never ends.)
    for p in /jobs /jobs/abc /jobs/abc/output/node1/stdout /jobs/abc/output/node1/stderr \
        /job_status_feed /job_status_feed/abc; do
        expect 401 "missing required authentication header" "$PUSHY_TOOLS/signed_request" GET "$(O "$p")"
        expect 403 "does not have access" signed bob GET "$(O "$p")"
        passes_auth signed rita --max-time 2 GET "$(O "$p")"
    done
    for p in /jobs /jobs/abc/abort; do
        expect 401 "" "$PUSHY_TOOLS/signed_request" POST "$(O "$p")" '{}'
        expect 403 "does not have access" signed rita POST "$(O "$p")" '{}'
        passes_auth signed wendy POST "$(O "$p")" '{"command":"x","nodes":["a"]}'
    done
}

test_head_and_request_log() {
    out=$(curl -s -I "$API_URL/pushy/_status")
    assert_contains "$out" "200 OK"
    signed alice GET "$(O /node_states)" > /dev/null
    wait_for 5 grep -q "GET /organizations/acme/pushy/node_states 200 actor=alice peer=127.0.0.1:" \
        "$T/log/apid.log" || fail "no request log line"
    grep -q "auth: refused .* reason=" "$T/log/apid.log" || fail "no auth refusal log line"
    if grep -q "BEGIN RSA PRIVATE KEY\|ccpk=" "$T/log/apid.log"; then fail "keys in the log"; fi
}

test_garbage_does_not_crash_apid() {
    pid=$(component_pid apid)
    port=$API_PORT
    send_raw() { # bytes, via bash's /dev/tcp
        exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
        printf '%b' "$1" >&3
        timeout 3 cat <&3 > "$T/raw.out" 2>/dev/null
        exec 3<&-
    }
    send_raw 'GARBAGE\r\n\r\n'
    send_raw 'GET /organizations/acme/pushy/node_states HTTP/1.1\r\nHost: x\r\nX-Ops-Sign: version=1.1\r\nX-Ops-Userid: \x01\x02\r\nX-Ops-Timestamp: 9999-99-99T99:99:99Z\r\nX-Ops-Content-Hash: !!\r\nX-Ops-Authorization-1: ***\r\nConnection: close\r\n\r\n'
    assert_contains "$(cat "$T/raw.out")" "401"
    send_raw 'GET /organizations/acme/pushy/node_states/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    assert_contains "$(cat "$T/raw.out")" "400"
    send_raw "GET /$(head -c 20000 /dev/zero | tr '\0' 'a') HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    send_raw 'POST /organizations/acme/pushy/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'
    send_raw 'POST /organizations/acme/pushy/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
    long_user=$(head -c 5000 /dev/zero | tr '\0' 'u')
    expect 401 "" signed alice -H "X-Ops-Userid: $long_user" GET "$(O /node_states)"
    for i in $(seq 1 30); do
        signed alice -H "X-Ops-Authorization-$((i + 6)): AAAA" GET "$(O /node_states)" > /dev/null &
    done
    wait
    assert_eq "$pid" "$(component_pid apid)" "apid pid changed: it crashed"
    expect 200 "" signed alice GET "$(O /node_states)"
}

test_pushy_ctl_identity_commands() {
    out=$(pushy_ctl user-create stdoutuser --org acme 2>/dev/null)
    assert_contains "$out" "-----BEGIN RSA PRIVATE KEY-----"
    out=$(pushy_ctl org-create acme 2>&1) && fail "duplicate org accepted"
    assert_contains "$out" "already exists"
    out=$(pushy_ctl org-create Bad.Org 2>&1)
    assert_eq 2 "$?" "bad org name exit code"
    out=$(pushy_ctl user-create alice --org acme 2>&1) && fail "duplicate user accepted"
    assert_contains "$out" "already exists"
    out=$(pushy_ctl client-create x --org nosuch -f "$T/x.pem" 2>&1) && fail "client in unknown org"
    assert_contains "$out" "organization 'nosuch' does not exist"
    [ ! -e "$T/x.pem" ] || fail "key file left behind for a failed create"
    assert_eq 600 "$(stat -c %a "$T/keys/alice.pem")" "key file mode"
    assert_contains "$(pushy_ctl org-list)" "acme"
    assert_contains "$(pushy_ctl client-list acme)" "node1b"
    assert_contains "$(pushy_ctl user-list --org acme)" "rita"
    groups=$(pushy_ctl group-list acme)
    echo "$groups"
    assert_contains "$groups" "admins	user:alice"
    assert_contains "$groups" "pushy_job_readers	group:ops user:rita"
    out=$(pushy_ctl group-add acme admins nosuch 2>&1) && fail "unknown actor added"
    assert_contains "$(pushy_ctl --help)" "client-create NAME --org ORG"
    # org-user-add gives an outsider access
    expect 403 "not associated" signed carol GET "$(O /node_states)"
    pushy_ctl org-user-add acme carol --admin
    expect 200 "" signed carol GET "$(O /node_states)"
}

test_database_down_gives_503_then_recovers() {
    expect 200 "" signed alice GET "$(O /node_states)"
    pushy_ctl stop postgres || fail "stop postgres"
    expect 503 "database is unavailable" signed alice GET "$(O /node_states)"
    expect 503 "database is unavailable" signed node1 GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")"
    out=$(curl -s -w ' %{http_code}' "$API_URL/pushy/_status")
    assert_contains "$out" '"status":"fail"'
    assert_contains "$out" '"database":"unavailable"'
    assert_contains "$out" ' 503'
    assert_contains "$(curl -s "$API_URL/metrics")" "pushy_api_database_up 0"
    pushy_ctl start postgres || fail "start postgres"
    wait_for 15 bash -c "[ \"\$($PUSHY_TOOLS/signed_request --key $T/keys/alice.pem --user alice GET $(O /node_states) | head -n 1)\" = 200 ]" \
        || fail "API did not recover"
    wait_for 5 bash -c "curl -s -o /dev/null -w '%{http_code}' $API_URL/pushy/_status | grep -q 200" \
        || fail "_status did not recover"
}

test_killed_apid_is_restarted_and_keeps_session_keys() {
    before=$(signed node1 --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")" | grep '^session_key=')
    old=$(component_pid apid)
    pushy_ctl kill apid
    wait_for 10 bash -c "curl -s -o /dev/null -w '%{http_code}' $API_URL/pushy/_status | grep -q 200" \
        || fail "apid not back"
    assert_ne "$old" "$(component_pid apid)" "apid pid"
    after=$(signed node1 --session-key GET "$(O /config/node1)?ccpk=$(urlencode "$CCPK1")" | grep '^session_key=')
    assert_eq "$before" "$after" "session key survives an apid restart"
}

# Identity triggers (migrations 047/048): a statement that changes no row
# must not empty apid's auth cache; a real change must.
test_identity_notify_only_on_real_changes() {
    invalidations() {
        curl -s "$API_URL/metrics" | awk '$1=="pushy_api_auth_cache_invalidations_total"{print $2}'
    }
    signed alice GET "$(O /node_states)" > /dev/null
    local before after
    before=$(invalidations)
    [ -n "$before" ] || fail "no pushy_api_auth_cache_invalidations_total in /metrics"
    db_psql -c "INSERT INTO orgs (name, guid) SELECT name, guid FROM orgs WHERE name = 'acme' ON CONFLICT (name) DO NOTHING" \
        || fail "no-op insert failed"
    db_psql -c "UPDATE clients SET name = name WHERE false" || fail "no-op update failed"
    sleep 1
    after=$(invalidations)
    assert_eq "$before" "$after" "invalidations after statements that changed nothing"
    pushy_ctl group-add acme pushy_job_readers bob
    local i
    for i in $(seq 50); do
        [ "$(invalidations)" -gt "$after" ] && break
        sleep 0.1
    done
    [ "$(invalidations)" -gt "$after" ] || fail "a real change sent no notification"
    pushy_ctl group-remove acme pushy_job_readers bob
}
