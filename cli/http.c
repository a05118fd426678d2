#include "cli/http.h"
#include "shared/ca_bundle.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/strbuf.h"
#include "cli/url.h"
#include "shared/chef_http.h"

int cli_http_init(struct cli_http *c, const char *user, const char *key_path, char *err,
                    size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->connect_timeout_s = CLI_CONNECT_TIMEOUT_S;
    c->timeout_s = CLI_REQUEST_TIMEOUT_S;
    char why[256] = "";
    c->key = chef_auth_load_private_key_file(key_path, why, sizeof why);
    if (!c->key) {
        snprintf(err, errlen, "cannot use client key %s: %s", key_path, why);
        return -1;
    }
    c->user = strdup(user);
    c->curl = curl_easy_init();
    if (!c->user || !c->curl) {
        snprintf(err, errlen, "out of memory");
        cli_http_free(c);
        return -1;
    }
    return 0;
}

int cli_http_trust_dir(struct cli_http *c, const char *dir, int *missing, char *err,
                       size_t errlen)
{
    char sys[1024];
    ca_bundle_system_file(sys, sizeof sys);
    struct ca_bundle b;
    if (ca_bundle_build(dir, sys, &b, err, errlen) != 0)
        return -1;
    *missing = b.dir_missing;
    free(c->ca_pem);
    c->ca_pem = NULL;
    c->ca_len = 0;
    if (b.dir_missing || b.ncerts == 0) {
        ca_bundle_free(&b);
        return 0;
    }
    if (b.no_system_ca)
        fprintf(stderr, "WARNING: no system CA file found (libcurl's default: '%s'): only the "
                        "certificates of %s are trusted\n", sys, dir);
    c->ca_pem = b.pem;
    c->ca_len = b.len;
    return 0;
}

int cli_http_apply_tls(const struct cli_http *c, void *curl)
{
    if (c->verify_none)
        return curl_easy_setopt((CURL *)curl, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
                       curl_easy_setopt((CURL *)curl, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK
                   ? 0
                   : -1;
    if (!c->ca_pem)
        return 0;
    struct curl_blob blob = { .data = c->ca_pem, .len = c->ca_len, .flags = CURL_BLOB_COPY };
    return curl_easy_setopt((CURL *)curl, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK ? 0 : -1;
}

void cli_http_free(struct cli_http *c)
{
    free(c->ca_pem);
    if (c->curl)
        curl_easy_cleanup(c->curl);
    EVP_PKEY_free(c->key);
    free(c->user);
    memset(c, 0, sizeof *c);
}

void cli_response_free(struct cli_response *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

struct sink {
    struct strbuf buf;
    int too_large;
};

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n;
    if (s->buf.len + len > (size_t)CLI_MAX_RESPONSE) {
        s->too_large = 1;
        return 0;
    }
    return sb_append(&s->buf, data, len) ? 0 : len;
}

static int add_line(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l)
        return -1;
    *list = l;
    return 0;
}

/* The request headers: signature, then ours. */
static struct curl_slist *request_headers(struct cli_http *c, const char *method,
                                          const char *url, const char *body, size_t body_len,
                                          const char *accept, char *err, size_t errlen);

void *cli_http_signed_headers(struct cli_http *c, const char *method, const char *url,
                              const char *accept, char *err, size_t errlen)
{
    return request_headers(c, method, url, NULL, 0, accept, err, errlen);
}

static struct curl_slist *request_headers(struct cli_http *c, const char *method,
                                          const char *url, const char *body, size_t body_len,
                                          const char *accept, char *err, size_t errlen)
{
    struct curl_slist *list = chef_http_signed_headers(CHEF_AUTH_V1_3, c->user, c->key, method,
                                                       url, body, body_len, time(NULL), NULL,
                                                       err, errlen);
    if (!list)
        return NULL;
    int rc = chef_http_add_header(&list, "Accept", accept) ||
             chef_http_add_header(&list, "X-Chef-Version", CLI_CHEF_VERSION) ||
             (body && chef_http_add_header(&list, "Content-Type", "application/json")) ||
             add_line(&list, "Expect:"); /* "Name:" removes it: no 100-continue */
    if (rc) {
        curl_slist_free_all(list);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return list;
}

static void transport_error(CURL *curl, CURLcode code, const char *errbuf, const char *url,
                            long timeout_s, char *err, size_t errlen)
{
    long os_errno = 0;
    if (curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
        os_errno = 0;
    const char *detail = *errbuf ? errbuf : curl_easy_strerror(code);
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        snprintf(err, errlen, "could not connect to %s: %s", url,
                 os_errno ? strerror((int)os_errno) : detail);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(err, errlen, "could not resolve the host of %s", url);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(err, errlen, "no answer from %s within %ld s", url, timeout_s);
        break;
    default:
        snprintf(err, errlen, "request to %s failed: %s", url, detail);
        break;
    }
}

int cli_http_request(struct cli_http *c, const char *method, const char *url, const char *body,
                size_t body_len, const char *accept, struct cli_response *resp, int *transient,
                char *err, size_t errlen)
{
    memset(resp, 0, sizeof *resp);
    if (transient)
        *transient = 0;
    CURL *curl = c->curl;
    struct curl_slist *headers =
        request_headers(c, method, url, body, body_len, accept, err, errlen);
    if (!headers)
        return -1;
    struct sink sink = { { 0 }, 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(curl);
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                              \
    do {                                           \
        if (rc == CURLE_OK)                        \
            rc = curl_easy_setopt(curl, opt, val); \
    } while (0)
    rc = chef_http_base_options(curl, url);
    if (rc == CURLE_OK && cli_http_apply_tls(c, curl) != 0)
        rc = CURLE_SSL_CACERT_BADFILE;
    SET(CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
    SET(CURLOPT_TIMEOUT, c->timeout_s);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_USERAGENT, "pushy-cli");
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, &sink);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    if (!strcmp(method, "GET")) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, method);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        SET(CURLOPT_POSTFIELDS, body ? body : "");
    }
#undef SET
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot set up the request to %s: %s", url,
                 curl_easy_strerror(rc));
        curl_slist_free_all(headers);
        return -1;
    }
    rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        if (sink.too_large)
            snprintf(err, errlen, "the answer from %s is larger than %ld MiB", url,
                     CLI_MAX_RESPONSE / (1024 * 1024));
        else
            transport_error(curl, rc, errbuf, url, c->timeout_s, err, errlen);
        if (transient)
            *transient = !sink.too_large;
        sb_free(&sink.buf);
        return -1;
    }
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK) {
        snprintf(err, errlen, "no status from %s", url);
        sb_free(&sink.buf);
        return -1;
    }
    resp->len = sink.buf.len;
    resp->body = sb_take(&sink.buf);
    if (!resp->body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
