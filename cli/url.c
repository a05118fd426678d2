#include "cli/url.h"

#include "shared/chef_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/strbuf.h"

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int append_escaped(struct strbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (unreserved(*p)) {
            if (sb_putc(b, (char)*p))
                return -1;
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            if (sb_append(b, e, 3))
                return -1;
        }
    }
    return 0;
}

char *cli_url_escape(const char *s)
{
    struct strbuf b = { 0 };
    if (append_escaped(&b, s)) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}

/* Length of "scheme://" for http/https, else 0. */
static size_t scheme_len(const char *url)
{
    if (!strncmp(url, "http://", 7))
        return 7;
    if (!strncmp(url, "https://", 8))
        return 8;
    return 0;
}

const char *cli_url_request_target(const char *url)
{
    return chef_http_request_target(url);
}

char *cli_url_org_base(const char *server_url, char *err, size_t errlen)
{
    const char *u = server_url ? server_url : "";
    size_t sl = scheme_len(u);
    if (!sl) {
        snprintf(err, errlen, "chef_server_url '%s' must start with https:// or http://", u);
        return NULL;
    }
    const char *host = u + sl;
    if (*host == '\0' || *host == '/') {
        snprintf(err, errlen, "chef_server_url '%s' has no host", u);
        return NULL;
    }
    for (const char *p = u; *p; p++) {
        if (*p == '?' || *p == '#' || (unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
            snprintf(err, errlen,
                     "chef_server_url '%s' must be a plain URL (no query, fragment or spaces)", u);
            return NULL;
        }
    }
    size_t n = strlen(u);
    while (n > sl && u[n - 1] == '/')
        n--;
    /* The last two segments: .../organizations/ORG */
    size_t org_start = n;
    while (org_start > sl && u[org_start - 1] != '/')
        org_start--;
    const char *want = "/organizations/";
    size_t wl = strlen(want);
    /* at least one host character before "/organizations/" */
    if (org_start == n || org_start < sl + 1 + wl || memcmp(u + org_start - wl, want, wl)) {
        snprintf(err, errlen, "chef_server_url '%s' must end in /organizations/ORG", u);
        return NULL;
    }
    char *base = strndup(u, n);
    if (!base)
        snprintf(err, errlen, "out of memory");
    return base;
}

char *cli_url_build(const char *base, const char *const *segs, size_t nseg,
                const struct url_param *params, size_t nparams)
{
    struct strbuf b = { 0 };
    int rc = sb_puts(&b, base) || sb_puts(&b, "/pushy");
    for (size_t i = 0; !rc && i < nseg; i++)
        rc = sb_putc(&b, '/') || append_escaped(&b, segs[i]);
    char sep = '?';
    for (size_t i = 0; !rc && i < nparams; i++) {
        if (!params[i].value)
            continue;
        rc = sb_putc(&b, sep) || append_escaped(&b, params[i].name) || sb_putc(&b, '=') ||
             append_escaped(&b, params[i].value);
        sep = '&';
    }
    if (rc) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}
