# GET jobs/ID and GET node_states bodies, byte for byte (apid writes them
# as JSON text straight from the rows, apid/job_view.c, apid/node_view.c):
# key order, state groups in state order with names in name order inside
# each, escaping of odd text, options shown as the original server does.
# Rows are inserted directly so every field is known in advance.

ORG=viewsorg
JOB=0123456789abcdef0123456789abcdef
EMPTY=fedcba9876543210fedcba9876543210
. tests/integration/api_lib.sh

setup_file() {
    write_config
    start_pushy || return 1
    mkdir -p "$T/keys"
    pushy_ctl org-create "$ORG" || return 1
    pushy_ctl user-create alice --org "$ORG" --admin -f "$T/keys/alice.pem" || return 1
    db_psql -v ON_ERROR_STOP=1 >/dev/null <<SQL || return 1
INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout, created_by, search_query,
                  options, created_at, updated_at)
SELECT '$JOB', id, E'echo "caf\u00e9" \\\\ /tmp\n\t\u0001', 'running', 3, 60, 'alice',
       'name:web*', '{"user": "deploy", "dir": "/srv", "env": {"A": "1", "B": "x\"y"},
                      "capture_output": true, "file": "raw:#!/bin/sh\necho hi"}',
       '2013-03-05 19:11:44+00', '2013-03-05 19:11:49.6+00'
FROM orgs WHERE name = '$ORG';
INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout, created_by,
                  created_at, updated_at)
SELECT '$EMPTY', id, 'true', 'quorum_failed', 0, 60, 'alice',
       '2026-11-25 10:00:00+00', '2026-11-25 10:00:00+00'
FROM orgs WHERE name = '$ORG';
INSERT INTO job_nodes (job_id, node_name, status) VALUES
  ('$JOB', 'web9', 'unavailable'), ('$JOB', 'web10', 'succeeded'),
  ('$JOB', 'Web1', 'succeeded'), ('$JOB', 'a.b-c_d:e', 'running'),
  ('$JOB', 'db1', 'unavailable'), ('$JOB', 'db0', 'succeeded'), ('$JOB', 'zz', 'aborted');
INSERT INTO nodes (org_id, name, status, availability, updated_at)
SELECT id, n, s, a, t::timestamptz FROM orgs,
  (VALUES ('web9', 'up', 'available', '2026-11-25 11:20:00+00'),
          ('Web1', 'down', 'unavailable', '2026-11-25 11:20:00.4+00'),
          ('a.b-c_d:e', 'up', 'unavailable', '1999-12-31 23:59:59.5+00')) v(n, s, a, t)
WHERE orgs.name = '$ORG';
SQL
}

HEAD='{"id":"0123456789abcdef0123456789abcdef","command":"echo \"café\" \\ /tmp\n\t\u0001","status":"running","run_timeout":60,"created_at":"Tue, 05 Mar 2013 19:11:44 GMT","updated_at":"Tue, 05 Mar 2013 19:11:50 GMT","user":"deploy","dir":"/srv","env":{"A":"1","B":"x\"y"},"capture_output":true'
TAIL='"search":"name:web*","quorum":3,"nodes":{"aborted":["zz"],"running":["a.b-c_d:e"],"succeeded":["Web1","db0","web10"],"unavailable":["db1","web9"]}}'

test_job_body_is_exact() {
    out=$(api alice GET "/jobs/$JOB")
    assert_eq 200 "$(status_of "$out")"
    assert_eq "$HEAD,\"file_specified\":true,$TAIL" "$(body_of "$out")"
}

test_job_body_with_file_is_exact() {
    out=$(api alice GET "/jobs/$JOB?include_file=true")
    assert_eq 200 "$(status_of "$out")"
    assert_eq "$HEAD,\"file\":\"raw:#!/bin/sh\\necho hi\",$TAIL" "$(body_of "$out")"
}

test_job_without_nodes_has_an_empty_object() {
    out=$(api alice GET "/jobs/$EMPTY")
    assert_eq 200 "$(status_of "$out")"
    assert_eq '{"id":"fedcba9876543210fedcba9876543210","command":"true","status":"quorum_failed","run_timeout":60,"created_at":"Wed, 25 Nov 2026 10:00:00 GMT","updated_at":"Wed, 25 Nov 2026 10:00:00 GMT","quorum":0,"nodes":{}}' \
        "$(body_of "$out")"
}

test_abort_of_a_finished_job_and_the_feed_summary_still_agree() {
    # The jansson path (h_jobs_load: abort, SSE summary) groups the same way.
    out=$(api alice GET "/job_status_feed/$EMPTY" "" --max-time 2)
    assert_contains "$out" '"nodes":{}'
    assert_contains "$out" '"id":"fedcba9876543210fedcba9876543210"'
}

test_node_states_body_is_exact() {
    out=$(api alice GET "/node_states")
    assert_eq 200 "$(status_of "$out")"
    # name order (the database's, C in the embedded one); seconds rounded as
    # extract(epoch)::bigint does
    assert_eq '[{"node_name":"Web1","status":"down","availability":"unavailable","updated_at":"Wed, 25 Nov 2026 11:20:00 GMT"},{"node_name":"a.b-c_d:e","status":"up","availability":"unavailable","updated_at":"Sat, 01 Jan 2000 00:00:00 GMT"},{"node_name":"web9","status":"up","availability":"available","updated_at":"Wed, 25 Nov 2026 11:20:00 GMT"}]' \
        "$(body_of "$out")"
    out=$(api alice GET "/node_states/web9")
    assert_eq '{"node_name":"web9","status":"up","availability":"available","updated_at":"Wed, 25 Nov 2026 11:20:00 GMT"}' \
        "$(body_of "$out")"
}

# GET jobs/ID sends its two statements as one pipelined batch: when the
# database drops every connection (a restart, a failover), the next
# requests reconnect, prepare again and answer the same body.
test_job_body_after_the_database_dropped_every_connection() {
    out=$(api alice GET "/jobs/$JOB")
    assert_eq 200 "$(status_of "$out")"
    killed=$(db_psql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE datname = current_database() AND pid <> pg_backend_pid()
                           AND backend_type = 'client backend'")
    [ "${killed:-0}" -ge 1 ] || fail "no connection to drop"
    for _ in 1 2 3 4 5 6 7 8; do
        out=$(api alice GET "/jobs/$JOB")
        assert_eq 200 "$(status_of "$out")"
        assert_eq "$HEAD,\"file_specified\":true,$TAIL" "$(body_of "$out")"
    done
    grep -q 'connection lost during' "$T/log/apid.log" || fail "apid did not see its connection drop"
}
