#include "client/srvlive.h"

#include <string.h>

void pc_srvlive_init(struct pc_srvlive *l, int offline_threshold, int online_threshold)
{
    memset(l, 0, sizeof *l);
    l->offline_threshold = offline_threshold < 1 ? 1 : offline_threshold;
    l->online_threshold = online_threshold < 1 ? 1 : online_threshold;
    l->online = true;
}

enum pc_live_event pc_srvlive_heartbeat(struct pc_srvlive *l)
{
    l->missed = 0;
    l->beat = true;
    if (l->online)
        return PC_LIVE_NONE;
    if (++l->received >= l->online_threshold) {
        l->online = true;
        l->received = 0;
        return PC_LIVE_WENT_ONLINE;
    }
    return PC_LIVE_NONE;
}

enum pc_live_event pc_srvlive_tick(struct pc_srvlive *l)
{
    if (l->beat) {
        l->beat = false;
        return PC_LIVE_NONE;
    }
    l->received = 0;
    if (++l->missed != l->offline_threshold)
        return PC_LIVE_NONE;
    if (l->online) {
        l->online = false;
        return PC_LIVE_WENT_OFFLINE;
    }
    return PC_LIVE_SILENT;
}

void pc_srvlive_reset_silence(struct pc_srvlive *l)
{
    l->missed = 0;
    l->received = 0;
    l->beat = false;
}
