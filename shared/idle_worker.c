#include "shared/idle_worker.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "shared/bus.h"
#include "shared/log.h"
#include "shared/worker.h"

#define MAX_EPS 8

int idle_worker_run(struct pushy_config *cfg, const struct idle_endpoint *eps, int n)
{
    nng_socket socks[MAX_EPS];
    struct pollfd pfds[MAX_EPS + 1];
    int npfd = 0;
    int rc = 1;
    int opened = 0;
    if (n > MAX_EPS)
        return 1;
    pfds[npfd++] = (struct pollfd){ .fd = worker_signal_fd(), .events = POLLIN };
    int pidx[MAX_EPS];
    for (int i = 0; i < n; i++) {
        int rv = eps[i].open(&socks[i]);
        if (rv) {
            LOG_ERROR("bus: open %s: %s", eps[i].name, nng_strerror(rv));
            goto out;
        }
        opened++;
        if (eps[i].listen ? bus_listen(socks[i], cfg, eps[i].name) : bus_dial(socks[i], cfg, eps[i].name))
            goto out;
        pidx[i] = -1;
        if (eps[i].reply_not_implemented || eps[i].listen) {
            int fd = -1;
            if (nng_socket_get_int(socks[i], NNG_OPT_RECVFD, &fd) == 0) {
                pidx[i] = npfd;
                pfds[npfd++] = (struct pollfd){ .fd = fd, .events = POLLIN };
            }
        }
    }
    worker_ready();
    LOG_INFO("idle: bus endpoints open; this component's features are not implemented yet");
    for (;;) {
        if (poll(pfds, (nfds_t)npfd, -1) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("poll: %s", strerror(errno));
            goto out;
        }
        if (pfds[0].revents & POLLIN) {
            enum worker_signal s = worker_read_signal();
            if (s == WORKER_SIG_STOP)
                break;
            if (s == WORKER_SIG_RELOAD)
                worker_reload(cfg);
        }
        for (int i = 0; i < n; i++) {
            if (pidx[i] < 0 || !(pfds[pidx[i]].revents & POLLIN))
                continue;
            json_t *m = bus_recv_json(socks[i], NNG_FLAG_NONBLOCK);
            if (m && eps[i].reply_not_implemented) {
                json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", "not implemented yet");
                bus_send_json(socks[i], r, 0);
                json_decref(r);
            }
            json_decref(m);
        }
    }
    LOG_INFO("stopping");
    rc = 0;
out:
    for (int i = 0; i < opened; i++)
        nng_close(socks[i]);
    return rc;
}
