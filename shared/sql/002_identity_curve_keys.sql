-- apid: CURVE public keys registered by config/NODE for commandd's ZAP
-- handler. commandd admits a CURVE client key only while it is registered
-- and not expired, and binds the connection to that org and node (the
-- original server kept an unbound 60 s in-memory cache instead).
CREATE TABLE curve_keys (
    public_key  char(40) PRIMARY KEY,            -- Z85 text of the 32-byte key
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    node_name   text NOT NULL CHECK (node_name ~ '^[A-Za-z0-9_.:-]{1,255}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX curve_keys_expires ON curve_keys (expires_at);
CREATE INDEX curve_keys_node ON curve_keys (org_id, node_name);

-- Lookups that authentication makes on every request.
CREATE INDEX clients_name ON clients (name);
CREATE INDEX group_members_member ON group_members (member_kind, member_name);
