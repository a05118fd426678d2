/* Ruby literals as JSON values, for the client.rb settings that hold
 * data (pushy_roles, pushy_tags, pushy_attributes): "strings" / 'strings'
 * (no #{} interpolation), :symbols (as strings), integers, true, false,
 * nil (null), [arrays] and {hashes} whose keys are strings, symbols or
 * labels (key: value), separated by => (or ':' after a string).
 * Internal to rbconf*.c. */
#ifndef PUSHY_CLIENT_RBVALUE_H
#define PUSHY_CLIENT_RBVALUE_H

#include <jansson.h>

#include "client/rblex.h"

#define RB_VALUE_MAX_DEPTH 32

/* The value starting with token first (already read; its text is taken).
 * key names the setting in messages. Returns a new value, or NULL after
 * rb_perr. */
json_t *rb_value(struct parser *ps, struct tok *first, const char *key, int depth);

#endif
