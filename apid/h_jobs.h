/* The jobs endpoints (h_jobs.c):
 *   POST jobs            start a job (validated by apid/job_request.h,
 *                        created by jobrunner) -> 201 {"id","uri"} + Location
 *   GET  jobs            job summaries, newest first (?limit, ?offset, ?status)
 *   GET  jobs/ID         one job with its nodes grouped by state
 *   POST jobs/ID/abort   abort -> 200 with the job; 404 unknown; 409 finished */
#ifndef PUSHY_APID_H_JOBS_H
#define PUSHY_APID_H_JOBS_H

#include "apid/api.h"

void h_jobs_start(struct api_request *req, struct api_reply *reply);
void h_jobs_list(struct api_request *req, struct api_reply *reply);
void h_jobs_get(struct api_request *req, struct api_reply *reply);
void h_jobs_abort(struct api_request *req, struct api_reply *reply);

#endif
