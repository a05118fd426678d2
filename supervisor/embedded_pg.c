#include "supervisor/embedded_pg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/log.h"

int embedded_pg_pick_version(const char *const *names, int n)
{
    int best = -1;
    double best_v = -1;
    for (int i = 0; i < n; i++) {
        char *end;
        double v = strtod(names[i], &end);
        if (end == names[i] || *end)
            continue;
        if (v > best_v) {
            best_v = v;
            best = i;
        }
    }
    return best;
}

static int find_bin_dir(char *out, size_t outlen)
{
    DIR *d = opendir("/usr/lib/postgresql");
    if (!d)
        return -1;
    char names[32][64];
    const char *ptrs[32];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 32) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len >= sizeof names[n])
            continue;
        memcpy(names[n], e->d_name, len + 1);
        ptrs[n] = names[n];
        n++;
    }
    closedir(d);
    int best = embedded_pg_pick_version(ptrs, n);
    if (best < 0)
        return -1;
    snprintf(out, outlen, "/usr/lib/postgresql/%s/bin", names[best]);
    return 0;
}

int embedded_pg_prepare(struct embedded_pg *pg, const struct pushy_config *cfg,
                        char *err, size_t errlen)
{
    memset(pg, 0, sizeof *pg);
    if (cfg->postgres_bin_dir[0])
        snprintf(pg->bin_dir, sizeof pg->bin_dir, "%s", cfg->postgres_bin_dir);
    else if (find_bin_dir(pg->bin_dir, sizeof pg->bin_dir)) {
        snprintf(err, errlen, "no PostgreSQL found under /usr/lib/postgresql "
                              "(install the postgresql package or set postgres_bin_dir)");
        return -1;
    }
    snprintf(pg->postgres_path, sizeof pg->postgres_path, "%s/postgres", pg->bin_dir);
    if (access(pg->postgres_path, X_OK)) {
        snprintf(err, errlen, "%s is not executable: %s", pg->postgres_path, strerror(errno));
        return -1;
    }
    snprintf(pg->data_dir, sizeof pg->data_dir, "%s/postgresql", cfg->data_dir);
    snprintf(pg->port, sizeof pg->port, "%d", cfg->db_port);
    snprintf(pg->socket_dir, sizeof pg->socket_dir, "%s", cfg->run_dir);
    int i = 0;
    pg->argv[i++] = "postgres";
    pg->argv[i++] = "-D";
    pg->argv[i++] = pg->data_dir;
    pg->argv[i++] = "-k";
    pg->argv[i++] = pg->socket_dir;
    pg->argv[i++] = "-p";
    pg->argv[i++] = pg->port;
    pg->argv[i++] = "-c";
    pg->argv[i++] = "listen_addresses=";
    pg->argv[i++] = "-c";
    pg->argv[i++] = "unix_socket_permissions=0700";
    pg->argv[i++] = "-c";
    pg->argv[i++] = "logging_collector=off";
    /* Short OLTP statements only: JIT compiling one costs far more (100s
     * of ms) than it could save. */
    pg->argv[i++] = "-c";
    pg->argv[i++] = "jit=off";
    pg->argv[i] = NULL;
    return 0;
}

int embedded_pg_initdb(const struct embedded_pg *pg, const struct pushy_config *cfg,
                       const char *log_path, char *err, size_t errlen)
{
    char marker[CONFIG_STR_MAX + 32];
    snprintf(marker, sizeof marker, "%s/PG_VERSION", pg->data_dir);
    if (access(marker, F_OK) == 0)
        return 0;

    char initdb[CONFIG_STR_MAX + 16];
    snprintf(initdb, sizeof initdb, "%s/initdb", pg->bin_dir);
    char user_opt[96];
    snprintf(user_opt, sizeof user_opt, "--username=%s", cfg->user);
    LOG_INFO("initializing embedded PostgreSQL cluster in %s", pg->data_dir);

    int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logfd < 0) {
        snprintf(err, errlen, "open %s: %s", log_path, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(logfd, STDOUT_FILENO);
        dup2(logfd, STDERR_FILENO);
        char *const argv[] = { "initdb", "-D", (char *)pg->data_dir, user_opt, "--auth=trust",
                               "--encoding=UTF8", "--locale=C", "--no-instructions", NULL };
        execv(initdb, argv);
        _exit(127);
    }
    close(logfd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid initdb: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "initdb failed (exit %d); see %s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, log_path);
        return -1;
    }
    return 0;
}

bool embedded_pg_ready(const struct pushy_config *cfg)
{
    char conninfo[2 * CONFIG_STR_MAX];
    config_db_conninfo(cfg, "postgres", conninfo, sizeof conninfo);
    return PQping(conninfo) == PQPING_OK;
}
