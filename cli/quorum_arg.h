/* The -q/--quorum argument of `pushy job start`, with knife's rule:
 * it must match ^(\d+)(%?)$, else "Invalid Format please enter integer or
 * percent". "N" is an absolute node count and is sent as the JSON number N;
 * "P%" is a percentage (0..100) and is sent as the JSON string "P%", which
 * Pushy's server turns into ceil(P/100 x nodes). (knife converts P% to a
 * count itself; Pushy sends it as given so that it also works with -s
 * QUERY, where only the server knows how many nodes match.) */
#ifndef PUSHY_CLI_QUORUM_ARG_H
#define PUSHY_CLI_QUORUM_ARG_H

#include <stdbool.h>
#include <stddef.h>

struct quorum_arg {
    bool percent;
    unsigned long value; /* a count, or a percentage 0..100 */
};

#define QUORUM_FORMAT_ERROR "Invalid Format please enter integer or percent"

/* Returns 0, or -1 with a message in err (the knife message for a bad
 * format; a percentage over 100 or a count too large is refused too). */
int quorum_arg_parse(const char *text, struct quorum_arg *out, char *err, size_t errlen);

/* The JSON text of the value sent: "5" or "\"50%\"". */
int quorum_arg_json_text(const struct quorum_arg *q, char *out, size_t cap);

#endif
