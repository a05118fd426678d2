/* pushy.conf: `key = value` lines, `#` comments, optional `[section]`
 * headers (organizational only: key names are global). Every key has a
 * documented default (config_print_reference); unknown keys and bad values
 * are rejected with file:line. Environment variables PUSHY_<KEY> (upper
 * case) override the file, for tests and side-by-side instances. */
#ifndef PUSHY_CONFIG_H
#define PUSHY_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define PUSHY_DEFAULT_CONFIG "/etc/pushy/pushy.conf"
#define CONFIG_STR_MAX 512

struct pushy_config {
    /* paths */
    char run_dir[CONFIG_STR_MAX];
    char data_dir[CONFIG_STR_MAX];
    char log_dir[CONFIG_STR_MAX];
    /* logging */
    char log_level[16];
    bool log_json;
    /* process model */
    char user[64];
    int max_restarts;
    int restart_window;      /* seconds */
    int restart_backoff_ms;  /* first backoff; doubles up to restart_backoff_max_ms */
    int restart_backoff_max_ms;
    int stop_timeout;        /* seconds of grace before SIGKILL */
    int ready_timeout;       /* seconds a child may take to become ready */
    /* database */
    char database_url[CONFIG_STR_MAX];
    char postgres_bin_dir[CONFIG_STR_MAX];
    int db_port;             /* embedded postgres socket port number (no TCP) */
    /* network */
    char server_name[256];
    char zeromq_listen_address[128];
    int server_heartbeat_port;
    int command_port;
    char api_listen_address[128];
    int api_port;
    /* protocol */
    int heartbeat_interval;  /* ms */
    double down_threshold;
    int decay_window;
    int offline_threshold;   /* client side, intervals */
    int online_threshold;
    int max_message_skew;    /* seconds */
    int max_body_size;       /* bytes, ZeroMQ messages */
    int config_lifetime;     /* seconds */
    /* jobs */
    int default_run_timeout; /* seconds */
    int voting_timeout;      /* seconds, base */
    int voting_timeout_per_100_nodes; /* seconds added per 100 targets */
    int job_retention_days;
    /* api */
    int api_max_body_size;   /* bytes, HTTP request bodies */
    int auth_skew;           /* seconds */
    int api_threads;
    int auth_cache_ttl;      /* seconds apid caches identity lookups; 0 = off */
    /* commandd */
    int zap_cache_ttl;           /* seconds a ZAP decision for a CURVE key is cached */
    int new_sessions_per_second; /* node session handshakes admitted per second; 0 = unlimited */
    /* Chef-server mode (apid): identities, groups and search from a Chef server */
    char chef_server_url[CONFIG_STR_MAX];            /* empty: standalone mode */
    char chef_server_superuser_name[256];
    char chef_server_superuser_key[CONFIG_STR_MAX];  /* PEM private key path */
    bool chef_server_ssl_verify;
    char chef_server_ca_file[CONFIG_STR_MAX];        /* empty: the system CA store */
    int chef_server_connect_timeout;                 /* seconds */
    int chef_server_timeout;                         /* seconds, whole request */
    char chef_server_single_org[256];                /* Chef 11 API server (goiardi 0.11) */
    int chef_search_max_nodes;
};

/* Fills every field with its default. */
void config_defaults(struct pushy_config *cfg);

/* Loads defaults, then path (a missing file is an error unless
 * allow_missing), then environment overrides. On error returns -1 and
 * writes "file:line: message" into err. */
int config_load(struct pushy_config *cfg, const char *path, bool allow_missing,
                char *err, size_t errlen);

/* Cross-key checks run by config_load after the file and the environment
 * (the Chef-server keys: URL syntax, absolute paths, names). */
int config_validate(const struct pushy_config *cfg, char *err, size_t errlen);

/* Parses config text (no environment); name is used in error messages. */
int config_parse_string(struct pushy_config *cfg, const char *text, const char *name,
                        char *err, size_t errlen);

/* Applies PUSHY_<KEY> environment overrides. */
int config_apply_env(struct pushy_config *cfg, char *err, size_t errlen);

/* Writes the reference of every key (name, default, meaning). */
void config_print_reference(FILE *out);
/* The same as a Markdown table (README's configuration reference). */
void config_print_reference_markdown(FILE *out);

/* Builds the libpq connection string: database_url, or the embedded
 * server's unix socket in run_dir. dbname may be NULL for "pushy". */
void config_db_conninfo(const struct pushy_config *cfg, const char *dbname, char *out, size_t outlen);

/* Joins dir and name into out; returns -1 if it does not fit. */
int config_path(char *out, size_t outlen, const char *dir, const char *name);

/* Standard option handling for every daemon: "-c FILE". Returns the path
 * (argv memory or the default). */
const char *config_path_from_args(int argc, char **argv);

#endif
