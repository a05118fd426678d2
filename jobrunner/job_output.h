/* Captured output on its way from a node's succeeded/failed message to
 * jobrunner (and job_output). Pure code.
 *
 * commandd forwards the node's "stdout"/"stderr" strings (the original
 * client: UTF-8 text, invalid bytes already replaced) and, from Pushy's
 * client, "stdout_b64"/"stderr_b64" (the exact bytes, base64): the base64
 * form wins when it decodes. Each stream is bounded to JOB_OUTPUT_MAX
 * bytes here (the head is kept, then JOB_OUTPUT_MARKER); a stream that
 * ends with a client's or our truncation marker is flagged truncated.
 *
 * The link report (jobrunner/job_link.h):
 *   {"type":"node_output","node":N,"stdout":B64,"stderr":B64,
 *    "stdout_truncated":bool,"stderr_truncated":bool} */
#ifndef PUSHY_JOB_OUTPUT_H
#define PUSHY_JOB_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JOB_OUTPUT_MAX (1u << 20)
#define JOB_OUTPUT_MARKER "\n[output truncated: %zu bytes dropped]\n"

/* The report for reply (a node_reply bus message), or NULL when it
 * carries no output (or out of memory). */
json_t *job_output_report(const char *node, const json_t *reply);

/* A node_reply bus message parsed from text. Captured text output may hold
 * "\u0000" (commandd accepts it, shared/wire.c), so NULs are allowed. */
json_t *job_output_load_reply(const char *text, size_t len, json_error_t *err);

/* Does p[0..n) end with a truncation marker (the client's
 * "[pushy-client: output truncated, N bytes dropped]" or ours)? */
bool job_output_has_marker(const unsigned char *p, size_t n);

/* One stream's bytes from reply: b64 key first, then the text key.
 * *out malloc'd (may be NULL with *len 0 when absent: returns 0), -1 on
 * out of memory. present: whether either key was there. */
int job_output_stream(const json_t *reply, const char *name, unsigned char **out, size_t *len,
                      bool *present);

#endif
