#include "supervisor/ctl_client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "shared/bus.h"

json_t *ctl_request(const struct pushy_config *cfg, const char *cmd, const char *name, int timeout_ms)
{
    nng_socket s;
    if (nng_req0_open(&s))
        return NULL;
    json_t *reply = NULL;
    char url[CONFIG_STR_MAX + 64];
    if (bus_url(cfg, BUS_CONTROL, url, sizeof url))
        goto out;
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, timeout_ms);
    /* A blocking dial fails at once when nobody listens. */
    if (nng_dial(s, url, NULL, 0))
        goto out;
    json_t *req = json_pack("{s:s}", "cmd", cmd);
    if (name)
        json_object_set_new(req, "name", json_string(name));
    int rc = bus_send_json(s, req, 0);
    json_decref(req);
    if (rc == 0)
        reply = bus_recv_json(s, 0);
out:
    nng_close(s);
    return reply;
}
