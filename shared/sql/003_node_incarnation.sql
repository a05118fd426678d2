-- commandd: the client incarnation id with which a node completed the
-- abort/aborted handshake, written together with nodes.availability (on
-- transitions only). A restarted commandd resumes a node that is still up,
-- available and on the same incarnation without aborting it again;
-- heartbeatd uses it as the baseline for client restart detection.
ALTER TABLE nodes ADD COLUMN incarnation_id text
    CHECK (incarnation_id IS NULL OR length(incarnation_id) BETWEEN 1 AND 128);
