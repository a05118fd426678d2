#include "client/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

struct pc_http {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    size_t len;
    bool too_big, done;
    long status;
    char error[CURL_ERROR_SIZE + 64];
    char curl_err[CURL_ERROR_SIZE];
};

/* trusted_certs_dir's bundle (shared/ca_bundle.h), or none. */
static const char *ca_pem;
static size_t ca_len;

void pc_http_set_ca(const char *pem, size_t len)
{
    ca_pem = pem;
    ca_len = len;
}

int pc_http_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }
void pc_http_global_cleanup(void) { curl_global_cleanup(); }

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct pc_http *h = ud;
    size_t n = size * nmemb;
    if (h->len + n > PC_HTTP_MAX_BODY) {
        h->too_big = true;
        return 0; /* aborts the transfer */
    }
    char *b = realloc(h->body, h->len + n + 1);
    if (!b)
        return 0;
    memcpy(b + h->len, p, n);
    h->len += n;
    b[h->len] = '\0';
    h->body = b;
    return n;
}

void pc_http_free(struct pc_http *h)
{
    if (!h)
        return;
    if (h->multi && h->easy)
        curl_multi_remove_handle(h->multi, h->easy);
    if (h->easy)
        curl_easy_cleanup(h->easy);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    curl_slist_free_all(h->headers);
    free(h->body);
    free(h);
}

struct pc_http *pc_http_get(const char *url, const char *const *headers, bool verify_tls,
                            long timeout_ms, char *err, size_t errlen)
{
    return pc_http_request("GET", url, headers, NULL, 0, verify_tls, timeout_ms, err, errlen);
}

struct pc_http *pc_http_request(const char *method, const char *url, const char *const *headers,
                                const char *body, size_t body_len, bool verify_tls,
                                long timeout_ms, char *err, size_t errlen)
{
    struct pc_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->multi = curl_multi_init();
    h->easy = curl_easy_init();
    if (!h->multi || !h->easy)
        goto fail;
    for (const char *const *p = headers; p && *p; p++) {
        struct curl_slist *l = curl_slist_append(h->headers, *p);
        if (!l)
            goto fail;
        h->headers = l;
    }
    CURL *e = h->easy;
    if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, h) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->curl_err) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L) !=
            CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify_tls ? 1L : 0L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify_tls ? 2L : 0L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_USERAGENT, "pushy-client") != CURLE_OK)
        goto fail;
    if (ca_pem && verify_tls) {
        struct curl_blob blob = { .data = (void *)ca_pem, .len = ca_len,
                                  .flags = CURL_BLOB_COPY };
        if (curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
            goto fail;
    }
    if (strcmp(method, "GET") != 0 &&
        (curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
         curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK ||
         curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body ? body : "") != CURLE_OK))
        goto fail;
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
        goto fail;
    return h;
fail:
    snprintf(err, errlen, "could not set up the HTTP request");
    pc_http_free(h);
    return NULL;
}

int pc_http_poll_items(struct pc_http *h, zmq_pollitem_t *items, int max, long *timeout_ms)
{
    if (h->done)
        return 0;
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    int maxfd = -1;
    long t = -1;
    if (curl_multi_fdset(h->multi, &r, &w, &x, &maxfd) != CURLM_OK)
        maxfd = -1;
    if (curl_multi_timeout(h->multi, &t) != CURLM_OK)
        t = -1;
    if (maxfd < 0 && (t < 0 || t > 100))
        t = 100; /* curl has no socket yet (resolving): look again soon */
    if (t >= 0 && t < *timeout_ms)
        *timeout_ms = t;
    int n = 0;
    for (int fd = 0; fd <= maxfd && fd < FD_SETSIZE && n < max; fd++) {
        short ev = (short)((FD_ISSET(fd, &r) ? ZMQ_POLLIN : 0) | (FD_ISSET(fd, &w) ? ZMQ_POLLOUT : 0) |
                           (FD_ISSET(fd, &x) ? ZMQ_POLLERR : 0));
        if (!ev)
            continue;
        items[n] = (zmq_pollitem_t){ .socket = NULL, .fd = fd, .events = ev, .revents = 0 };
        n++;
    }
    return n;
}

bool pc_http_step(struct pc_http *h)
{
    if (h->done)
        return true;
    int running = 0;
    if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
        snprintf(h->error, sizeof h->error, "curl multi failure");
        h->done = true;
        return true;
    }
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        h->done = true;
        CURLcode rc = m->data.result;
        if (rc != CURLE_OK) {
            if (h->too_big)
                snprintf(h->error, sizeof h->error, "response larger than %d bytes",
                         PC_HTTP_MAX_BODY);
            else
                snprintf(h->error, sizeof h->error, "%s",
                         h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
        }
        if (curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status) != CURLE_OK)
            h->status = 0;
    }
    return h->done;
}

long pc_http_status(const struct pc_http *h) { return h->status; }

const char *pc_http_body(const struct pc_http *h, size_t *len)
{
    *len = h->len;
    return h->body ? h->body : "";
}

const char *pc_http_error(const struct pc_http *h) { return h->error; }
