/* A CLI run's connection to the API: settings resolved, key loaded, org
 * base URL checked; plus request helpers that turn every failure into one
 * "ERROR: ..." line on stderr. */
#ifndef PUSHY_CLI_SESSION_H
#define PUSHY_CLI_SESSION_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli_args.h"
#include "cli/http.h"

struct cli_session {
    struct cli_http http;
    char *base; /* https://HOST/organizations/ORG */
};

/* Prints "ERROR: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Returns 0, or 1 after printing the error. */
int cli_session_open(const struct cli_args *a, struct cli_session *s);
void cli_session_close(struct cli_session *s);

/* One request. 0 with resp filled when the answer is 2xx; otherwise 1
 * after printing one error line (the server's message, or which URL could
 * not be reached); resp is then empty. */
int cli_call(struct cli_session *s, const char *method, const char *url, const char *body,
             size_t body_len, const char *accept, struct cli_response *resp);

/* cli_call with Accept: application/json, the answer parsed into *out
 * (also kept raw in resp). 1 after an error line when it is not JSON. */
int cli_call_json(struct cli_session *s, const char *method, const char *url, const char *body,
                  size_t body_len, json_t **out, struct cli_response *resp);

/* Writes the raw body, with a newline when it lacks one. 0 or 1. */
int cli_print_raw(const struct cli_response *resp);

#endif
