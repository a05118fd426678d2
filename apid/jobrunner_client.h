/* apid -> jobrunner requests over the REQ socket `jobrunner`
 * (docs/internals.md). Each HTTP worker thread uses its own nng context
 * on the one socket, so requests from several threads never mix up
 * their replies. */
#ifndef PUSHY_APID_JOBRUNNER_CLIENT_H
#define PUSHY_APID_JOBRUNNER_CLIENT_H

#include <jansson.h>

#define JOBRUNNER_TIMEOUT_MS 5000
/* start_job carries expires_at_us = now + this: jobrunner refuses a
 * request that arrives later, so a 503 after the timeout means no job. */
#define JOBRUNNER_EXPIRY_MS 4500

/* Sends req and waits up to JOBRUNNER_TIMEOUT_MS for the reply object.
 * NULL (logged) when jobrunner did not answer in time or the reply was
 * not a JSON object: answer 503. */
json_t *jobrunner_call(const json_t *req);

#endif
