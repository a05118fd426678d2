#include "shared/bus.h"

#include <string.h>
#include <unistd.h>

#include "shared/log.h"

int bus_url(const struct pushy_config *cfg, const char *name, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "ipc://%s/%s.ipc", cfg->run_dir, name);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int bus_listen(nng_socket s, const struct pushy_config *cfg, const char *name)
{
    char url[CONFIG_STR_MAX + 64];
    if (bus_url(cfg, name, url, sizeof url)) {
        LOG_ERROR("bus: endpoint path too long for %s", name);
        return -1;
    }
    /* nng removes a stale socket file left by a crashed listener and
     * fails with NNG_EADDRINUSE only when a live process listens there. */
    int rv = nng_listen(s, url, NULL, 0);
    if (rv) {
        LOG_ERROR("bus: listen %s: %s", url, nng_strerror(rv));
        return -1;
    }
    return 0;
}

int bus_dial(nng_socket s, const struct pushy_config *cfg, const char *name)
{
    char url[CONFIG_STR_MAX + 64];
    if (bus_url(cfg, name, url, sizeof url)) {
        LOG_ERROR("bus: endpoint path too long for %s", name);
        return -1;
    }
    int rv = nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK);
    if (rv) {
        LOG_ERROR("bus: dial %s: %s", url, nng_strerror(rv));
        return -1;
    }
    return 0;
}

int bus_send_json(nng_socket s, const json_t *msg, int flags)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return -1;
    int rv = nng_send(s, text, strlen(text), flags);
    free(text);
    if (rv) {
        if (rv != NNG_EAGAIN)
            LOG_WARN("bus: send failed: %s", nng_strerror(rv));
        return -1;
    }
    return 0;
}

int bus_recv_bytes(nng_socket s, int flags, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    int rv = nng_recv(s, buf, len, flags | NNG_FLAG_ALLOC);
    if (rv) {
        if (rv != NNG_EAGAIN && rv != NNG_ETIMEDOUT && rv != NNG_ECLOSED)
            LOG_WARN("bus: recv failed: %s", nng_strerror(rv));
        return -1;
    }
    return 0;
}

json_t *bus_recv_json(nng_socket s, int flags)
{
    char *buf;
    size_t len;
    if (bus_recv_bytes(s, flags, &buf, &len))
        return NULL;
    json_error_t jerr;
    json_t *msg = json_loadb(buf, len, 0, &jerr);
    nng_free(buf, len);
    if (!msg || !json_is_object(msg)) {
        LOG_WARN("bus: dropped malformed message: %s", msg ? "not an object" : jerr.text);
        json_decref(msg);
        return NULL;
    }
    return msg;
}

int bus_recv_fd(nng_socket s)
{
    int fd = -1;
    int rv = nng_socket_get_int(s, NNG_OPT_RECVFD, &fd);
    if (rv) {
        LOG_ERROR("bus: no receive fd: %s", nng_strerror(rv));
        return -1;
    }
    return fd;
}
