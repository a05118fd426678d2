-- Core schema: organizations, actors and groups (standalone identity store),
-- node liveness and session keys, jobs and their per-node states.
-- Statuses are stored by name; shared code maps them to enums.

CREATE TABLE orgs (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,254}$'),
    guid        char(32) NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Users are global (as in Chef) and join organizations; clients (nodes and
-- other API clients) belong to one organization.
CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.-]{1,255}$'),
    public_key  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_users (
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE clients (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.:-]{1,255}$'),
    public_key  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

CREATE TABLE groups (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,255}$'),
    UNIQUE (org_id, name)
);

-- Members are named; groups may contain groups (resolved recursively).
CREATE TABLE group_members (
    group_id    bigint NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_kind text NOT NULL CHECK (member_kind IN ('user', 'client', 'group')),
    member_name text NOT NULL,
    PRIMARY KEY (group_id, member_kind, member_name)
);

-- Node liveness as heartbeatd judges it; written on transitions only.
CREATE TABLE nodes (
    org_id        bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.:-]{1,255}$'),
    status        text NOT NULL DEFAULT 'down' CHECK (status IN ('up', 'down')),
    availability  text NOT NULL DEFAULT 'unavailable'
                  CHECK (availability IN ('available', 'unavailable')),
    last_heard_at timestamptz,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, name)
);

-- HMAC session keys per node, handed out by config/NODE (encrypted to the
-- node's public key) and kept across restarts.
CREATE TABLE session_keys (
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    node_name   text NOT NULL,
    session_key bytea NOT NULL CHECK (length(session_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, node_name)
);

CREATE TABLE jobs (
    id           char(32) PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    command      text NOT NULL,
    status       text NOT NULL CHECK (status IN ('new', 'voting', 'running', 'complete',
                   'quorum_failed', 'crashed', 'timed_out', 'aborted')),
    quorum       integer NOT NULL CHECK (quorum >= 0),
    run_timeout  integer NOT NULL CHECK (run_timeout > 0),
    created_by   text NOT NULL,
    search_query text,
    options      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_org_created ON jobs (org_id, created_at DESC);
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('new', 'voting', 'running');

CREATE TABLE job_nodes (
    job_id      char(32) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    node_name   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('new', 'ready', 'running', 'succeeded',
                  'failed', 'aborted', 'crashed', 'nacked', 'unavailable', 'was_ready',
                  'timed_out')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, node_name)
);
