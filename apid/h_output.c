/* GET jobs/ID/output/NODE/stdout|stderr: the captured bytes of one node's
 * stream (job_output), application/octet-stream. 404 for an unknown job,
 * a node without captured output (not in the job, job without
 * capture_output, or not finished yet). */
#include <stdlib.h>
#include <string.h>

#include "apid/auth.h"
#include "apid/dbconn.h"
#include "apid/h_jobs.h"
#include "apid/job_request.h"
#include "apid/response.h"

void h_jobs_output(struct api_request *req, struct api_reply *reply)
{
    const char *id = route_param(&req->match, "job");
    const char *node = route_param(&req->match, "node");
    const char *pattern = req->match.route->pattern;
    size_t pl = strlen(pattern);
    bool err = pl >= 6 && !strcmp(pattern + pl - 6, "stderr");
    if (!job_id_is_valid(id)) {
        api_reply_error(reply, 404, "job '%s' not found", id);
        return;
    }
    const char *p[3] = { id, req->org_id, node };
    PGresult *r;
    enum api_db_status st = api_db_exec(
        "job output",
        err ? "SELECT true, o.stderr FROM jobs j LEFT JOIN job_output o ON o.job_id = j.id "
              "AND o.node_name = $3 WHERE j.id = $1 AND j.org_id = $2::bigint"
            : "SELECT true, o.stdout FROM jobs j LEFT JOIN job_output o ON o.job_id = j.id "
              "AND o.node_name = $3 WHERE j.id = $1 AND j.org_id = $2::bigint",
        3, p, &r);
    if (st != API_DB_OK) {
        auth_reply_db_error(reply, st);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        api_reply_error(reply, 404, "job '%s' not found", id);
        return;
    }
    if (PQgetisnull(r, 0, 1)) {
        PQclear(r);
        api_reply_error(reply, 404, "no %s captured for node '%s' in job '%s'",
                        err ? "stderr" : "stdout", node, id);
        return;
    }
    size_t n = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &n);
    PQclear(r);
    if (!bytes) {
        api_reply_error(reply, 500, "out of memory");
        return;
    }
    api_reply_text(reply, 200, "application/octet-stream", (const char *)bytes, n);
    PQfreemem(bytes);
}
