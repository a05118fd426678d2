#include "shared/config.h"
#include "shared/log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum key_type { K_STR, K_INT, K_DOUBLE, K_BOOL, K_LEVEL };

struct key_spec {
    const char *name;
    enum key_type type;
    size_t offset;
    size_t size;      /* for strings */
    const char *def;  /* default, as text */
    double min, max;  /* for numbers */
    const char *doc;
};

#define S(field, def, doc) { #field, K_STR, offsetof(struct pushy_config, field), \
                             sizeof(((struct pushy_config *)0)->field), def, 0, 0, doc }
#define I(field, def, lo, hi, doc) { #field, K_INT, offsetof(struct pushy_config, field), 0, def, lo, hi, doc }
#define D(field, def, lo, hi, doc) { #field, K_DOUBLE, offsetof(struct pushy_config, field), 0, def, lo, hi, doc }
#define B(field, def, doc) { #field, K_BOOL, offsetof(struct pushy_config, field), 0, def, 0, 1, doc }

static const struct key_spec keys[] = {
    S(run_dir, "/run/pushy", "sockets (nng ipc, control socket, embedded postgres), pid file"),
    S(data_dir, "/var/lib/pushy", "persistent data: embedded postgres cluster, server keys"),
    S(log_dir, "/var/log/pushy", "one log file per component"),
    { "log_level", K_LEVEL, offsetof(struct pushy_config, log_level), 16, "info", 0, 0,
      "debug, info, warn or error" },
    B(log_json, "false", "write JSON lines instead of text"),
    S(user, "pushy", "unprivileged user the server runs as when started as root (created if missing)"),
    I(max_restarts, "10", 0, 10000, "restart intensity: more than this many restarts..."),
    I(restart_window, "60", 1, 86400, "...within this many seconds stops pushyd (exit 1)"),
    I(restart_backoff_ms, "100", 0, 60000, "delay before the first restart of a crashed child; doubles per crash"),
    I(restart_backoff_max_ms, "5000", 0, 600000, "cap of the restart delay"),
    I(stop_timeout, "10", 1, 3600, "seconds a stopping child gets before SIGKILL"),
    I(ready_timeout, "60", 1, 3600, "seconds a starting child gets to report ready"),
    S(database_url, "", "libpq URL of an external PostgreSQL; empty runs the embedded one"),
    S(postgres_bin_dir, "", "directory of initdb/postgres; empty finds the newest /usr/lib/postgresql/*/bin"),
    I(db_port, "5432", 1, 65535, "port number of the embedded postgres unix socket name (no TCP is opened)"),
    S(server_name, "", "host name advertised to nodes; empty uses this machine's host name"),
    S(zeromq_listen_address, "tcp://*", "ZeroMQ bind address prefix"),
    I(server_heartbeat_port, "10000", 1, 65535, "PUB port of signed server heartbeats"),
    I(command_port, "10002", 1, 65535, "ROUTER port of the node command channel"),
    S(api_listen_address, "0.0.0.0", "HTTP API listen address"),
    I(api_port, "10003", 1, 65535, "HTTP API port"),
    I(heartbeat_interval, "1000", 50, 600000, "milliseconds between heartbeats, both ways"),
    D(down_threshold, "0.6", 0.01, 10, "decayed heartbeat average below which a node is down"),
    I(decay_window, "4", 1, 100, "heartbeat average decay window, in intervals"),
    I(offline_threshold, "3", 1, 100, "intervals without server heartbeats before a client goes offline"),
    I(online_threshold, "2", 1, 100, "server heartbeats a client needs to come back online"),
    I(max_message_skew, "300", 1, 86400, "seconds of clock skew accepted on node messages"),
    I(max_body_size, "65536", 1024, 16777216, "largest accepted ZeroMQ message body, bytes"),
    I(config_lifetime, "3600", 60, 604800, "seconds a node's config is valid before it re-fetches"),
    I(default_run_timeout, "3600", 1, 604800, "run_timeout of a job that names none, seconds"),
    I(voting_timeout, "60", 1, 86400, "base voting timeout, seconds"),
    I(voting_timeout_per_100_nodes, "1", 0, 3600, "seconds added to the voting timeout per 100 target nodes"),
    I(job_retention_days, "90", 0, 36500, "jobs older than this are purged (0 keeps them forever)"),
    I(api_max_body_size, "1000000", 1024, 104857600, "largest accepted HTTP request body, bytes"),
    I(auth_skew, "900", 1, 86400, "seconds of clock skew accepted on signed API requests"),
    I(api_threads, "4", 1, 256, "HTTP worker threads"),
    I(auth_cache_ttl, "10", 0, 3600, "seconds apid may reuse an org / actor key / group lookup for signed requests; identity changes in the database end it at once, changes on a Chef server (Chef-server mode) only when it expires (0: ask on every request)"),
    I(zap_cache_ttl, "10", 0, 3600, "seconds commandd caches the ZAP decision for a node CURVE key (never past the key's expiry; 0: ask the database every time)"),
    I(new_sessions_per_second, "1000", 0, 1000000, "node session handshakes (abort/ack on connect) commandd admits per second; excess nodes are not answered and retry; 0: unlimited"),
    S(chef_server_url, "", "base URL of a Chef Infra Server (https://chef.example.com, no /organizations part); set, apid takes actor keys, groups and search from it (Chef-server mode); empty: the local tables (standalone)"),
    S(chef_server_superuser_name, "pivotal", "Chef server superuser apid signs its Chef API requests as"),
    S(chef_server_superuser_key, "/etc/opscode/pivotal.pem", "private key (PEM) of chef_server_superuser_name; must be readable by `user`"),
    B(chef_server_ssl_verify, "true", "verify the Chef server's TLS certificate and host name"),
    S(chef_server_ca_file, "", "PEM CA bundle for the Chef server's certificate; empty: the system CA store"),
    I(chef_server_connect_timeout, "5", 1, 300, "seconds to connect to the Chef server"),
    I(chef_server_timeout, "15", 1, 600, "seconds a whole Chef server request may take"),
    S(chef_server_single_org, "", "for a single-organization Chef server with the Chef 11 API (goiardi 0.11): the one org name Pushy serves; endpoints are at the URL root and authorization falls back to the admin flag (no groups API). Empty: Chef Infra Server 12+ (/organizations/ORG/...)"),
    I(chef_search_max_nodes, "10000", 1, 1000000, "most nodes a search may match in Chef-server mode; more is refused (400)"),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key_spec *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Sets one key from text; returns NULL or a static error message. */
static const char *set_value(struct pushy_config *cfg, const struct key_spec *k, const char *v)
{
    char *field = (char *)cfg + k->offset;
    char *end;
    switch (k->type) {
    case K_STR:
        if (strlen(v) >= k->size)
            return "value too long";
        if (strchr(v, '\n'))
            return "value contains a newline";
        strcpy(field, v);
        return NULL;
    case K_LEVEL:
        if (log_level_parse(v) < 0)
            return "expected debug, info, warn or error";
        snprintf(field, k->size, "%s", v);
        return NULL;
    case K_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
            *(bool *)field = true;
        else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
            *(bool *)field = false;
        else
            return "expected true or false";
        return NULL;
    case K_INT: {
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end)
            return "expected an integer";
        if (n < k->min || n > k->max)
            return "integer out of range";
        *(int *)field = (int)n;
        return NULL;
    }
    case K_DOUBLE: {
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(d))
            return "expected a number";
        if (d < k->min || d > k->max)
            return "number out of range";
        *(double *)field = d;
        return NULL;
    }
    }
    return "bad key type";
}

void config_defaults(struct pushy_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++) {
        const char *e = set_value(cfg, &keys[i], keys[i].def);
        if (e)
            abort(); /* a bad built-in default is a programming error */
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Strips surrounding double quotes, if both are present. */
static char *unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

int config_parse_string(struct pushy_config *cfg, const char *text, const char *name,
                        char *err, size_t errlen)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= 4096) {
            snprintf(err, errlen, "%s:%d: line too long", name, lineno);
            return -1;
        }
        char buf[4096];
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (nl ? 1 : 0);

        char *line = trim(buf);
        if (*line == '\0' || *line == '#' || *line == ';')
            continue;
        if (*line == '[') {
            size_t l = strlen(line);
            if (l < 3 || line[l - 1] != ']') {
                snprintf(err, errlen, "%s:%d: malformed section header", name, lineno);
                return -1;
            }
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", name, lineno);
            return -1;
        }
        *eq = '\0';
        char *key = trim(line);
        char *val = unquote(trim(eq + 1));
        const struct key_spec *k = find_key(key);
        if (!k) {
            snprintf(err, errlen, "%s:%d: unknown key '%s'", name, lineno, key);
            return -1;
        }
        const char *e = set_value(cfg, k, val);
        if (e) {
            snprintf(err, errlen, "%s:%d: %s: %s (got '%s')", name, lineno, key, e, val);
            return -1;
        }
    }
    return 0;
}

int config_apply_env(struct pushy_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char env[96] = "PUSHY_";
        size_t n = strlen(env);
        for (const char *c = keys[i].name; *c && n + 1 < sizeof env; c++)
            env[n++] = (char)toupper((unsigned char)*c);
        env[n] = '\0';
        const char *v = getenv(env);
        if (!v)
            continue;
        const char *e = set_value(cfg, &keys[i], v);
        if (e) {
            snprintf(err, errlen, "environment %s: %s (got '%s')", env, e, v);
            return -1;
        }
    }
    return 0;
}

int config_load(struct pushy_config *cfg, const char *path, bool allow_missing,
                char *err, size_t errlen)
{
    config_defaults(cfg);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!(allow_missing && errno == ENOENT)) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
    } else {
        char *text = NULL;
        size_t cap = 0, len = 0;
        char chunk[4096];
        size_t r;
        while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
            if (len + r + 1 > cap) {
                cap = (len + r + 1) * 2;
                char *t = realloc(text, cap);
                if (!t) {
                    free(text);
                    fclose(f);
                    snprintf(err, errlen, "%s: out of memory", path);
                    return -1;
                }
                text = t;
            }
            memcpy(text + len, chunk, r);
            len += r;
        }
        int rerr = ferror(f);
        fclose(f);
        if (rerr) {
            free(text);
            snprintf(err, errlen, "%s: read error", path);
            return -1;
        }
        if (text && memchr(text, '\0', len)) {
            free(text);
            snprintf(err, errlen, "%s: contains a NUL byte", path);
            return -1;
        }
        int rc = 0;
        if (text) {
            text[len] = '\0';
            rc = config_parse_string(cfg, text, path, err, errlen);
        }
        free(text);
        if (rc)
            return -1;
    }
    if (config_apply_env(cfg, err, errlen))
        return -1;
    if (config_validate(cfg, err, errlen))
        return -1;
    if (cfg->server_name[0] == '\0' && gethostname(cfg->server_name, sizeof cfg->server_name - 1))
        snprintf(cfg->server_name, sizeof cfg->server_name, "localhost");
    return 0;
}

static bool valid_org_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (const char *c = s; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' || *c == '-'))
            return false;
    return true;
}

int config_validate(const struct pushy_config *cfg, char *err, size_t errlen)
{
    const char *u = cfg->chef_server_url;
    if (!u[0]) {
        if (cfg->chef_server_single_org[0]) {
            snprintf(err, errlen, "chef_server_single_org is set but chef_server_url is empty");
            return -1;
        }
        return 0;
    }
    size_t sl = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
    if (!sl) {
        snprintf(err, errlen, "chef_server_url '%s' must start with https:// or http://", u);
        return -1;
    }
    if (u[sl] == '\0' || u[sl] == '/' || u[sl] == ':') {
        snprintf(err, errlen, "chef_server_url '%s' has no host", u);
        return -1;
    }
    for (const char *c = u; *c; c++) {
        if (*c == '?' || *c == '#' || *c == '@' || (unsigned char)*c <= ' ' ||
            (unsigned char)*c >= 0x7f) {
            snprintf(err, errlen,
                     "chef_server_url '%s' must be a plain URL (no user info, query, fragment "
                     "or spaces)", u);
            return -1;
        }
    }
    if (strstr(u + sl, "/organizations")) {
        snprintf(err, errlen,
                 "chef_server_url '%s' must be the server's base URL, without /organizations/ORG "
                 "(Pushy serves every org of the server)", u);
        return -1;
    }
    if (!cfg->chef_server_superuser_name[0]) {
        snprintf(err, errlen, "chef_server_url is set but chef_server_superuser_name is empty");
        return -1;
    }
    if (cfg->chef_server_superuser_key[0] != '/') {
        snprintf(err, errlen, "chef_server_superuser_key must be an absolute path (got '%s')",
                 cfg->chef_server_superuser_key);
        return -1;
    }
    if (cfg->chef_server_ca_file[0] && cfg->chef_server_ca_file[0] != '/') {
        snprintf(err, errlen, "chef_server_ca_file must be an absolute path (got '%s')",
                 cfg->chef_server_ca_file);
        return -1;
    }
    if (cfg->chef_server_single_org[0] && !valid_org_name(cfg->chef_server_single_org)) {
        snprintf(err, errlen, "chef_server_single_org '%s' is not a valid org name "
                 "([a-z0-9][a-z0-9_-]*)", cfg->chef_server_single_org);
        return -1;
    }
    return 0;
}

void config_print_reference(FILE *out)
{
    fprintf(out, "%-30s %-18s %s\n", "key", "default", "meaning");
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(out, "%-30s %-18s %s\n", keys[i].name,
                keys[i].def[0] ? keys[i].def : "(empty)", keys[i].doc);
}

void config_print_reference_markdown(FILE *out)
{
    fprintf(out, "| key | default | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(out, "| `%s` | %s%s%s | %s |\n", keys[i].name, keys[i].def[0] ? "`" : "",
                keys[i].def[0] ? keys[i].def : "(empty)", keys[i].def[0] ? "`" : "", keys[i].doc);
}

void config_db_conninfo(const struct pushy_config *cfg, const char *dbname, char *out, size_t outlen)
{
    if (cfg->database_url[0] && !dbname) {
        snprintf(out, outlen, "%s", cfg->database_url);
        return;
    }
    if (cfg->database_url[0]) {
        /* a maintenance connection to another database of the same server */
        snprintf(out, outlen, "%s", cfg->database_url);
        return;
    }
    /* libpq keyword values in single quotes; run_dir cannot contain quotes
     * that matter here because config rejects newlines and we escape. */
    char dir[2 * CONFIG_STR_MAX];
    size_t j = 0;
    for (const char *c = cfg->run_dir; *c && j + 2 < sizeof dir; c++) {
        if (*c == '\'' || *c == '\\')
            dir[j++] = '\\';
        dir[j++] = *c;
    }
    dir[j] = '\0';
    snprintf(out, outlen, "host='%s' port=%d dbname='%s' user='%s' connect_timeout=5",
             dir, cfg->db_port, dbname ? dbname : "pushy", cfg->user);
}

int config_path(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

const char *config_path_from_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config"))
            return argv[i + 1];
    const char *env = getenv("PUSHY_CONFIG");
    return env && *env ? env : PUSHY_DEFAULT_CONFIG;
}
