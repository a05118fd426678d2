#include "cli/session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_error.h"
#include "cli/settings.h"
#include "cli/url.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ERROR: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_session_open(const struct cli_args *a, struct cli_session *s)
{
    memset(s, 0, sizeof *s);
    char err[1024];
    struct knife_config cfg;
    int rc = cli_settings_resolve(a, getenv("HOME"), &cfg, err, sizeof err);
    if (!rc) {
        s->base = cli_url_org_base(cfg.chef_server_url, err, sizeof err);
        rc = s->base ? 0 : -1;
    }
    if (!rc)
        rc = cli_http_init(&s->http, cfg.node_name, cfg.client_key, err, sizeof err);
    int missing = 0;
    if (!rc && cfg.ssl_verify_none) {
        /* as knife does: never silently */
        s->http.verify_none = true;
        fputs("WARNING: ssl_verify_mode is :verify_none: the server's TLS certificate is not "
              "checked; the connection is encrypted, but a forged server or a man in the "
              "middle cannot be detected\n",
              stderr);
    } else if (!rc && cfg.trusted_certs_dir &&
               (rc = cli_http_trust_dir(&s->http, cfg.trusted_certs_dir, &missing, err,
                                        sizeof err)) != 0) {
        cli_http_free(&s->http);
    }
    knife_config_free(&cfg);
    if (rc) {
        cli_error("%s", err);
        free(s->base);
        s->base = NULL;
        return 1;
    }
    return 0;
}

void cli_session_close(struct cli_session *s)
{
    if (s->http.curl)
        cli_http_free(&s->http);
    free(s->base);
    s->base = NULL;
}

int cli_call(struct cli_session *s, const char *method, const char *url, const char *body,
             size_t body_len, const char *accept, struct cli_response *resp)
{
    char err[1024];
    if (cli_http_request(&s->http, method, url, body, body_len, accept, resp, NULL, err,
                    sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    if (resp->status < 200 || resp->status > 299) {
        cli_error_line(resp->status, resp->body, resp->len, err, sizeof err);
        cli_error("%s", err);
        cli_response_free(resp);
        return 1;
    }
    return 0;
}

int cli_call_json(struct cli_session *s, const char *method, const char *url, const char *body,
                  size_t body_len, json_t **out, struct cli_response *resp)
{
    *out = NULL;
    if (cli_call(s, method, url, body, body_len, "application/json", resp))
        return 1;
    json_error_t je;
    *out = json_loadb(resp->body, resp->len, 0, &je);
    if (!*out) {
        cli_error("the answer from %s is not JSON: %s", url, je.text);
        cli_response_free(resp);
        return 1;
    }
    return 0;
}

int cli_print_raw(const struct cli_response *resp)
{
    if (resp->len && fwrite(resp->body, 1, resp->len, stdout) != resp->len)
        return 1;
    if ((!resp->len || resp->body[resp->len - 1] != '\n') && putchar('\n') == EOF)
        return 1;
    return fflush(stdout) ? 1 : 0;
}
