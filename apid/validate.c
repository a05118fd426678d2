#include "apid/validate.h"

#include <stdint.h>
#include <string.h>
#include <zmq.h>

#include "apid/router.h"

static bool all_in(const char *s, size_t min, size_t max, const char *extra, bool upper)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (const char *c = s; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  (upper && *c >= 'A' && *c <= 'Z') || (*c && strchr(extra, *c));
        if (!ok)
            return false;
    }
    return true;
}

bool valid_org_name(const char *s)
{
    if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    return all_in(s, 1, 255, "_-", false);
}

bool valid_node_name(const char *s) { return all_in(s, 1, 255, "_.:-", true); }

bool valid_user_name(const char *s) { return all_in(s, 1, 255, "_.-", true); }

bool valid_actor_name(const char *s) { return valid_node_name(s) || valid_user_name(s); }

static const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

enum ccpk_result ccpk_from_query(const char *query, char out[41])
{
    char buf[128];
    long n = query_get(query, "ccpk", buf, sizeof buf);
    if (n == -1)
        return CCPK_MISSING;
    if (n != 40)
        return CCPK_BAD;
    for (int i = 0; i < 40; i++)
        if (!strchr(z85_chars, buf[i]) || buf[i] == '\0')
            return CCPK_BAD;
    uint8_t raw[32];
    if (!zmq_z85_decode(raw, buf))
        return CCPK_BAD;
    memcpy(out, buf, 41);
    return CCPK_OK;
}

char *log_safe(const char *s, char *out, size_t cap)
{
    if (cap == 0)
        return out;
    size_t i = 0;
    for (; s && s[i] && i + 1 < cap; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[i] = '\0';
    return out;
}
