/* Signed HTTP requests to the Pushy API, with libcurl. Every request is
 * signed with X-Ops-Sign version 1.3 (shared/chef_auth) as the configured
 * user, carries Accept, X-Chef-Version and a User-Agent, and has a connect
 * timeout and a total timeout. Redirects are not followed (a signature is
 * for one path). */
#ifndef PUSHY_CLI_HTTP_H
#define PUSHY_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#define CLI_CHEF_VERSION "18.0.0"
#define CLI_CONNECT_TIMEOUT_S 10
#define CLI_REQUEST_TIMEOUT_S 60
#define CLI_MAX_RESPONSE (64L * 1024 * 1024)

struct cli_http {
    void *curl; /* CURL * */
    char *user;
    EVP_PKEY *key;
    long connect_timeout_s, timeout_s;
    char *ca_pem;  /* trusted_certs_dir bundle (shared/ca_bundle.h), or NULL */
    size_t ca_len;
    bool verify_none; /* knife's ssl_verify_mode :verify_none: no certificate check */
};

struct cli_response {
    long status;
    char *body; /* NUL-terminated (the NUL is not counted in len) */
    size_t len;
};

/* Loads the private key and sets up the handle. Returns 0, or -1 with a
 * one-line message. Call curl_global_init first. */
int cli_http_init(struct cli_http *c, const char *user, const char *key_path, char *err,
                    size_t errlen);
void cli_http_free(struct cli_http *c);

/* Trusts the CA certificates of dir as well as the system's for every
 * later request (shared/ca_bundle.h). A missing dir is not an error
 * (*missing set); a file that is no certificate is. 0, or -1 with err. */
int cli_http_trust_dir(struct cli_http *c, const char *dir, int *missing, char *err,
                       size_t errlen);

/* Applies the TLS trust settings to a curl handle (CURL *): the trusted
 * certificates, or no verification at all with verify_none. 0 or -1. */
int cli_http_apply_tls(const struct cli_http *c, void *curl);

/* Sends one request to the absolute url. body may be NULL (no body).
 * Returns 0 when the server answered (any status; resp filled, free it with
 * cli_response_free), or -1 when no answer came (err names the URL:
 * connection refused, timeout, unknown host, ...). *transient is set when
 * retrying later may help (may be NULL). */
int cli_http_request(struct cli_http *c, const char *method, const char *url, const char *body,
                size_t body_len, const char *accept, struct cli_response *resp, int *transient,
                char *err, size_t errlen);

void cli_response_free(struct cli_response *r);

/* The signed request headers of a body-less request (a struct curl_slist *,
 * free with curl_slist_free_all), for requests made outside
 * cli_http_request (the event feed, cli/feed.h). NULL with err. */
void *cli_http_signed_headers(struct cli_http *c, const char *method, const char *url,
                              const char *accept, char *err, size_t errlen);

#endif
