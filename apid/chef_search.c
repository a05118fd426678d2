#include "apid/chef_search.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/chef_client.h"
#include "apid/chef_parse.h"
#include "apid/validate.h"
#include "shared/log.h"

/* Pages asked for at most (a server that pages below rows= is followed). */
#define CHEF_SEARCH_MAX_PAGES 1000
/* Only the node's name comes back (a partial search). */
static const char partial_body[] = "{\"name\":[\"name\"]}";

int chef_search_path(char *out, size_t outlen, const char *single_org, const char *org,
                     const char *query, size_t rows, size_t start)
{
    size_t qlen = strlen(query);
    size_t esc_len = 3 * qlen + 1;
    char *esc = malloc(esc_len);
    if (!esc || chef_url_escape(query, esc, esc_len)) {
        free(esc);
        return -1;
    }
    size_t rest_len = esc_len + 128;
    char *rest = malloc(rest_len);
    int n = rest ? snprintf(rest, rest_len, "/search/node?q=%s&rows=%zu&start=%zu", esc, rows,
                            start)
                 : -1;
    free(esc);
    int rc = n < 0 || (size_t)n >= rest_len ? -1
                                            : chef_org_path(out, outlen, single_org, org, rest);
    free(rest);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t chef_search_sort_unique(char **names, size_t n)
{
    if (n == 0)
        return 0;
    qsort(names, n, sizeof *names, cmp_names);
    size_t j = 1;
    for (size_t i = 1; i < n; i++) {
        if (!strcmp(names[i], names[j - 1]))
            free(names[i]);
        else
            names[j++] = names[i];
    }
    return j;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Maps a non-2xx answer of the Chef server. */
static enum node_search_status answer_error(const struct chef_answer *a, const char *org,
                                            char *err, size_t errlen)
{
    char msg[384];
    chef_error_message(a->json, msg, sizeof msg);
    if (a->status == 400) {
        snprintf(err, errlen, "The Chef server rejected the search query%s%s", msg[0] ? ": " : "",
                 msg);
        return NODE_SEARCH_BAD_QUERY;
    }
    LOG_WARN("chef search: org '%s': HTTP %ld: %s", org, a->status, msg);
    if (a->status >= 500) {
        snprintf(err, errlen, "The Chef server failed the search (HTTP %ld); try again shortly",
                 a->status);
        return NODE_SEARCH_UNAVAILABLE;
    }
    if (a->status == 401 || a->status == 403)
        LOG_ERROR("chef search: the Chef server refuses the superuser "
                  "(check chef_server_superuser_name/_key)");
    snprintf(err, errlen, "The Chef server answered the search with HTTP %ld%s%s", a->status,
             msg[0] ? ": " : "", msg);
    return NODE_SEARCH_BAD_GATEWAY;
}

enum node_search_status chef_search_nodes(const char *org, const char *query,
                                          struct node_names *out, char *err, size_t errlen)
{
    out->names = NULL;
    out->n = 0;
    if (!chef_mode()) {
        snprintf(err, errlen, "Chef-server mode is not configured");
        return NODE_SEARCH_ERROR;
    }
    size_t max = chef_search_max();
    size_t path_len = 3 * strlen(query) + 1024;
    char *path = malloc(path_len);
    char **names = NULL;
    size_t n = 0, cap = 0, read = 0;
    enum node_search_status st = NODE_SEARCH_ERROR;
    if (!path) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int page = 0; page < CHEF_SEARCH_MAX_PAGES; page++) {
        /* One more than allowed, to tell "exactly max" from "too many". */
        if (chef_search_path(path, path_len, chef_single_org(), org, query, max + 1 - n, read)) {
            snprintf(err, errlen, "the search query is too long");
            st = NODE_SEARCH_BAD_QUERY;
            goto out;
        }
        struct chef_answer a;
        char why[512];
        enum chef_call c = chef_request("POST", path, partial_body, &a, why, sizeof why);
        if (c != CHEF_CALL_OK) {
            if (c == CHEF_CALL_UNREACHABLE) {
                snprintf(err, errlen, "The Chef server is unavailable; try again shortly");
                st = NODE_SEARCH_UNAVAILABLE;
            } else if (c == CHEF_CALL_BAD_ANSWER) {
                snprintf(err, errlen, "The Chef server sent a bad search answer: %s", why);
                st = NODE_SEARCH_BAD_GATEWAY;
            } else {
                snprintf(err, errlen, "Internal error while searching the Chef server");
                st = NODE_SEARCH_ERROR;
            }
            goto out;
        }
        if (a.status < 200 || a.status >= 300) {
            st = answer_error(&a, org, err, errlen);
            chef_answer_free(&a);
            goto out;
        }
        bool too_many;
        char perr[256];
        int got = chef_search_rows(a.json, &names, &n, &cap, max, &too_many, perr, sizeof perr);
        json_t *total = json_object_get(a.json, "total");
        json_int_t total_n = json_is_integer(total) ? json_integer_value(total) : -1;
        chef_answer_free(&a);
        if (got < 0 && too_many) {
            snprintf(err, errlen,
                     "The search matches more than %zu nodes (chef_search_max_nodes); narrow it",
                     max);
            st = NODE_SEARCH_BAD_QUERY;
            goto out;
        }
        if (got < 0) {
            LOG_WARN("chef search: org '%s': bad answer: %s", org, perr);
            snprintf(err, errlen, "The Chef server sent a bad search answer: %s", perr);
            st = NODE_SEARCH_BAD_GATEWAY;
            goto out;
        }
        read += (size_t)got;
        /* Done unless the server paged below rows= and says more exist. */
        if (got == 0 || total_n < 0 || (json_int_t)read >= total_n) {
            st = NODE_SEARCH_OK;
            break;
        }
    }
    if (st != NODE_SEARCH_OK) {
        snprintf(err, errlen, "The Chef server's search answer did not end");
        st = NODE_SEARCH_BAD_GATEWAY;
        goto out;
    }
    out->n = chef_search_sort_unique(names, n);
    out->names = names;
    names = NULL;
    n = 0;
    {
        char safe[128];
        LOG_DEBUG("chef search: org '%s' q='%s': %zu nodes", org,
                  log_safe(query, safe, sizeof safe), out->n);
    }
out:
    free_names(names, n);
    free(path);
    return st;
}
