-- Issue 7: captured output and durable job events (SSE feeds).

-- Captured stdout/stderr per node of a job with capture_output. Bytes:
-- output may be binary (Pushy's client sends it base64-encoded in
-- stdout_b64/stderr_b64) or UTF-8 text (the original client's stdout/stderr
-- strings). *_truncated: the client (or the server's own bound) cut it and
-- appended a truncation marker.
CREATE TABLE job_output (
    job_id           char(32) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    node_name        text NOT NULL,
    stdout           bytea NOT NULL,
    stderr           bytea NOT NULL,
    stdout_truncated boolean NOT NULL DEFAULT false,
    stderr_truncated boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, node_name)
);

-- Every job event (start, quorum_vote, ..., job_complete), written by
-- jobrunner in the same transaction as the transitions it describes.
-- seq: per job, 1, 2, ... (SSE id job-N). org_seq: per org, only for the
-- events the org feed carries (start, job_complete) (SSE id org-N).
-- data: the event's SSE data object (timestamp, node, status, ...).
CREATE TABLE job_events (
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    job_id     char(32) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq        integer NOT NULL CHECK (seq > 0),
    org_seq    bigint,
    name       text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);
CREATE UNIQUE INDEX job_events_org_seq ON job_events (org_id, org_seq) WHERE org_seq IS NOT NULL;

-- The last org_seq handed out per org: never goes back, even when the
-- retention purge deletes every event of an org.
CREATE TABLE org_event_counters (
    org_id   bigint PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    last_seq bigint NOT NULL DEFAULT 0
);
