/* What happens to every request once its body is in, independent of the
 * HTTP library: route (404/405/400), validate names (400), authenticate
 * and authorize (401/403/404), parse a JSON body (400), run the handler. */
#ifndef PUSHY_APID_PIPELINE_H
#define PUSHY_APID_PIPELINE_H

#include "apid/api.h"

/* req: method, raw_path, query, body, header, header_ctx and peer set by
 * the caller. Always leaves reply->status set. Releases what it attached
 * to req (actor key, parsed body) before returning. */
void api_process(struct api_request *req, struct api_reply *reply);

#endif
