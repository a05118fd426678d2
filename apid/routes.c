#include "apid/routes.h"

#include "apid/h_jobs.h"
#include "apid/handlers.h"

#define ORG "/organizations/:org/pushy"

/* method, pattern (also the metrics label), permission, body, handler. */
const struct route api_routes[] = {
    { "GET", "/pushy/_status", API_PERM_PUBLIC, ROUTE_BODY_IGNORED, h_status_get },
    { "GET", "/metrics", API_PERM_PUBLIC, ROUTE_BODY_IGNORED, h_metrics_get },
    { "GET", ORG "/node_states", API_PERM_READ, ROUTE_BODY_IGNORED, h_node_states_list },
    { "GET", ORG "/node_states/:node", API_PERM_READ, ROUTE_BODY_IGNORED, h_node_state_get },
    { "GET", ORG "/config/:node", API_PERM_CONFIG, ROUTE_BODY_IGNORED, h_config_get },
    /* The body is parsed by the handler, after its own size limit. */
    { "PUT", ORG "/nodes/:node/facts", API_PERM_NODE_SELF, ROUTE_BODY_IGNORED, h_facts_put },
    /* Jobs: the jobs issue replaces these handlers. */
    { "GET", ORG "/jobs", API_PERM_READ, ROUTE_BODY_IGNORED, h_jobs_list },
    { "POST", ORG "/jobs", API_PERM_WRITE, ROUTE_BODY_JSON, h_jobs_start },
    { "GET", ORG "/jobs/:job", API_PERM_READ, ROUTE_BODY_IGNORED, h_jobs_get },
    { "POST", ORG "/jobs/:job/abort", API_PERM_WRITE, ROUTE_BODY_JSON_OPTIONAL, h_jobs_abort },
    { "GET", ORG "/jobs/:job/output/:node/stdout", API_PERM_READ, ROUTE_BODY_IGNORED,
      h_jobs_output },
    { "GET", ORG "/jobs/:job/output/:node/stderr", API_PERM_READ, ROUTE_BODY_IGNORED,
      h_jobs_output },
    { "GET", ORG "/job_status_feed", API_PERM_READ, ROUTE_BODY_IGNORED, h_org_feed },
    { "GET", ORG "/job_status_feed/:job", API_PERM_READ, ROUTE_BODY_IGNORED, h_job_feed },
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
