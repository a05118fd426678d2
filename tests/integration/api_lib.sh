# Helpers for tests that drive the REST API as org users and watch nodes in
# the database. Expects $ORG, and keys in $T/keys/USER.pem. Source it from
# a test file after lib.sh (file_runner.sh sources lib.sh first).

node_col() { # NODE COLUMN
    db_psql -c "SELECT n.$2 FROM nodes n JOIN orgs o ON o.id = n.org_id
                WHERE o.name = '$ORG' AND n.name = '$1'"
}
node_ready() { [ "$(node_col "$1" status):$(node_col "$1" availability)" = up:available ]; }
node_down() { [ "$(node_col "$1" status)" = down ]; }

O() { echo "$API_URL/organizations/$ORG/pushy$1"; }

# api USER METHOD PATH [BODY] [signed_request options...]: status line, then the body.
api() {
    local user=$1 method=$2 path=$3 body=${4:-}
    shift 4 2>/dev/null || shift $#
    if [ -n "$body" ]; then
        "$PUSHY_TOOLS/signed_request" --key "$T/keys/$user.pem" --user "$user" "$@" \
            "$method" "$(O "$path")" "$body"
    else
        "$PUSHY_TOOLS/signed_request" --key "$T/keys/$user.pem" --user "$user" "$@" \
            "$method" "$(O "$path")"
    fi
}
status_of() { head -n 1 <<< "$1"; }
body_of() { tail -n +2 <<< "$1"; }

# start_job BODY: prints the new job's id (fails the test otherwise).
start_job() {
    local out id
    out=$(api alice POST /jobs "$1")
    [ "$(status_of "$out")" = 201 ] || fail "POST jobs $1: $out"
    id=$(body_of "$out" | jq -r .id)
    [[ "$id" =~ ^[0-9a-f]{32}$ ]] || fail "bad job id in: $out"
    echo "$id"
}

job_json() { body_of "$(api alice GET "/jobs/$1")"; }
job_field() { job_json "$1" | jq -r "$2"; }
job_status() { job_field "$1" .status; }
job_is() { [ "$(job_status "$1")" = "$2" ]; }

wait_job() { # ID STATUS TIMEOUT
    wait_for "$3" job_is "$1" "$2" || fail "job $1 is $(job_status "$1"), expected $2: $(job_json "$1")"
}
