/* apid's shared types: the server-wide state set up once at start, the
 * request a handler sees and the reply it fills. */
#ifndef PUSHY_APID_API_H
#define PUSHY_APID_API_H

#include <jansson.h>
#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "apid/authz.h"
#include "apid/router.h"
#include "shared/config.h"
#include "shared/server_keys.h"

/* Read-only after start (handlers run on several threads). */
struct api_server {
    const struct pushy_config *cfg;
    struct server_keys keys;
    nng_socket jobrunner;    /* REQ to jobrunner (the jobs issue uses it) */
    nng_socket node_events;  /* SUB from heartbeatd */
    nng_socket job_events;   /* SUB from jobrunner */
    time_t started;
};

/* Set by apid_main before the HTTP server starts. */
extern struct api_server *api_server;

#define API_NAME_MAX 256

/* SQL for a timestamptz column as whole seconds since the epoch, rounded
 * half away from zero as extract(epoch FROM col)::bigint does, but in
 * float8 rather than numeric arithmetic (numeric cost postgres ~570
 * instructions per value). Exact for times after 1970 and before about
 * 2242: a double then resolves a microsecond, so x + 0.5 cannot cross an
 * integer that the exact value does not (checked against extract for
 * 480,012 values at and around .5 s in 2026-2210; session 4). */
#define EPOCH_SECONDS(col) "floor(date_part('epoch', " col ") + 0.5)::bigint"

enum api_actor_kind { API_ACTOR_NONE = 0, API_ACTOR_USER, API_ACTOR_CLIENT };

struct api_actor {
    enum api_actor_kind kind;
    char name[API_NAME_MAX];
    char *public_key_pem;   /* owned; the key the request was verified with */
    unsigned groups;        /* AUTHZ_GROUP_* bits, resolved recursively */
};

/* Looks up a request header (case-insensitive); NULL when absent. */
typedef const char *(*api_header_fn)(void *ctx, const char *name);

struct api_request {
    const char *method;
    const char *raw_path;    /* as received, percent-escapes intact, no query */
    const char *query;       /* raw query string after '?', or "" */
    const unsigned char *body;
    size_t body_len;
    struct route_match match;
    const char *org;         /* route_param "org" or NULL */
    char org_id[24];         /* orgs.id as text, once authenticated */
    struct api_actor actor;
    api_header_fn header;
    void *header_ctx;
    json_t *json;            /* parsed body for ROUTE_BODY_JSON routes (borrowed) */
    char peer[64];
};

struct sse_stream;

#define API_REPLY_MAX_HEADERS 4

struct api_reply {
    unsigned status;         /* 0 until set */
    json_t *json;            /* owned; serialized as the body */
    char *text;              /* owned; alternative raw body */
    size_t text_len;
    const char *content_type;/* for text (static string) */
    int nheaders;
    struct { char name[40]; char value[256]; } headers[API_REPLY_MAX_HEADERS];
    const char *auth_failure; /* reason label for metrics, static */
    struct sse_stream *stream;/* owned; a Server-Sent Events body (apid/sse.h) */
};

#endif
