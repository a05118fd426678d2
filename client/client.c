/* pushy-client: the event loop, its timers and signals (see client.h). */
#include "client/client_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <zmq.h>

#include "client/facts.h"
#include "shared/chef_auth.h"
#include "shared/log.h"
#include "shared/server_keys.h"
#include "shared/timefmt.h"

int64_t pcl_now_ms(void) { return time_now_ms(); }

const char *pcl_reason_text(enum reason r)
{
    switch (r) {
    case R_START: return "start";
    case R_SIGNAL: return "SIGUSR1";
    case R_FETCH_FAILED: return "config fetch failed";
    case R_NO_COMMAND_MSG: return "no message on the command channel";
    case R_SERVER_SILENT: return "no server heartbeats";
    case R_SEND_FAILING: return "sends failing";
    case R_INCARNATION: return "server restarted (new incarnation id)";
    case R_LIFETIME: return "config lifetime reached";
    default: return "none";
    }
}

/* Text from the network made safe for one log line (truncated). */
const char *pcl_printable(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

void pcl_droplog(struct droplog *d, const char *node, const char *channel,
                 const struct wire_error *e)
{
    int64_t now = pcl_now_ms();
    if (d->last_ms && now - d->last_ms < 10000) {
        d->suppressed++;
        return;
    }
    LOG_WARN("node=%s dropped a message on the %s channel: %s: %s (%ld more dropped in the "
             "last 10 s not shown)", node, channel, wire_err_name(e->code), e->msg, d->suppressed);
    d->last_ms = now;
    d->suppressed = 0;
}

void pcl_schedule(struct client *c, int64_t at, enum reason r)
{
    if (c->reconfig_at && c->reconfig_at <= at)
        return;
    c->reconfig_at = at;
    c->reconfig_reason = r;
}

void pcl_schedule_backoff(struct client *c, enum reason r)
{
    if (c->reconfig_at)
        return; /* one pending retry at a time: failures do not push it back */
    int64_t d = pc_backoff_next(&c->backoff, pc_rand01());
    LOG_INFO("node=%s reconnecting in %lld ms (%s)", c->set->node_name, (long long)d,
             pcl_reason_text(r));
    pcl_schedule(c, pcl_now_ms() + d, r);
}

void pcl_maybe_healthy(struct client *c)
{
    if (c->got_command && c->got_heartbeat && c->backoff.attempt) {
        pc_backoff_reset(&c->backoff);
        LOG_DEBUG("connection healthy: backoff reset");
    }
}

static void on_signal(struct client *c)
{
    struct signalfd_siginfo si;
    while (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGTERM:
        case SIGINT:
        case SIGQUIT:
            LOG_INFO("node=%s signal %d: stopping", c->set->node_name, (int)si.ssi_signo);
            c->stop = true;
            break;
        case SIGUSR1:
            LOG_INFO("node=%s SIGUSR1: reconfiguring", c->set->node_name);
            c->reconfig_at = 0;
            pcl_schedule(c, pcl_now_ms(), R_SIGNAL);
            break;
        case SIGHUP:
            if (c->set->log_file[0] && log_open_file(c->set->log_file) != 0)
                LOG_ERROR("cannot reopen log file %s: %s", c->set->log_file, strerror(errno));
            break;
        case SIGCHLD:
            pcl_reap(c);
            break;
        default:
            break;
        }
    }
}

static int64_t send_fail_limit(const struct client *c)
{
    int64_t l = 6 * c->rc.interval_ms;
    return l < 3000 ? 3000 : l > 60000 ? 60000 : l;
}

static void timers(struct client *c, int64_t now)
{
    pcl_job_timers(c, now);
    if (c->reconfig_at && now >= c->reconfig_at && c->phase != PH_FETCHING) {
        pcl_start_fetch(c);
        return;
    }
    if (c->phase != PH_CONNECTED)
        return;
    if (c->next_tick && now >= c->next_tick) {
        c->next_tick += c->rc.interval_ms;
        if (c->next_tick <= now)
            c->next_tick = now + c->rc.interval_ms;
        c->heartbeat_due = true;
        enum pc_live_event ev = c->live_armed ? pc_srvlive_tick(&c->live) : PC_LIVE_NONE;
        c->live_armed = true;
        switch (ev) {
        case PC_LIVE_WENT_OFFLINE:
            LOG_WARN("node=%s server offline: no server heartbeat for %d intervals; the "
                     "current job continues, new jobs are refused (nack_commit)",
                     c->set->node_name, c->live.offline_threshold);
            pcl_schedule_backoff(c, R_SERVER_SILENT);
            break;
        case PC_LIVE_SILENT:
            pcl_schedule_backoff(c, R_SERVER_SILENT);
            break;
        default:
            break;
        }
    }
    if (c->first_msg_deadline && now >= c->first_msg_deadline) {
        c->first_msg_deadline = 0;
        LOG_WARN("node=%s no messages being received on the command port in %d ms; possible "
                 "encryption problem?", c->set->node_name, PC_FIRST_MESSAGE_MS);
        pcl_schedule_backoff(c, R_NO_COMMAND_MSG);
    }
    if (c->send_fail_since && now - c->send_fail_since >= send_fail_limit(c) &&
        !c->reconfig_at) {
        LOG_WARN("node=%s cannot send on the command channel for %lld ms",
                 c->set->node_name, (long long)(now - c->send_fail_since));
        pcl_schedule_backoff(c, R_SEND_FAILING);
    }
    if (c->periodic_at && now >= c->periodic_at) {
        c->periodic_at = 0;
        if (c->sm.state == PC_JOB_IDLE && !c->proc.pid)
            pcl_schedule(c, now, R_LIFETIME);
        else
            c->periodic_due = true;
    }
}

static void lower(int64_t *t, int64_t deadline)
{
    if (deadline && deadline < *t)
        *t = deadline;
}

static long poll_timeout(const struct client *c, int64_t now)
{
    int64_t t = now + 1000;
    lower(&t, c->reconfig_at);
    lower(&t, c->linger_kill_at);
    lower(&t, c->pipe_deadline);
    if (c->phase == PH_CONNECTED) {
        lower(&t, c->next_tick);
        lower(&t, c->first_msg_deadline);
        lower(&t, c->periodic_at);
        if (c->send_fail_since)
            lower(&t, c->send_fail_since + send_fail_limit(c));
        if (c->outq_n > 0 || c->heartbeat_due)
            lower(&t, c->retry_send_at > now ? c->retry_send_at : now + 1);
    }
    return t <= now ? 0 : (long)(t - now);
}

static int loop(struct client *c)
{
    pcl_schedule(c, pcl_now_ms(), R_START);
    while (!c->stop) {
        int64_t now = pcl_now_ms();
        timers(c, now);
        pcl_flush(c, now);
        if (c->proc.pid && pc_proc_done(&c->proc))
            pcl_finish_job(c);

        zmq_pollitem_t items[MAX_POLL_ITEMS];
        int n = 0;
        items[n++] = (zmq_pollitem_t){ .fd = c->sigfd, .events = ZMQ_POLLIN };
        int i_sub = -1, i_dealer = -1, i_out = -1, i_err = -1;
        if (c->phase == PH_CONNECTED) {
            i_sub = n;
            items[n++] = (zmq_pollitem_t){ .socket = c->sess.sub, .events = ZMQ_POLLIN };
            i_dealer = n;
            items[n++] = (zmq_pollitem_t){ .socket = c->sess.dealer, .events = ZMQ_POLLIN };
        }
        if (c->proc.out_fd >= 0) {
            i_out = n;
            items[n++] = (zmq_pollitem_t){ .fd = c->proc.out_fd, .events = ZMQ_POLLIN };
        }
        if (c->proc.err_fd >= 0) {
            i_err = n;
            items[n++] = (zmq_pollitem_t){ .fd = c->proc.err_fd, .events = ZMQ_POLLIN };
        }
        long timeout = poll_timeout(c, now);
        if (c->http)
            n += pc_http_poll_items(c->http, items + n, MAX_POLL_ITEMS - n, &timeout);
        if (c->facts_http)
            n += pc_http_poll_items(c->facts_http, items + n, MAX_POLL_ITEMS - n, &timeout);
        if (zmq_poll(items, n, timeout) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            LOG_ERROR("zmq_poll: %s", zmq_strerror(zmq_errno()));
            return 1;
        }
        if (items[0].revents)
            on_signal(c);
        if (i_sub >= 0 && (items[i_sub].revents & ZMQ_POLLIN))
            pcl_on_sub(c);
        if (i_dealer >= 0 && (items[i_dealer].revents & ZMQ_POLLIN) && c->phase == PH_CONNECTED)
            pcl_on_dealer(c);
        if (i_out >= 0 && items[i_out].revents)
            pc_proc_drain(&c->proc, c->proc.out_fd);
        if (i_err >= 0 && items[i_err].revents)
            pc_proc_drain(&c->proc, c->proc.err_fd);
        if (c->http && pc_http_step(c->http))
            pcl_fetch_done(c);
        if (c->facts_http && pc_http_step(c->facts_http))
            pcl_facts_done(c);
    }
    return 0;
}

static int setup_signals(struct client *c)
{
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP, SIGCHLD };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    /* blocked before libzmq starts its threads, so they inherit the mask */
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    c->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return c->sigfd < 0 ? -1 : 0;
}

int pc_client_main(struct pc_settings *set)
{
    static struct client cl;
    struct client *c = &cl;
    memset(c, 0, sizeof *c);
    c->set = set;
    c->sigfd = -1;
    c->lock_fd = -1;
    pc_proc_init(&c->proc);
    pc_backoff_init(&c->backoff, PC_BACKOFF_BASE_MS, PC_BACKOFF_MAX_MS);
    int rc = 1;
    char err[256];
    if (gethostname(c->hostname, sizeof c->hostname - 1) != 0)
        snprintf(c->hostname, sizeof c->hostname, "%s", set->node_name);
    /* the fqdn fact: the canonical name, else the host name as is */
    const char *fqdn = set->fqdn[0] ? set->fqdn : c->hostname;
    size_t fqdn_len = strnlen(fqdn, sizeof c->fqdn - 1);
    memcpy(c->fqdn, fqdn, fqdn_len);
    c->fqdn[fqdn_len] = '\0';
    if (!(c->client_key = chef_auth_load_private_key_file(set->client_key, err, sizeof err))) {
        LOG_ERROR("client key %s: %s", set->client_key, err);
        return 1;
    }
    if (uuid_v4(c->incarnation_id) != 0) {
        LOG_ERROR("cannot make an incarnation id");
        goto out;
    }
    c->ident = (struct wire_node_ident){ .node = set->node_name, .client = c->hostname,
                                         .org = set->org, .incarnation_id = c->incarnation_id };
    if (setup_signals(c) != 0) {
        LOG_ERROR("signals: %s", strerror(errno));
        goto out;
    }
    if (pc_http_global_init() != 0) {
        LOG_ERROR("libcurl initialisation failed");
        goto out;
    }
    if (zmq_curve_keypair(c->curve_pub, c->curve_sec) != 0) {
        LOG_ERROR("zmq_curve_keypair: %s (libzmq without CURVE?)", zmq_strerror(zmq_errno()));
        goto out_curl;
    }
    if (!(c->zctx = zmq_ctx_new())) {
        LOG_ERROR("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
        goto out_curl;
    }
    LOG_INFO("node=%s pushy-client %s starting: org %s, server %s, incarnation %s, %zu "
             "whitelist entries", set->node_name, PC_VERSION, set->org, set->server_url,
             c->incarnation_id, set->whitelist.n);
    rc = loop(c);
    pcl_stop_job(c);
    pcl_drop_committed(c);
    pc_session_close(&c->sess);
    pc_http_free(c->http);
    pc_http_free(c->facts_http);
    for (int i = 0; i < c->outq_n; i++)
        json_decref(c->outq[i]);
    if (c->have_config)
        pc_remote_config_free(&c->rc);
    zmq_ctx_term(c->zctx);
    LOG_INFO("node=%s stopped", set->node_name);
out_curl:
    pc_http_global_cleanup();
out:
    OPENSSL_cleanse(c->curve_sec, sizeof c->curve_sec);
    if (c->sigfd >= 0)
        close(c->sigfd);
    EVP_PKEY_free(c->client_key);
    return rc;
}
