-- job_nodes -> jobs, checked once per statement instead of once per row
-- (issue 9, fan-out). The foreign key ran its check query for every
-- inserted row: about 23 us each, 20-30 ms of the critical path before a
-- 1,000-node job could start, inside the transaction that creates it.
-- The triggers below keep what the key guaranteed:
--   * an inserted row's job exists, and is locked FOR KEY SHARE as the key
--     locked it, so a concurrent DELETE of that job waits for this
--     transaction (and a job deleted first makes the insert fail);
--   * a row's job_id never changes;
--   * deleting or truncating jobs deletes their rows (ON DELETE CASCADE),
--     also when the delete cascades from orgs.
-- The error keeps the key's SQLSTATE (23503), name and table. Like the
-- key's checks, the functions that read or write tables run as their
-- owner, with the search_path of this migration.
-- One difference: the key's cascade found rows with a fresh snapshot; the
-- delete trigger uses the deleting statement's. Under READ COMMITTED (the
-- default, and what Pushy uses) that is the same. A REPEATABLE READ or
-- SERIALIZABLE transaction that deletes a job after another transaction
-- inserted rows for it and committed would leave those rows; Pushy never
-- does that (job_nodes rows are inserted only with their new job, which
-- nobody else can see yet, and only finished jobs are purged).
-- A server still running on this database: fail with a lock timeout, as 051.
SET LOCAL lock_timeout = '10s';
ALTER TABLE job_nodes DROP CONSTRAINT job_nodes_job_id_fkey;
SET LOCAL lock_timeout = 0;

CREATE FUNCTION job_nodes_check_jobs() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
    SELECT count(DISTINCT job_id) INTO wanted FROM new_job_nodes;
    SELECT count(*) INTO found FROM (
        SELECT 1 FROM jobs j
        WHERE j.id IN (SELECT DISTINCT job_id FROM new_job_nodes)
        FOR KEY SHARE OF j) locked;
    IF found <> wanted THEN
        RAISE EXCEPTION 'insert or update on table "job_nodes" violates foreign key constraint "job_nodes_job_id_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'Key (job_id) is not present in table "jobs".',
                  CONSTRAINT = 'job_nodes_job_id_fkey', TABLE = 'job_nodes';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER job_nodes_check_jobs AFTER INSERT ON job_nodes
    REFERENCING NEW TABLE AS new_job_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION job_nodes_check_jobs();

-- A key column that must not change (TG_ARGV[0]: its name). Only fires
-- for an UPDATE that sets that column, which Pushy never does.
CREATE FUNCTION key_column_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_NARGS <> 1 OR NOT to_jsonb(NEW) ? TG_ARGV[0] THEN
        RAISE EXCEPTION 'key_column_fixed on %: needs one existing column name', TG_TABLE_NAME;
    END IF;
    IF to_jsonb(NEW) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
        RAISE EXCEPTION '%.% cannot change (% -> %)', TG_TABLE_NAME, TG_ARGV[0],
            to_jsonb(OLD) ->> TG_ARGV[0], to_jsonb(NEW) ->> TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER job_nodes_job_id_fixed BEFORE UPDATE OF job_id ON job_nodes
    FOR EACH ROW EXECUTE FUNCTION key_column_fixed('job_id');
CREATE TRIGGER jobs_id_fixed BEFORE UPDATE OF id ON jobs
    FOR EACH ROW EXECUTE FUNCTION key_column_fixed('id');

CREATE FUNCTION jobs_delete_job_nodes() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM job_nodes n USING old_jobs o WHERE n.job_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_delete_job_nodes AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_delete_job_nodes();

CREATE FUNCTION jobs_truncate_job_nodes() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    TRUNCATE job_nodes;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_truncate_job_nodes AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_truncate_job_nodes();
