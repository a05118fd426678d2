/* Chef-server mode pieces that need no Chef server: path building, the
 * readers of Chef answers, config validation, and apid's Chef API client
 * against a local HTTP server (signature, size limit, timeout, JSON
 * checks, Chef search paging and error mapping). */
#include <criterion/criterion.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apid/authz.h"
#include "apid/chef_client.h"
#include "apid/chef_parse.h"
#include "apid/chef_search.h"
#include "apid/identity_chef.h"
#include "shared/chef_auth.h"
#include "shared/config.h"

static char err[512];

/* ---- paths ---- */

Test(chef_parse, url_escape)
{
    char out[64];
    cr_assert_eq(chef_url_escape("role:web AND name:a*", out, sizeof out), 0);
    cr_assert_str_eq(out, "role%3Aweb%20AND%20name%3Aa%2A");
    cr_assert_eq(chef_url_escape("a.b-c_d~e", out, sizeof out), 0);
    cr_assert_str_eq(out, "a.b-c_d~e");
    cr_assert_eq(chef_url_escape("+/%&?#\xc3\xa9", out, sizeof out), 0);
    cr_assert_str_eq(out, "%2B%2F%25%26%3F%23%C3%A9");
    cr_assert_eq(chef_url_escape("::::", out, 12), -1, "does not fit");
    cr_assert_eq(chef_url_escape("ab", out, 3), 0);
    cr_assert_eq(chef_url_escape("abc", out, 3), -1);
}

Test(chef_parse, org_paths)
{
    char out[128];
    cr_assert_eq(chef_org_path(out, sizeof out, NULL, "acme", "/clients/n1"), 0);
    cr_assert_str_eq(out, "/organizations/acme/clients/n1");
    cr_assert_eq(chef_org_path(out, sizeof out, "", "acme", "/groups/admins"), 0);
    cr_assert_str_eq(out, "/organizations/acme/groups/admins");
    cr_assert_eq(chef_org_path(out, sizeof out, "ponyville", "ponyville", "/clients/n1"), 0);
    cr_assert_str_eq(out, "/clients/n1", "a single-org server has its objects at the root");
    cr_assert_eq(chef_org_path(out, sizeof out, NULL, "acme", "clients"), -1, "rest needs a /");
    cr_assert_eq(chef_org_path(out, sizeof out, NULL, "", "/x"), -1, "no org");
    cr_assert_eq(chef_org_path(out, 20, NULL, "acme", "/clients/n1"), -1, "too long");

    cr_assert_eq(chef_join_url(out, sizeof out, "https://chef.example.com//", "/users/a"), 0);
    cr_assert_str_eq(out, "https://chef.example.com/users/a");
    cr_assert_eq(chef_join_url(out, sizeof out, "http://h:4545", "/nodes"), 0);
    cr_assert_str_eq(out, "http://h:4545/nodes");
    cr_assert_eq(chef_join_url(out, 10, "http://h:4545", "/nodes"), -1);
}

Test(chef_search, page_paths)
{
    char out[256];
    cr_assert_eq(chef_search_path(out, sizeof out, NULL, "acme", "role:web AND tier:a b", 1001, 0),
                 0);
    cr_assert_str_eq(out, "/organizations/acme/search/node?q=role%3Aweb%20AND%20tier%3Aa%20b"
                          "&rows=1001&start=0");
    cr_assert_eq(chef_search_path(out, sizeof out, "one", "one", "name:x&rows=1", 5, 10), 0);
    cr_assert_str_eq(out, "/search/node?q=name%3Ax%26rows%3D1&rows=5&start=10",
                     "the query cannot add parameters");
    cr_assert_eq(chef_search_path(out, 40, NULL, "acme", "role:web", 1, 0), -1);
}

/* ---- answers ---- */

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "%s: %s", text, e.text);
    return j;
}

Test(chef_parse, error_messages)
{
    char msg[64];
    json_t *j = J("{\"error\": [\" parse error near (\\n\", \"second\"]}");
    chef_error_message(j, msg, sizeof msg);
    cr_assert_str_eq(msg, "parse error near (");
    json_decref(j);
    j = J("{\"error\": \"bad\\tthing\"}");
    chef_error_message(j, msg, sizeof msg);
    cr_assert_str_eq(msg, "bad thing", "control characters become spaces");
    json_decref(j);
    j = J("{\"error\": [42]}");
    chef_error_message(j, msg, sizeof msg);
    cr_assert_str_eq(msg, "");
    json_decref(j);
    chef_error_message(NULL, msg, sizeof msg);
    cr_assert_str_eq(msg, "");
}

Test(chef_parse, public_keys_and_admin_flags)
{
    json_t *j = J("{\"name\":\"n1\",\"admin\":true,\"public_key\":\"-----BEGIN PUBLIC KEY-----\\nAB\\n"
                  "-----END PUBLIC KEY-----\\n\"}");
    cr_assert_not_null(chef_public_key(j));
    cr_assert(chef_admin_flag(j));
    json_decref(j);
    j = J("{\"public_key\":\"not a key\",\"admin\":\"true\"}");
    cr_assert_null(chef_public_key(j));
    cr_assert_not(chef_admin_flag(j), "only a JSON true is admin");
    json_decref(j);
    j = json_pack("{s:s%}", "public_key", "-----BEGIN PUBLIC KEY-----\0x", (size_t)28);
    cr_assert_not_null(j);
    cr_assert_null(chef_public_key(j), "an embedded NUL");
    json_decref(j);
    j = J("{\"public_key\":null}");
    cr_assert_null(chef_public_key(j));
    cr_assert_not(chef_admin_flag(j));
    json_decref(j);
    cr_assert_null(chef_public_key(NULL));
}

Test(chef_parse, group_membership)
{
    json_t *g = J("{\"groupname\":\"pushy_job_writers\",\"actors\":[\"alice\",\"n1\"],"
                  "\"users\":[\"alice\"],\"clients\":[\"n1\"],\"groups\":[\"ops\",7]}");
    cr_assert(chef_group_has_actor(g, false, "alice"));
    cr_assert_not(chef_group_has_actor(g, true, "alice"), "alice is a user, not a client");
    cr_assert(chef_group_has_actor(g, true, "n1"));
    cr_assert_not(chef_group_has_actor(g, false, "n1"));
    cr_assert_not(chef_group_has_actor(g, false, "bob"));
    const json_t *subs = chef_group_subgroups(g);
    cr_assert_eq(json_array_size(subs), 2);
    json_decref(g);
    g = J("{\"actors\":[\"alice\"]}");
    cr_assert(chef_group_has_actor(g, false, "alice"), "a server that only lists actors");
    cr_assert(chef_group_has_actor(g, true, "alice"));
    cr_assert_null(chef_group_subgroups(g));
    json_decref(g);
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

Test(chef_parse, search_rows)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool too_many;
    json_t *a = J("{\"total\":3,\"start\":0,\"rows\":[{\"url\":\"u\",\"data\":{\"name\":\"web2\"}},"
                  "{\"data\":{\"name\":\"web1\"}},{\"name\":\"db1\",\"run_list\":[]}]}");
    cr_assert_eq(chef_search_rows(a, &names, &n, &cap, 10, &too_many, err, sizeof err), 3, "%s",
                 err);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(names[0], "web2");
    cr_assert_str_eq(names[2], "db1", "a full (non-partial) row");
    n = chef_search_sort_unique(names, n);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(names[0], "db1");
    cr_assert_str_eq(names[1], "web1");
    /* More rows append, up to max. */
    cr_assert_eq(chef_search_rows(a, &names, &n, &cap, 5, &too_many, err, sizeof err), -1);
    cr_assert(too_many);
    cr_assert_str_eq(err, "the search matches more than 5 nodes");
    free_list(names, n);
    json_decref(a);

    static const char *const bad[] = {
        "{\"rows\":{}}", "{}", "[]", "{\"rows\":[{\"data\":{}}]}", "{\"rows\":[{\"data\":{\"name\":1}}]}",
        "{\"rows\":[{\"data\":{\"name\":\"a b\"}}]}", "{\"rows\":[7]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        names = NULL;
        n = cap = 0;
        a = J(bad[i]);
        cr_assert_eq(chef_search_rows(a, &names, &n, &cap, 10, &too_many, err, sizeof err), -1,
                     "%s", bad[i]);
        cr_assert_not(too_many);
        free_list(names, n);
        json_decref(a);
    }
}

Test(chef_search, sort_unique_frees_duplicates)
{
    char *v[] = { strdup("b"), strdup("a"), strdup("b"), strdup("a"), strdup("c") };
    size_t n = chef_search_sort_unique(v, 5);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(v[0], "a");
    cr_assert_str_eq(v[1], "b");
    cr_assert_str_eq(v[2], "c");
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    cr_assert_eq(chef_search_sort_unique(NULL, 0), 0);
}

/* ---- config ---- */

static int validate(const char *text)
{
    static struct pushy_config c;
    config_defaults(&c);
    err[0] = '\0';
    if (config_parse_string(&c, text, "t.conf", err, sizeof err))
        return -2;
    return config_validate(&c, err, sizeof err);
}

Test(chef_config, defaults_and_validation)
{
    struct pushy_config c;
    config_defaults(&c);
    cr_assert_str_eq(c.chef_server_url, "");
    cr_assert_str_eq(c.chef_server_superuser_name, "pivotal");
    cr_assert(c.chef_server_ssl_verify, "TLS verification is on by default");
    cr_assert_eq(validate(""), 0, "standalone");
    cr_assert_eq(validate("chef_server_url = https://chef.example.com\n"), 0, "%s", err);
    cr_assert_eq(validate("chef_server_url = http://127.0.0.1:4545/\n"
                          "chef_server_superuser_key = /k.pem\n"
                          "chef_server_single_org = ponyville\n"
                          "chef_server_ca_file = /etc/ssl/ca.pem\n"),
                 0, "%s", err);
    cr_assert_eq(validate("chef_server_url = ftp://chef\n"), -1);
    cr_assert(strstr(err, "https://"), "%s", err);
    cr_assert_eq(validate("chef_server_url = https://\n"), -1);
    cr_assert(strstr(err, "no host"), "%s", err);
    cr_assert_eq(validate("chef_server_url = https://chef/organizations/acme\n"), -1);
    cr_assert(strstr(err, "without /organizations"), "%s", err);
    cr_assert_eq(validate("chef_server_url = https://u:p@chef\n"), -1);
    cr_assert_eq(validate("chef_server_url = https://chef?x=1\n"), -1);
    cr_assert_eq(validate("chef_server_url = https://chef\nchef_server_superuser_key = k.pem\n"),
                 -1);
    cr_assert(strstr(err, "absolute"), "%s", err);
    cr_assert_eq(validate("chef_server_url = https://chef\nchef_server_ca_file = ca.pem\n"), -1);
    cr_assert_eq(validate("chef_server_url = https://chef\nchef_server_superuser_name =\n"), -1);
    cr_assert_eq(validate("chef_server_url = https://chef\nchef_server_single_org = Pony Ville\n"),
                 -1);
    cr_assert_eq(validate("chef_server_single_org = ponyville\n"), -1, "needs a URL");
    cr_assert_eq(validate("chef_server_timeout = 0\n"), -2, "out of range");
    cr_assert_eq(validate("chef_search_max_nodes = 0\n"), -2, "out of range");
}

Test(chef_config, config_load_validates)
{
    char path[] = "/tmp/chef-unit-conf.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    static const char text[] = "chef_server_url = https://chef/organizations/acme\n";
    cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    struct pushy_config c;
    cr_assert_eq(config_load(&c, path, false, err, sizeof err), -1);
    cr_assert(strstr(err, "/organizations"), "%s", err);
    unlink(path);
}

/* ---- the client against a local HTTP server ---- */

struct upload {
    char body[4096];
    size_t len;
};

static EVP_PKEY *server_pub; /* verifies what the client signs */
static int verified_requests;

static const char *mhd_header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *body)
{
    return reply(c, status, body, strlen(body));
}

#define PEM1 "-----BEGIN PUBLIC KEY-----\\nONE\\n-----END PUBLIC KEY-----\\n"
#define PEM2 "-----BEGIN PUBLIC KEY-----\\nTWO\\n-----END PUBLIC KEY-----\\n"

/* A Chef Infra Server's org-scoped objects (multi-org mode). */
static const struct {
    const char *path;
    unsigned status;
    const char *body;
} objects[] = {
    { "/organizations/acme", 200, "{\"name\":\"acme\"}" },
    { "/organizations/acme/clients/n1", 200, "{\"name\":\"n1\",\"public_key\":\"" PEM1 "\"}" },
    /* API v1 style: no public_key in the object, the key under keys/default */
    { "/organizations/acme/clients/v1only", 200, "{\"name\":\"v1only\"}" },
    { "/organizations/acme/clients/v1only/keys/default", 200, "{\"public_key\":\"" PEM2 "\"}" },
    { "/organizations/acme/clients/broken", 502, "{\"error\":[\"bad gateway\"]}" },
    { "/organizations/acme/clients/denied", 403, "{\"error\":[\"missing read permission\"]}" },
    { "/users/alice", 200, "{\"username\":\"alice\",\"public_key\":\"" PEM2 "\"}" },
    { "/organizations/acme/users/alice", 200, "{\"username\":\"alice\"}" },
    { "/users/olga", 200, "{\"username\":\"olga\",\"public_key\":\"" PEM1 "\"}" },
    { "/users/bob", 200, "{\"username\":\"bob\",\"public_key\":\"" PEM1 "\"}" },
    { "/organizations/acme/users/bob", 200, "{}" },
    /* admins <- ops <- admins: a cycle; alice is an admin through ops */
    { "/organizations/acme/groups/admins", 200,
      "{\"actors\":[],\"users\":[],\"clients\":[],\"groups\":[\"ops\"]}" },
    { "/organizations/acme/groups/ops", 200,
      "{\"actors\":[\"alice\"],\"users\":[\"alice\"],\"clients\":[],\"groups\":[\"admins\",\"ops\"]}" },
    { "/organizations/acme/groups/pushy_job_readers", 200,
      "{\"actors\":[\"bob\",\"n1\"],\"users\":[\"bob\"],\"clients\":[\"n1\"],\"groups\":[]}" },
    /* pushy_job_writers does not exist: 404 */
};

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *data_len, void **state)
{
    (void)cls;
    (void)version;
    struct upload *u = *state;
    if (!u) {
        *state = calloc(1, sizeof *u);
        return *state ? MHD_YES : MHD_NO;
    }
    if (*data_len) {
        size_t n = *data_len < sizeof u->body - u->len - 1 ? *data_len : 0;
        memcpy(u->body + u->len, data, n);
        u->len += n;
        *data_len = 0;
        return MHD_YES;
    }
    /* Every request must carry a valid signature of the superuser. */
    chef_auth_request req;
    char why[256];
    if (chef_auth_parse_request(mhd_header, c, method, url, u->body, u->len, time(NULL), 900,
                                &req, why, sizeof why) != CHEF_AUTH_OK ||
        chef_auth_verify_signature(&req, server_pub, why, sizeof why) != CHEF_AUTH_OK ||
        strcmp(req.user_id, "pivotal")) {
        chef_auth_request_free(&req);
        return reply_text(c, 401, "{\"error\":[\"bad signature\"]}");
    }
    chef_auth_request_free(&req);
    __atomic_add_fetch(&verified_requests, 1, __ATOMIC_SEQ_CST);
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        if (!strcmp(method, "GET") && !strcmp(url, objects[i].path))
            return reply_text(c, objects[i].status, objects[i].body);
    if (!strcmp(url, "/ok"))
        return reply_text(c, 200, "{\"a\":1}");
    if (!strcmp(url, "/notjson"))
        return reply_text(c, 200, "hello");
    if (!strcmp(url, "/array"))
        return reply_text(c, 200, "[1]");
    if (!strcmp(url, "/missing"))
        return reply_text(c, 404, "{\"error\":[\"not found\"]}");
    if (!strcmp(url, "/big")) {
        size_t n = (size_t)CHEF_MAX_ANSWER + 10;
        char *b = malloc(n);
        if (!b)
            return MHD_NO;
        memset(b, ' ', n);
        b[0] = '{';
        b[n - 1] = '}';
        struct MHD_Response *r = MHD_create_response_from_buffer(n, b, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result rc = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return rc;
    }
    if (!strcmp(url, "/slow")) {
        sleep(3);
        return reply_text(c, 200, "{}");
    }
    if (!strcmp(url, "/search/node") && !strcmp(method, "POST")) {
        const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
        const char *start = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "start");
        if (strcmp(u->body, "{\"name\":[\"name\"]}"))
            return reply_text(c, 500, "{}");
        if (q && !strcmp(q, "bad:("))
            return reply_text(c, 400, "{\"error\":[\"parse error near (\"]}");
        if (q && !strcmp(q, "boom:1"))
            return reply_text(c, 503, "{}");
        if (q && !strcmp(q, "weird:1"))
            return reply_text(c, 200, "{\"rows\":[{\"data\":{\"name\":\"x y\"}}]}");
        /* Pages of two rows whatever rows= says, like a capped server. */
        static const char *const pages[] = {
            "{\"total\":5,\"start\":0,\"rows\":[{\"data\":{\"name\":\"web3\"}},"
            "{\"data\":{\"name\":\"web1\"}}]}",
            "{\"total\":5,\"start\":2,\"rows\":[{\"data\":{\"name\":\"web2\"}},"
            "{\"data\":{\"name\":\"web1\"}}]}",
            "{\"total\":5,\"start\":4,\"rows\":[{\"data\":{\"name\":\"db1\"}}]}",
        };
        int p = start ? atoi(start) / 2 : 0;
        if (p < 0 || p > 2)
            return reply_text(c, 200, "{\"total\":5,\"rows\":[]}");
        return reply(c, 200, pages[p], strlen(pages[p]));
    }
    return reply_text(c, 404, "{}");
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)c;
    (void)code;
    free(*state);
    *state = NULL;
}

static struct MHD_Daemon *httpd;
static struct pushy_config ccfg;
static char key_path[] = "/tmp/chef-unit-key.XXXXXX";

static void start_server(int timeout_s, int max_nodes, const char *single_org)
{
    char *priv = NULL, *pub = NULL;
    cr_assert_eq(chef_auth_generate_keypair(2048, &priv, &pub), 0);
    server_pub = chef_auth_load_public_key_pem(pub, strlen(pub), err, sizeof err);
    cr_assert_not_null(server_pub, "%s", err);
    int fd = mkstemp(key_path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, priv, strlen(priv)), (ssize_t)strlen(priv));
    close(fd);
    free(priv);
    free(pub);
    httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                             NULL, NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed,
                             NULL, MHD_OPTION_END);
    cr_assert_not_null(httpd);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT);
    config_defaults(&ccfg);
    snprintf(ccfg.chef_server_url, sizeof ccfg.chef_server_url, "http://127.0.0.1:%u",
             (unsigned)info->port);
    snprintf(ccfg.chef_server_superuser_key, sizeof ccfg.chef_server_superuser_key, "%s",
             key_path);
    snprintf(ccfg.chef_server_single_org, sizeof ccfg.chef_server_single_org, "%s", single_org);
    ccfg.chef_server_timeout = timeout_s;
    ccfg.chef_search_max_nodes = max_nodes;
    cr_assert_eq(chef_client_init(&ccfg, err, sizeof err), 0, "%s", err);
    cr_assert(chef_mode());
}

static void stop_server(void)
{
    chef_client_cleanup();
    MHD_stop_daemon(httpd);
    EVP_PKEY_free(server_pub);
    unlink(key_path);
    strcpy(key_path, "/tmp/chef-unit-key.XXXXXX");
}

Test(chef_client, signed_requests_and_answers)
{
    start_server(1, 100, "one");
    struct chef_answer a;
    cr_assert_eq(chef_request("GET", "/ok", NULL, &a, err, sizeof err), CHEF_CALL_OK, "%s", err);
    cr_assert_eq(a.status, 200);
    cr_assert_eq(json_integer_value(json_object_get(a.json, "a")), 1);
    chef_answer_free(&a);
    cr_assert_eq(verified_requests, 1, "the server verified the superuser's signature");

    cr_assert_eq(chef_request("GET", "/missing", NULL, &a, err, sizeof err), CHEF_CALL_OK);
    cr_assert_eq(a.status, 404);
    chef_answer_free(&a);

    cr_assert_eq(chef_request("GET", "/notjson", NULL, &a, err, sizeof err),
                 CHEF_CALL_BAD_ANSWER);
    cr_assert(strstr(err, "not a JSON object"), "%s", err);
    cr_assert_null(a.json);
    cr_assert_eq(chef_request("GET", "/array", NULL, &a, err, sizeof err), CHEF_CALL_BAD_ANSWER);

    cr_assert_eq(chef_request("GET", "/big", NULL, &a, err, sizeof err), CHEF_CALL_BAD_ANSWER);
    cr_assert(strstr(err, "larger than"), "%s", err);

    time_t t0 = time(NULL);
    cr_assert_eq(chef_request("GET", "/slow", NULL, &a, err, sizeof err), CHEF_CALL_UNREACHABLE);
    cr_assert_leq(time(NULL) - t0, 2, "chef_server_timeout bounds the request");
    cr_assert(strstr(err, "GET /slow"), "the error names the request: %s", err);
    stop_server();
}

Test(chef_client, unreachable_server)
{
    start_server(2, 100, "one");
    /* A port nothing listens on. */
    snprintf(ccfg.chef_server_url, sizeof ccfg.chef_server_url, "http://127.0.0.1:1");
    struct chef_answer a;
    cr_assert_eq(chef_request("GET", "/ok", NULL, &a, err, sizeof err), CHEF_CALL_UNREACHABLE);
    struct node_names nn;
    cr_assert_eq(chef_search_nodes("one", "role:web", &nn, err, sizeof err),
                 NODE_SEARCH_UNAVAILABLE);
    cr_assert_eq(nn.n, 0);
    stop_server();
}

Test(chef_client, init_refuses_a_bad_key)
{
    struct pushy_config c;
    config_defaults(&c);
    cr_assert_eq(chef_client_init(&c, err, sizeof err), 0, "standalone: nothing to load");
    cr_assert_not(chef_mode());
    snprintf(c.chef_server_url, sizeof c.chef_server_url, "http://127.0.0.1:1");
    snprintf(c.chef_server_superuser_key, sizeof c.chef_server_superuser_key, "/nonexistent.pem");
    cr_assert_eq(chef_client_init(&c, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent.pem"), "%s", err);
    cr_assert_not(chef_mode());
    struct node_names nn;
    cr_assert_eq(chef_search_nodes("one", "role:web", &nn, err, sizeof err), NODE_SEARCH_ERROR);
}

Test(chef_client, search_pages_sorts_and_maps_errors)
{
    start_server(5, 100, "one");
    struct node_names nn;
    cr_assert_eq(chef_search_nodes("one", "role:web", &nn, err, sizeof err), NODE_SEARCH_OK, "%s",
                 err);
    cr_assert_eq(nn.n, 4, "three pages, web1 twice");
    cr_assert_str_eq(nn.names[0], "db1");
    cr_assert_str_eq(nn.names[1], "web1");
    cr_assert_str_eq(nn.names[2], "web2");
    cr_assert_str_eq(nn.names[3], "web3");
    node_names_free(&nn);

    cr_assert_eq(chef_search_nodes("one", "bad:(", &nn, err, sizeof err), NODE_SEARCH_BAD_QUERY);
    cr_assert_str_eq(err, "The Chef server rejected the search query: parse error near (");
    cr_assert_eq(chef_search_nodes("one", "boom:1", &nn, err, sizeof err),
                 NODE_SEARCH_UNAVAILABLE);
    cr_assert_eq(chef_search_nodes("one", "weird:1", &nn, err, sizeof err),
                 NODE_SEARCH_BAD_GATEWAY, "a bad answer is the Chef server's fault: 502");
    cr_assert(strstr(err, "invalid node name"), "%s", err);
    cr_assert_eq(nn.n, 0);
    stop_server();
}

Test(chef_client, search_bounded_by_max_nodes)
{
    start_server(5, 3, "one");
    struct node_names nn;
    cr_assert_eq(chef_search_nodes("one", "role:web", &nn, err, sizeof err),
                 NODE_SEARCH_BAD_QUERY);
    cr_assert(strstr(err, "more than 3 nodes"), "%s", err);
    cr_assert_eq(nn.n, 0);
    stop_server();
}

/* ---- identity from a Chef Infra Server (multi-org paths, groups) ---- */

Test(chef_identity, orgs_and_actor_keys)
{
    start_server(5, 100, "");
    bool known;
    cr_assert_eq(chef_org_known("acme", &known), API_DB_OK);
    cr_assert(known);
    cr_assert_eq(chef_org_known("nope", &known), API_DB_OK);
    cr_assert_not(known, "404: an org the Chef server does not know");
    cr_assert_eq(chef_org_known("Not An Org", &known), API_DB_OK);
    cr_assert_not(known, "never asked for");

    struct actor_candidates c = { 0 };
    cr_assert_eq(chef_actor_candidates("acme", "n1", &c), API_DB_OK);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.c[0].kind, CANDIDATE_CLIENT);
    cr_assert(strstr(c.c[0].public_key_pem, "ONE"));
    identity_candidates_free(&c);

    cr_assert_eq(chef_actor_candidates("acme", "v1only", &c), API_DB_OK);
    cr_assert_eq(c.n, 1);
    cr_assert(strstr(c.c[0].public_key_pem, "TWO"), "the key from keys/default");
    identity_candidates_free(&c);

    cr_assert_eq(chef_actor_candidates("acme", "alice", &c), API_DB_OK);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.c[0].kind, CANDIDATE_USER_MEMBER);
    identity_candidates_free(&c);

    cr_assert_eq(chef_actor_candidates("acme", "olga", &c), API_DB_OK);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.c[0].kind, CANDIDATE_USER_OUTSIDER, "no association with acme");
    identity_candidates_free(&c);

    cr_assert_eq(chef_actor_candidates("acme", "ghost", &c), API_DB_OK);
    cr_assert_eq(c.n, 0);

    cr_assert_eq(chef_actor_candidates("acme", "broken", &c), API_DB_UNAVAILABLE, "a 5xx");
    cr_assert_eq(c.n, 0);
    cr_assert_eq(chef_actor_candidates("acme", "denied", &c), API_DB_ERROR,
                 "the superuser refused");
    stop_server();
}

Test(chef_identity, nested_groups)
{
    start_server(5, 100, "");
    unsigned mask;
    cr_assert_eq(chef_actor_groups("acme", API_ACTOR_USER, "alice", &mask), API_DB_OK);
    cr_assert_eq(mask, AUTHZ_GROUP_ADMINS, "admins through the nested ops group (with a cycle)");
    cr_assert_eq(chef_actor_groups("acme", API_ACTOR_USER, "bob", &mask), API_DB_OK);
    cr_assert_eq(mask, AUTHZ_GROUP_READERS);
    cr_assert_eq(chef_actor_groups("acme", API_ACTOR_CLIENT, "n1", &mask), API_DB_OK);
    cr_assert_eq(mask, AUTHZ_GROUP_READERS);
    cr_assert_eq(chef_actor_groups("acme", API_ACTOR_USER, "n1", &mask), API_DB_OK);
    cr_assert_eq(mask, 0, "a user named like a member client is not that client");
    cr_assert_eq(chef_actor_groups("acme", API_ACTOR_CLIENT, "alice", &mask), API_DB_OK);
    cr_assert_eq(mask, 0);
    stop_server();
}

Test(chef_identity, single_org_admin_flag_fallback)
{
    start_server(5, 100, "one");
    bool known;
    cr_assert_eq(chef_org_known("one", &known), API_DB_OK);
    cr_assert(known);
    cr_assert_eq(chef_org_known("acme", &known), API_DB_OK);
    cr_assert_not(known, "only the configured org");
    stop_server();
}

/* keys/default's expiration_date: "infinity", an ISO time, or nonsense. */
Test(chef_parse, key_expiration)
{
    time_t now = 1800000000; /* 2027-01-15T08:00:00Z */
    struct { const char *body; bool expired; } cases[] = {
        { "{\"public_key\":\"x\"}", false },
        { "{\"expiration_date\":\"infinity\"}", false },
        { "{\"expiration_date\":null}", false },
        { "{\"expiration_date\":\"2030-01-01T00:00:00Z\"}", false },
        { "{\"expiration_date\":\"2020-01-01T00:00:00Z\"}", true },
        { "{\"expiration_date\":\"2027-01-15T08:00:00Z\"}", true },
        { "{\"expiration_date\":\"2027-01-15T08:00:01Z\"}", false },
        { "{\"expiration_date\":\"2030-01-01 00:00:00\"}", true },
        { "{\"expiration_date\":\"2030-01-01T00:00:00Zjunk\"}", true },
        { "{\"expiration_date\":12}", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = J(cases[i].body);
        cr_expect_eq(chef_key_expired(j, now), cases[i].expired, "%s", cases[i].body);
        json_decref(j);
    }
}
