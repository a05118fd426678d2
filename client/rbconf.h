/* The part of a Chef client.rb (a Ruby DSL) that pushy-client reads.
 *
 * Known settings, each one statement `NAME VALUE`, `NAME(VALUE)` or
 * `Chef::Config[:NAME] = VALUE`:
 *   node_name, chef_server_url, client_key, file_dir   "string" / 'string'
 *   log_level        :debug|:info|:warn|:error (also :trace, :fatal, :auto)
 *   log_location     "path" | STDOUT | STDERR
 *   max_body_size    integer (63_000 style allowed)
 *   ssl_verify_mode  :verify_peer | :verify_none
 *   authentication_protocol_version  "1.0" | "1.1" | "1.3" (request signing)
 *   whitelist        a hash: {"cmd" => "command line", ...}, the same
 *                    without braces, JSON-style {"cmd": "..."}, symbol or
 *                    label keys, /regex/ keys, and entry hashes
 *                    {:command_line => "...", :lock => true}; also
 *                    `whitelist["cmd"] = "command line"` (adds to the
 *                    current whitelist, the default one if none was set).
 *   pushy_roles      ["web", "db"]   node facts for search (client/facts.h):
 *   pushy_tags       ["blue"]        arrays of strings (or symbols)
 *   pushy_attributes {"dc" => "east", "rack" => {"row" => 3}}: a hash of
 *                    strings, symbols, integers, true/false/nil, arrays and
 *                    hashes (client/rbvalue.h)
 *   json_attribs     "path" of a Chef JSON attributes file (run_list
 *                    role[x]/recipe[y], tags, other attributes)
 *   allowed_overwritable_env_vars  ["PATH", ...]: strings, variable names
 *                    (nil: not set); see client/job_opts.h
 *   lockfile, file_cache_path  "path": where `:lock => true` looks
 *                    (client/runlock.h)
 *   trusted_certs_dir  "path": extra CA certificates (shared/ca_bundle.h)
 * A later statement for the same setting wins, as in Ruby. Statements that
 * are not these settings are skipped whole (with their continuation lines
 * and bracketed parts); '#' comments anywhere. A known setting that is
 * malformed (a non-literal value, "#{interpolation}", a bad symbol, trailing
 * text, `name = value` which in Ruby only sets a local variable) is an error
 * "FILE:LINE: message".
 *
 * A file whose first non-blank character is '{' is read as JSON with the
 * same keys ("whitelist" an object; a key written "/re/" or "/re/i" is a
 * regex key). */
#ifndef PUSHY_CLIENT_RBCONF_H
#define PUSHY_CLIENT_RBCONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "client/whitelist.h"

struct pc_rbconf {
    char *node_name, *chef_server_url, *client_key, *file_dir;
    char *log_level;      /* normalized: debug|info|warn|error */
    char *log_location;   /* a path, or "STDOUT" / "STDERR" */
    long max_body_size;   /* 0 = not set */
    int ssl_verify;       /* -1 not set, 0 verify_none, 1 verify_peer */
    char auth_version[4]; /* "" not set, else "1.0" / "1.1" / "1.3" */
    bool has_whitelist;
    struct pc_whitelist whitelist;
    json_t *roles, *tags;   /* pushy_roles, pushy_tags: arrays of strings, or NULL */
    json_t *attributes;     /* pushy_attributes: an object, or NULL */
    char *json_attribs;     /* a path, or NULL */
    json_t *overwritable_env; /* allowed_overwritable_env_vars: array of names, or NULL */
    char *lockfile, *file_cache_path, *trusted_certs_dir; /* paths, or NULL */
};

/* The original's default whitelist: {"chef-client" => "chef-client"}. */
int pc_whitelist_set_default(struct pc_whitelist *wl);

/* Parses text (name is used in messages). Returns 0, or -1 with
 * "name:line: message" in err. *out is always initialized (free it). */
int pc_rbconf_parse(const char *text, const char *name, struct pc_rbconf *out, char *err,
                    size_t errlen);
/* The JSON form only (pc_rbconf_parse picks it for text starting with '{'). */
int pc_rbconf_parse_json(const char *text, const char *name, struct pc_rbconf *out, char *err,
                         size_t errlen);
/* Reads and parses a file (at most 1 MiB). */
int pc_rbconf_load(const char *path, struct pc_rbconf *out, char *err, size_t errlen);
void pc_rbconf_free(struct pc_rbconf *c);

#endif
