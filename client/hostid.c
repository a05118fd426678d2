#include "client/hostid.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared/log.h"

/* The request outlives this call when it cannot be cancelled (glibc is
 * still resolving): it is then leaked on purpose, once, at start. */
struct gai_req {
    struct gaicb cb;
    struct addrinfo hints;
    char name[256];
};

int pc_canonical_name(const char *name, int timeout_ms, char *out, size_t cap)
{
    if (!name || !*name || strlen(name) >= sizeof ((struct gai_req *)0)->name)
        return -1;
    struct gai_req *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->hints.ai_family = AF_UNSPEC;
    r->hints.ai_flags = AI_CANONNAME;
    r->cb.ar_name = r->name;
    r->cb.ar_request = &r->hints;
    struct gaicb *list[1] = { &r->cb };
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        LOG_WARN("resolving %s: %s", name, gai_strerror(rc));
        free(r);
        return -1;
    }
    struct timespec end, now;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    while ((rc = gai_error(&r->cb)) == EAI_INPROGRESS) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ns = (long)(end.tv_sec - now.tv_sec) * 1000000000L + (end.tv_nsec - now.tv_nsec);
        if (left_ns <= 0)
            break;
        struct timespec wait = { left_ns / 1000000000L, left_ns % 1000000000L };
        const struct gaicb *waitlist[1] = { &r->cb };
        gai_suspend(waitlist, 1, &wait); /* EAI_AGAIN/EAI_INTR: checked above */
    }
    if (rc == EAI_INPROGRESS) {
        int c = gai_cancel(&r->cb);
        if (c == EAI_ALLDONE) {
            rc = gai_error(&r->cb);
        } else {
            if (c == EAI_CANCELED)
                free(r);
            /* else: glibc is still resolving; r must stay valid (leaked) */
            LOG_WARN("resolving %s: no answer within %d ms", name, timeout_ms);
            return -1;
        }
    }
    int ok = -1;
    struct addrinfo *res = r->cb.ar_result;
    if (rc == 0 && res && res->ai_canonname && res->ai_canonname[0] &&
        strlen(res->ai_canonname) < cap) {
        snprintf(out, cap, "%s", res->ai_canonname);
        ok = 0;
    } else if (rc != 0) {
        LOG_DEBUG("resolving %s: %s", name, gai_strerror(rc));
    }
    if (res)
        freeaddrinfo(res);
    free(r);
    return ok;
}

void pc_host_lookup(struct pc_host *h, int timeout_ms)
{
    memset(h, 0, sizeof *h);
    if (gethostname(h->hostname, sizeof h->hostname - 1) != 0) {
        LOG_WARN("gethostname: %s", strerror(errno));
        h->hostname[0] = '\0';
        return;
    }
    if (pc_canonical_name(h->hostname, timeout_ms, h->fqdn, sizeof h->fqdn) != 0)
        h->fqdn[0] = '\0';
}

int pc_host_node_name(const struct pc_host *h, char *out, size_t cap, const char **source)
{
    if (h->fqdn[0]) {
        *source = "fqdn";
        return snprintf(out, cap, "%s", h->fqdn) < (int)cap ? 0 : -1;
    }
    *source = "hostname";
    size_t n = strcspn(h->hostname, ".");
    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, h->hostname, n);
    out[n] = '\0';
    return 0;
}
