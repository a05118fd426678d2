/* URLs of the Pushy API, built from knife's chef_server_url, which ends in
 * /organizations/ORG: https://chef.example.com/organizations/acme gives
 * https://chef.example.com/organizations/acme/pushy/jobs/ID, etc.
 * Path segments (job ids, node names) and query values are
 * percent-encoded: everything but A-Z a-z 0-9 - . _ ~ becomes %XX. */
#ifndef PUSHY_CLI_URL_H
#define PUSHY_CLI_URL_H

#include <stddef.h>

/* Checks chef_server_url and returns its normalized form (trailing '/'
 * dropped), malloc'd: http:// or https://, a host, a path whose last two
 * segments are "organizations" and a non-empty ORG, no query or fragment.
 * NULL with a message in err otherwise. */
char *cli_url_org_base(const char *server_url, char *err, size_t errlen);

/* Percent-encoding of s, malloc'd (NULL when out of memory). */
char *cli_url_escape(const char *s);

struct url_param {
    const char *name;
    const char *value; /* NULL: the parameter is left out */
};

/* base + "/pushy" + "/" + escape(seg) for each segment + "?name=value&..."
 * for the params with a value. Malloc'd, NULL when out of memory. */
char *cli_url_build(const char *base, const char *const *segs, size_t nseg,
                const struct url_param *params, size_t nparams);

/* The request target of an absolute URL: from the first '/' after
 * "scheme://host[:port]", query included ("/" when there is no path).
 * This is the path that is signed. */
const char *cli_url_request_target(const char *url);

#endif
