/* The jobs endpoints (h_jobs.c):
 *   POST jobs            start a job (validated by apid/job_request.h,
 *                        created by jobrunner) -> 201 {"id","uri"} + Location
 *   GET  jobs            job summaries, newest first (?limit, ?offset, ?status)
 *   GET  jobs/ID         one job with its nodes grouped by state
 *   POST jobs/ID/abort   abort -> 200 with the job; 404 unknown; 409 finished
 *   GET  jobs/ID/output/NODE/stdout|stderr   captured bytes (h_output.c)
 *   GET  job_status_feed[/ID]                SSE feeds (h_feeds.c) */
#ifndef PUSHY_APID_H_JOBS_H
#define PUSHY_APID_H_JOBS_H

#include "apid/api.h"

void h_jobs_start(struct api_request *req, struct api_reply *reply);
void h_jobs_list(struct api_request *req, struct api_reply *reply);
void h_jobs_get(struct api_request *req, struct api_reply *reply);
void h_jobs_abort(struct api_request *req, struct api_reply *reply);
void h_jobs_output(struct api_request *req, struct api_reply *reply);
void h_job_feed(struct api_request *req, struct api_reply *reply);
void h_org_feed(struct api_request *req, struct api_reply *reply);

/* The job (GET jobs/ID shape) or NULL with reply set (404, 500, 503). */
json_t *h_jobs_load(struct api_request *req, const char *id, bool include_file,
                    struct api_reply *reply);

#endif
