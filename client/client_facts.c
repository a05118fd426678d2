/* pushy-client: reporting the node's facts (client/facts.h) with
 * PUT <chef_server_url>/pushy/nodes/NODE/facts after every config fetch.
 * A failed report is logged and retried at the next fetch; it never
 * stops the client. */
#include "client/client_int.h"

#include <stdlib.h>
#include <string.h>

#include "client/bootstrap.h"
#include "client/facts.h"
#include "shared/log.h"
#include "shared/timefmt.h"

void pcl_facts_cancel(struct client *c)
{
    if (!c->facts_http)
        return;
    LOG_INFO("node=%s facts report still in flight: dropped (sent again after this fetch)",
             c->set->node_name);
    pc_http_free(c->facts_http);
    c->facts_http = NULL;
}

void pcl_report_facts(struct client *c)
{
    pcl_facts_cancel(c);
    char err[256] = "";
    json_t *facts = pc_facts_gather(c->set, c->fqdn, err, sizeof err);
    if (!facts) {
        LOG_WARN("node=%s facts not reported: %s", c->set->node_name, err);
        return;
    }
    char *body = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(facts);
    char url[PC_URL_MAX];
    const char *path;
    struct pc_request_headers hdrs;
    if (!body) {
        LOG_WARN("node=%s facts not reported: out of memory", c->set->node_name);
        return;
    }
    size_t len = strlen(body);
    if (pc_facts_url(c->set->server_url, c->set->node_name, url, sizeof url, &path) != 0) {
        LOG_WARN("node=%s facts not reported: URL too long", c->set->node_name);
    } else if (pc_sign_request("PUT", path, body, len, c->set->node_name, c->client_key,
                               c->set->auth_version, time_wall(), &hdrs, err,
                               sizeof err) != 0) {
        LOG_WARN("node=%s facts not reported: signing failed: %s", c->set->node_name, err);
    } else {
        c->facts_http = pc_http_request("PUT", url, (const char *const *)hdrs.lines, body, len,
                                        c->set->ssl_verify, PC_FETCH_TIMEOUT_MS, err,
                                        sizeof err);
        pc_request_headers_free(&hdrs);
        if (!c->facts_http)
            LOG_WARN("node=%s facts not reported: %s", c->set->node_name, err);
        else
            LOG_DEBUG("node=%s reporting facts: PUT %s (%zu bytes)", c->set->node_name, url, len);
    }
    free(body);
}

void pcl_facts_done(struct client *c)
{
    size_t len;
    const char *body = pc_http_body(c->facts_http, &len);
    long status = pc_http_status(c->facts_http);
    if (pc_http_error(c->facts_http)[0]) {
        LOG_WARN("node=%s facts report failed: %s (retried at the next config fetch)",
                 c->set->node_name, pc_http_error(c->facts_http));
    } else if (status != 200) {
        char shown[200];
        LOG_WARN("node=%s facts report: HTTP %ld: %s (retried at the next config fetch)",
                 c->set->node_name, status, pcl_printable(body, shown, sizeof shown));
    } else {
        LOG_INFO("node=%s facts reported", c->set->node_name);
    }
    pc_http_free(c->facts_http);
    c->facts_http = NULL;
}
