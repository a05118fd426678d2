#include "commandd/routing.h"

void route_message(enum sess_state state, bool admitted, enum sess_kind kind,
                   enum wire_msg_type type, bool has_job_id, struct route *r)
{
    *r = (struct route){ 0 };
    if (type == WIRE_MSG_HEARTBEAT) {
        r->to_heartbeatd = true;
        r->check_job = admitted && has_job_id && state == SESS_AVAILABLE;
        return;
    }
    if (!wire_msg_type_is_job_event(type)) {
        r->drop = "not a node message type";
        return;
    }
    if (!admitted) {
        r->drop = "session not admitted yet (rate limit)";
        return;
    }
    if (type == WIRE_MSG_ABORTED) {
        r->completes_handshake = state == SESS_REHAB && (kind == SESS_SAME || kind == SESS_MOVED);
        r->to_job = has_job_id;
        return;
    }
    if (state != SESS_AVAILABLE) {
        r->drop = "node is being aborted (rehab)";
        return;
    }
    if (!has_job_id) {
        r->rehab = true;
        r->drop = "job message without a job id";
        return;
    }
    r->to_job = true;
    r->rehab_if_no_job = true;
}
