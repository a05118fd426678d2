#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"

#define MAXARGS 48

/* Splits a space-separated command line ("" items are not needed here;
 * '_' stands for an empty argument). */
static int split(const char *line, char *buf, size_t cap, char **argv)
{
    snprintf(buf, cap, "pushy %s", line);
    int argc = 0;
    for (char *tok = strtok(buf, " "); tok && argc < MAXARGS - 1; tok = strtok(NULL, " ")) {
        if (!strcmp(tok, "_"))
            tok[0] = '\0';
        argv[argc++] = tok;
    }
    argv[argc] = NULL;
    return argc;
}

static int parse(const char *line, struct cli_args *a, char *err, size_t errlen)
{
    static char buf[1024];
    static char *argv[MAXARGS];
    int argc = split(line, buf, sizeof buf, argv);
    return cli_args_parse(argc, argv, a, err, errlen);
}

Test(cli_args, job_start_with_every_option)
{
    struct cli_args a;
    char err[256];
    cr_assert_eq(parse("job start chef-client n1 n2 --timeout 300 -q 50% --nowait "
                       "--poll-interval 0.5 --capture --with-env {\"A\":\"b\"} --in-dir /tmp "
                       "--as-user deploy --file /etc/hosts -F json",
                       &a, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_JOB_START);
    cr_assert_str_eq(a.command, "chef-client");
    cr_assert_eq(a.nnodes, 2);
    cr_assert_str_eq(a.nodes[0], "n1");
    cr_assert_str_eq(a.nodes[1], "n2");
    cr_assert(a.has_timeout);
    cr_assert_eq(a.timeout, 300);
    cr_assert(a.has_quorum && a.quorum.percent && a.quorum.value == 50);
    cr_assert(a.nowait && a.capture && a.json);
    cr_assert_float_eq(a.poll_interval, 0.5, 1e-9);
    cr_assert_str_eq(a.with_env, "{\"A\":\"b\"}");
    cr_assert_str_eq(a.in_dir, "/tmp");
    cr_assert_str_eq(a.as_user, "deploy");
    cr_assert_str_eq(a.file, "/etc/hosts");
    cr_assert_null(a.search);
    cli_args_free(&a);
}

Test(cli_args, job_start_defaults_and_option_spellings)
{
    struct cli_args a;
    char err[256];
    cr_assert_eq(parse("-c /k.rb job start --quorum=3 -b -- -weird n1", &a, err, sizeof err), 0,
                 "%s", err);
    cr_assert_str_eq(a.config, "/k.rb");
    cr_assert_str_eq(a.command, "-weird");
    cr_assert_eq(a.nnodes, 1);
    cr_assert(a.has_quorum && !a.quorum.percent && a.quorum.value == 3);
    cr_assert(a.nowait && !a.capture && !a.has_timeout && !a.json);
    cr_assert_float_eq(a.poll_interval, CLI_DEFAULT_POLL_INTERVAL, 1e-9);
    cli_args_free(&a);

    cr_assert_eq(parse("job start -q75% uptime -s role:web", &a, err, sizeof err), 0, "%s", err);
    cr_assert(a.quorum.percent && a.quorum.value == 75);
    cr_assert_str_eq(a.search, "role:web"); /* -s is --search in job start */
    cr_assert_null(a.server_url);
    cr_assert_eq(a.nnodes, 0);
    cli_args_free(&a);

    cr_assert_eq(parse("-s http://h/organizations/o job start uptime --search=name:n* "
                       "--server-url http://x/organizations/p",
                       &a, err, sizeof err),
                 0, "%s", err);
    cr_assert_str_eq(a.server_url, "http://x/organizations/p");
    cr_assert_str_eq(a.search, "name:n*");
    cli_args_free(&a);
}

Test(cli_args, other_commands)
{
    struct cli_args a;
    char err[256];
    cr_assert_eq(parse("job list --status running --limit 10 --offset 0", &a, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_JOB_LIST);
    cr_assert_str_eq(a.status, "running");
    cr_assert(a.has_limit && a.limit == 10 && a.has_offset && a.offset == 0);
    cli_args_free(&a);

    cr_assert_eq(parse("job status abc -u bob -k /b.pem", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_JOB_STATUS);
    cr_assert_str_eq(a.job_id, "abc");
    cr_assert_str_eq(a.user, "bob");
    cr_assert_str_eq(a.key, "/b.pem");
    cli_args_free(&a);

    cr_assert_eq(parse("--format=json job abort abc", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_JOB_ABORT);
    cr_assert(a.json);
    cli_args_free(&a);

    cr_assert_eq(parse("job output abc n1", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_JOB_OUTPUT);
    cr_assert_str_eq(a.node, "n1");
    cr_assert_str_eq(a.channel, "stdout");
    cli_args_free(&a);
    cr_assert_eq(parse("job output abc n1 --channel stderr", &a, err, sizeof err), 0);
    cr_assert_str_eq(a.channel, "stderr");
    cli_args_free(&a);

    cr_assert_eq(parse("node status", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.cmd, CLI_NODE_STATUS);
    cr_assert_eq(a.nnodes, 0);
    cr_assert(!a.long_format);
    cli_args_free(&a);
    cr_assert_eq(parse("node status n1 n:2 -l -s http://h/organizations/o", &a, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(a.nnodes, 2);
    cr_assert_str_eq(a.nodes[1], "n:2");
    cr_assert(a.long_format);
    cr_assert_str_eq(a.server_url, "http://h/organizations/o");
    cli_args_free(&a);
}

Test(cli_args, help_and_version)
{
    static const struct {
        const char *line;
        enum cli_cmd cmd;
        const char *noun, *verb;
    } cases[] = {
        { "--help", CLI_HELP, NULL, NULL },
        { "-h", CLI_HELP, NULL, NULL },
        { "help", CLI_HELP, NULL, NULL },
        { "help job", CLI_HELP, "job", NULL },
        { "help job start", CLI_HELP, "job", "start" },
        { "job --help", CLI_HELP, "job", NULL },
        { "job start --help", CLI_HELP, "job", "start" },
        { "job start -h", CLI_HELP, "job", "start" }, /* help wins over missing args */
        { "node status --help", CLI_HELP, "node", "status" },
        { "--version", CLI_VERSION, NULL, NULL },
        { "job list --version", CLI_VERSION, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cli_args a;
        char err[256];
        cr_assert_eq(parse(cases[i].line, &a, err, sizeof err), 0, "%s: %s", cases[i].line, err);
        cr_assert_eq(a.cmd, cases[i].cmd, "%s", cases[i].line);
        if (cases[i].cmd == CLI_HELP) {
            cr_assert((!cases[i].noun && !a.help_noun) ||
                          (a.help_noun && !strcmp(a.help_noun, cases[i].noun)),
                      "%s", cases[i].line);
            cr_assert((!cases[i].verb && !a.help_verb) ||
                          (a.help_verb && !strcmp(a.help_verb, cases[i].verb)),
                      "%s", cases[i].line);
        }
        cli_args_free(&a);
    }
}

Test(cli_args, bad_command_lines)
{
    static const struct {
        const char *line;
        const char *msg;
        enum cli_cmd cmd; /* the command the error is about */
    } bad[] = {
        { "", "no command given", CLI_NONE },
        { "jobs list", "unknown command 'jobs'", CLI_NONE },
        { "job", "which job command?", CLI_NONE },
        { "job frob", "unknown command 'job frob'", CLI_NONE },
        { "job start", "No job specified.", CLI_JOB_START },
        { "job start _ n1", "No job specified.", CLI_JOB_START },
        { "job start chef-client",
          "No nodes to run job on. Specify nodes as arguments or use -s to specify a search query.",
          CLI_JOB_START },
        { "job start chef-client n1 -s role:x", "not both (as knife job start); to add named nodes", CLI_JOB_START },
        { "job start chef-client n1 _", "empty node name", CLI_JOB_START },
        { "job start chef-client n1 -q abc", "Invalid Format please enter integer or percent",
          CLI_JOB_START },
        { "job start chef-client n1 -q 5.5%", "Invalid Format please enter integer or percent",
          CLI_JOB_START },
        { "job start chef-client n1 -q -1", "Invalid Format please enter integer or percent",
          CLI_JOB_START },
        { "job start chef-client n1 -q 101%", "more than 100%", CLI_JOB_START },
        { "job start chef-client n1 --timeout 0", "--timeout must be a whole number",
          CLI_JOB_START },
        { "job start chef-client n1 --timeout 1.5", "--timeout must be a whole number",
          CLI_JOB_START },
        { "job start chef-client n1 --timeout", "option --timeout needs a value", CLI_JOB_START },
        { "job start chef-client n1 --poll-interval 0", "--poll-interval must be",
          CLI_JOB_START },
        { "job start chef-client n1 --poll-interval abc", "--poll-interval must be",
          CLI_JOB_START },
        { "job start chef-client n1 --capture=yes", "option --capture takes no value",
          CLI_JOB_START },
        { "job start chef-client n1 --in-dir=", "needs a non-empty value", CLI_JOB_START },
        { "job start chef-client n1 --channel stdout", "unknown option '--channel' for job start",
          CLI_JOB_START },
        { "job start chef-client n1 -x", "unknown option '-x' for job start", CLI_JOB_START },
        { "job start chef-client n1 -bq", "unknown option '-bq'", CLI_JOB_START },
        { "job list extra", "job list takes no arguments", CLI_JOB_LIST },
        { "job list --status done", "unknown job status 'done'", CLI_JOB_LIST },
        { "job list --limit 0", "--limit must be a whole number", CLI_JOB_LIST },
        { "job list --offset -1", "--offset must be a whole number", CLI_JOB_LIST },
        { "job list --timeout 5", "unknown option '--timeout' for job list", CLI_JOB_LIST },
        { "job status", "no job id given", CLI_JOB_STATUS },
        { "job status a b", "give one job id (got 2 arguments)", CLI_JOB_STATUS },
        { "job abort", "no job id given", CLI_JOB_ABORT },
        { "job output abc", "give a job id and a node name", CLI_JOB_OUTPUT },
        { "job output abc n1 --channel both", "--channel must be stdout or stderr",
          CLI_JOB_OUTPUT },
        { "node status _", "empty node name", CLI_NODE_STATUS },
        { "node status -q 5", "unknown option '-q' for node status", CLI_NODE_STATUS },
        { "node list", "unknown command 'node list'", CLI_NONE },
        { "-F yaml node status", "unknown format 'yaml' for -F: use text or json", CLI_NONE },
        { "--bogus", "unknown option '--bogus'", CLI_NONE },
        { "node status -c", "option -c needs a value", CLI_NODE_STATUS },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cli_args a;
        char err[256] = "";
        cr_assert_eq(parse(bad[i].line, &a, err, sizeof err), -1, "accepted: '%s'", bad[i].line);
        cr_assert(strstr(err, bad[i].msg), "'%s': got '%s', want '%s'", bad[i].line, err,
                  bad[i].msg);
        cr_assert_eq(a.cmd, bad[i].cmd, "'%s': cmd %d", bad[i].line, a.cmd);
        cli_args_free(&a);
    }
}

Test(cli_args, job_statuses)
{
    cr_assert(cli_job_status_valid("quorum_failed"));
    cr_assert(cli_job_status_valid("aborted"));
    cr_assert(!cli_job_status_valid("Complete"));
    cr_assert(!cli_job_status_valid(""));
    cr_assert(!cli_job_status_valid(NULL));
}
