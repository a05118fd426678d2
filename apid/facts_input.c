#include "apid/facts_input.h"

#include <string.h>

#include "apid/validate.h"
#include "shared/errbuf.h"

static const char *const string_facts[] = {
    "hostname", "fqdn", "platform", "platform_version", "os", "ipaddress",
};
static const char *const list_facts[] = { "roles", "recipes", "tags" };

static int check_value(const char *key, const json_t *v, int depth, char *err, size_t errlen)
{
    char safe[64];
    if (depth > FACTS_MAX_DEPTH)
        return errbuf_fail(err, errlen, "invalid facts: '%s' is nested deeper than %d levels",
                           log_safe(key, safe, sizeof safe), FACTS_MAX_DEPTH);
    const char *k;
    const json_t *e;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (strlen(json_string_value(v)) != json_string_length(v))
            return errbuf_fail(err, errlen, "invalid facts: a value of '%s' contains a NUL "
                               "character", log_safe(key, safe, sizeof safe));
        return 0;
    case JSON_OBJECT:
        json_object_foreach((json_t *)v, k, e) {
            if (check_value(k, e, depth + 1, err, errlen))
                return -1;
        }
        return 0;
    case JSON_ARRAY:
        json_array_foreach(v, i, e) {
            if (check_value(key, e, depth + 1, err, errlen))
                return -1;
        }
        return 0;
    default:
        return 0;
    }
}

static int string_list(const char *key, const json_t *v, char *err, size_t errlen)
{
    if (!json_is_array(v))
        return errbuf_fail(err, errlen, "invalid facts: '%s' must be an array of strings", key);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            return errbuf_fail(err, errlen, "invalid facts: '%s' item %zu must be a string", key,
                               i);
    }
    return 0;
}

int facts_validate(const json_t *attrs, char *err, size_t errlen)
{
    if (!json_is_object(attrs))
        return errbuf_fail(err, errlen, "invalid facts: expected a JSON object of attributes");
    for (size_t i = 0; i < sizeof string_facts / sizeof *string_facts; i++) {
        const json_t *v = json_object_get(attrs, string_facts[i]);
        if (v && !json_is_string(v))
            return errbuf_fail(err, errlen, "invalid facts: '%s' must be a string",
                               string_facts[i]);
    }
    for (size_t i = 0; i < sizeof list_facts / sizeof *list_facts; i++) {
        const json_t *v = json_object_get(attrs, list_facts[i]);
        if (v && string_list(list_facts[i], v, err, errlen))
            return -1;
    }
    return check_value("(top)", attrs, 1, err, errlen);
}
