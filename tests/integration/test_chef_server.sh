# Chef-server mode (issue 8) against a real Chef server: goiardi 0.11
# (Debian package `goiardi`) with authentication on, in memory, run as
# `nobody` on a free port of this instance. Clients (their keys), users and
# nodes with run lists and attributes are created in goiardi; pushyd runs
# with chef_server_url and goiardi's admin key as the superuser, so apid
# takes actor keys, authorization (goiardi has no groups API: the
# documented admin-flag fallback of chef_server_single_org) and search from
# goiardi. Real pushy-clients sign with the keys goiardi generated.
# A missing goiardi fails the file (scripts/install-deps.sh installs it).

# shellcheck source=tests/integration/api_lib.sh
source tests/integration/api_lib.sh

ORG=ponyville
INTERVAL=500
NODES="web1 web2 db1"
# apid caches identity answers this long; goiardi sends no notification.
CACHE_TTL=2
GOIARDI_PORT=$((PORT_BASE + 7))
CHEF_URL="http://127.0.0.1:$GOIARDI_PORT"
G="$T/goiardi"

# chef METHOD PATH [BODY]: a request to goiardi as its admin user (HTTP/1.0
# through --max-time: signed_request does not decode chunked bodies).
chef() {
    "$PUSHY_TOOLS/signed_request" --key "$G/conf/admin.pem" --user admin --max-time 20 \
        "$1" "$CHEF_URL$2" ${3:+"$3"}
}

chef_ok() { # METHOD PATH [BODY]: the body; or a message on stderr and status 1
    local out
    out=$(chef "$@") || { echo "goiardi $1 $2: no answer" >&2; return 1; }
    case "$(head -n 1 <<< "$out")" in
    2??) tail -n +2 <<< "$out" ;;
    *) echo "goiardi $1 $2: $out" >&2; return 1 ;;
    esac
}

start_goiardi() {
    command -v goiardi >/dev/null || {
        echo "goiardi is not installed: run scripts/install-deps.sh (Debian package goiardi)"
        return 1
    }
    mkdir -p "$G/conf"
    chown -R nobody:nogroup "$G"
    setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
        goiardi --use-auth --conf-root="$G/conf" --ipaddress=127.0.0.1 --port="$GOIARDI_PORT" \
        --hostname=127.0.0.1 --log-file="$G/goiardi.log" --log-level=info \
        > "$G/goiardi.out" 2>&1 &
    echo $! > "$G/pid"
    track_pid "$(cat "$G/pid")"
    # Up when it refuses an unsigned request.
    wait_for 20 sh -c "curl -s -o /dev/null -w '%{http_code}' '$CHEF_URL/nodes' | grep -q 401" ||
        { echo "goiardi did not start:"; cat "$G/goiardi.out" "$G/goiardi.log"; return 1; }
    [ -s "$G/conf/admin.pem" ] || { echo "goiardi wrote no admin.pem"; return 1; }
}

# chef_actor clients|users NAME ADMIN: creates it in goiardi, key into $T/keys
# (goiardi wants a password for a user).
chef_actor() {
    local body extra=""
    [ "$1" = users ] && extra=',"password":"correct-horse-battery"'
    body=$(chef_ok POST "/$1" "{\"name\":\"$2\",\"admin\":$3$extra}") || return 1
    jq -r .private_key <<< "$body" > "$T/keys/$2.pem"
    grep -q "PRIVATE KEY" "$T/keys/$2.pem" || { echo "no private key for $2: $body"; return 1; }
}

chef_node() { # NAME RUN_LIST_JSON NORMAL_JSON
    chef_ok POST /nodes "{\"name\":\"$1\",\"chef_type\":\"node\",\"json_class\":\"Chef::Node\",
        \"chef_environment\":\"_default\",\"run_list\":$2,\"normal\":$3}" > /dev/null
}

write_client_config() {
    cat > "$T/nodes/$1.rb" <<RB
chef_server_url "$API_URL/organizations/$ORG"
node_name "$1"
client_key "$T/keys/$1.pem"
whitelist({ "ok" => "true", "name" => "echo $1" })
RB
}

start_client() {
    "$PUSHY_BIN/pushy-client" -c "$T/nodes/$1.rb" -L "$T/nodes/$1.log" &
    track_pid $!
}

setup_file() {
    mkdir -p "$T/keys" "$T/nodes"
    start_goiardi || return 1
    chef_actor clients web1 false && chef_actor clients web2 false &&
        chef_actor clients db1 false || return 1
    chef_actor users alice true && chef_actor users rita false || return 1
    chef_node web1 '["role[web]","recipe[nginx]"]' '{"tier":"frontend"}' &&
        chef_node web2 '["role[web]"]' '{"tier":"frontend"}' &&
        chef_node db1 '["role[db]"]' '{"tier":"storage"}' || return 1
    # The superuser key, readable by the service user only.
    getent passwd pushy >/dev/null ||
        useradd --system --user-group --no-create-home --shell /usr/sbin/nologin pushy ||
        return 1
    install -m 0600 -o pushy "$G/conf/admin.pem" "$T/chef-superuser.pem" || return 1
    write_config "heartbeat_interval = $INTERVAL" "restart_backoff_ms = 50" \
        "voting_timeout = 5" "log_level = debug" \
        "chef_server_url = $CHEF_URL" "chef_server_superuser_name = admin" \
        "chef_server_superuser_key = $T/chef-superuser.pem" \
        "chef_server_single_org = $ORG" "chef_server_timeout = 5" \
        "auth_cache_ttl = $CACHE_TTL"
    start_pushy || return 1
    for n in $NODES; do
        write_client_config "$n"
        start_client "$n"
    done
    for n in $NODES; do
        wait_for 30 node_ready "$n" || { echo "node $n never became available"; return 1; }
    done
}

# Node names of one state of a job, sorted, space-separated.
job_nodes() { job_field "$1" ".nodes.$2 // [] | sort | join(\" \")"; }

test_org_row_created_on_first_sight() {
    assert_eq "$ORG" "$(db_psql -c "SELECT name FROM orgs")" "the local orgs row"
    # No local actors at all: every key came from goiardi.
    assert_eq "0 0" "$(db_psql -c "SELECT count(*) FROM clients") $(db_psql -c "SELECT count(*) FROM users")" \
        "local identity tables"
}

test_known_user_and_client_authenticate() {
    local out
    out=$(api alice GET /node_states)
    assert_eq 200 "$(status_of "$out")" "alice (goiardi admin user): $out"
    assert_eq "db1 web1 web2" "$(body_of "$out" | jq -r '[.[].node_name] | sort | join(" ")')"
    out=$(api rita GET /jobs)
    assert_eq 200 "$(status_of "$out")" "rita (goiardi non-admin user) reads: $out"
    # A client signing with the key goiardi generated gets its own config
    # (ccpk: a CURVE public key, Z85, as the node sends it; jq encodes it).
    local ccpk
    ccpk=$(jq -rn --arg k 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID' '$k | @uri')
    out=$("$PUSHY_TOOLS/signed_request" --key "$T/keys/web1.pem" --user web1 GET \
        "$(O /config/web1)?ccpk=$ccpk")
    assert_eq 200 "$(status_of "$out")" "client web1 its own config: $out"
    assert_eq web1 "$(body_of "$out" | jq -r .node)" "the config's node"
}

test_unknown_actor_is_401() {
    openssl genrsa -out "$T/keys/stranger.pem" 2048 2>/dev/null
    local out
    out=$(api stranger GET /node_states)
    assert_eq 401 "$(status_of "$out")" "an actor goiardi does not know: $out"
    assert_contains "$out" "Failed to authenticate as 'stranger'"
    # A name goiardi knows, signed with another key.
    out=$("$PUSHY_TOOLS/signed_request" --key "$T/keys/stranger.pem" --user alice GET \
        "$(O /node_states)")
    assert_eq 401 "$(status_of "$out")" "alice's name with a wrong key: $out"
}

test_authorization_admin_flag_fallback() {
    local out
    out=$(api rita POST /jobs '{"command":"ok","nodes":["web1"]}')
    assert_eq 403 "$(status_of "$out")" "non-admin user may not start jobs: $out"
    out=$(api web1 GET /jobs)
    assert_eq 403 "$(status_of "$out")" "non-admin client may not read jobs: $out"
    out=$("$PUSHY_TOOLS/signed_request" --key "$T/keys/web1.pem" --user web1 GET \
        "$(O /config/web2)?ccpk=$(jq -rn --arg k 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID' '$k | @uri')")
    assert_eq 403 "$(status_of "$out")" "a client reading another node's config: $out"
    # Promote rita in goiardi: the Chef server sends no notification, so
    # apid's identity cache may answer from before for auth_cache_ttl.
    chef_ok PUT /users/rita '{"name":"rita","admin":true}' > /dev/null || fail "promote rita"
    sleep "$CACHE_TTL.5"
    out=$(api rita POST /jobs '{"command":"ok","nodes":["web1"]}')
    assert_eq 201 "$(status_of "$out")" "rita after goiardi made her admin: $out"
    wait_job "$(body_of "$out" | jq -r .id)" complete 30
    chef_ok PUT /users/rita '{"name":"rita","admin":false}' > /dev/null || fail "demote rita"
    sleep "$CACHE_TTL.5"
    out=$(api rita POST /jobs '{"command":"ok","nodes":["web1"]}')
    assert_eq 403 "$(status_of "$out")" "rita demoted again: $out"
}

test_other_org_is_404() {
    local out
    out=$("$PUSHY_TOOLS/signed_request" --key "$T/keys/alice.pem" --user alice GET \
        "$API_URL/organizations/elsewhere/pushy/node_states")
    assert_eq 404 "$(status_of "$out")" "an org the Chef server does not serve: $out"
    assert_eq "" "$(db_psql -c "SELECT name FROM orgs WHERE name = 'elsewhere'")"
}

test_job_by_search_runs_on_matching_nodes() {
    local id
    id=$(start_job '{"command":"ok","search":"role:web"}')
    wait_job "$id" complete 30
    assert_eq "web1 web2" "$(job_nodes "$id" succeeded)" "role:web"
    assert_eq "web1 web2" "$(job_field "$id" '[.nodes[][]] | sort | join(" ")')" "no other node"
    id=$(start_job '{"command":"ok","search":"tier:storage"}')
    wait_job "$id" complete 30
    assert_eq "db1" "$(job_field "$id" '[.nodes[][]] | sort | join(" ")')" "tier:storage"
    id=$(start_job '{"command":"ok","search":"recipe:nginx"}')
    wait_job "$id" complete 30
    assert_eq "web1" "$(job_field "$id" '[.nodes[][]] | sort | join(" ")')" "recipe:nginx"
}

test_node_states_search() {
    local out
    out=$(api alice GET "/node_states?search=role%3Aweb")
    assert_eq 200 "$(status_of "$out")" "node_states?search: $out"
    assert_eq "web1 web2" "$(body_of "$out" | jq -r '[.[].node_name] | sort | join(" ")')"
    out=$(api alice GET "/node_states?search=tier%3Astorage%20OR%20recipe%3Anginx")
    assert_eq "db1 web1" "$(body_of "$out" | jq -r '[.[].node_name] | sort | join(" ")')" \
        "an OR query: $out"
}

test_search_changes_follow_the_chef_server() {
    chef_ok PUT /nodes/db1 '{"name":"db1","chef_type":"node","json_class":"Chef::Node",
        "chef_environment":"_default","run_list":["role[db]","role[web]"],"normal":{}}' >/dev/null || fail "update db1"
    local id
    id=$(start_job '{"command":"ok","search":"role:web"}')
    wait_job "$id" complete 30
    assert_eq "db1 web1 web2" "$(job_field "$id" '[.nodes[][]] | sort | join(" ")')"
    chef_ok PUT /nodes/db1 '{"name":"db1","chef_type":"node","json_class":"Chef::Node",
        "chef_environment":"_default","run_list":["role[db]"],"normal":{"tier":"storage"}}' >/dev/null || fail "restore db1"
}

test_cli_job_start_search() {
    cat > "$T/knife.rb" <<RB
node_name "alice"
client_key "$T/keys/alice.pem"
chef_server_url "$API_URL/organizations/$ORG"
RB
    local out rc=0
    out=$("$PUSHY_BIN/pushy" -c "$T/knife.rb" job start ok -s 'role:web' --poll-interval 0.2 2>&1) || rc=$?
    assert_eq 0 "$rc" "pushy job start -s: $out"
    assert_contains "$out" "complete"
    local id
    out=$(api alice GET /jobs)
    id=$(body_of "$out" | jq -r '.[0].id')
    assert_eq "web1 web2" "$(job_field "$id" '[.nodes[][]] | sort | join(" ")')" "the CLI's job"
}

test_search_errors() {
    local out
    out=$(api alice POST /jobs '{"command":"ok","search":"role:web AND ("}')
    assert_eq 400 "$(status_of "$out")" "a query goiardi cannot parse: $out"
    assert_contains "$out" "Chef server"
    out=$(api alice POST /jobs '{"command":"ok","search":"role:nosuchrole"}')
    assert_ne 201 "$(status_of "$out")" "a search that matches nothing starts no job: $out"
}

# Last (alphabetical): goiardi goes away.
test_zz_chef_server_down_is_503() {
    kill -TERM "$(cat "$G/pid")"
    wait_for 10 sh -c "! curl -s -o /dev/null '$CHEF_URL/'" || fail "goiardi still answers"
    sleep "$CACHE_TTL.5" # what apid cached before
    local out
    out=$(api alice GET /node_states)
    assert_eq 503 "$(status_of "$out")" "authentication with the Chef server down: $out"
}
