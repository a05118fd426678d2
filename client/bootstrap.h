/* The config request: URL and signed headers of
 *   GET <chef_server_url>/pushy/config/NODE?ccpk=<Z85, %-escaped>&version=2.0
 * signed with the node's client key (X-Ops-Sign 1.1 by default, as the Ruby
 * client, which every Chef and push-jobs server accepts). Pure. */
#ifndef PUSHY_CLIENT_BOOTSTRAP_H
#define PUSHY_CLIENT_BOOTSTRAP_H

#include <openssl/evp.h>
#include <stddef.h>
#include <time.h>

#define PC_URL_MAX 2048
#define PC_MAX_HEADERS 24

/* Every byte outside A-Z a-z 0-9 - . _ ~ becomes %XX. 0, or -1 if it does
 * not fit. */
int pc_url_escape(const char *s, char *out, size_t cap);

/* Writes the URL; *path_out points into it at the path ("/organizations/...",
 * what is signed). 0 or -1. */
int pc_config_url(const char *server_url, const char *node, const char *ccpk, char *url,
                  size_t cap, const char **path_out);

/* <server_url>/pushy/nodes/NODE/facts, like pc_config_url. 0 or -1. */
int pc_facts_url(const char *server_url, const char *node, char *url, size_t cap,
                 const char **path_out);

struct pc_request_headers {
    char *lines[PC_MAX_HEADERS + 1]; /* "Name: value", NULL-terminated, malloc'd */
};

/* Signs GET path as user node with key at time now, with X-Ops-Sign
 * version (a chef_auth_version). 0, or -1 with a message. Free with
 * pc_request_headers_free. */
int pc_sign_get(const char *path, const char *node, EVP_PKEY *key, int version, time_t now,
                struct pc_request_headers *out, char *err, size_t errlen);
/* The same for any method with a body (body_len bytes; Content-Type:
 * application/json is added when body_len > 0). */
int pc_sign_request(const char *method, const char *path, const char *body, size_t body_len,
                    const char *node, EVP_PKEY *key, int version, time_t now,
                    struct pc_request_headers *out, char *err, size_t errlen);
void pc_request_headers_free(struct pc_request_headers *h);

#endif
