#include "apid/jobrunner_client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "apid/api.h"
#include "shared/log.h"
#include "shared/timefmt.h"

/* This thread's context on api_server->jobrunner, made on first use and
 * released when the thread ends (the HTTP server joins its threads before
 * apid closes the socket). */
struct slot {
    nng_ctx ctx;
    nng_aio *aio;
};

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_key_rc;

static void slot_free(void *p)
{
    struct slot *s = p;
    nng_aio_free(s->aio);
    nng_ctx_close(s->ctx);
    free(s);
}

static void make_key(void) { g_key_rc = pthread_key_create(&g_key, slot_free); }

static struct slot *thread_slot(void)
{
    if (pthread_once(&g_once, make_key) || g_key_rc || !api_server)
        return NULL;
    struct slot *s = pthread_getspecific(g_key);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    int rv = nng_ctx_open(&s->ctx, api_server->jobrunner);
    if (rv) {
        LOG_ERROR("jobrunner: context: %s", nng_strerror(rv));
        free(s);
        return NULL;
    }
    /* No resend inside our own deadline: a resent start_job could create
     * a second job. */
    if ((rv = nng_ctx_set_ms(s->ctx, NNG_OPT_REQ_RESENDTIME, 4 * JOBRUNNER_TIMEOUT_MS)) ||
        (rv = nng_aio_alloc(&s->aio, NULL, NULL)))
        LOG_ERROR("jobrunner: context setup: %s", nng_strerror(rv));
    else if ((rv = pthread_setspecific(g_key, s)))
        LOG_ERROR("jobrunner: thread slot: %s", strerror(rv));
    if (rv) {
        nng_aio_free(s->aio);
        nng_ctx_close(s->ctx);
        free(s);
        return NULL;
    }
    return s;
}

json_t *jobrunner_call(const json_t *req)
{
    struct slot *slot = thread_slot();
    if (!slot)
        return NULL;
    nng_aio *aio = slot->aio;
    char *text = json_dumps(req, JSON_COMPACT);
    nng_msg *msg = NULL;
    if (!text || nng_msg_alloc(&msg, 0) || nng_msg_append(msg, text, strlen(text))) {
        LOG_ERROR("jobrunner: out of memory");
        free(text);
        if (msg)
            nng_msg_free(msg);
        return NULL;
    }
    free(text);
    int64_t start = time_now_ms();
    nng_aio_set_msg(aio, msg);
    nng_aio_set_timeout(aio, JOBRUNNER_TIMEOUT_MS);
    nng_ctx_send(slot->ctx, aio);
    nng_aio_wait(aio);
    int rv = nng_aio_result(aio);
    if (rv) {
        if ((msg = nng_aio_get_msg(aio)) != NULL)
            nng_msg_free(msg);
        nng_aio_set_msg(aio, NULL);
        LOG_WARN("jobrunner: request not sent: %s", nng_strerror(rv));
        return NULL;
    }
    /* One deadline for both halves. */
    int64_t left = JOBRUNNER_TIMEOUT_MS - (time_now_ms() - start);
    nng_aio_set_timeout(aio, left > 1 ? (nng_duration)left : 1);
    nng_ctx_recv(slot->ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio))) {
        LOG_WARN("jobrunner: no reply: %s", nng_strerror(rv));
        return NULL;
    }
    msg = nng_aio_get_msg(aio);
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
