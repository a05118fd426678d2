/* Job quorum: how many target nodes must ack the commit before a job runs.
 *
 * A quorum is either an absolute node count (0..n) or a whole percentage
 * "P%" (0..100) of the n target nodes; a percentage needs
 * ceil(P/100 * n) nodes. The default is 100% (every node).
 *
 * Text form (quorum_parse, for the CLI and for a JSON string): "P%" is a
 * percentage; a bare digit string "N" is an absolute count, exactly like
 * knife's `-q N` (regex ^(\d+)(%?)$). So "50" and the JSON number 50 mean
 * the same thing: 50 nodes, not 50%. Nothing else is accepted: no sign,
 * no spaces, no fractions ("50.5%"). */
#ifndef PUSHY_SHARED_QUORUM_H
#define PUSHY_SHARED_QUORUM_H

#include <stddef.h>

enum quorum_kind { QUORUM_COUNT, QUORUM_PERCENT };

struct quorum_spec {
    enum quorum_kind kind;
    unsigned long value; /* node count, or percent 0..100 */
};

/* 100%: every target must ack. */
void quorum_default(struct quorum_spec *out);

/* Parses "N" or "P%" for a job of n_nodes targets. Returns 0, or -1 with a
 * message for the user in err (malformed, percent > 100, count > n). */
int quorum_parse(const char *text, size_t n_nodes, struct quorum_spec *out,
                 char *err, size_t errlen);

/* An absolute count from a JSON integer: 0 <= count <= n_nodes. */
int quorum_from_count(long long count, size_t n_nodes, struct quorum_spec *out,
                      char *err, size_t errlen);

/* An absolute count from a JSON real: must be a whole number (2.0 is 2). */
int quorum_from_number(double v, size_t n_nodes, struct quorum_spec *out,
                       char *err, size_t errlen);

/* Number of nodes that must be ready for the job to run. For a count this
 * is the count as given (validated against n_nodes when parsed). */
size_t quorum_required(const struct quorum_spec *spec, size_t n_nodes);

#endif
