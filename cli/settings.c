#include "cli/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int replace(char **slot, const char *value)
{
    char *v = strdup(value);
    if (!v)
        return -1;
    free(*slot);
    *slot = v;
    return 0;
}

int cli_settings_resolve(const struct cli_args *a, const char *home, struct knife_config *out,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char deflt[4096] = "";
    const char *path = a->config;
    if (!path && home && *home) {
        int n = snprintf(deflt, sizeof deflt, "%s/.chef/knife.rb", home);
        if (n > 0 && (size_t)n < sizeof deflt && access(deflt, F_OK) == 0)
            path = deflt;
    }
    if (path && knife_config_load(path, home, out, err, errlen))
        return -1;
    if ((a->user && replace(&out->node_name, a->user)) ||
        (a->server_url && replace(&out->chef_server_url, a->server_url))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (a->key && knife_config_set(&out->client_key, a->key, home)) {
        snprintf(err, errlen, "cannot expand '~' in %s: HOME is not set", a->key);
        return -1;
    }
    if (!path && (!out->node_name || !out->client_key || !out->chef_server_url)) {
        snprintf(err, errlen, "no knife configuration: %s/.chef/knife.rb does not exist; use "
                              "-c FILE, or give -u NAME, -k FILE and --server-url URL",
                 home && *home ? home : "~");
        return -1;
    }
    /* knife's default trusted_certs_dir: trusted_certs next to knife.rb
     * (where `knife ssl fetch` puts a server's certificate) */
    if (path && !out->trusted_certs_dir) {
        const char *slash = strrchr(path, '/');
        int dl = slash ? (int)(slash - path) : 1;
        const char *d = slash ? path : ".";
        if (slash == path)
            dl = 0;
        if (asprintf(&out->trusted_certs_dir, "%.*s/trusted_certs", dl, d) < 0) {
            out->trusted_certs_dir = NULL;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    const char *where = path;
    if (!out->node_name) {
        snprintf(err, errlen, "node_name is not set in %s: add node_name \"NAME\" or give -u NAME",
                 where);
        return -1;
    }
    if (!out->client_key) {
        snprintf(err, errlen, "client_key is not set in %s: add client_key \"FILE\" or give -k FILE",
                 where);
        return -1;
    }
    if (!out->chef_server_url) {
        snprintf(err, errlen,
                 "chef_server_url is not set in %s: add chef_server_url "
                 "\"https://HOST/organizations/ORG\" or give --server-url URL", where);
        return -1;
    }
    return 0;
}
