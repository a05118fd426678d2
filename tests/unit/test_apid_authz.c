/* apid authorization: the decision as a pure function of the permission,
 * the actor and its group memberships; and the metrics text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apid/authz.h"
#include "apid/metrics.h"

#define A AUTHZ_GROUP_ADMINS
#define W AUTHZ_GROUP_WRITERS
#define R AUTHZ_GROUP_READERS

Test(apid_authz, group_bits)
{
    cr_assert_eq(authz_group_bit("admins"), A);
    cr_assert_eq(authz_group_bit("pushy_job_writers"), W);
    cr_assert_eq(authz_group_bit("pushy_job_readers"), R);
    cr_assert_eq(authz_group_bit("clients"), 0);
    cr_assert_eq(authz_group_bit("Admins"), 0);
    cr_assert_eq(authz_group_bit(NULL), 0);
}

Test(apid_authz, read_needs_any_pushy_group)
{
    cr_assert_eq(authz_decide(API_PERM_READ, false, "u", NULL, 0), AUTHZ_DENY);
    cr_assert_eq(authz_decide(API_PERM_READ, false, "u", NULL, R), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_READ, false, "u", NULL, W), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_READ, false, "u", NULL, A), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_READ, true, "c", NULL, R), AUTHZ_ALLOW, "clients too");
    cr_assert_eq(authz_decide(API_PERM_READ, true, "c", NULL, 0), AUTHZ_DENY);
}

Test(apid_authz, write_needs_writers_or_admins)
{
    cr_assert_eq(authz_decide(API_PERM_WRITE, false, "u", NULL, 0), AUTHZ_DENY);
    cr_assert_eq(authz_decide(API_PERM_WRITE, false, "u", NULL, R), AUTHZ_DENY);
    cr_assert_eq(authz_decide(API_PERM_WRITE, false, "u", NULL, W), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_WRITE, false, "u", NULL, A), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_WRITE, false, "u", NULL, R | W), AUTHZ_ALLOW);
}

Test(apid_authz, config_client_only_its_own_node)
{
    cr_assert_eq(authz_decide(API_PERM_CONFIG, true, "n1", "n1", 0), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_CONFIG, true, "n1", "n2", 0), AUTHZ_DENY_NODE_MISMATCH);
    cr_assert_eq(authz_decide(API_PERM_CONFIG, true, "n1", "n2", A | W | R),
                 AUTHZ_DENY_NODE_MISMATCH, "groups do not let a node read another's config");
    cr_assert_eq(authz_decide(API_PERM_CONFIG, true, "n1", "N1", 0), AUTHZ_DENY_NODE_MISMATCH,
                 "names are case-sensitive");
    cr_assert_eq(authz_decide(API_PERM_CONFIG, true, "n1", NULL, 0), AUTHZ_DENY_NODE_MISMATCH);
}

Test(apid_authz, config_user_needs_read)
{
    cr_assert_eq(authz_decide(API_PERM_CONFIG, false, "alice", "n1", 0), AUTHZ_DENY);
    cr_assert_eq(authz_decide(API_PERM_CONFIG, false, "alice", "n1", R), AUTHZ_ALLOW);
    cr_assert_eq(authz_decide(API_PERM_CONFIG, false, "n1", "n1", 0), AUTHZ_DENY,
                 "a user named like the node is still a user");
}

Test(apid_authz, public_needs_nothing)
{
    cr_assert_eq(authz_decide(API_PERM_PUBLIC, false, NULL, NULL, 0), AUTHZ_ALLOW);
}

Test(apid_metrics, renders_recorded_values)
{
    static const char *labels[] = { "/pushy/_status", "/organizations/:org/pushy/jobs" };
    metrics_init(labels, 2);
    metrics_record_request(0, "GET", 200, 0.002);
    metrics_record_request(0, "GET", 200, 0.002);
    metrics_record_request(1, "POST", 501, 0.2);
    metrics_record_request(-1, "BREW", 404, 20.0);
    metrics_auth_failure("bad_signature");
    metrics_auth_failure("something new");
    metrics_db_error();
    struct metrics_db_gauges g = { .db_ok = 1, .nodes_up = 3, .nodes_down = 1,
                                   .nodes_available = 2, .orgs = 1 };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(metrics_render(f, &g), 0);
    fclose(f);
    const char *want[] = {
        "pushy_api_http_requests_total{method=\"GET\",route=\"/pushy/_status\",code=\"200\"} 2\n",
        "pushy_api_http_requests_total{method=\"POST\",route=\"/organizations/:org/pushy/jobs\","
        "code=\"501\"} 1\n",
        "pushy_api_http_requests_total{method=\"other\",route=\"unmatched\",code=\"404\"} 1\n",
        "pushy_api_http_request_duration_seconds_bucket{route=\"/pushy/_status\",le=\"0.001\"} 0\n",
        "pushy_api_http_request_duration_seconds_bucket{route=\"/pushy/_status\",le=\"0.0025\"} 2\n",
        "pushy_api_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"10\"} 0\n",
        "pushy_api_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"+Inf\"} 1\n",
        "pushy_api_http_request_duration_seconds_count{route=\"/pushy/_status\"} 2\n",
        "pushy_api_auth_failures_total{reason=\"bad_signature\"} 1\n",
        "pushy_api_auth_failures_total{reason=\"other\"} 1\n",
        "pushy_api_db_errors_total 1\n",
        "pushy_api_database_up 1\n",
        "pushy_nodes{status=\"up\"} 3\n",
        "pushy_nodes{status=\"down\"} 1\n",
        "# TYPE pushy_api_http_request_duration_seconds histogram\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(strstr(buf, want[i]), "missing: %s\nin:\n%s", want[i], buf);
    free(buf);

    g.db_ok = 0;
    f = open_memstream(&buf, &len);
    cr_assert_eq(metrics_render(f, &g), 0);
    fclose(f);
    cr_assert_not_null(strstr(buf, "pushy_api_database_up 0\n"));
    cr_assert_null(strstr(buf, "pushy_nodes{"), "no made-up gauges without the database");
    free(buf);
}
