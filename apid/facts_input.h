/* Validation of PUT nodes/NODE/facts bodies at the edge (pure code).
 *
 * The body is a JSON object of the node's attributes, at most
 * FACTS_MAX_BODY bytes (413 beyond). The well-known facts must have their
 * types: hostname, fqdn, platform, platform_version, os, ipaddress are
 * strings; roles, recipes, tags are arrays of strings. Other keys hold any
 * JSON (custom attributes). Nowhere a string or key with a NUL character
 * (PostgreSQL's jsonb can not store one), nor nesting deeper than
 * FACTS_MAX_DEPTH. Every rejection is a 400 naming the key. */
#ifndef PUSHY_APID_FACTS_INPUT_H
#define PUSHY_APID_FACTS_INPUT_H

#include <jansson.h>
#include <stddef.h>

#define FACTS_MAX_BODY 65536
#define FACTS_MAX_DEPTH 32

/* 0, or -1 with the 400 message in err. */
int facts_validate(const json_t *attrs, char *err, size_t errlen);

#endif
