/* pushy-client: the Chef Push Jobs node daemon (see client/client.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "client/options.h"
#include "shared/log.h"

/* A daemon started with a closed 0/1/2 must not hand those numbers out. */
static void ensure_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int n = open("/dev/null", O_RDWR);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

int main(int argc, char **argv)
{
    ensure_std_fds();
    log_init("pushy-client", LOG_LVL_INFO, false);
    struct pc_options o;
    char err[512];
    if (pc_options_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "pushy-client: %s\n", err);
        pc_usage(stderr);
        return 2;
    }
    if (o.help) {
        pc_usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("pushy-client %s (Chef Push Jobs protocol 2.0)\n", PC_VERSION);
        return 0;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    struct pc_settings s;
    if (pc_settings_load(&o, host, &s, err, sizeof err) != 0) {
        fprintf(stderr, "pushy-client: %s\n", err);
        return 1;
    }
    log_set_level((enum log_level)log_level_parse(s.log_level));
    if (s.log_file[0] && log_open_file(s.log_file) != 0) {
        fprintf(stderr, "pushy-client: cannot open log file %s: %m\n", s.log_file);
        pc_settings_free(&s);
        return 1;
    }
    int rc = pc_client_main(&s);
    pc_settings_free(&s);
    return rc;
}
