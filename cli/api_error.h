/* One-line messages for failed API requests, from the HTTP status and the
 * server's JSON error body: {"error": ["m1", "m2"]} (Pushy, Chef auth) or
 * {"error": "m"} (the original server's job validation). For example
 *   403 Forbidden: User or client 'x' does not have access to that action on this server.
 * Control characters in the server's text become spaces, so the message
 * stays on one line. The caller adds "ERROR: ". */
#ifndef PUSHY_CLI_API_ERROR_H
#define PUSHY_CLI_API_ERROR_H

#include <stddef.h>

/* "Forbidden" for 403, ... ; "" for a status it does not know. */
const char *cli_http_reason(long status);

/* Writes "STATUS REASON[: message]" to out (always NUL-terminated). The
 * message comes from the JSON error body; a short non-JSON body is used as
 * is; a long or binary one is left out. */
void cli_error_line(long status, const char *body, size_t len, char *out, size_t cap);

#endif
