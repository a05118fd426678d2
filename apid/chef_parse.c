#include "apid/chef_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/validate.h"

/* A PEM key is ~450 bytes (RSA 2048) to ~3 KB (RSA 8192 certificate). */
#define CHEF_PEM_MAX 16384

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

int chef_url_escape(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t need = unreserved(*p) ? 1 : 3;
        if (j + need >= outlen)
            return -1;
        if (need == 1) {
            out[j++] = (char)*p;
        } else {
            out[j++] = '%';
            out[j++] = hex[*p >> 4];
            out[j++] = hex[*p & 15];
        }
    }
    if (j >= outlen)
        return -1;
    out[j] = '\0';
    return 0;
}

int chef_org_path(char *out, size_t outlen, const char *single_org, const char *org,
                  const char *rest)
{
    if (!rest || rest[0] != '/')
        return -1;
    int n;
    if (single_org && single_org[0]) {
        n = snprintf(out, outlen, "%s", rest);
    } else {
        char esc[3 * 256 + 1];
        if (!org || !org[0] || chef_url_escape(org, esc, sizeof esc))
            return -1;
        n = snprintf(out, outlen, "/organizations/%s%s", esc, rest);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int chef_join_url(char *out, size_t outlen, const char *base, const char *path)
{
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    int n = snprintf(out, outlen, "%.*s%s", (int)bl, base, path);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void chef_error_message(const json_t *body, char *out, size_t outlen)
{
    out[0] = '\0';
    const json_t *e = json_is_object(body) ? json_object_get(body, "error") : NULL;
    if (json_is_array(e) && json_array_size(e) > 0)
        e = json_array_get(e, 0);
    if (!json_is_string(e))
        return;
    const char *s = json_string_value(e);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    snprintf(out, outlen, "%s", s);
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\n' || out[n - 1] == '\r' ||
                     out[n - 1] == '\t'))
        out[--n] = '\0';
    for (char *c = out; *c; c++) /* one line of printable text */
        if ((unsigned char)*c < ' ' || (unsigned char)*c == 0x7f)
            *c = ' ';
}

const char *chef_public_key(const json_t *body)
{
    const json_t *k = json_is_object(body) ? json_object_get(body, "public_key") : NULL;
    if (!json_is_string(k))
        return NULL;
    const char *pem = json_string_value(k);
    size_t len = json_string_length(k);
    if (len == 0 || len > CHEF_PEM_MAX || strlen(pem) != len || strncmp(pem, "-----BEGIN ", 11))
        return NULL;
    return pem;
}

bool chef_key_expired(const json_t *body, time_t now)
{
    const json_t *e = json_is_object(body) ? json_object_get(body, "expiration_date") : NULL;
    if (!e || json_is_null(e))
        return false;
    const char *s = json_string_value(e);
    if (!s)
        return true;
    if (!strcmp(s, "infinity"))
        return false;
    struct tm tm = { 0 };
    char z = 0;
    int end = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &end) != 7 || z != 'Z' ||
        s[end] != '\0')
        return true;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t at = timegm(&tm);
    return at == (time_t)-1 || at <= now;
}

bool chef_admin_flag(const json_t *body)
{
    const json_t *a = json_is_object(body) ? json_object_get(body, "admin") : NULL;
    return json_is_true(a);
}

static bool list_has(const json_t *list, const char *name)
{
    if (!json_is_array(list))
        return false;
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), name))
            return true;
    return false;
}

bool chef_group_has_actor(const json_t *group, bool is_client, const char *name)
{
    if (!json_is_object(group))
        return false;
    const json_t *typed = json_object_get(group, is_client ? "clients" : "users");
    if (json_is_array(typed))
        return list_has(typed, name);
    return list_has(json_object_get(group, "actors"), name);
}

const json_t *chef_group_subgroups(const json_t *group)
{
    const json_t *g = json_is_object(group) ? json_object_get(group, "groups") : NULL;
    return json_is_array(g) ? g : NULL;
}

/* The node name of one search row, or NULL. */
static const char *row_name(const json_t *row)
{
    if (!json_is_object(row))
        return NULL;
    const json_t *data = json_object_get(row, "data");
    const json_t *name = json_object_get(json_is_object(data) ? data : row, "name");
    return json_is_string(name) ? json_string_value(name) : NULL;
}

int chef_search_rows(const json_t *body, char ***names, size_t *n, size_t *cap, size_t max,
                     bool *too_many, char *err, size_t errlen)
{
    *too_many = false;
    const json_t *rows = json_is_object(body) ? json_object_get(body, "rows") : NULL;
    if (!json_is_array(rows)) {
        snprintf(err, errlen, "the search answer has no \"rows\" array");
        return -1;
    }
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        const char *name = row_name(row);
        if (!name) {
            snprintf(err, errlen, "search row %zu has no node name", i);
            return -1;
        }
        if (!valid_node_name(name)) {
            char safe[64];
            snprintf(err, errlen, "search row %zu names an invalid node name '%s'", i,
                     log_safe(name, safe, sizeof safe));
            return -1;
        }
        if (*n >= max) {
            *too_many = true;
            snprintf(err, errlen, "the search matches more than %zu nodes", max);
            return -1;
        }
        if (*n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            char **t = realloc(*names, ncap * sizeof *t);
            if (!t) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            *names = t;
            *cap = ncap;
        }
        char *copy = strdup(name);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        (*names)[(*n)++] = copy;
    }
    return (int)json_array_size(rows);
}
