/* Is the server alive? Counters over server heartbeats (PUB channel),
 * ticked once per heartbeat interval. Pure.
 *
 * Pushy's rule (exact counts, no off-by-one):
 *  - every tick without a server heartbeat since the previous tick adds one
 *    to `missed`; a heartbeat sets it to 0;
 *  - online -> offline at the tick where missed reaches offline_threshold
 *    (default 3: offline 3 silent intervals after the last heartbeat);
 *  - offline -> online on the online_threshold-th heartbeat (default 2)
 *    received with no silent tick in between (a silent tick restarts the
 *    count);
 *  - PC_LIVE_SILENT is reported once each time missed reaches
 *    offline_threshold, also when already offline (after a reconnect), so
 *    the caller can reconnect again.
 * The original client (heartbeater.rb) tests `counter > threshold` before
 * counting: offline only after offline_threshold+1..+2 silent intervals and
 * online on the (online_threshold+2)-th heartbeat.
 * A new tracker starts online: a config fetch just proved the server up. */
#ifndef PUSHY_CLIENT_SRVLIVE_H
#define PUSHY_CLIENT_SRVLIVE_H

#include <stdbool.h>

struct pc_srvlive {
    int offline_threshold, online_threshold;
    bool online;
    int missed;      /* ticks since the last server heartbeat */
    int received;    /* consecutive heartbeats while offline */
    bool beat;       /* a heartbeat since the last tick */
};

enum pc_live_event {
    PC_LIVE_NONE = 0,
    PC_LIVE_WENT_ONLINE,
    PC_LIVE_WENT_OFFLINE, /* implies silent */
    PC_LIVE_SILENT,       /* offline_threshold silent ticks, already offline */
};

/* Thresholds below 1 are taken as 1. */
void pc_srvlive_init(struct pc_srvlive *l, int offline_threshold, int online_threshold);
/* A verified server heartbeat. */
enum pc_live_event pc_srvlive_heartbeat(struct pc_srvlive *l);
/* One heartbeat interval has passed. */
enum pc_live_event pc_srvlive_tick(struct pc_srvlive *l);
/* New connection: silence is counted afresh, the online state is kept. */
void pc_srvlive_reset_silence(struct pc_srvlive *l);

#endif
