/* knife.rb reader: the three settings the pushy CLI needs from a knife
 * configuration file, which is Ruby. This is not a Ruby interpreter; it
 * reads the lines knife users actually write:
 *
 *   node_name        "admin"              # key "value"
 *   client_key       '~/.chef/admin.pem'  # key 'value'
 *   chef_server_url = "https://chef.example.com/organizations/acme"
 *   client_key       "#{current_dir}/admin.pem"
 *
 * Known keys: node_name, client_key, chef_server_url, trusted_certs_dir
 * (CA certificates to trust for the API, shared/ca_bundle.h). A known key must be
 * followed by one quoted string (optionally after '=' or inside '( )'), then
 * nothing but a '#' comment; anything else is an error with file:line.
 * ssl_verify_mode takes a symbol instead, as in knife: :verify_peer (the
 * default) or :verify_none (the server's certificate is not checked).
 * Every other line (other settings, comments, Ruby code) is ignored.
 *
 * Double-quoted strings: escapes \\ \" \# \n \t, and the interpolations
 * #{current_dir} and #{File.dirname(__FILE__)} (the directory of the file)
 * and #{ENV['HOME']} / #{Dir.home} (home); any other #{...} is an error.
 * Single-quoted strings: only \\ and \' are escapes, as in Ruby.
 * A value starting with "~/" has it replaced by home (as File.expand_path
 * does for client_key). The last assignment of a key wins. */
#ifndef PUSHY_CLI_KNIFE_CONFIG_H
#define PUSHY_CLI_KNIFE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct knife_config {
    char *node_name;       /* malloc'd, or NULL when not set */
    char *client_key;
    char *chef_server_url;
    char *trusted_certs_dir; /* as set, or knife's default (see cli/settings.h) */
    bool ssl_verify_none;    /* ssl_verify_mode :verify_none */
};

/* Parses text[0..len) read from `path` (used for messages and for
 * #{current_dir}). home may be NULL (then "~/" and #{ENV['HOME']} are
 * errors). Values found replace those already in *cfg. Returns 0, or -1
 * with "path:LINE: message" in err (cfg then keeps what was parsed). */
int knife_config_parse(const char *text, size_t len, const char *path, const char *home,
                       struct knife_config *cfg, char *err, size_t errlen);

/* Reads and parses the file at path. Returns 0, or -1 with a message. */
int knife_config_load(const char *path, const char *home, struct knife_config *cfg,
                      char *err, size_t errlen);

/* Replaces *slot with a malloc'd copy of value ("~/" expanded with home).
 * Returns 0, or -1 when out of memory or "~/" without home. */
int knife_config_set(char **slot, const char *value, const char *home);

void knife_config_free(struct knife_config *cfg);

#endif
