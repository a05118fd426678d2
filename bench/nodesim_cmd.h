/* nodesim: reading a command (commit, run, abort, ack) from the server the
 * way pushy-client does (wire_server_command_parse: HMAC with the session
 * key, type, the client's one-sided clock rule, job_id, a commit's options),
 * without building a JSON tree for the common flat body (shared/flatjson.h)
 * and with the node's keyed HMAC context. Anything the flat reader refuses
 * (a nested env, escapes, an error of any kind) is handed to
 * wire_server_command_parse, so the verdicts and fields are the same as
 * its own for every input. */
#ifndef PUSHY_BENCH_NODESIM_CMD_H
#define PUSHY_BENCH_NODESIM_CMD_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "shared/wire.h"

/* What nodesim acts on. */
struct nsc_cmd {
    enum wire_msg_type type;           /* COMMIT, RUN, ABORT or ACK */
    bool has_job_id;
    char job_id[WIRE_JOB_ID_MAX + 1];
    bool capture;                      /* commit */
    bool invalid;                      /* a commit or run the client nacks */
};

/* hkey: the node's session key with its pads precomputed (shared/hmac256.h);
 * key, the same raw, is used by the fallback. WIRE_OK with out filled, or the error of
 * wire_server_command_parse (err filled). */
enum wire_err nsc_parse(const void *header, size_t hlen, const void *body, size_t blen,
                        size_t max_body_size, const struct hmac256_key *hkey,
                        const unsigned char key[WIRE_SESSION_KEY_LEN], time_t now,
                        int max_skew, struct nsc_cmd *out, struct wire_error *err);

#endif
