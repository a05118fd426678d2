#include "apid/jobrunner_client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "apid/api.h"
#include "shared/log.h"

/* This thread's context on api_server->jobrunner, made on first use. */
static _Thread_local bool tl_ready;
static _Thread_local nng_ctx tl_ctx;
static _Thread_local nng_aio *tl_aio;

static int thread_ctx(void)
{
    if (tl_ready)
        return 0;
    if (!api_server)
        return -1;
    int rv = nng_ctx_open(&tl_ctx, api_server->jobrunner);
    if (rv) {
        LOG_ERROR("jobrunner: context: %s", nng_strerror(rv));
        return -1;
    }
    /* No resend inside our own deadline: a resent start_job could create
     * a second job. */
    if ((rv = nng_ctx_set_ms(tl_ctx, NNG_OPT_REQ_RESENDTIME, 4 * JOBRUNNER_TIMEOUT_MS)) ||
        (rv = nng_aio_alloc(&tl_aio, NULL, NULL))) {
        LOG_ERROR("jobrunner: context setup: %s", nng_strerror(rv));
        nng_ctx_close(tl_ctx);
        return -1;
    }
    tl_ready = true;
    return 0;
}

json_t *jobrunner_call(const json_t *req)
{
    if (thread_ctx())
        return NULL;
    char *text = json_dumps(req, JSON_COMPACT);
    nng_msg *msg = NULL;
    if (!text || nng_msg_alloc(&msg, 0) || nng_msg_append(msg, text, strlen(text))) {
        LOG_ERROR("jobrunner: out of memory");
        free(text);
        nng_msg_free(msg);
        return NULL;
    }
    free(text);
    nng_aio_set_msg(tl_aio, msg);
    nng_aio_set_timeout(tl_aio, JOBRUNNER_TIMEOUT_MS);
    nng_ctx_send(tl_ctx, tl_aio);
    nng_aio_wait(tl_aio);
    int rv = nng_aio_result(tl_aio);
    if (rv) {
        nng_msg_free(nng_aio_get_msg(tl_aio));
        LOG_WARN("jobrunner: request not sent: %s", nng_strerror(rv));
        return NULL;
    }
    nng_aio_set_timeout(tl_aio, JOBRUNNER_TIMEOUT_MS);
    nng_ctx_recv(tl_ctx, tl_aio);
    nng_aio_wait(tl_aio);
    if ((rv = nng_aio_result(tl_aio))) {
        LOG_WARN("jobrunner: no reply: %s", nng_strerror(rv));
        return NULL;
    }
    msg = nng_aio_get_msg(tl_aio);
    json_error_t e;
    json_t *reply = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, &e);
    nng_msg_free(msg);
    if (!json_is_object(reply)) {
        LOG_ERROR("jobrunner: malformed reply: %s", reply ? "not an object" : e.text);
        json_decref(reply);
        return NULL;
    }
    return reply;
}
