#include "cli/usage.h"

#include <stddef.h>
#include <string.h>

#define GLOBAL_OPTIONS \
    "Global options (anywhere on the line):\n" \
    "  -c, --config FILE      knife configuration (default ~/.chef/knife.rb): node_name,\n" \
    "                         client_key and chef_server_url are read from it\n" \
    "  -u, --user NAME        act as NAME (overrides node_name)\n" \
    "  -k, --key FILE         private key of that user (overrides client_key)\n" \
    "  -s, --server-url URL   https://HOST/organizations/ORG (overrides chef_server_url;\n" \
    "                         in `job start`, -s is --search: use --server-url there)\n" \
    "  -F, --format FORMAT    text (default; also: summary) or json: the server's JSON\n" \
    "  -h, --help             help (for a command: pushy job start --help)\n" \
    "      --version          print the version\n"

#define SYN_START \
    "usage: pushy job start [OPTIONS] COMMAND NODE...\n" \
    "       pushy job start [OPTIONS] COMMAND -s QUERY\n"
#define SYN_LIST "usage: pushy job list [--status STATUS] [--limit N] [--offset N]\n"
#define SYN_STATUS "usage: pushy job status JOB_ID\n"
#define SYN_ABORT "usage: pushy job abort JOB_ID\n"
#define SYN_OUTPUT "usage: pushy job output JOB_ID NODE [--channel stdout|stderr]\n"
#define SYN_NODE "usage: pushy node status [-l] [NODE...]\n"
#define SYN_MAIN "usage: pushy [OPTIONS] job|node COMMAND [ARGS] (pushy --help for more)\n"

static const char main_help[] =
    "usage: pushy [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Runs commands on nodes through a Pushy (Chef Push Jobs) server, like\n"
    "`knife job` and `knife node status`.\n"
    "\n"
    "Commands:\n"
    "  job start COMMAND NODE...   run COMMAND on the nodes and wait for the result\n"
    "  job list                    list jobs, newest first\n"
    "  job status JOB_ID           a job's state and each node's state\n"
    "  job abort JOB_ID            abort a job\n"
    "  job output JOB_ID NODE      captured output of a node (job start --capture)\n"
    "  node status [NODE...]       which nodes are available for jobs\n"
    "  help [COMMAND]              this text, or a command's\n"
    "\n" GLOBAL_OPTIONS
    "\n"
    "Exit status: 0 success; 1 failure (server error, or a job that did not\n"
    "complete with every node succeeded); 2 bad command line or configuration.\n";

static const char job_help[] =
    "usage: pushy job start|list|status|abort|output ...\n"
    "\n"
    "  job start COMMAND NODE...   run COMMAND on the nodes and wait for the result\n"
    "  job list                    list jobs, newest first\n"
    "  job status JOB_ID           a job's state and each node's state\n"
    "  job abort JOB_ID            abort a job\n"
    "  job output JOB_ID NODE      captured output of a node\n"
    "\n"
    "pushy job COMMAND --help for the options of each.\n";

static const char start_help[] =
    SYN_START
    "\n"
    "Starts a job that runs COMMAND (a key of the nodes' whitelist) on the nodes,\n"
    "prints its id, then waits: one '.' per poll and a line when the job's state\n"
    "changes; at the end it prints the job. Exit status 0 only when the job is\n"
    "complete and every node succeeded.\n"
    "\n"
    "Options:\n"
    "      --timeout S        run timeout in seconds (the server's default: 3600)\n"
    "  -q, --quorum Q         nodes that must accept before the job runs: a count N,\n"
    "                         or a percentage P% of the nodes (default 100%)\n"
    "  -s, --search QUERY     run on the nodes matching a Chef search query instead\n"
    "                         of NODE arguments\n"
    "  -b, --nowait           print the job id and exit without waiting\n"
    "      --poll-interval S  seconds between polls while waiting (default 1.0)\n"
    "      --capture          capture the command's stdout and stderr (pushy job output)\n"
    "      --with-env JSON    environment for the command: '{\"NAME\": \"value\"}'\n"
    "      --in-dir DIR       directory to run the command in\n"
    "      --as-user USER     user to run the command as\n"
    "      --file FILE        send FILE (at most 100000 bytes) with the job; the command\n"
    "                         finds its path in CHEF_PUSH_JOB_FILE\n"
    "\n" GLOBAL_OPTIONS;

static const char list_help[] =
    SYN_LIST
    "\n"
    "Lists jobs, newest first: id, status, command, creation time.\n"
    "\n"
    "Options:\n"
    "      --status STATUS    only jobs in STATUS (new, voting, running, complete,\n"
    "                         quorum_failed, crashed, timed_out, aborted)\n"
    "      --limit N          at most N jobs\n"
    "      --offset N         skip the first N jobs\n"
    "\n" GLOBAL_OPTIONS;

static const char status_help[] =
    SYN_STATUS
    "\n"
    "Shows a job's command and state, and each node's state.\n"
    "\n" GLOBAL_OPTIONS;

static const char abort_help[] =
    SYN_ABORT
    "\n"
    "Aborts a job: its nodes are told to stop the command, and the job ends aborted.\n"
    "\n" GLOBAL_OPTIONS;

static const char output_help[] =
    SYN_OUTPUT
    "\n"
    "Writes what NODE's command wrote to stdout (or stderr) in the job, byte for byte.\n"
    "Only jobs started with --capture have output.\n"
    "\n" GLOBAL_OPTIONS;

static const char node_help[] =
    SYN_NODE
    "\n"
    "Without NODE, every node the organization has seen; one line per node:\n"
    "NODE<TAB>available|unavailable (available: it can take a job now).\n"
    "\n"
    "Options:\n"
    "  -l, --long             a table: NODE, STATUS (up|down), AVAILABILITY, UPDATED_AT\n"
    "\n" GLOBAL_OPTIONS;

struct topic {
    const char *noun, *verb;
    const char *text;
};

static const struct topic topics[] = {
    { NULL, NULL, main_help },         { "job", NULL, job_help },
    { "job", "start", start_help },    { "job", "list", list_help },
    { "job", "status", status_help },  { "job", "abort", abort_help },
    { "job", "output", output_help },  { "node", NULL, node_help },
    { "node", "status", node_help },   { "help", NULL, main_help },
};

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

const char *cli_usage(const char *noun, const char *verb)
{
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        if (same(topics[i].noun, noun) && same(topics[i].verb, verb))
            return topics[i].text;
    return NULL;
}

const char *cli_synopsis(enum cli_cmd cmd)
{
    switch (cmd) {
    case CLI_JOB_START: return SYN_START;
    case CLI_JOB_LIST: return SYN_LIST;
    case CLI_JOB_STATUS: return SYN_STATUS;
    case CLI_JOB_ABORT: return SYN_ABORT;
    case CLI_JOB_OUTPUT: return SYN_OUTPUT;
    case CLI_NODE_STATUS: return SYN_NODE;
    default: return SYN_MAIN;
    }
}
