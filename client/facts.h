/* The facts pushy-client reports about its node (PUT
 * <chef_server_url>/pushy/nodes/NODE/facts at every config fetch), for
 * search (docs/search.md):
 *
 *   hostname          the host name up to the first '.'
 *   fqdn              the canonical name of the host (resolved once at start)
 *   platform          /etc/os-release ID ("debian", "ubuntu", "rhel"...)
 *   platform_version  /etc/os-release VERSION_ID ("12", "22.04")
 *   os                uname sysname in lower case ("linux"), as Ohai
 *   ipaddress         the IPv4 address of the interface of the default
 *                     route, else the first non-loopback IPv4 address
 *   roles, recipes    from client.rb pushy_roles and json_attribs' run_list
 *   tags              from client.rb pushy_tags and json_attribs' "tags"
 *   (anything else)   custom attributes: json_attribs' other keys, then
 *                     client.rb pushy_attributes over them
 * The gathered facts win over custom attributes of the same name. Facts
 * that can not be found are left out. The parsing and merging are pure;
 * pc_facts_gather does the I/O. */
#ifndef PUSHY_CLIENT_FACTS_H
#define PUSHY_CLIENT_FACTS_H

#include <jansson.h>
#include <stddef.h>

#include "client/options.h"

struct pc_sysfacts {
    char hostname[256], fqdn[256];
    char platform[64], platform_version[64];
    char os[128];
    char ipaddress[64];
};

/* ID and VERSION_ID of an os-release text (quotes and escapes removed;
 * "" when absent). */
void pc_os_release_parse(const char *text, char *id, size_t idcap, char *version,
                         size_t vercap);

/* The interface of the default IPv4 route in a /proc/net/route text. 0, or
 * -1 when there is none. */
int pc_default_route_iface(const char *text, char *iface, size_t cap);

/* Applies a Chef json_attribs document (a JSON object) to the custom
 * attributes, roles, recipes and tags being built: "run_list" entries
 * "role[x]" add x to roles, "recipe[y]" and bare "y" add y to recipes,
 * "tags" (an array of strings) adds tags, every other key is set in attrs.
 * 0, or -1 with a message. */
int pc_json_attribs_apply(const char *text, json_t *attrs, json_t *roles, json_t *recipes,
                          json_t *tags, char *err, size_t errlen);

/* The facts to report: the settings' custom attributes, the json_attribs
 * document json_attribs_text (NULL when none), then the lists and sys.
 * NULL with a message when json_attribs_text is unusable or memory runs out. */
json_t *pc_facts_build(const struct pc_settings *s, const char *json_attribs_text,
                       const struct pc_sysfacts *sys, char *err, size_t errlen);

/* Fills sys from this machine; fqdn is taken as given (resolving it can
 * block, so it is done once at start: client/hostid.h). */
void pc_facts_system(struct pc_sysfacts *sys, const char *fqdn);

/* The whole report: system facts and settings (reads s->json_attribs).
 * NULL with a message on failure. */
json_t *pc_facts_gather(const struct pc_settings *s, const char *fqdn, char *err, size_t errlen);

#endif
