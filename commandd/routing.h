/* What commandd does with a verified node message, as a pure decision
 * (the original's node FSM rules, PROTOCOL-NOTES §2.3):
 *  - heartbeat: to heartbeatd, always (even when the session was not
 *    admitted this second: it is authentic evidence that the node lives).
 *    A heartbeat naming a job whose process does not exist puts an
 *    available node in rehab (the node runs something the server forgot).
 *  - aborted: completes the handshake when it answers our abort (not when
 *    it is the message that started the session); with a job id it also
 *    goes to that job's process.
 *  - other job events (ack_commit ... failed): dropped in rehab (the node
 *    was told to abort); without a job id, or for a job with no process,
 *    the node is put in rehab; otherwise they go to the job process.
 * Messages of a session the rate limit did not admit are only used for
 * liveness. */
#ifndef PUSHY_COMMANDD_ROUTING_H
#define PUSHY_COMMANDD_ROUTING_H

#include <stdbool.h>

#include "commandd/sessions.h"
#include "shared/wire.h"

struct route {
    bool to_heartbeatd;
    bool completes_handshake;
    bool to_job;            /* forward to the job process */
    bool check_job;         /* heartbeat: rehab if the job process is gone */
    bool rehab_if_no_job;   /* rehab when the job process does not exist */
    bool rehab;             /* rehab now */
    const char *drop;       /* non-NULL: why the message is not used */
};

/* state: the session state after admission (SESS_NONE when the session was
 * not admitted); kind: how the message was classified. */
void route_message(enum sess_state state, bool admitted, enum sess_kind kind,
                   enum wire_msg_type type, bool has_job_id, struct route *r);

#endif
