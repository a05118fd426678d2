#include "apid/node_view.h"

#include "shared/timefmt.h"

void node_view_write(struct json_buf *b, const char *name, const char *status,
                     const char *availability, time_t updated_at)
{
    char when[TIME_RFC1123_SIZE];
    if (time_format_rfc1123(updated_at, when, sizeof when))
        when[0] = '\0';
    json_buf_lit(b, "{\"node_name\":");
    json_buf_string(b, name);
    json_buf_lit(b, ",\"status\":");
    json_buf_string(b, status);
    json_buf_lit(b, ",\"availability\":");
    json_buf_string(b, availability);
    json_buf_lit(b, ",\"updated_at\":");
    json_buf_string(b, when);
    json_buf_lit(b, "}");
}
