/* pushy: the workstation CLI of Pushy (knife job / knife node status). */
#include <curl/curl.h>
#include <stdio.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "cli/usage.h"

static int run(const struct cli_args *a)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_error("cannot initialize libcurl");
        return 1;
    }
    struct cli_session s;
    int rc = cli_session_open(a, &s);
    if (rc) {
        curl_global_cleanup();
        return 2; /* configuration */
    }
    switch (a->cmd) {
    case CLI_JOB_START: rc = cmd_job_start(a, &s); break;
    case CLI_JOB_LIST: rc = cmd_job_list(a, &s); break;
    case CLI_JOB_STATUS: rc = cmd_job_status(a, &s); break;
    case CLI_JOB_ABORT: rc = cmd_job_abort(a, &s); break;
    case CLI_JOB_OUTPUT: rc = cmd_job_output(a, &s); break;
    case CLI_NODE_STATUS: rc = cmd_node_status(a, &s); break;
    default: rc = 2; break;
    }
    cli_session_close(&s);
    curl_global_cleanup();
    return rc;
}

int main(int argc, char **argv)
{
    struct cli_args a;
    char err[512];
    int rc;
    if (cli_args_parse(argc, argv, &a, err, sizeof err)) {
        cli_error("%s", err);
        fputs(cli_synopsis(a.cmd), stderr);
        rc = 2;
    } else if (a.cmd == CLI_VERSION) {
        rc = printf("pushy %s\n", PUSHY_CLI_VERSION) < 0;
    } else if (a.cmd == CLI_HELP) {
        const char *text = cli_usage(a.help_noun, a.help_verb);
        if (text) {
            rc = fputs(text, stdout) == EOF;
        } else {
            cli_error("no help for '%s%s%s' (see pushy --help)", a.help_noun ? a.help_noun : "",
                      a.help_verb ? " " : "", a.help_verb ? a.help_verb : "");
            rc = 2;
        }
    } else {
        rc = run(&a);
    }
    cli_args_free(&a);
    return rc;
}
