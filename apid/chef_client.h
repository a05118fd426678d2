/* apid's client of the Chef Infra Server API (Chef-server mode,
 * chef_server_url set): requests signed as chef_server_superuser_name
 * (X-Ops-Sign 1.3, X-Ops-Server-API-Version 0) over libcurl, with connect
 * and total timeouts, TLS verification (chef_server_ssl_verify,
 * chef_server_ca_file), no redirects, a size limit on answers and JSON
 * validation. Safe from any thread once chef_client_init returned. */
#ifndef PUSHY_APID_CHEF_CLIENT_H
#define PUSHY_APID_CHEF_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/config.h"

#define CHEF_MAX_ANSWER (16L * 1024 * 1024)

/* Loads the superuser key when chef_server_url is set (else does nothing).
 * Call once before threads start; -1 with err when the key is unusable. */
int chef_client_init(const struct pushy_config *cfg, char *err, size_t errlen);
void chef_client_cleanup(void);

/* Chef-server mode is on (chef_client_init loaded a key). */
bool chef_mode(void);

/* The configured single org (Chef 11 API server), or NULL. */
const char *chef_single_org(void);

/* Most nodes a Chef search may match (chef_search_max_nodes). */
size_t chef_search_max(void);

enum chef_call {
    CHEF_CALL_OK = 0,      /* an answer: see status (json parsed when 2xx) */
    CHEF_CALL_UNREACHABLE, /* no answer: connection, TLS, timeout */
    CHEF_CALL_BAD_ANSWER,  /* too large, or a 2xx that is not a JSON object */
    CHEF_CALL_ERROR,       /* our side: out of memory, URL too long, signing */
};

struct chef_answer {
    long status;
    json_t *json; /* 2xx: the object; other statuses: the body if it is JSON */
};

void chef_answer_free(struct chef_answer *a);

/* One request to path (absolute path with optional query, already
 * escaped) on chef_server_url. body NULL sends none. err holds context on
 * anything but CHEF_CALL_OK. */
enum chef_call chef_request(const char *method, const char *path, const char *body,
                            struct chef_answer *a, char *err, size_t errlen);

#endif
