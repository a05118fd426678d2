#include "apid/chef_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid/chef_parse.h"
#include "apid/validate.h"
#include "shared/chef_http.h"
#include "shared/log.h"
#include "shared/textbuf.h"

#define CHEF_URL_MAX 8192

/* Set once by chef_client_init, read-only afterwards. */
static struct {
    const struct pushy_config *cfg;
    EVP_PKEY *key;
} chef;

int chef_client_init(const struct pushy_config *cfg, char *err, size_t errlen)
{
    if (!cfg->chef_server_url[0])
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        return -1;
    }
    char why[256] = "";
    chef.key = chef_auth_load_private_key_file(cfg->chef_server_superuser_key, why, sizeof why);
    if (!chef.key) {
        snprintf(err, errlen, "chef_server_superuser_key %s: %s", cfg->chef_server_superuser_key,
                 why);
        return -1;
    }
    chef.cfg = cfg;
    LOG_INFO("Chef-server mode: %s as '%s'%s%s, TLS verification %s", cfg->chef_server_url,
             cfg->chef_server_superuser_name,
             cfg->chef_server_single_org[0] ? ", single org " : "",
             cfg->chef_server_single_org, cfg->chef_server_ssl_verify ? "on" : "OFF");
    return 0;
}

void chef_client_cleanup(void)
{
    if (chef.key) {
        EVP_PKEY_free(chef.key);
        chef.key = NULL;
        curl_global_cleanup();
    }
    chef.cfg = NULL;
}

bool chef_mode(void) { return chef.key != NULL; }

const char *chef_single_org(void)
{
    return chef.cfg && chef.cfg->chef_server_single_org[0] ? chef.cfg->chef_server_single_org
                                                             : NULL;
}

size_t chef_search_max(void)
{
    return chef.cfg ? (size_t)chef.cfg->chef_search_max_nodes : 0;
}

void chef_answer_free(struct chef_answer *a)
{
    json_decref(a->json);
    a->json = NULL;
    a->status = 0;
}

struct sink {
    char *p;
    size_t len, cap;
    bool too_large, out_of_memory;
};

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n;
    if (s->len + len > (size_t)CHEF_MAX_ANSWER) {
        s->too_large = true;
        return 0;
    }
    if (text_grow(&s->p, &s->cap, s->len, len) != 0) {
        s->out_of_memory = true;
        return 0;
    }
    memcpy(s->p + s->len, data, len);
    s->len += len;
    s->p[s->len] = '\0';
    return len;
}

static struct curl_slist *headers_for(const char *method, const char *url, const char *body,
                                      char *err, size_t errlen)
{
    struct curl_slist *h = chef_http_signed_headers(
        CHEF_AUTH_V1_3, chef.cfg->chef_server_superuser_name, chef.key, method, url, body,
        body ? strlen(body) : 0, time(NULL), "0", err, errlen);
    if (!h)
        return NULL;
    if (chef_http_add_header(&h, "Accept", "application/json") ||
        chef_http_add_header(&h, "X-Chef-Version", "12.0.0") ||
        (body && chef_http_add_header(&h, "Content-Type", "application/json"))) {
        curl_slist_free_all(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct curl_slist *l = curl_slist_append(h, "Expect:"); /* no 100-continue */
    if (!l) {
        curl_slist_free_all(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return l;
}

static CURLcode setup(CURL *curl, const char *method, const char *url, const char *body,
                      struct curl_slist *headers, struct sink *sink, char *errbuf)
{
    const struct pushy_config *c = chef.cfg;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                              \
    do {                                           \
        if (rc == CURLE_OK)                        \
            rc = curl_easy_setopt(curl, opt, val); \
    } while (0)
    rc = chef_http_base_options(curl, url);
    SET(CURLOPT_CONNECTTIMEOUT, (long)c->chef_server_connect_timeout);
    SET(CURLOPT_TIMEOUT, (long)c->chef_server_timeout);
    SET(CURLOPT_SSL_VERIFYPEER, c->chef_server_ssl_verify ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, c->chef_server_ssl_verify ? 2L : 0L);
    if (c->chef_server_ca_file[0])
        SET(CURLOPT_CAINFO, c->chef_server_ca_file);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_USERAGENT, "pushy-apid");
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, sink);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    if (!strcmp(method, "GET")) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, method);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
        SET(CURLOPT_POSTFIELDS, body ? body : "");
    }
#undef SET
    return rc;
}

enum chef_call chef_request(const char *method, const char *path, const char *body,
                            struct chef_answer *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (!chef_mode()) {
        snprintf(err, errlen, "Chef-server mode is not configured");
        return CHEF_CALL_ERROR;
    }
    char safe_path[256];
    log_safe(path, safe_path, sizeof safe_path);
    static const char url_err[] = "the Chef server URL is too long";
    char *url = malloc(CHEF_URL_MAX);
    if (!url || chef_join_url(url, CHEF_URL_MAX, chef.cfg->chef_server_url, path)) {
        free(url);
        snprintf(err, errlen, "%s %s: %s", method, safe_path, url ? url_err : "out of memory");
        return CHEF_CALL_ERROR;
    }
    char why[CURL_ERROR_SIZE + 128] = "";
    enum chef_call result = CHEF_CALL_ERROR;
    struct sink sink = { 0 };
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl ? headers_for(method, url, body, why, sizeof why) : NULL;
    if (!curl || !headers) {
        if (!curl)
            snprintf(why, sizeof why, "curl_easy_init failed");
        goto out;
    }
    CURLcode rc = setup(curl, method, url, body, headers, &sink, errbuf);
    if (rc != CURLE_OK) {
        snprintf(why, sizeof why, "cannot set up the request: %s", curl_easy_strerror(rc));
        goto out;
    }
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        if (sink.too_large) {
            result = CHEF_CALL_BAD_ANSWER;
            snprintf(why, sizeof why, "the answer is larger than %ld bytes", CHEF_MAX_ANSWER);
        } else if (sink.out_of_memory) {
            snprintf(why, sizeof why, "out of memory reading the answer");
        } else {
            result = CHEF_CALL_UNREACHABLE;
            snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        }
        goto out;
    }
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status) != CURLE_OK) {
        result = CHEF_CALL_BAD_ANSWER;
        snprintf(why, sizeof why, "no HTTP status");
        goto out;
    }
    json_error_t jerr;
    snprintf(jerr.text, sizeof jerr.text, "empty body");
    if (sink.len > 0)
        a->json = json_loadb(sink.p, sink.len, JSON_REJECT_DUPLICATES, &jerr);
    if (a->status >= 200 && a->status < 300 && !json_is_object(a->json)) {
        result = CHEF_CALL_BAD_ANSWER;
        snprintf(why, sizeof why, "HTTP %ld with a body that is not a JSON object%s%s",
                 a->status, a->json ? "" : ": ", a->json ? "" : jerr.text);
        chef_answer_free(a);
        goto out;
    }
    result = CHEF_CALL_OK;
    LOG_DEBUG("chef: %s %s -> %ld (%zu bytes)", method, safe_path, a->status, sink.len);
out:
    if (result != CHEF_CALL_OK) {
        snprintf(err, errlen, "Chef server %s %s: %s", method, safe_path, why);
        LOG_WARN("chef: %s", err);
    }
    curl_slist_free_all(headers);
    if (curl)
        curl_easy_cleanup(curl);
    free(sink.p);
    free(url);
    return result;
}
