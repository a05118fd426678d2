/* pushy node status [NODE...] */
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/url.h"

static int print_nodes(const struct cli_args *a, const json_t *nodes)
{
    if (a->json) {
        if (json_dumpf(nodes, stdout, JSON_COMPACT) || putchar('\n') == EOF)
            return 1;
        return fflush(stdout) ? 1 : 0;
    }
    if (cli_fmt_node_status(stdout, nodes, a->long_format)) {
        cli_error("unexpected answer from the server");
        return 1;
    }
    return 0;
}

/* GET node_states: every node of the org. */
static int all_nodes(const struct cli_args *a, struct cli_session *s)
{
    const char *segs[] = { "node_states" };
    char *url = cli_url_build(s->base, segs, 1, NULL, 0);
    if (!url) {
        cli_error("out of memory");
        return 1;
    }
    json_t *v;
    struct cli_response resp;
    int rc = cli_call_json(s, "GET", url, NULL, 0, &v, &resp);
    free(url);
    if (rc)
        return 1;
    if (a->json)
        rc = cli_print_raw(&resp);
    else if (json_is_array(v))
        rc = print_nodes(a, v);
    else {
        cli_error("unexpected answer from the server: %.300s", resp.body);
        rc = 1;
    }
    json_decref(v);
    cli_response_free(&resp);
    return rc;
}

/* GET node_states/NAME for each: the ones found are printed together;
 * each failure gets its error line and makes the exit status 1. */
int cmd_node_status(const struct cli_args *a, struct cli_session *s)
{
    if (a->nnodes == 0)
        return all_nodes(a, s);
    json_t *found = json_array();
    if (!found) {
        cli_error("out of memory");
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < a->nnodes; i++) {
        const char *segs[] = { "node_states", a->nodes[i] };
        char *url = cli_url_build(s->base, segs, 2, NULL, 0);
        if (!url) {
            cli_error("out of memory");
            rc = 1;
            break;
        }
        json_t *v;
        struct cli_response resp;
        if (cli_call_json(s, "GET", url, NULL, 0, &v, &resp)) {
            rc = 1;
        } else {
            if (!json_is_object(v) || json_array_append(found, v)) {
                cli_error("unexpected answer for node %s: %.300s", a->nodes[i], resp.body);
                rc = 1;
            }
            json_decref(v);
            cli_response_free(&resp);
        }
        free(url);
    }
    if (json_array_size(found) && print_nodes(a, found))
        rc = 1;
    json_decref(found);
    return rc;
}
