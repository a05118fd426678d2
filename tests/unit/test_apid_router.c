/* apid routing: the real route table, every route, wrong methods,
 * unknown paths, percent-decoding, and the pipeline's answers for those
 * (which need no database). */
#include <criterion/criterion.h>
#include <string.h>

#include "apid/pipeline.h"
#include "apid/response.h"
#include "apid/router.h"
#include "apid/routes.h"

static const struct route *match_ok(const char *method, const char *path, struct route_match *m)
{
    enum route_result r = router_match(api_routes, api_nroutes, method, path, m);
    cr_assert_eq(r, ROUTE_OK, "%s %s: expected a match, got %d", method, path, r);
    return m->route;
}

Test(apid_router, every_route_matches_its_own_pattern)
{
    struct {
        const char *method, *path, *pattern;
    } cases[] = {
        { "GET", "/pushy/_status", "/pushy/_status" },
        { "GET", "/metrics", "/metrics" },
        { "GET", "/organizations/acme/pushy/node_states", "/organizations/:org/pushy/node_states" },
        { "GET", "/organizations/acme/pushy/node_states/n1",
          "/organizations/:org/pushy/node_states/:node" },
        { "GET", "/organizations/acme/pushy/config/n1", "/organizations/:org/pushy/config/:node" },
        { "PUT", "/organizations/acme/pushy/nodes/n1/facts",
          "/organizations/:org/pushy/nodes/:node/facts" },
        { "GET", "/organizations/acme/pushy/jobs", "/organizations/:org/pushy/jobs" },
        { "POST", "/organizations/acme/pushy/jobs", "/organizations/:org/pushy/jobs" },
        { "GET", "/organizations/acme/pushy/jobs/abc", "/organizations/:org/pushy/jobs/:job" },
        { "POST", "/organizations/acme/pushy/jobs/abc/abort",
          "/organizations/:org/pushy/jobs/:job/abort" },
        { "GET", "/organizations/acme/pushy/jobs/abc/output/n1/stdout",
          "/organizations/:org/pushy/jobs/:job/output/:node/stdout" },
        { "GET", "/organizations/acme/pushy/jobs/abc/output/n1/stderr",
          "/organizations/:org/pushy/jobs/:job/output/:node/stderr" },
        { "GET", "/organizations/acme/pushy/job_status_feed",
          "/organizations/:org/pushy/job_status_feed" },
        { "GET", "/organizations/acme/pushy/job_status_feed/abc",
          "/organizations/:org/pushy/job_status_feed/:job" },
    };
    size_t n = sizeof cases / sizeof cases[0];
    cr_assert_eq(n, api_nroutes, "a route is missing from this test");
    for (size_t i = 0; i < n; i++) {
        struct route_match m;
        const struct route *r = match_ok(cases[i].method, cases[i].path, &m);
        cr_assert_str_eq(r->pattern, cases[i].pattern);
        cr_assert_str_eq(r->method, cases[i].method);
        cr_assert_eq(&api_routes[m.index], r);
        cr_assert_not_null(r->handler);
    }
}

Test(apid_router, captures_parameters)
{
    struct route_match m;
    match_ok("GET", "/organizations/acme/pushy/jobs/j1/output/web-1.example.com/stderr", &m);
    cr_assert_str_eq(route_param(&m, "org"), "acme");
    cr_assert_str_eq(route_param(&m, "job"), "j1");
    cr_assert_str_eq(route_param(&m, "node"), "web-1.example.com");
    cr_assert_null(route_param(&m, "nope"));
}

Test(apid_router, permissions_of_routes)
{
    struct route_match m;
    cr_assert_eq(match_ok("GET", "/pushy/_status", &m)->perm, API_PERM_PUBLIC);
    cr_assert_eq(match_ok("GET", "/metrics", &m)->perm, API_PERM_PUBLIC);
    cr_assert_eq(match_ok("GET", "/organizations/o/pushy/node_states", &m)->perm, API_PERM_READ);
    cr_assert_eq(match_ok("GET", "/organizations/o/pushy/jobs", &m)->perm, API_PERM_READ);
    cr_assert_eq(match_ok("POST", "/organizations/o/pushy/jobs", &m)->perm, API_PERM_WRITE);
    cr_assert_eq(match_ok("POST", "/organizations/o/pushy/jobs/x/abort", &m)->perm,
                 API_PERM_WRITE);
    cr_assert_eq(match_ok("GET", "/organizations/o/pushy/config/n", &m)->perm, API_PERM_CONFIG);
    cr_assert_eq(match_ok("POST", "/organizations/o/pushy/jobs", &m)->body, ROUTE_BODY_JSON);
}

Test(apid_router, wrong_method_lists_allowed_ones)
{
    struct route_match m;
    cr_assert_eq(router_match(api_routes, api_nroutes, "DELETE",
                              "/organizations/o/pushy/node_states", &m),
                 ROUTE_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "GET, HEAD");
    cr_assert_eq(router_match(api_routes, api_nroutes, "PUT", "/organizations/o/pushy/jobs", &m),
                 ROUTE_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "GET, HEAD, POST");
    cr_assert_eq(router_match(api_routes, api_nroutes, "GET",
                              "/organizations/o/pushy/jobs/x/abort", &m),
                 ROUTE_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "POST");
    cr_assert_null(m.route);
}

Test(apid_router, head_is_get)
{
    struct route_match m;
    cr_assert_str_eq(match_ok("HEAD", "/pushy/_status", &m)->method, "GET");
}

Test(apid_router, unknown_paths)
{
    struct route_match m;
    const char *paths[] = { "/", "", "/organizations", "/organizations/o/pushy",
                            "/organizations/o/pushy/nothing", "/organizations/o/chef/jobs",
                            "/pushy/_status/x", "/organizations/o/pushy/jobs/x/output/n/stdin",
                            "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        cr_assert_eq(router_match(api_routes, api_nroutes, "GET", paths[i], &m), ROUTE_NOT_FOUND,
                     "%s", paths[i]);
}

Test(apid_router, slashes_are_collapsed)
{
    struct route_match m;
    match_ok("GET", "//organizations//acme/pushy/node_states/", &m);
    cr_assert_str_eq(route_param(&m, "org"), "acme");
}

Test(apid_router, percent_decoding)
{
    struct route_match m;
    /* Escaped literals match, escaped parameters are decoded. */
    match_ok("GET", "/organizations/ac%6De/pushy/node%5Fstates/web%3A1", &m);
    cr_assert_str_eq(route_param(&m, "org"), "acme");
    cr_assert_str_eq(route_param(&m, "node"), "web:1");
    /* %2F stays inside its segment (the name check rejects it later). */
    match_ok("GET", "/organizations/acme/pushy/node_states/a%2Fb", &m);
    cr_assert_str_eq(route_param(&m, "node"), "a/b");
    /* '+' is not a space in a path */
    match_ok("GET", "/organizations/acme/pushy/node_states/a+b", &m);
    cr_assert_str_eq(route_param(&m, "node"), "a+b");
}

Test(apid_router, bad_escapes)
{
    struct route_match m;
    const char *paths[] = { "/organizations/acme/pushy/node_states/a%",
                            "/organizations/acme/pushy/node_states/a%4",
                            "/organizations/acme/pushy/node_states/a%zz",
                            "/organizations/acme/pushy/node_states/a%00b" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        cr_assert_eq(router_match(api_routes, api_nroutes, "GET", paths[i], &m), ROUTE_BAD_PATH,
                     "%s", paths[i]);
        cr_assert(strlen(m.error) > 0);
    }
    char longseg[700] = "/organizations/acme/pushy/node_states/";
    size_t l = strlen(longseg);
    memset(longseg + l, 'a', 600);
    longseg[l + 600] = '\0';
    cr_assert_eq(router_match(api_routes, api_nroutes, "GET", longseg, &m), ROUTE_BAD_PATH);
}

Test(apid_router, url_decode_edges)
{
    char out[16];
    cr_assert_eq(url_decode("a%20b+c", 7, out, sizeof out, 1), 5);
    cr_assert_str_eq(out, "a b c");
    cr_assert_eq(url_decode("a%20b+c", 7, out, sizeof out, 0), 5);
    cr_assert_str_eq(out, "a b+c");
    cr_assert_eq(url_decode("", 0, out, sizeof out, 0), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(url_decode("0123456789abcdef", 16, out, sizeof out, 0), -1, "too long");
    cr_assert_eq(url_decode("%41%4a%4A", 9, out, sizeof out, 0), 3);
    cr_assert_str_eq(out, "AJJ");
}

/* The pipeline's answers that come before any database access. */
static const char *no_headers(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return NULL;
}

static void run(const char *method, const char *path, struct api_reply *reply)
{
    struct api_request req = { .method = method, .raw_path = path, .query = "",
                               .header = no_headers };
    memset(reply, 0, sizeof *reply);
    api_process(&req, reply);
}

static const char *error_text(const struct api_reply *r)
{
    return json_string_value(json_array_get(json_object_get(r->json, "error"), 0));
}

Test(apid_router, pipeline_unknown_route_is_404)
{
    struct api_reply r;
    run("GET", "/organizations/acme/pushy/nothing", &r);
    cr_assert_eq(r.status, 404);
    cr_assert_not_null(strstr(error_text(&r), "/organizations/acme/pushy/nothing"));
    api_reply_clear(&r);
}

Test(apid_router, pipeline_wrong_method_is_405_with_allow)
{
    struct api_reply r;
    run("DELETE", "/organizations/acme/pushy/node_states/n1", &r);
    cr_assert_eq(r.status, 405);
    cr_assert_eq(r.nheaders, 1);
    cr_assert_str_eq(r.headers[0].name, "Allow");
    cr_assert_str_eq(r.headers[0].value, "GET, HEAD");
    api_reply_clear(&r);
}

Test(apid_router, pipeline_bad_names_are_400)
{
    struct api_reply r;
    run("GET", "/organizations/Acme/pushy/node_states", &r);
    cr_assert_eq(r.status, 400);
    cr_assert_not_null(strstr(error_text(&r), "Invalid organization name 'Acme'"));
    api_reply_clear(&r);
    run("GET", "/organizations/acme/pushy/node_states/bad%20node", &r);
    cr_assert_eq(r.status, 400);
    cr_assert_not_null(strstr(error_text(&r), "Invalid node name 'bad node'"));
    api_reply_clear(&r);
    run("GET", "/organizations/acme/pushy/node_states/a%ZZ", &r);
    cr_assert_eq(r.status, 400);
    api_reply_clear(&r);
}

Test(apid_router, pipeline_unsigned_request_is_401)
{
    struct api_reply r;
    run("GET", "/organizations/acme/pushy/node_states", &r);
    cr_assert_eq(r.status, 401);
    cr_assert_not_null(strstr(error_text(&r), "X-Ops-Userid"));
    cr_assert_str_eq(r.auth_failure, "missing_header");
    api_reply_clear(&r);
}
