/* This host's names, as Ohai gives them to the original client: the host
 * name (gethostname) and the fqdn (the canonical name of the host name,
 * what `hostname --fqdn` prints). Used for the node name of last resort
 * (client.rb without node_name: fqdn, else the host name up to the first
 * '.', as the original's `ohai[:fqdn] || ohai[:hostname]`) and for the
 * hostname/fqdn facts (client/facts.h). Resolved once at start, with a
 * bound: a dead resolver delays the start by at most the timeout. */
#ifndef PUSHY_CLIENT_HOSTID_H
#define PUSHY_CLIENT_HOSTID_H

#include <stddef.h>

#define PC_FQDN_TIMEOUT_MS 2000

struct pc_host {
    char hostname[256]; /* gethostname as is; "" when it failed */
    char fqdn[256];     /* canonical name; "" when it could not be resolved */
};

/* The canonical name of name (getaddrinfo AI_CANONNAME, asynchronous, at
 * most timeout_ms). 0 with out set, or -1 (not resolved in time, no
 * canonical name, or it does not fit). */
int pc_canonical_name(const char *name, int timeout_ms, char *out, size_t cap);

/* Fills h from this machine (gethostname, then pc_canonical_name). */
void pc_host_lookup(struct pc_host *h, int timeout_ms);

/* The original's fallback node name: h->fqdn, else h->hostname up to the
 * first '.'. *source is "fqdn" or "hostname". 0, or -1 when neither is
 * known or it does not fit in cap. */
int pc_host_node_name(const struct pc_host *h, char *out, size_t cap, const char **source);

#endif
