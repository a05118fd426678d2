-- Job events stored per batch, not per event (issue 9, fan-out).
--
-- A 1,000-node job has ~3,000 events (quorum_vote, run_start, run_complete
-- per node). As one jsonb row each, with a foreign key check and two index
-- entries per row, storing them was most of PostgreSQL's CPU on the job
-- path. jobrunner writes a job's events of one transaction (one batch) as
-- one row instead: seq first_seq..last_seq, one event per line.
--
-- events: one line per event, in seq order, joined by '\n' (no trailing
-- newline): the event's name, one space, its SSE data (a JSON object on one
-- line: the event's members without type, org, job_id and event; compact
-- as jobrunner writes it, with jsonb's blanks after ':' and ',' in the rows
-- converted below, which apid compacts when sending).
-- Line k (from 1) is the event seq = first_seq + k - 1 (SSE id job-N).
-- A row holds at most 500 events (EVENT_ROW_MAX, shared/event_rows.h), so
-- a feed reads a bounded row per page. A job's rows never overlap (the
-- UNIQUE key catches two writers numbering from the same last seq: the
-- second fails and retries); converted data may have gaps.
CREATE TABLE job_event_batches (
    job_id     char(32) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    first_seq  integer NOT NULL CHECK (first_seq > 0),
    last_seq   integer NOT NULL CHECK (last_seq >= first_seq),
    events     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, last_seq),
    UNIQUE (job_id, first_seq)
);

-- lz4 compresses a batch's text (TOASTed past ~2 KB) in a fraction of the
-- default pglz's time; a server built without lz4 keeps pglz (it raises
-- "compression method lz4 not supported", SQLSTATE 0A000; any other error
-- fails the migration).
DO $$
BEGIN
    EXECUTE 'ALTER TABLE job_event_batches ALTER COLUMN events SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 not available: job_event_batches.events keeps pglz';
END $$;

-- The org feed: the events it carries (start, job_complete), one row each,
-- also stored in their job's batch. org_seq: the org's sequence (SSE id
-- org-N, from org_event_counters); seq: the event's number in its job.
-- data: the SSE data of the org feed (the job feed's plus "job": job_id).
CREATE TABLE org_events (
    org_id     bigint NOT NULL,
    org_seq    bigint NOT NULL CHECK (org_seq > 0),
    job_id     char(32) NOT NULL,
    seq        integer NOT NULL CHECK (seq > 0),
    name       text NOT NULL,
    data       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, org_seq),
    UNIQUE (job_id, seq),
    FOREIGN KEY (job_id, org_id) REFERENCES jobs (id, org_id) ON DELETE CASCADE
);

-- Existing events move over with the same numbers: one row per job,
-- transaction (the rows of one batch share created_at), run of consecutive
-- seqs and 500 events of that run. Their data keeps jsonb's text (blanks
-- after ':' and ','); apid sends every data line without JSON blanks
-- (apid/sse.c), so the feeds send what they sent before. Cost at pushyd start: 45,000 events
-- took 0.85 s on a busy 2-core machine (about 20 s per million).
INSERT INTO job_event_batches (job_id, first_seq, last_seq, events, created_at)
SELECT job_id, min(seq), max(seq), string_agg(name || ' ' || data::text, E'\n' ORDER BY seq),
       created_at
FROM (SELECT y.*, (row_number() OVER (PARTITION BY y.job_id, y.created_at, y.island
                                      ORDER BY y.seq) - 1) / 500 AS part
      FROM (SELECT e.*, e.seq - row_number() OVER (PARTITION BY e.job_id, e.created_at
                                                    ORDER BY e.seq) AS island
            FROM job_events e) y) x
GROUP BY job_id, created_at, island, part;

INSERT INTO org_events (org_id, org_seq, job_id, seq, name, data, created_at)
SELECT org_id, org_seq, job_id, seq, name, (data || jsonb_build_object('job', job_id))::text,
       created_at
FROM job_events WHERE org_seq IS NOT NULL;

-- A server still running on this database holds locks on job_events: fail
-- the start with a lock timeout (logged by pushyd, which exits; nothing is
-- applied) instead of waiting for ever. SET LOCAL: this transaction only.
SET LOCAL lock_timeout = '10s';
DROP TABLE job_events;
SET LOCAL lock_timeout = 0;

-- The events one per row, as the table of that name held them, for
-- operators and tests (nothing on the job path reads it).
CREATE VIEW job_events AS
SELECT j.org_id, b.job_id, (b.first_seq + l.i - 1)::integer AS seq, o.org_seq,
       split_part(l.line, ' ', 1) AS name,
       substr(l.line, strpos(l.line, ' ') + 1)::jsonb AS data, b.created_at
FROM job_event_batches b
JOIN jobs j ON j.id = b.job_id
CROSS JOIN LATERAL unnest(string_to_array(b.events, E'\n')) WITH ORDINALITY AS l(line, i)
LEFT JOIN org_events o ON o.job_id = b.job_id AND o.seq = b.first_seq + l.i - 1;
