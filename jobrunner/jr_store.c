#include "jobrunner/jr_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

static void rollback(struct db *db)
{
    if (db->conn)
        (void)db_command(db, "rollback", "ROLLBACK", 0, NULL);
}

int store_node_availability(struct db *db, const char *org_id, const char *const *nodes,
                            size_t n, bool *available)
{
    char *names = pg_array_literal(nodes, n);
    if (!names) {
        LOG_ERROR("availability: out of memory");
        return -1;
    }
    const char *p[2] = { org_id, names };
    PGresult *r = db_exec(db, "node availability",
                          "SELECT coalesce(n.status = 'up' AND n.availability = 'available', "
                          "false) FROM unnest($2::text[]) WITH ORDINALITY AS u(name, i) "
                          "LEFT JOIN nodes n ON n.org_id = $1::bigint AND n.name = u.name "
                          "ORDER BY u.i",
                          2, p);
    free(names);
    if (!r)
        return -1;
    int rc = -1;
    if ((size_t)PQntuples(r) == n) {
        for (size_t i = 0; i < n; i++)
            available[i] = PQgetvalue(r, (int)i, 0)[0] == 't';
        rc = 0;
    } else {
        LOG_ERROR("availability: %d rows for %zu nodes", PQntuples(r), n);
    }
    PQclear(r);
    return rc;
}

int store_insert_job(struct db *db, const struct store_new_job *j)
{
    char quorum[32], timeout[32];
    snprintf(quorum, sizeof quorum, "%zu", j->quorum);
    snprintf(timeout, sizeof timeout, "%ld", j->run_timeout_s);
    char *options = json_dumps(j->options, JSON_COMPACT);
    char *names = pg_array_literal(j->nodes, j->n_nodes);
    int rc = -1;
    if (!options || !names) {
        LOG_ERROR("job=%s insert: out of memory", j->job_id);
        goto out;
    }
    if (db_command(db, "begin", "BEGIN", 0, NULL))
        goto out;
    const char *pj[8] = { j->job_id, j->org_id, j->command, quorum, timeout, j->created_by,
                          options, j->search_query };
    const char *pn[2] = { j->job_id, names };
    if (db_command(db, "insert job",
                   "INSERT INTO jobs (id, org_id, command, status, quorum, run_timeout, "
                   "created_by, options, search_query) VALUES ($1, $2::bigint, $3, 'new', "
                   "$4::integer, $5::integer, $6, $7::jsonb, $8)",
                   8, pj) ||
        db_command(db, "insert job nodes",
                   "INSERT INTO job_nodes (job_id, node_name, status) "
                   "SELECT $1, u.name, 'new' FROM unnest($2::text[]) AS u(name)",
                   2, pn) ||
        db_command(db, "commit", "COMMIT", 0, NULL)) {
        rollback(db);
        LOG_ERROR("job=%s: not created", j->job_id);
        goto out;
    }
    rc = 0;
out:
    free(options);
    free(names);
    return rc;
}

/* ---- the flush statements ---- */

/* bpchar[] keys so that the primary key indexes are used. */
static const char *const JOBS_SQL =
    "UPDATE jobs AS j SET status = u.status, updated_at = to_timestamp(u.at_us::float8 / 1000000)"
    " FROM unnest($1::bpchar[], $2::text[], $3::bigint[]) AS u(id, status, at_us)"
    " WHERE j.id = u.id";

static const char *const NODES_SQL =
    "UPDATE job_nodes AS n SET status = u.status,"
    " updated_at = to_timestamp(u.at_us::float8 / 1000000)"
    " FROM unnest($1::bpchar[], $2::text[], $3::text[], $4::bigint[])"
    " AS u(job_id, node, status, at_us)"
    " WHERE n.job_id = u.job_id AND n.node_name = u.node";

/* Captured outputs: the last one per (job, node) in the batch wins. */
static const char *const OUTPUTS_SQL =
    "INSERT INTO job_output AS o (job_id, node_name, stdout, stderr, stdout_truncated,"
    " stderr_truncated)"
    " SELECT DISTINCT ON (e->>'job_id', e->>'node') e->>'job_id', e->>'node',"
    "   decode(coalesce(e->>'stdout', ''), 'base64'), decode(coalesce(e->>'stderr', ''), 'base64'),"
    "   coalesce((e->>'stdout_truncated')::boolean, false),"
    "   coalesce((e->>'stderr_truncated')::boolean, false)"
    " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(e, i)"
    " WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = (e->>'job_id')::bpchar)"
    " ORDER BY e->>'job_id', e->>'node', i DESC"
    " ON CONFLICT (job_id, node_name) DO UPDATE SET stdout = excluded.stdout,"
    " stderr = excluded.stderr, stdout_truncated = excluded.stdout_truncated,"
    " stderr_truncated = excluded.stderr_truncated, created_at = now()";

/* The last event number of a job (0 before its first event). */
#define LAST_SEQ(job)                                                                  \
    "coalesce((SELECT x.last_seq FROM job_event_batches x WHERE x.job_id = " job     \
    " ORDER BY x.last_seq DESC LIMIT 1), 0)"

/* The batch's events (batch_event_params; chr(30) = BATCH_BODY_SEP): its
 * job_event_batches rows, numbered on from the job's last event (every
 * LAST_SEQ reads the snapshot before this statement; off places a job's
 * later rows). A concurrent writer that numbered from the same last event
 * makes this fail on the (job_id, first_seq) or (job_id, last_seq) key:
 * the flush rolls back and jr_flush retries the whole batch.
 * Events of a job that is not there (purged) are dropped: a foreign key
 * error would fail the batch for good. */
static const char *const EVENTS_SQL =
    "INSERT INTO job_event_batches (job_id, first_seq, last_seq, events)"
    " SELECT u.job_id, l.last + u.off + 1, l.last + u.off + u.n, u.events"
    " FROM unnest($1::bpchar[], $2::integer[], $3::integer[], string_to_array($4, chr(30)))"
    "   AS u(job_id, off, n, events)"
    " CROSS JOIN LATERAL (SELECT " LAST_SEQ("u.job_id") " AS last) l"
    " WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = u.job_id)";

/* The org feed's events of the batch (start, job_complete), run before
 * EVENTS_SQL (their numbers count from the job's last event before this
 * batch): the next org_seqs of their org (org_event_counters), in batch
 * order. */
static const char *const ORG_EVENTS_SQL =
    "WITH o AS ("
    "  SELECT j.org_id, e.job_id, " LAST_SEQ("e.job_id") " + e.pos AS seq, e.name, e.data, e.i"
    "  FROM unnest($1::bpchar[], $2::integer[], $3::text[], $4::text[])"
    "    WITH ORDINALITY AS e(job_id, pos, name, data, i)"
    "  JOIN jobs j ON j.id = e.job_id),"
    " cnt AS (SELECT org_id, count(*) AS k FROM o GROUP BY org_id),"
    " c AS ("
    "  INSERT INTO org_event_counters AS oc (org_id, last_seq) SELECT org_id, k FROM cnt"
    "  ON CONFLICT (org_id) DO UPDATE SET last_seq = oc.last_seq + excluded.last_seq"
    "  RETURNING oc.org_id, oc.last_seq)"
    "INSERT INTO org_events (org_id, org_seq, job_id, seq, name, data)"
    " SELECT o.org_id, c.last_seq - cnt.k + row_number() OVER (PARTITION BY o.org_id ORDER BY o.i),"
    "   o.job_id, o.seq, o.name, o.data"
    " FROM o JOIN cnt ON cnt.org_id = o.org_id JOIN c ON c.org_id = o.org_id";

enum { ST_JOBS, ST_NODES, ST_OUTPUTS, ST_EVENTS, ST_ORG_EVENTS, ST_COUNT };
static const struct {
    const char *what, *sql;
    int nparams;
} STMTS[ST_COUNT] = {
    [ST_JOBS] = { "job updates", JOBS_SQL, 3 },
    [ST_NODES] = { "job node updates", NODES_SQL, 4 },
    [ST_OUTPUTS] = { "job outputs", OUTPUTS_SQL, 1 },
    [ST_EVENTS] = { "job events", EVENTS_SQL, 4 },
    [ST_ORG_EVENTS] = { "org events", ORG_EVENTS_SQL, 4 },
};

/* Unnamed statements, planned at every run with the batch's values: a
 * prepared statement's generic plan made while job_nodes was small (a new
 * server, no statistics yet) joined it by a sequential scan, 5x slower
 * than the index once it held 10 jobs; and forcing custom plans for the
 * session re-planned every foreign key check of the job's first insert. */
static int run(struct db *db, int st, const char *const *params)
{
    return db_command(db, STMTS[st].what, STMTS[st].sql, STMTS[st].nparams, params);
}

static int write_events(struct db *db, const struct batch *b)
{
    struct batch_event_params ep;
    if (batch_event_params(b, &ep)) {
        LOG_ERROR("flush: out of memory");
        return -1;
    }
    if (ep.skipped)
        LOG_ERROR("flush: %zu malformed events not stored", ep.skipped);
    const char *po[4] = { ep.org_job_ids, ep.org_pos, ep.org_names, ep.org_data };
    const char *pe[4] = { ep.job_ids, ep.offs, ep.counts, ep.bodies };
    int rc = (ep.norg && run(db, ST_ORG_EVENTS, po)) || (ep.nrows && run(db, ST_EVENTS, pe))
                 ? -1
                 : 0;
    batch_event_params_free(&ep);
    return rc;
}

int store_flush(struct db *db, struct batch *b)
{
    batch_compact(b);
    size_t nev = b->nevents, nout = json_array_size(b->outputs);
    if (b->njobs == 0 && b->nnodes == 0 && nev == 0 && nout == 0)
        return 0;
    char *ji = NULL, *js = NULL, *ja = NULL, *nj = NULL, *nn = NULL, *ns = NULL, *na = NULL;
    char *outs = NULL;
    int rc = -1;
    if (batch_job_params(b, &ji, &js, &ja) || batch_node_params(b, &nj, &nn, &ns, &na) ||
        (nout && !(outs = json_dumps(b->outputs, JSON_COMPACT)))) {
        LOG_ERROR("flush: out of memory");
        goto out;
    }
    /* Every flush statement finds its rows by key. On a small job_nodes
     * (a new server: ~10 jobs) the planner preferred hashing the batch and
     * scanning the whole table, which cost more per flush with every job
     * (11 ms at 13 jobs, against 0.3 ms for 100 index lookups). No JIT:
     * a plan that still has to scan (its cost inflated by the setting
     * above) would otherwise be compiled, ~250 ms for a ~5 ms statement. */
    if (db_script(db, "begin flush",
                  "BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL jit = off")) {
        rollback(db);
        goto out;
    }
    const char *pj[3] = { ji, js, ja };
    const char *pn[4] = { nj, nn, ns, na };
    const char *po[1] = { outs };
    if ((b->njobs && run(db, ST_JOBS, pj)) || (b->nnodes && run(db, ST_NODES, pn)) ||
        (nout && run(db, ST_OUTPUTS, po)) || (nev && write_events(db, b)) ||
        db_command(db, "commit", "COMMIT", 0, NULL)) {
        rollback(db);
        goto out;
    }
    LOG_DEBUG("flush: %zu job and %zu node updates, %zu events, %zu outputs written", b->njobs,
              b->nnodes, nev, nout);
    rc = 0;
out:
    free(outs);
    free(ji);
    free(js);
    free(ja);
    free(nj);
    free(nn);
    free(ns);
    free(na);
    return rc;
}

int store_unfinished_jobs(struct db *db, char (**ids)[JOB_ID_LEN + 1], size_t *n)
{
    *ids = NULL;
    *n = 0;
    PGresult *r = db_exec(db, "unfinished jobs",
                          "SELECT id FROM jobs WHERE status IN ('new', 'voting', 'running') "
                          "ORDER BY created_at",
                          0, NULL);
    if (!r)
        return -1;
    size_t rows = (size_t)PQntuples(r);
    char (*out)[JOB_ID_LEN + 1] = calloc(rows ? rows : 1, sizeof *out);
    if (!out) {
        PQclear(r);
        LOG_ERROR("unfinished jobs: out of memory");
        return -1;
    }
    for (size_t i = 0; i < rows; i++)
        snprintf(out[i], sizeof out[i], "%s", PQgetvalue(r, (int)i, 0));
    PQclear(r);
    *ids = out;
    *n = rows;
    return 0;
}

void store_job_free(struct store_job *j)
{
    for (size_t i = 0; j->nodes && i < j->n; i++)
        free(j->nodes[i]);
    free(j->nodes);
    free(j->states);
    j->nodes = NULL;
    j->states = NULL;
    j->n = 0;
}

int store_load_job(struct db *db, const char *job_id, struct store_job *out)
{
    memset(out, 0, sizeof *out);
    const char *p[1] = { job_id };
    PGresult *r = db_exec(db, "load job",
                          "SELECT j.status, o.name, j.org_id FROM jobs j "
                          "JOIN orgs o ON o.id = j.org_id WHERE j.id = $1",
                          1, p);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0; /* found = false */
    }
    int st = job_state_from_name(PQgetvalue(r, 0, 0));
    snprintf(out->org, sizeof out->org, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->org_id, sizeof out->org_id, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    if (st < 0) {
        LOG_ERROR("job=%s: unknown status in the database", job_id);
        return -1;
    }
    out->state = (enum job_state)st;
    r = db_exec(db, "load job nodes",
                "SELECT node_name, status FROM job_nodes WHERE job_id = $1 ORDER BY node_name",
                1, p);
    if (!r)
        return -1;
    size_t rows = (size_t)PQntuples(r);
    out->nodes = calloc(rows ? rows : 1, sizeof *out->nodes);
    out->states = calloc(rows ? rows : 1, sizeof *out->states);
    if (!out->nodes || !out->states) {
        PQclear(r);
        store_job_free(out);
        LOG_ERROR("job=%s load: out of memory", job_id);
        return -1;
    }
    for (size_t i = 0; i < rows; i++) {
        int ns = job_node_state_from_name(PQgetvalue(r, (int)i, 1));
        out->nodes[i] = strdup(PQgetvalue(r, (int)i, 0));
        out->n = i + 1;
        if (ns < 0 || !out->nodes[i]) {
            LOG_ERROR("job=%s node=%s: unreadable node state", job_id, PQgetvalue(r, (int)i, 0));
            PQclear(r);
            store_job_free(out);
            return -1;
        }
        out->states[i] = (enum job_node_state)ns;
    }
    PQclear(r);
    out->found = true;
    return 0;
}

int store_job_state(struct db *db, const char *job_id, const char *org_id, bool *found,
                    enum job_state *state)
{
    *found = false;
    const char *p[2] = { job_id, org_id };
    PGresult *r = db_exec(db, "job state",
                          "SELECT status FROM jobs WHERE id = $1 AND org_id = $2::bigint", 2, p);
    if (!r)
        return -1;
    int rc = 0;
    if (PQntuples(r) == 1) {
        int st = job_state_from_name(PQgetvalue(r, 0, 0));
        if (st < 0) {
            rc = -1;
        } else {
            *found = true;
            *state = (enum job_state)st;
        }
    }
    PQclear(r);
    return rc;
}

long store_purge(struct db *db, int days)
{
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[1] = { d };
    PGresult *r = db_exec(db, "job purge",
                          "DELETE FROM jobs WHERE created_at < now() - make_interval(days => "
                          "$1::integer) AND status NOT IN ('new', 'voting', 'running')",
                          1, p);
    if (!r)
        return -1;
    long n = atol(PQcmdTuples(r));
    PQclear(r);
    return n;
}
