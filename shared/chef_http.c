#include "shared/chef_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *chef_http_request_target(const char *url)
{
    const char *sep = strstr(url, "://");
    const char *host = sep ? sep + 3 : url;
    const char *slash = strchr(host, '/');
    return slash ? slash : "/";
}

int chef_http_add_header(struct curl_slist **list, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line)
        return -1;
    snprintf(line, n, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(*list, line); /* copies line */
    free(line);
    if (!l)
        return -1;
    *list = l;
    return 0;
}

struct curl_slist *chef_http_signed_headers(chef_auth_version v, const char *user, EVP_PKEY *key,
                                            const char *method, const char *url,
                                            const char *body, size_t body_len, time_t now,
                                            const char *server_api_version, char *err,
                                            size_t errlen)
{
    chef_auth_headers signed_headers = { 0 };
    chef_auth_status st = chef_auth_sign(v, user, key, method, chef_http_request_target(url),
                                         body ? body : "", body_len, now, server_api_version,
                                         &signed_headers, err, errlen);
    if (st != CHEF_AUTH_OK) {
        chef_auth_headers_free(&signed_headers);
        return NULL;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < signed_headers.count; i++) {
        if (chef_http_add_header(&list, signed_headers.items[i].name,
                                 signed_headers.items[i].value)) {
            curl_slist_free_all(list);
            chef_auth_headers_free(&signed_headers);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }
    chef_auth_headers_free(&signed_headers);
    return list;
}

CURLcode chef_http_base_options(CURL *e, const char *url)
{
    CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    return rc;
}
