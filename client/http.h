/* One HTTP(S) request per handle (the config GET, the facts PUT), driven from the client's zmq_poll loop
 * (libcurl multi interface): the event loop never blocks on the network,
 * so a job's output pipes keep being drained during a config fetch. */
#ifndef PUSHY_CLIENT_HTTP_H
#define PUSHY_CLIENT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#define PC_HTTP_MAX_BODY (1 << 20)

struct pc_http;

/* Call once at start, before any thread exists. 0 or -1. */
int pc_http_global_init(void);
void pc_http_global_cleanup(void);

/* The CA bundle (PEM) of trusted_certs_dir for every later HTTPS request
 * that verifies (shared/ca_bundle.h); pem must outlive them. NULL: the
 * system's CAs only. */
void pc_http_set_ca(const char *pem, size_t len);

/* Starts GET url with extra headers ("Name: value", NULL-terminated).
 * NULL with a message on failure. */
struct pc_http *pc_http_get(const char *url, const char *const *headers, bool verify_tls,
                            long timeout_ms, char *err, size_t errlen);

/* Starts method (GET, PUT...) with body (body_len bytes, copied; none for
 * GET) and headers. NULL with a message on failure. */
struct pc_http *pc_http_request(const char *method, const char *url, const char *const *headers,
                                const char *body, size_t body_len, bool verify_tls,
                                long timeout_ms, char *err, size_t errlen);

/* Adds the transfer's file descriptors to items[0..max) and lowers
 * *timeout_ms to when curl wants to be called. Returns how many were added. */
int pc_http_poll_items(struct pc_http *h, zmq_pollitem_t *items, int max, long *timeout_ms);

/* Lets curl work; true once the transfer is over (then see below). */
bool pc_http_step(struct pc_http *h);

/* After the transfer: HTTP status (0 when none), the body (NUL-terminated),
 * and a transport error message ("" when the transfer itself worked). */
long pc_http_status(const struct pc_http *h);
const char *pc_http_body(const struct pc_http *h, size_t *len);
const char *pc_http_error(const struct pc_http *h);

void pc_http_free(struct pc_http *h);

#endif
