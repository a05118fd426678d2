#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli/url.h"

Test(cli_url, org_base_accepts_and_normalizes)
{
    static const struct {
        const char *in, *out;
    } good[] = {
        { "https://chef.example.com/organizations/acme", "https://chef.example.com/organizations/acme" },
        { "https://chef.example.com/organizations/acme/", "https://chef.example.com/organizations/acme" },
        { "http://127.0.0.1:10003/organizations/o//", "http://127.0.0.1:10003/organizations/o" },
        { "https://h/prefix/organizations/my-org", "https://h/prefix/organizations/my-org" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char err[256];
        char *b = cli_url_org_base(good[i].in, err, sizeof err);
        cr_assert_not_null(b, "%s: %s", good[i].in, err);
        cr_assert_str_eq(b, good[i].out);
        free(b);
    }
}

Test(cli_url, org_base_refuses)
{
    static const struct {
        const char *in, *msg;
    } bad[] = {
        { "chef.example.com/organizations/acme", "must start with https:// or http://" },
        { "ftp://h/organizations/acme", "must start with https:// or http://" },
        { "https://chef.example.com", "must end in /organizations/ORG" },
        { "https://chef.example.com/", "must end in /organizations/ORG" },
        { "https://chef.example.com/organizations/", "must end in /organizations/ORG" },
        { "https://chef.example.com/organizations", "must end in /organizations/ORG" },
        { "https://chef.example.com/orgs/acme", "must end in /organizations/ORG" },
        { "https://organizations/acme", "must end in /organizations/ORG" },
        { "https:///organizations/acme", "has no host" },
        { "https://", "has no host" },
        { "https://h/organizations/acme?x=1", "no query" },
        { "https://h/organizations/ac me", "no query, fragment or spaces" },
        { "", "must start with" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        char *b = cli_url_org_base(bad[i].in, err, sizeof err);
        cr_assert_null(b, "accepted %s", bad[i].in);
        cr_assert(strstr(err, bad[i].msg), "%s: %s", bad[i].in, err);
    }
    char err[256];
    cr_assert_null(cli_url_org_base(NULL, err, sizeof err));
}

Test(cli_url, escaping)
{
    char *e = cli_url_escape("node-1.example_com~");
    cr_assert_str_eq(e, "node-1.example_com~");
    free(e);
    e = cli_url_escape("a b/c?d&e=f%g:h#i\xc3\xa9");
    cr_assert_str_eq(e, "a%20b%2Fc%3Fd%26e%3Df%25g%3Ah%23i%C3%A9");
    free(e);
    e = cli_url_escape("");
    cr_assert_str_eq(e, "");
    free(e);
}

Test(cli_url, build)
{
    const char *base = "https://h/organizations/o";
    char *u = cli_url_build(base, NULL, 0, NULL, 0);
    cr_assert_str_eq(u, "https://h/organizations/o/pushy");
    free(u);
    const char *segs[] = { "jobs", "abc", "output", "web 1/x", "stdout" };
    u = cli_url_build(base, segs, 5, NULL, 0);
    cr_assert_str_eq(u, "https://h/organizations/o/pushy/jobs/abc/output/web%201%2Fx/stdout");
    free(u);
    const char *ns[] = { "node_states", "n:1" };
    u = cli_url_build(base, ns, 2, NULL, 0);
    cr_assert_str_eq(u, "https://h/organizations/o/pushy/node_states/n%3A1");
    free(u);
    const struct url_param p[] = {
        { "status", "quorum_failed" }, { "limit", NULL }, { "offset", "20" }, { "q", "a&b=c d" },
    };
    const char *jobs[] = { "jobs" };
    u = cli_url_build(base, jobs, 1, p, 4);
    cr_assert_str_eq(u, "https://h/organizations/o/pushy/jobs?status=quorum_failed&offset=20&q=a%26b%3Dc%20d");
    free(u);
    const struct url_param none[] = { { "status", NULL } };
    u = cli_url_build(base, jobs, 1, none, 1);
    cr_assert_str_eq(u, "https://h/organizations/o/pushy/jobs");
    free(u);
}

Test(cli_url, request_target)
{
    cr_assert_str_eq(cli_url_request_target("https://h:1/organizations/o/pushy/jobs?limit=1"),
                     "/organizations/o/pushy/jobs?limit=1");
    cr_assert_str_eq(cli_url_request_target("http://h"), "/");
    cr_assert_str_eq(cli_url_request_target("http://h/"), "/");
}
