/* pushy-client: the Chef Push Jobs node daemon (see client/client.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "client/hostid.h"
#include "client/http.h"
#include "client/options.h"
#include "shared/ca_bundle.h"
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
    /* The fqdn is needed for the facts and, without a node_name, as the
     * node name: resolved once, bounded (client/hostid.h). */
    struct pc_host host;
    pc_host_lookup(&host, PC_FQDN_TIMEOUT_MS);
    char fallback[256] = "";
    const char *fallback_from = "";
    if (pc_host_node_name(&host, fallback, sizeof fallback, &fallback_from) != 0)
        fallback[0] = '\0';
    struct pc_settings s;
    if (pc_settings_load(&o, fallback, &s, err, sizeof err) != 0) {
        fprintf(stderr, "pushy-client: %s\n", err);
        return 1;
    }
    snprintf(s.fqdn, sizeof s.fqdn, "%s", host.fqdn);
    log_set_level((enum log_level)log_level_parse(s.log_level));
    if (s.log_file[0] && log_open_file(s.log_file) != 0) {
        fprintf(stderr, "pushy-client: cannot open log file %s: %m\n", s.log_file);
        pc_settings_free(&s);
        return 1;
    }
    if (strcmp(s.node_name_from, "fallback") == 0)
        LOG_INFO("node=%s no node_name in %s or -N: using the %s (host name '%s', fqdn '%s')",
                 s.node_name, s.config_path, fallback_from, host.hostname,
                 host.fqdn[0] ? host.fqdn : "unresolved");
    else
        LOG_INFO("node=%s node name from %s", s.node_name, s.node_name_from);
    struct ca_bundle ca = { 0 };
    if (s.trusted_certs_dir[0]) {
        char sys[1024];
        ca_bundle_system_file(sys, sizeof sys);
        if (ca_bundle_build(s.trusted_certs_dir, sys, &ca, err, sizeof err) != 0) {
            LOG_ERROR("node=%s %s", s.node_name, err);
            pc_settings_free(&s);
            return 1;
        }
        if (ca.dir_missing && s.trusted_certs_explicit)
            LOG_WARN("node=%s trusted_certs_dir %s does not exist: only the system's CA "
                     "certificates are trusted", s.node_name, s.trusted_certs_dir);
        else if (!ca.dir_missing)
            LOG_INFO("node=%s trusting %d CA certificates from %d files in %s (and %s)",
                     s.node_name, ca.ncerts, ca.nfiles, s.trusted_certs_dir,
                     sys[0] ? sys : "no system CA file");
        if (!ca.dir_missing && ca.ncerts > 0 && ca.no_system_ca)
            LOG_WARN("node=%s no system CA file found (libcurl's default: '%s'): only the "
                     "certificates of %s are trusted", s.node_name, sys, s.trusted_certs_dir);
        if (!ca.dir_missing && ca.ncerts > 0)
            pc_http_set_ca(ca.pem, ca.len);
    }
    int rc = pc_client_main(&s);
    pc_http_set_ca(NULL, 0);
    ca_bundle_free(&ca);
    pc_settings_free(&s);
    return rc;
}
