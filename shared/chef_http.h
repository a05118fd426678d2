/* The Chef signed-header protocol over libcurl, shared by every signed
 * HTTP client (the pushy CLI, apid's Chef server client): the signature
 * headers of one request as a curl header list. */
#ifndef PUSHY_CHEF_HTTP_H
#define PUSHY_CHEF_HTTP_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "shared/chef_auth.h"

/* The options every signed request sets: url, http/https only, the path
 * as given (it is what was signed), no signals, no redirects (a
 * signature is for one URL). CURLE_OK or the first failure. */
CURLcode chef_http_base_options(CURL *e, const char *url);

/* The path-and-query part of an absolute URL ("/" when it has none). */
const char *chef_http_request_target(const char *url);

/* Appends "name: value" to *list. 0, or -1 when out of memory (*list is
 * then unchanged). */
int chef_http_add_header(struct curl_slist **list, const char *name, const char *value);

/* The X-Ops-* headers signing METHOD url (its path; the query is not
 * signed) with body, as user with key, at now. server_api_version as for
 * chef_auth_sign. NULL with err on failure; free with curl_slist_free_all. */
struct curl_slist *chef_http_signed_headers(chef_auth_version v, const char *user, EVP_PKEY *key,
                                            const char *method, const char *url,
                                            const char *body, size_t body_len, time_t now,
                                            const char *server_api_version, char *err,
                                            size_t errlen);

#endif
