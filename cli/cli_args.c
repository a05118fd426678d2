#include "cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    O_CONFIG, O_USER, O_KEY, O_SERVER_URL, O_FORMAT, O_HELP, O_VERSION,
    O_TIMEOUT, O_QUORUM, O_NOWAIT, O_POLL, O_CAPTURE, O_WITH_ENV, O_IN_DIR, O_AS_USER,
    O_FILE, O_SEARCH, O_STATUS, O_LIMIT, O_OFFSET, O_CHANNEL, O_LONG,
};

struct opt_def {
    char shortname; /* 0: long form only */
    const char *longname;
    bool value;
    enum opt_id id;
};

static const struct opt_def global_opts[] = {
    { 'c', "config", true, O_CONFIG },   { 'u', "user", true, O_USER },
    { 'k', "key", true, O_KEY },         { 's', "server-url", true, O_SERVER_URL },
    { 'F', "format", true, O_FORMAT },   { 'h', "help", false, O_HELP },
    { 0, "version", false, O_VERSION },
};

static const struct opt_def start_opts[] = {
    { 0, "timeout", true, O_TIMEOUT },    { 'q', "quorum", true, O_QUORUM },
    { 'b', "nowait", false, O_NOWAIT },   { 0, "poll-interval", true, O_POLL },
    { 0, "capture", false, O_CAPTURE },   { 0, "with-env", true, O_WITH_ENV },
    { 0, "in-dir", true, O_IN_DIR },      { 0, "as-user", true, O_AS_USER },
    { 0, "file", true, O_FILE },          { 's', "search", true, O_SEARCH },
};

static const struct opt_def list_opts[] = {
    { 0, "status", true, O_STATUS },
    { 0, "limit", true, O_LIMIT },
    { 0, "offset", true, O_OFFSET },
};

static const struct opt_def output_opts[] = {
    { 0, "channel", true, O_CHANNEL },
};

static const struct opt_def node_status_opts[] = {
    { 'l', "long", false, O_LONG },
};

struct cmd_def {
    const char *noun, *verb;
    enum cli_cmd cmd;
    const struct opt_def *opts;
    size_t nopts;
};

#define OPTS(a) a, sizeof a / sizeof a[0]
static const struct cmd_def commands[] = {
    { "job", "start", CLI_JOB_START, OPTS(start_opts) },
    { "job", "list", CLI_JOB_LIST, OPTS(list_opts) },
    { "job", "status", CLI_JOB_STATUS, NULL, 0 },
    { "job", "abort", CLI_JOB_ABORT, NULL, 0 },
    { "job", "output", CLI_JOB_OUTPUT, OPTS(output_opts) },
    { "node", "status", CLI_NODE_STATUS, OPTS(node_status_opts) },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char *const job_statuses[] = {
    "new", "voting", "running", "complete", "quorum_failed", "crashed", "timed_out", "aborted",
};

bool cli_job_status_valid(const char *status)
{
    for (size_t i = 0; status && i < sizeof job_statuses / sizeof job_statuses[0]; i++)
        if (!strcmp(status, job_statuses[i]))
            return true;
    return false;
}

static bool is_noun(const char *s)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].noun, s))
            return true;
    return false;
}

static const struct cmd_def *find_cmd(const char *noun, const char *verb)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].noun, noun) && !strcmp(commands[i].verb, verb))
            return &commands[i];
    return NULL;
}

static const struct opt_def *find_in(const struct opt_def *t, size_t n, char shortname,
                                     const char *longname, size_t longlen)
{
    for (size_t i = 0; i < n; i++) {
        if (longname ? (strlen(t[i].longname) == longlen &&
                        !strncmp(t[i].longname, longname, longlen))
                     : (t[i].shortname && t[i].shortname == shortname))
            return &t[i];
    }
    return NULL;
}

/* The command's own options first: in job start, -s is --search. */
static const struct opt_def *find_opt(const struct cmd_def *cmd, char shortname,
                                      const char *longname, size_t longlen)
{
    const struct opt_def *o = NULL;
    if (cmd)
        o = find_in(cmd->opts, cmd->nopts, shortname, longname, longlen);
    if (!o)
        o = find_in(global_opts, sizeof global_opts / sizeof global_opts[0], shortname,
                    longname, longlen);
    return o;
}

/* Strict decimal integer in [min, max]. */
static int parse_long(const char *s, long min, long max, long *out)
{
    if (!*s || strspn(s, "-0123456789") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double min, double max, double *out)
{
    if (!*s || strspn(s, "0123456789.") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Sets the option; the option's spelling (for messages) is in name. */
static int apply_opt(struct cli_args *a, const struct opt_def *o, const char *name,
                     const char *v, char *err, size_t errlen)
{
    if (o->value && !*v) {
        snprintf(err, errlen, "option %s needs a non-empty value", name);
        return -1;
    }
    switch (o->id) {
    case O_CONFIG: a->config = v; return 0;
    case O_USER: a->user = v; return 0;
    case O_KEY: a->key = v; return 0;
    case O_SERVER_URL: a->server_url = v; return 0;
    case O_FORMAT:
        if (!strcmp(v, "json")) {
            a->json = true;
        } else if (!strcmp(v, "text") || !strcmp(v, "summary")) {
            a->json = false;
        } else {
            snprintf(err, errlen, "unknown format '%s' for %s: use text or json", v, name);
            return -1;
        }
        return 0;
    case O_HELP:
    case O_VERSION: return 0; /* handled by the caller */
    case O_TIMEOUT:
        if (parse_long(v, 1, 2147483647L, &a->timeout)) {
            snprintf(err, errlen, "%s must be a whole number of seconds (1 or more), not '%s'",
                     name, v);
            return -1;
        }
        a->has_timeout = true;
        return 0;
    case O_QUORUM:
        if (quorum_arg_parse(v, &a->quorum, err, errlen))
            return -1;
        a->has_quorum = true;
        return 0;
    case O_NOWAIT: a->nowait = true; return 0;
    case O_POLL:
        if (parse_seconds(v, 0.1, 3600, &a->poll_interval)) {
            snprintf(err, errlen, "%s must be a number of seconds from 0.1 to 3600, not '%s'",
                     name, v);
            return -1;
        }
        return 0;
    case O_CAPTURE: a->capture = true; return 0;
    case O_WITH_ENV: a->with_env = v; return 0;
    case O_IN_DIR: a->in_dir = v; return 0;
    case O_AS_USER: a->as_user = v; return 0;
    case O_FILE: a->file = v; return 0;
    case O_SEARCH: a->search = v; return 0;
    case O_STATUS:
        if (!cli_job_status_valid(v)) {
            snprintf(err, errlen,
                     "unknown job status '%s': use new, voting, running, complete, "
                     "quorum_failed, crashed, timed_out or aborted", v);
            return -1;
        }
        a->status = v;
        return 0;
    case O_LIMIT:
        if (parse_long(v, 1, 1000000, &a->limit)) {
            snprintf(err, errlen, "%s must be a whole number from 1 to 1000000, not '%s'", name,
                     v);
            return -1;
        }
        a->has_limit = true;
        return 0;
    case O_OFFSET:
        if (parse_long(v, 0, 2147483647L, &a->offset)) {
            snprintf(err, errlen, "%s must be a whole number (0 or more), not '%s'", name, v);
            return -1;
        }
        a->has_offset = true;
        return 0;
    case O_CHANNEL:
        if (strcmp(v, "stdout") && strcmp(v, "stderr")) {
            snprintf(err, errlen, "%s must be stdout or stderr, not '%s'", name, v);
            return -1;
        }
        a->channel = v;
        return 0;
    case O_LONG: a->long_format = true; return 0;
    }
    return 0;
}

/* Checks the positionals of the command and stores them. */
static int take_positionals(struct cli_args *a, const char **pos, size_t npos, char *err,
                            size_t errlen)
{
    switch (a->cmd) {
    case CLI_JOB_START:
        if (npos == 0 || !*pos[0]) {
            snprintf(err, errlen, "No job specified.");
            return -1;
        }
        a->command = pos[0];
        for (size_t i = 1; i < npos; i++) {
            if (!*pos[i]) {
                snprintf(err, errlen, "empty node name");
                return -1;
            }
            a->nodes[a->nnodes++] = pos[i];
        }
        if (a->nnodes == 0 && !a->search) {
            snprintf(err, errlen, "No nodes to run job on. Specify nodes as arguments or use -s "
                                  "to specify a search query.");
            return -1;
        }
        if (a->nnodes > 0 && a->search) {
            snprintf(err, errlen, "nodes as arguments and a search query (-s): give one or the "
                                  "other, not both (as knife job start); to add named nodes to "
                                  "a search, use name: in the query, e.g. -s 'role:web OR "
                                  "name:n1'");
            return -1;
        }
        return 0;
    case CLI_JOB_LIST:
        if (npos) {
            snprintf(err, errlen, "job list takes no arguments (got '%s')", pos[0]);
            return -1;
        }
        return 0;
    case CLI_JOB_STATUS:
    case CLI_JOB_ABORT:
        if (npos > 1) {
            snprintf(err, errlen, "give one job id (got %zu arguments)", npos);
            return -1;
        }
        if (npos == 0 || !*pos[0]) {
            snprintf(err, errlen, "no job id given");
            return -1;
        }
        a->job_id = pos[0];
        return 0;
    case CLI_JOB_OUTPUT:
        if (npos != 2 || !*pos[0] || !*pos[1]) {
            snprintf(err, errlen, "give a job id and a node name (got %zu arguments)", npos);
            return -1;
        }
        a->job_id = pos[0];
        a->node = pos[1];
        return 0;
    case CLI_NODE_STATUS:
        for (size_t i = 0; i < npos; i++) {
            if (!*pos[i]) {
                snprintf(err, errlen, "empty node name");
                return -1;
            }
            a->nodes[a->nnodes++] = pos[i];
        }
        return 0;
    default:
        return 0;
    }
}

/* After all tokens: which command, and its positionals. */
static int finish(struct cli_args *a, const struct cmd_def *cmd, bool help, bool version,
                  const char **pos, size_t npos, char *err, size_t errlen)
{
    if (version) {
        a->cmd = CLI_VERSION;
        return 0;
    }
    if (a->noun && !strcmp(a->noun, "help")) { /* help [NOUN [VERB]] */
        a->cmd = CLI_HELP;
        a->help_noun = a->verb;
        a->help_verb = npos > 0 ? pos[0] : NULL;
        return 0;
    }
    if (help) {
        a->cmd = CLI_HELP;
        a->help_noun = a->noun;
        a->help_verb = cmd ? a->verb : NULL;
        return 0;
    }
    if (!a->noun) {
        snprintf(err, errlen, "no command given");
        return -1;
    }
    if (!a->verb) {
        snprintf(err, errlen, "%s: which %s command? (see pushy %s --help)", a->noun, a->noun,
                 a->noun);
        return -1;
    }
    if (!cmd) {
        snprintf(err, errlen, "unknown command '%s %s' (see pushy --help)", a->noun, a->verb);
        return -1;
    }
    return take_positionals(a, pos, npos, err, errlen);
}

/* Parser state across tokens. */
struct parse {
    struct cli_args *a;
    const struct cmd_def *cmd; /* known once NOUN VERB are read */
    const char **pos;
    size_t npos;
    bool help, version, dashdash;
    char *err;
    size_t errlen;
};

/* A non-option token: the noun, the verb, then positionals. */
static int take_word(struct parse *p, const char *t)
{
    struct cli_args *a = p->a;
    if (!a->noun) {
        a->noun = t;
        if (strcmp(t, "help") && !is_noun(t)) {
            snprintf(p->err, p->errlen, "unknown command '%s' (see pushy --help)", t);
            return -1;
        }
    } else if (!a->verb) {
        a->verb = t;
        if (!strcmp(a->noun, "help"))
            return 0; /* help NOUN [VERB] */
        p->cmd = find_cmd(a->noun, t);
        if (p->cmd) {
            a->cmd = p->cmd->cmd;
        } else if (!p->help) {
            snprintf(p->err, p->errlen, "unknown command '%s %s' (see pushy %s --help)",
                     a->noun, t, a->noun);
            return -1;
        }
    } else {
        p->pos[p->npos++] = t;
    }
    return 0;
}

/* The option token argv[*i] (and its value, which may be argv[*i + 1]). */
static int take_option(struct parse *p, int argc, char **argv, int *i)
{
    const char *t = argv[*i];
    const struct opt_def *o;
    const char *value = NULL;
    char name[64];
    if (t[1] == '-') { /* --name or --name=value */
        const char *ln = t + 2;
        const char *eq = strchr(ln, '=');
        size_t ll = eq ? (size_t)(eq - ln) : strlen(ln);
        o = find_opt(p->cmd, 0, ln, ll);
        snprintf(name, sizeof name, "--%.*s", (int)(ll > 40 ? 40 : ll), ln);
        if (o && eq) {
            if (!o->value) {
                snprintf(p->err, p->errlen, "option %s takes no value", name);
                return -1;
            }
            value = eq + 1;
        }
    } else { /* -x or -xVALUE */
        o = find_opt(p->cmd, t[1], NULL, 0);
        snprintf(name, sizeof name, "-%c", t[1]);
        if (o && t[2]) {
            if (!o->value)
                o = NULL; /* no bundled flags: "-bq" is unknown */
            else
                value = t + 2;
        }
    }
    if (!o) {
        if (p->cmd)
            snprintf(p->err, p->errlen, "unknown option '%s' for %s %s", t, p->cmd->noun,
                     p->cmd->verb);
        else
            snprintf(p->err, p->errlen, "unknown option '%s'", t);
        return -1;
    }
    if (o->value && !value) {
        if (*i + 1 >= argc) {
            snprintf(p->err, p->errlen, "option %s needs a value", name);
            return -1;
        }
        value = argv[++*i];
    }
    if (o->id == O_HELP) {
        p->help = true;
        return 0;
    }
    if (o->id == O_VERSION) {
        p->version = true;
        return 0;
    }
    return apply_opt(p->a, o, name, value ? value : "", p->err, p->errlen);
}

int cli_args_parse(int argc, char **argv, struct cli_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->poll_interval = CLI_DEFAULT_POLL_INTERVAL;
    a->channel = "stdout";
    if (err && errlen)
        err[0] = '\0';
    size_t cap = argc > 0 ? (size_t)argc : 1;
    struct parse p = { .a = a, .pos = calloc(cap, sizeof *p.pos), .err = err, .errlen = errlen };
    a->nodes = calloc(cap, sizeof *a->nodes);
    if (!p.pos || !a->nodes) {
        free(p.pos);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *t = argv[i];
        if (p.dashdash || t[0] != '-' || !t[1])
            rc = take_word(&p, t);
        else if (!strcmp(t, "--"))
            p.dashdash = true;
        else
            rc = take_option(&p, argc, argv, &i);
    }
    if (!rc)
        rc = finish(a, p.cmd, p.help, p.version, p.pos, p.npos, err, errlen);
    free(p.pos);
    return rc;
}

void cli_args_free(struct cli_args *a)
{
    free(a->nodes);
    a->nodes = NULL;
    a->nnodes = 0;
}
