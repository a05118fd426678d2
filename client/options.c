#include "client/options.h"
#include "shared/errbuf.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/chef_auth.h"
#include "shared/log.h"
#include "shared/wire.h"


void pc_usage(FILE *out)
{
    fprintf(out,
            "Usage: pushy-client [options]\n"
            "  -c, --config CONFIG              The configuration file to use "
            "(default " PC_DEFAULT_CONFIG ")\n"
            "  -k, --client-key KEY_FILE        Set the client key file location "
            "(default " PC_DEFAULT_CLIENT_KEY ")\n"
            "  -l, --log_level LEVEL            Set the log level (debug, info, warn, error)\n"
            "  -L, --logfile LOGLOCATION        Set the log file location (default stderr)\n"
            "  -N, --node-name NODE_NAME        The node name for this client\n"
            "  -S, --server CHEF_SERVER_URL     The Chef server URL "
            "(https://HOST/organizations/ORG)\n"
            "  -M, --max-body-size BYTES        Largest message to send (default %d)\n"
            "  -d, --file_dir DIR               Directory for job files "
            "(default " PC_DEFAULT_FILE_DIR ")\n"
            "  -h, --help                       Show this message\n"
            "  -v, --version                    Show the version\n",
            PC_DEFAULT_MAX_BODY);
}

int pc_options_parse(int argc, char **argv, struct pc_options *o, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "client-key", required_argument, NULL, 'k' },
        { "client_key", required_argument, NULL, 'k' },
        { "log_level", required_argument, NULL, 'l' },
        { "log-level", required_argument, NULL, 'l' },
        { "logfile", required_argument, NULL, 'L' },
        { "node-name", required_argument, NULL, 'N' },
        { "server", required_argument, NULL, 'S' },
        { "max-body-size", required_argument, NULL, 'M' },
        { "file_dir", required_argument, NULL, 'd' },
        { "file-dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    optind = 0; /* GNU: full re-initialisation */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:k:l:L:N:S:M:d:hv", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'k': o->client_key = optarg; break;
        case 'l':
            if (log_level_parse(optarg) < 0 && strcmp(optarg, "fatal") != 0 &&
                strcmp(optarg, "trace") != 0 && strcmp(optarg, "auto") != 0)
                return errbuf_fail(err, errlen, "bad log level '%s' (debug, info, warn, error)", optarg);
            o->log_level = optarg;
            break;
        case 'L': o->logfile = optarg; break;
        case 'N': o->node_name = optarg; break;
        case 'S': o->server = optarg; break;
        case 'd': o->file_dir = optarg; break;
        case 'M': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1024 || v > 64L * 1024 * 1024)
                return errbuf_fail(err, errlen, "bad --max-body-size '%s' (bytes, 1024..67108864)", optarg);
            o->max_body_size = v;
            break;
        }
        case 'h': o->help = true; break;
        case 'v': o->version = true; break;
        case ':':
            if (optopt)
                return errbuf_fail(err, errlen, "option -%c needs a value", optopt);
            return errbuf_fail(err, errlen, "option %s needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return errbuf_fail(err, errlen, "unknown option -%c", optopt);
            return errbuf_fail(err, errlen, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return errbuf_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int pc_org_from_url(const char *url, char *org, size_t cap)
{
    const char *p = strstr(url, "/organizations/");
    if (!p || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return -1;
    p += strlen("/organizations/");
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= cap || !wire_valid_name(p, n))
        return -1;
    memcpy(org, p, n);
    org[n] = '\0';
    return 0;
}

static int copy(char *dst, size_t cap, const char *a, const char *b, const char *dflt)
{
    const char *v = a ? a : b ? b : dflt;
    if (strlen(v) >= cap)
        return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static const char *norm_level(const char *s)
{
    if (!s)
        return NULL;
    if (strcmp(s, "trace") == 0)
        return "debug";
    if (strcmp(s, "fatal") == 0)
        return "error";
    if (strcmp(s, "auto") == 0)
        return "info";
    if (strcmp(s, "warning") == 0)
        return "warn";
    return s;
}

int pc_settings_resolve(const struct pc_options *o, struct pc_rbconf *rb, const char *hostname,
                        struct pc_settings *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (copy(s->config_path, sizeof s->config_path, o->config, NULL, PC_DEFAULT_CONFIG) ||
        copy(s->node_name, sizeof s->node_name, o->node_name, rb->node_name, hostname) ||
        copy(s->server_url, sizeof s->server_url, o->server, rb->chef_server_url, "") ||
        copy(s->client_key, sizeof s->client_key, o->client_key, rb->client_key,
             PC_DEFAULT_CLIENT_KEY) ||
        copy(s->log_level, sizeof s->log_level, norm_level(o->log_level), rb->log_level, "info") ||
        copy(s->file_dir, sizeof s->file_dir, o->file_dir, rb->file_dir, PC_DEFAULT_FILE_DIR))
        return errbuf_fail(err, errlen, "a setting is too long");
    s->node_name_from = o->node_name ? "-N" : rb->node_name ? "client.rb" : "fallback";
    const char *loc = o->logfile ? o->logfile : rb->log_location;
    if (!loc || strcmp(loc, "STDERR") == 0 || strcmp(loc, "$stderr") == 0)
        s->log_file[0] = '\0';
    else if (strcmp(loc, "STDOUT") == 0 || strcmp(loc, "$stdout") == 0)
        snprintf(s->log_file, sizeof s->log_file, "/dev/stdout");
    else if (copy(s->log_file, sizeof s->log_file, loc, NULL, ""))
        return errbuf_fail(err, errlen, "log file name too long");
    if (!s->node_name[0])
        return errbuf_fail(err, errlen, "no node name: give -N NAME or set node_name in %s (this "
                                        "host's name could not be found)", s->config_path);
    if (!wire_valid_name(s->node_name, strlen(s->node_name)))
        return errbuf_fail(err, errlen, "node name '%s' is not valid (1-255 of A-Z a-z 0-9 _ . : -)",
                    s->node_name);
    if (!s->server_url[0])
        return errbuf_fail(err, errlen, "no chef_server_url: give -S https://HOST/organizations/ORG "
                                 "or set chef_server_url in %s", s->config_path);
    size_t n = strlen(s->server_url);
    while (n > 0 && s->server_url[n - 1] == '/')
        s->server_url[--n] = '\0';
    if (pc_org_from_url(s->server_url, s->org, sizeof s->org) != 0)
        return errbuf_fail(err, errlen, "chef_server_url '%s' must be http(s)://HOST/organizations/ORG",
                    s->server_url);
    if (log_level_parse(s->log_level) < 0)
        return errbuf_fail(err, errlen, "bad log level '%s'", s->log_level);
    s->max_body_size = o->max_body_size ? o->max_body_size
                       : rb->max_body_size ? rb->max_body_size
                                           : PC_DEFAULT_MAX_BODY;
    s->ssl_verify = rb->ssl_verify != 0;
    s->auth_version = !strcmp(rb->auth_version, "1.0")   ? CHEF_AUTH_V1_0
                      : !strcmp(rb->auth_version, "1.3") ? CHEF_AUTH_V1_3
                                                         : CHEF_AUTH_V1_1;
    if (rb->has_whitelist) {
        s->whitelist = rb->whitelist;
        memset(&rb->whitelist, 0, sizeof rb->whitelist);
    } else if (pc_whitelist_set_default(&s->whitelist) != 0) {
        return errbuf_fail(err, errlen, "out of memory");
    }
    if (copy(s->json_attribs, sizeof s->json_attribs, rb->json_attribs, NULL, ""))
        return errbuf_fail(err, errlen, "json_attribs path too long");
    const char *lockfile = rb->lockfile;
    char cache_lock[1024];
    if (!lockfile) {
        /* Chef's default: <file_cache_path>/chef-client-running.pid, with
         * file_cache_path /var/chef/cache (root's default) */
        if (snprintf(cache_lock, sizeof cache_lock, "%s/chef-client-running.pid",
                     rb->file_cache_path ? rb->file_cache_path : PC_DEFAULT_FILE_CACHE) >=
            (int)sizeof cache_lock)
            return errbuf_fail(err, errlen, "file_cache_path too long");
        lockfile = cache_lock;
    }
    if (lockfile[0] != '/')
        return errbuf_fail(err, errlen, "lockfile '%s' must be an absolute path", lockfile);
    if (copy(s->lockfile, sizeof s->lockfile, lockfile, NULL, ""))
        return errbuf_fail(err, errlen, "lockfile path too long");
    s->trusted_certs_explicit = rb->trusted_certs_dir != NULL;
    if (rb->trusted_certs_dir) {
        if (copy(s->trusted_certs_dir, sizeof s->trusted_certs_dir, rb->trusted_certs_dir, NULL,
                 ""))
            return errbuf_fail(err, errlen, "trusted_certs_dir path too long");
    } else {
        /* Chef's default: trusted_certs in the config file's directory */
        const char *slash = strrchr(s->config_path, '/');
        int dl = slash ? (int)(slash - s->config_path) : 1;
        if (snprintf(s->trusted_certs_dir, sizeof s->trusted_certs_dir, "%.*s/trusted_certs", dl,
                     slash ? s->config_path : ".") >= (int)sizeof s->trusted_certs_dir)
            return errbuf_fail(err, errlen, "config path too long");
    }
    s->overwritable_env = rb->overwritable_env;
    rb->overwritable_env = NULL;
    s->facts_roles = rb->roles;
    s->facts_tags = rb->tags;
    s->facts_attrs = rb->attributes;
    rb->roles = rb->tags = rb->attributes = NULL;
    return 0;
}

int pc_settings_load(const struct pc_options *o, const char *hostname, struct pc_settings *s,
                     char *err, size_t errlen)
{
    struct pc_rbconf rb;
    const char *path = o->config ? o->config : PC_DEFAULT_CONFIG;
    memset(s, 0, sizeof *s);
    if (pc_rbconf_load(path, &rb, err, errlen) != 0) {
        bool missing_default = !o->config && access(path, F_OK) != 0;
        if (!missing_default) {
            pc_rbconf_free(&rb);
            return -1;
        }
        pc_rbconf_free(&rb);
    }
    int rc = pc_settings_resolve(o, &rb, hostname, s, err, errlen);
    pc_rbconf_free(&rb);
    if (rc != 0)
        pc_settings_free(s);
    return rc;
}

void pc_settings_free(struct pc_settings *s)
{
    pc_whitelist_free(&s->whitelist);
    json_decref(s->facts_roles);
    json_decref(s->facts_tags);
    json_decref(s->facts_attrs);
    json_decref(s->overwritable_env);
    s->overwritable_env = NULL;
    s->facts_roles = s->facts_tags = s->facts_attrs = NULL;
}
