/* pushy-job: one job's process, forked by jobrunner (never started by
 * hand): `pushy-job -c CONFIG JOB_ID`, the job spec (jobrunner/job_spec.h)
 * on stdin, the jobrunner link on fd 3. See jobrunner/job_proc.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobrunner/job_link.h"
#include "jobrunner/job_proc.h"
#include "jobrunner/job_spec.h"
#include "shared/config.h"
#include "shared/log.h"

#define MAX_SPEC (256u << 20)

static char *read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= MAX_SPEC) {
                free(buf);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

static int signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    sigdelset(&set, SIGHUP); /* blocked and ignored: the config is read once */
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "-c") != 0) {
        fprintf(stderr, "usage: pushy-job -c CONFIG JOB_ID (started by jobrunner only)\n");
        return 2;
    }
    /* jobrunner set PDEATHSIG (and checked its pid) before exec; the link
     * on fd 3 ending tells this process the same. Without a link it was
     * not started by jobrunner. */
    struct stat st;
    if (fstat(JOB_LINK_FD, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "pushy-job: no jobrunner link on fd %d\n", JOB_LINK_FD);
        return 2;
    }
    static struct pushy_config cfg;
    char err[512];
    if (config_load(&cfg, argv[2], false, err, sizeof err)) {
        fprintf(stderr, "pushy-job: bad configuration: %s\n", err);
        return 2;
    }
    log_init("pushy-job", (enum log_level)log_level_parse(cfg.log_level), cfg.log_json);
    int sig_fd = signals();
    if (sig_fd < 0) {
        LOG_ERROR("job=%s signals: %s", argv[3], strerror(errno));
        return 1;
    }
    size_t len = 0;
    char *text = read_stdin(&len);
    if (!text) {
        LOG_ERROR("job=%s: could not read the job spec", argv[3]);
        return 1;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root) {
        LOG_ERROR("job=%s: job spec is not JSON: %s", argv[3], jerr.text);
        return 1;
    }
    struct job_spec spec;
    if (job_spec_parse(root, &spec, err, sizeof err)) {
        LOG_ERROR("job=%s: %s", argv[3], err);
        return 1;
    }
    if (strcmp(spec.job_id, argv[3]) != 0) {
        LOG_ERROR("job=%s: the spec is for job %s", argv[3], spec.job_id);
        job_spec_free(&spec);
        return 1;
    }
    int rc = job_proc_run(&cfg, &spec, sig_fd);
    job_spec_free(&spec);
    close(sig_fd);
    return rc;
}
