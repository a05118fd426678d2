#include "apid/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "apid/api.h"
#include "apid/json_write.h"
#include "apid/metrics.h"
#include "apid/pipeline.h"
#include "apid/response.h"
#include "apid/sse.h"
#include "apid/validate.h"
#include "shared/log.h"

/* Per-request state, from the URI callback to the completion callback. */
struct http_ctx {
    char *raw_uri;            /* request target as received */
    int64_t start_us;
    bool started;             /* the first access call has happened */
    bool too_large;
    bool oom;                 /* the body could not be stored */
    bool responded;
    unsigned char *body;
    size_t body_len, body_cap;
    size_t discarded;         /* bytes dropped after the limit was hit */
    char method[16];
    char peer[64];
    unsigned status;
    int route_index;
    char actor[API_NAME_MAX];
};

static size_t g_max_body;

/* How much over-limit body is read (and dropped) before giving up. */
#define DISCARD_FACTOR 16

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct http_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->raw_uri = strdup(uri ? uri : "");
    if (!ctx->raw_uri) {
        free(ctx);
        return NULL;
    }
    ctx->start_us = mono_us();
    ctx->route_index = -1;
    return ctx;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    LOG_WARN("http: %s", msg);
}

static const char *header_lookup(void *conn, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_HEADER_KIND, name);
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    snprintf(out, cap, "?");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    char host[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host))
            snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host))
            snprintf(out, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
    }
}

/* A Server-Sent Events stream: a callback response (apid/sse.h). */
static enum MHD_Result send_stream(struct MHD_Connection *conn, struct http_ctx *ctx,
                                   struct api_reply *r)
{
    struct sse_stream *s = r->stream;
    r->stream = NULL;
    struct MHD_Response *resp = sse_response(s, conn);
    if (!resp) {
        LOG_ERROR("http: cannot create an event stream");
        return MHD_NO;
    }
    enum MHD_Result ok = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) {
        ctx->status = r->status;
        ctx->responded = true;
    }
    return ok;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_ctx *ctx,
                                  struct api_reply *r)
{
    if (r->stream && r->status == 200)
        return send_stream(conn, ctx, r);
    char *body = NULL;
    size_t len = 0;
    const char *ctype = "application/json";
    if (r->json) {
        body = json_write_compact(r->json, &len);
    } else if (r->text) {
        body = r->text;
        len = r->text_len;
        r->text = NULL;
        ctype = r->content_type ? r->content_type : "application/octet-stream";
    }
    if (r->json && !body) {
        r->status = 500;
        body = strdup("{\"error\":[\"out of memory\"]}");
        len = body ? strlen(body) : 0;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE
                                                                            : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        LOG_ERROR("http: cannot create a response");
        return MHD_NO;
    }
    enum MHD_Result ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (int i = 0; ok == MHD_YES && i < r->nheaders; i++)
        ok = MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) {
        ctx->status = r->status;
        ctx->responded = true;
    } else {
        LOG_ERROR("http: cannot queue a %u response", r->status);
    }
    return ok;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn, struct http_ctx *ctx,
                                   unsigned status, const char *msg)
{
    struct api_reply r = { 0 };
    api_reply_error(&r, status, "%s", msg);
    enum MHD_Result ok = send_reply(conn, ctx, &r);
    api_reply_clear(&r);
    return ok;
}

static enum MHD_Result reply_too_large(struct MHD_Connection *conn, struct http_ctx *ctx)
{
    char msg[128];
    snprintf(msg, sizeof msg, "Request body must be no more than %zu bytes.", g_max_body);
    return reply_error(conn, ctx, 413, msg);
}

static int append_body(struct http_ctx *ctx, const char *data, size_t n)
{
    if (ctx->body_len + n > g_max_body) {
        ctx->too_large = true;
        return 0;
    }
    if (ctx->body_len + n > ctx->body_cap) {
        size_t cap = ctx->body_cap ? ctx->body_cap : 4096;
        while (cap < ctx->body_len + n)
            cap *= 2;
        if (cap > g_max_body)
            cap = g_max_body;
        unsigned char *b = realloc(ctx->body, cap);
        if (!b)
            return -1;
        ctx->body = b;
        ctx->body_cap = cap;
    }
    memcpy(ctx->body + ctx->body_len, data, n);
    ctx->body_len += n;
    return 0;
}

static enum MHD_Result process(struct MHD_Connection *conn, struct http_ctx *ctx)
{
    char *q = strchr(ctx->raw_uri, '?');
    if (q)
        *q = '\0';
    struct api_request req = {
        .method = ctx->method,
        .raw_path = ctx->raw_uri,
        .query = q ? q + 1 : "",
        .body = ctx->body,
        .body_len = ctx->body_len,
        .header = header_lookup,
        .header_ctx = conn,
    };
    snprintf(req.peer, sizeof req.peer, "%s", ctx->peer);
    struct api_reply reply = { 0 };
    api_process(&req, &reply);
    ctx->route_index = req.match.route ? req.match.index : -1;
    snprintf(ctx->actor, sizeof ctx->actor, "%s", req.actor.name);
    enum MHD_Result ok = send_reply(conn, ctx, &reply);
    api_reply_clear(&reply);
    return ok;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)cls;
    (void)url; /* already unescaped by MHD: the raw target comes from on_uri */
    (void)version;
    struct http_ctx *ctx = *con_cls;
    if (!ctx)
        return MHD_NO; /* out of memory in on_uri: drop the connection */
    if (!ctx->started) {
        ctx->started = true;
        snprintf(ctx->method, sizeof ctx->method, "%s", method ? method : "?");
        peer_address(conn, ctx->peer, sizeof ctx->peer);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            errno = 0;
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || end == cl || n > g_max_body) {
                ctx->too_large = true;
                return reply_too_large(conn, ctx); /* before reading any of it */
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->responded)
            return MHD_YES;
        if (!ctx->too_large && !ctx->oom && append_body(ctx, upload_data, n))
            ctx->oom = true; /* answered (500) once the body is in */
        if (ctx->too_large || ctx->oom) {
            /* libmicrohttpd 0.9.75 cannot queue a reply in the middle of
             * an upload: discard the rest and answer 413 at its end, but
             * drop a sender that keeps streaming far beyond the limit. */
            ctx->discarded += n;
            if (ctx->discarded > DISCARD_FACTOR * g_max_body) {
                LOG_WARN("http: %s from %s: body far over the limit; closing the connection",
                         ctx->method, ctx->peer);
                return MHD_NO;
            }
        }
        return MHD_YES;
    }
    if (ctx->responded)
        return MHD_YES;
    if (ctx->too_large)
        return reply_too_large(conn, ctx);
    if (ctx->oom)
        return reply_error(conn, ctx, 500, "out of memory reading the request body");
    return process(conn, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct http_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    *con_cls = NULL;
    double secs = (double)(mono_us() - ctx->start_us) / 1e6;
    char *q = strchr(ctx->raw_uri, '?');
    if (q)
        *q = '\0'; /* the query may hold a ccpk: keep it out of logs */
    char path[256];
    log_safe(ctx->raw_uri, path, sizeof path);
    if (ctx->status) {
        metrics_record_request(ctx->route_index, ctx->method, ctx->status, secs);
        LOG_INFO("%s %s %u actor=%s peer=%s %.1fms%s", ctx->method, path, ctx->status,
                 ctx->actor[0] ? ctx->actor : "-", ctx->peer, secs * 1000,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (send incomplete)");
    } else if (ctx->started) {
        LOG_INFO("%s %s closed before a response (code %d) peer=%s %.1fms", ctx->method, path,
                 (int)toe, ctx->peer, secs * 1000);
    }
    free(ctx->body);
    free(ctx->raw_uri);
    free(ctx);
}

/* Resolves the numeric listen address; 0 or -1 (logged). */
static int listen_addr(const struct pushy_config *cfg, struct sockaddr_storage *ss, int *family)
{
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE | AI_NUMERICSERV,
                              .ai_socktype = SOCK_STREAM };
    char port[8];
    snprintf(port, sizeof port, "%d", cfg->api_port);
    const char *host = cfg->api_listen_address[0] && strcmp(cfg->api_listen_address, "*")
                           ? cfg->api_listen_address : NULL;
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc || !ai) {
        LOG_ERROR("http: bad api_listen_address '%s': %s (a numeric IPv4 or IPv6 address)",
                  cfg->api_listen_address, gai_strerror(rc));
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *family = ai->ai_family;
    freeaddrinfo(ai);
    return 0;
}

struct MHD_Daemon *http_start(const struct pushy_config *cfg)
{
    g_max_body = (size_t)cfg->api_max_body_size;
    struct sockaddr_storage ss;
    int family;
    if (listen_addr(cfg, &ss, &family))
        return NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)cfg->api_port, NULL, NULL, on_access, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->api_threads,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_END);
    if (!d)
        LOG_ERROR("http: cannot listen on %s port %d: %s", cfg->api_listen_address,
                  cfg->api_port, strerror(errno));
    return d;
}

void http_stop(struct MHD_Daemon *d)
{
    if (d)
        MHD_stop_daemon(d);
}
