#include "client/facts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "shared/errbuf.h"
#include "shared/fsutil.h"

/* ---- os-release ---- */

/* An os-release value: unquoted, or in "..." / '...' with \-escapes. */
static void unquote(const char *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    char q = n > 0 && (v[0] == '"' || v[0] == '\'') ? v[0] : 0;
    size_t i = q ? 1 : 0;
    for (; i < n && o + 1 < cap; i++) {
        if (q && v[i] == q)
            break;
        if (q == '"' && v[i] == '\\' && i + 1 < n)
            i++;
        out[o++] = v[i];
    }
    out[o] = '\0';
}

void pc_os_release_parse(const char *text, char *id, size_t idcap, char *version, size_t vercap)
{
    id[0] = version[0] = '\0';
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n > 3 && !strncmp(line, "ID=", 3))
            unquote(line + 3, n - 3, id, idcap);
        else if (n > 11 && !strncmp(line, "VERSION_ID=", 11))
            unquote(line + 11, n - 11, version, vercap);
        line = end ? end + 1 : NULL;
    }
}

/* ---- default route ---- */

int pc_default_route_iface(const char *text, char *iface, size_t cap)
{
    const char *line = strchr(text, '\n'); /* skip the header */
    while (line && *++line) {
        char name[IF_NAMESIZE + 1];
        unsigned long dest, gw, flags;
        if (sscanf(line, "%16s %lx %lx %lx", name, &dest, &gw, &flags) == 4 && dest == 0 &&
            (flags & 0x1) /* RTF_UP */) {
            if (strlen(name) >= cap)
                return -1;
            memcpy(iface, name, strlen(name) + 1);
            return 0;
        }
        line = strchr(line, '\n');
    }
    return -1;
}

/* ---- json_attribs ---- */

static int add_unique(json_t *list, const char *s)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (!strcmp(json_string_value(e), s))
            return 0;
    }
    return json_array_append_new(list, json_string(s));
}

/* "role[x]" -> x into roles, "recipe[y]" or "y" -> y into recipes. */
static int run_list_item(const char *item, json_t *roles, json_t *recipes, char *err,
                         size_t errlen)
{
    size_t n = strlen(item);
    const char *open = strchr(item, '[');
    if (!open)
        return n ? add_unique(recipes, item) : errbuf_fail(err, errlen, "empty run_list item");
    size_t kind = (size_t)(open - item);
    if (n < kind + 3 || item[n - 1] != ']')
        return errbuf_fail(err, errlen, "run_list item '%.100s' is not role[NAME] or "
                           "recipe[NAME]", item);
    char name[256];
    size_t len = n - kind - 2;
    if (len >= sizeof name)
        return errbuf_fail(err, errlen, "run_list item '%.100s' is too long", item);
    memcpy(name, open + 1, len);
    name[len] = '\0';
    if (kind == 4 && !strncmp(item, "role", 4))
        return add_unique(roles, name);
    if (kind == 6 && !strncmp(item, "recipe", 6))
        return add_unique(recipes, name);
    return errbuf_fail(err, errlen, "run_list item '%.100s' is not role[NAME] or recipe[NAME]",
                       item);
}

static int string_items(json_t *v, const char *what, json_t *into, json_t *roles,
                        json_t *recipes, char *err, size_t errlen)
{
    if (!json_is_array(v))
        return errbuf_fail(err, errlen, "json_attribs: '%s' must be an array of strings", what);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        const char *s = json_string_value(e);
        if (!s)
            return errbuf_fail(err, errlen, "json_attribs: '%s' item %zu is not a string", what, i);
        int rc = into ? add_unique(into, s) : run_list_item(s, roles, recipes, err, errlen);
        if (rc)
            return into ? errbuf_fail(err, errlen, "out of memory") : -1;
    }
    return 0;
}

int pc_json_attribs_apply(const char *text, json_t *attrs, json_t *roles, json_t *recipes,
                          json_t *tags, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return errbuf_fail(err, errlen, "json_attribs: line %d: %s", je.line, je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = errbuf_fail(err, errlen, "json_attribs: expected a JSON object");
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (!strcmp(k, "run_list"))
            rc = string_items(v, k, NULL, roles, recipes, err, errlen);
        else if (!strcmp(k, "tags"))
            rc = string_items(v, k, tags, NULL, NULL, err, errlen);
        else if (json_object_set(attrs, k, v))
            rc = errbuf_fail(err, errlen, "out of memory");
        if (rc)
            break;
    }
out:
    json_decref(root);
    return rc;
}

/* ---- building the report ---- */

static int set_fact(json_t *o, const char *key, const char *value)
{
    if (!value[0])
        return 0;
    return json_object_set_new(o, key, json_string(value));
}

static int add_all(json_t *into, const json_t *list)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (json_is_string(e) && add_unique(into, json_string_value(e)))
            return -1;
    }
    return 0;
}

json_t *pc_facts_build(const struct pc_settings *s, const char *json_attribs_text,
                       const struct pc_sysfacts *sys, char *err, size_t errlen)
{
    json_t *attrs = json_object(), *roles = json_array(), *recipes = json_array(),
           *tags = json_array();
    if (!attrs || !roles || !recipes || !tags) {
        errbuf_fail(err, errlen, "out of memory");
        goto fail;
    }
    if (json_attribs_text &&
        pc_json_attribs_apply(json_attribs_text, attrs, roles, recipes, tags, err, errlen))
        goto fail;
    int rc = 0;
    if (s->facts_attrs)
        rc |= json_object_update(attrs, s->facts_attrs);
    if (s->facts_roles)
        rc |= add_all(roles, s->facts_roles);
    if (s->facts_tags)
        rc |= add_all(tags, s->facts_tags);
    rc |= json_object_set(attrs, "roles", roles);
    rc |= json_object_set(attrs, "recipes", recipes);
    rc |= json_object_set(attrs, "tags", tags);
    rc |= set_fact(attrs, "hostname", sys->hostname) | set_fact(attrs, "fqdn", sys->fqdn) |
          set_fact(attrs, "platform", sys->platform) |
          set_fact(attrs, "platform_version", sys->platform_version) |
          set_fact(attrs, "os", sys->os) | set_fact(attrs, "ipaddress", sys->ipaddress);
    if (rc) {
        errbuf_fail(err, errlen, "out of memory");
        goto fail;
    }
    json_decref(roles);
    json_decref(recipes);
    json_decref(tags);
    return attrs;
fail:
    json_decref(attrs);
    json_decref(roles);
    json_decref(recipes);
    json_decref(tags);
    return NULL;
}

/* ---- this machine ---- */

/* The IPv4 address of iface (or of the first non-loopback interface that is
 * up, when iface is NULL). */
static void ipv4_of(const char *iface, char *out, size_t cap)
{
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) != 0)
        return;
    for (struct ifaddrs *a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP) ||
            (a->ifa_flags & IFF_LOOPBACK))
            continue;
        if (iface && strcmp(a->ifa_name, iface))
            continue;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)a->ifa_addr;
        if (inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)cap))
            break;
        out[0] = '\0';
    }
    freeifaddrs(list);
}

void pc_facts_system(struct pc_sysfacts *sys, const char *fqdn)
{
    memset(sys, 0, sizeof *sys);
    if (gethostname(sys->hostname, sizeof sys->hostname - 1) == 0)
        sys->hostname[strcspn(sys->hostname, ".")] = '\0';
    else
        sys->hostname[0] = '\0';
    snprintf(sys->fqdn, sizeof sys->fqdn, "%s", fqdn ? fqdn : "");
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(sys->os, sizeof sys->os, "%s", u.sysname);
        for (char *p = sys->os; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    size_t len;
    char *text = read_file("/etc/os-release", 65536, &len);
    if (!text)
        text = read_file("/usr/lib/os-release", 65536, &len);
    if (text) {
        pc_os_release_parse(text, sys->platform, sizeof sys->platform, sys->platform_version,
                            sizeof sys->platform_version);
        free(text);
    }
    char iface[IF_NAMESIZE + 1];
    text = read_file("/proc/net/route", 1 << 20, &len);
    bool have_iface = text && pc_default_route_iface(text, iface, sizeof iface) == 0;
    free(text);
    if (have_iface)
        ipv4_of(iface, sys->ipaddress, sizeof sys->ipaddress);
    if (!sys->ipaddress[0])
        ipv4_of(NULL, sys->ipaddress, sizeof sys->ipaddress);
}

json_t *pc_facts_gather(const struct pc_settings *s, const char *fqdn, char *err, size_t errlen)
{
    struct pc_sysfacts sys;
    pc_facts_system(&sys, fqdn);
    char *text = NULL;
    if (s->json_attribs[0]) {
        size_t len;
        text = read_file(s->json_attribs, 1 << 20, &len);
        if (!text) {
            errbuf_fail(err, errlen, "json_attribs %s: %s", s->json_attribs, strerror(errno));
            return NULL;
        }
    }
    json_t *facts = pc_facts_build(s, text, &sys, err, errlen);
    free(text);
    return facts;
}
