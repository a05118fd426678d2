/* pushy-client's command line and the resolved settings (command line over
 * client.rb over defaults). Pure apart from reading the config file in
 * pc_settings_load.
 *
 *   -c, --config CONFIG         client.rb to read (default /etc/chef/client.rb)
 *   -k, --client-key KEY        client_key (default /etc/chef/client.pem)
 *   -l, --log_level LEVEL       debug, info, warn, error (default info)
 *   -L, --logfile LOGLOCATION   log file (default stderr)
 *   -N, --node-name NODE_NAME   node_name (default: the fqdn, else the host
 *                               name: client/hostid.h)
 *   -S, --server CHEF_SERVER_URL  chef_server_url, https://HOST/organizations/ORG
 *   -M, --max-body-size BYTES   largest message sent (default 63000)
 *   -d, --file_dir DIR          job files (default /tmp/chef-push; used by issue 7)
 *   -h, --help, -v, --version
 * The Ruby client's spellings --client_key, --log-level, --file-dir are
 * accepted too. */
#ifndef PUSHY_CLIENT_OPTIONS_H
#define PUSHY_CLIENT_OPTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client/rbconf.h"
#include "client/whitelist.h"

#define PC_DEFAULT_CONFIG "/etc/chef/client.rb"
#define PC_DEFAULT_CLIENT_KEY "/etc/chef/client.pem"
#define PC_DEFAULT_FILE_DIR "/tmp/chef-push"
#define PC_DEFAULT_MAX_BODY 63000
#define PC_DEFAULT_FILE_CACHE "/var/chef/cache" /* Chef's file_cache_path as root */
#define PC_VERSION "3.0.0-pushy"

struct pc_options {
    const char *config, *client_key, *log_level, *logfile, *node_name, *server, *file_dir;
    long max_body_size; /* 0: not given */
    bool help, version;
};

/* 0, or -1 with a message. Uses getopt_long (resets it first). */
int pc_options_parse(int argc, char **argv, struct pc_options *o, char *err, size_t errlen);
void pc_usage(FILE *out);

struct pc_settings {
    char config_path[1024];
    char node_name[256];
    char org[256];
    char server_url[1024];     /* without a trailing '/' */
    char client_key[1024];
    char log_level[16];
    char log_file[1024];       /* "" = stderr, "/dev/stdout" for STDOUT */
    char file_dir[1024];
    long max_body_size;
    bool ssl_verify;
    int auth_version;          /* chef_auth_version; default 1.1 like the Ruby client */
    struct pc_whitelist whitelist;
    /* Reported node facts (client/facts.h), moved from client.rb: */
    json_t *facts_roles, *facts_tags; /* pushy_roles, pushy_tags; NULL = none */
    json_t *facts_attrs;              /* pushy_attributes; NULL = none */
    char json_attribs[1024];          /* "" = none */
    json_t *overwritable_env; /* allowed_overwritable_env_vars (names), NULL = not set */
    char lockfile[1024];      /* `:lock => true` lock file (client/runlock.h) */
    char trusted_certs_dir[1024]; /* client.rb's, else <config dir>/trusted_certs (Chef's) */
    bool trusted_certs_explicit;  /* set in client.rb */
    char fqdn[256];           /* this host's canonical name (client/hostid.h), "" unknown */
    const char *node_name_from; /* "-N", "client.rb" or "fallback" */
};

/* "https://h/organizations/ORG[/...]" -> ORG (a valid name). 0 or -1. */
int pc_org_from_url(const char *url, char *org, size_t cap);

/* Merges options over rb (its whitelist and facts are moved into s) over defaults;
 * hostname is the node name of last resort (pc_host_node_name). 0, or -1
 * with a message. */
int pc_settings_resolve(const struct pc_options *o, struct pc_rbconf *rb, const char *hostname,
                        struct pc_settings *s, char *err, size_t errlen);
/* Reads the config file (a missing default file is fine), then resolves. */
int pc_settings_load(const struct pc_options *o, const char *hostname, struct pc_settings *s,
                     char *err, size_t errlen);
void pc_settings_free(struct pc_settings *s);

#endif
