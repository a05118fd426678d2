#include "client/bootstrap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/chef_auth.h"

int pc_url_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        if (n + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    if (n >= cap)
        return -1;
    out[n] = '\0';
    return 0;
}

/* url as snprintf wrote it (n its return value, cap its buffer): -1 when
 * cut short or without a path after the host, else *path_out set to the
 * path (what a request signs). */
static int written_url_path(const char *url, size_t cap, int n, const char **path_out)
{
    if (n < 0 || (size_t)n >= cap)
        return -1;
    const char *host = strstr(url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    if (!path)
        return -1;
    *path_out = path;
    return 0;
}

int pc_config_url(const char *server_url, const char *node, const char *ccpk, char *url,
                  size_t cap, const char **path_out)
{
    char esc[3 * 64 + 1];
    if (pc_url_escape(ccpk, esc, sizeof esc) != 0)
        return -1;
    int n = snprintf(url, cap, "%s/pushy/config/%s?ccpk=%s&version=2.0", server_url, node, esc);
    return written_url_path(url, cap, n, path_out);
}

void pc_request_headers_free(struct pc_request_headers *h)
{
    for (int i = 0; i < PC_MAX_HEADERS && h->lines[i]; i++)
        free(h->lines[i]);
    memset(h, 0, sizeof *h);
}

int pc_facts_url(const char *server_url, const char *node, char *url, size_t cap,
                 const char **path_out)
{
    int n = snprintf(url, cap, "%s/pushy/nodes/%s/facts", server_url, node);
    return written_url_path(url, cap, n, path_out);
}

int pc_sign_get(const char *path, const char *node, EVP_PKEY *key, int version, time_t now,
                struct pc_request_headers *out, char *err, size_t errlen)
{
    return pc_sign_request("GET", path, "", 0, node, key, version, now, out, err, errlen);
}

int pc_sign_request(const char *method, const char *path, const char *body, size_t body_len,
                    const char *node, EVP_PKEY *key, int version, time_t now,
                    struct pc_request_headers *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    chef_auth_headers hs = { 0 };
    if (chef_auth_sign((chef_auth_version)version, node, key, method, path, body, body_len, now,
                       NULL, &hs, err, errlen) != CHEF_AUTH_OK) {
        chef_auth_headers_free(&hs);
        return -1;
    }
    int n = 0;
    int rc = 0;
    const char *why = "out of memory";
    if (hs.count + 2 > PC_MAX_HEADERS) {
        why = "too many signing headers";
        rc = -1;
    }
    if (rc == 0 && (out->lines[n] = strdup("Accept: application/json")))
        n++;
    else
        rc = -1;
    if (rc == 0 && body_len > 0) {
        if ((out->lines[n] = strdup("Content-Type: application/json")))
            n++;
        else
            rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < hs.count; i++) {
        if (asprintf(&out->lines[n], "%s: %s", hs.items[i].name, hs.items[i].value) < 0) {
            out->lines[n] = NULL;
            rc = -1;
        } else {
            n++;
        }
    }
    chef_auth_headers_free(&hs);
    if (rc != 0) {
        snprintf(err, errlen, "%s", why);
        pc_request_headers_free(out);
    }
    return rc;
}
