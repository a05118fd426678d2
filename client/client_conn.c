/* pushy-client: the connection: config fetch, connecting the sockets,
 * and verifying what arrives on them. */
#include "client/client_int.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "client/bootstrap.h"
#include "shared/log.h"
#include "shared/timefmt.h"

static void disconnect(struct client *c)
{
    pc_session_close(&c->sess);
    c->first_msg_deadline = 0;
    c->send_fail_since = 0;
    c->retry_send_at = 0;
    c->next_tick = 0;
    c->periodic_at = 0;
    c->got_command = c->got_heartbeat = false;
}

void pcl_start_fetch(struct client *c)
{
    enum reason why = c->reconfig_reason;
    c->reconfig_at = 0;
    c->reconfig_reason = R_NONE;
    disconnect(c);
    char url[PC_URL_MAX], err[256] = "";
    const char *path;
    struct pc_request_headers hdrs;
    if (pc_config_url(c->set->server_url, c->set->node_name, c->curve_pub, url, sizeof url,
                      &path) != 0) {
        LOG_ERROR("config URL too long");
        c->phase = PH_DISCONNECTED;
        pcl_schedule_backoff(c, R_FETCH_FAILED);
        return;
    }
    if (pc_sign_get(path, c->set->node_name, c->client_key, c->set->auth_version, time_wall(),
                    &hdrs, err, sizeof err) != 0) {
        LOG_ERROR("signing the config request failed: %s", err);
        c->phase = PH_DISCONNECTED;
        pcl_schedule_backoff(c, R_FETCH_FAILED);
        return;
    }
    LOG_INFO("node=%s fetching config (%s): GET %s", c->set->node_name, pcl_reason_text(why), url);
    c->http = pc_http_get(url, (const char *const *)hdrs.lines, c->set->ssl_verify,
                          PC_FETCH_TIMEOUT_MS, err, sizeof err);
    pc_request_headers_free(&hdrs);
    if (!c->http) {
        LOG_ERROR("config request: %s", err);
        c->phase = PH_DISCONNECTED;
        pcl_schedule_backoff(c, R_FETCH_FAILED);
        return;
    }
    c->phase = PH_FETCHING;
}

static void connect_with(struct client *c, struct pc_remote_config *rc)
{
    char err[256];
    if (c->have_config)
        pc_remote_config_free(&c->rc);
    c->rc = *rc;
    memset(rc, 0, sizeof *rc);
    c->have_config = true;
    if (pc_session_open(&c->sess, c->zctx, &c->rc, c->curve_pub, c->curve_sec, err,
                        sizeof err) != 0) {
        LOG_ERROR("%s", err);
        c->phase = PH_DISCONNECTED;
        pcl_schedule_backoff(c, R_FETCH_FAILED);
        return;
    }
    int64_t now = pcl_now_ms();
    bool first = c->live.offline_threshold == 0;
    if (first) {
        pc_srvlive_init(&c->live, c->rc.offline_threshold, c->rc.online_threshold);
    } else {
        c->live.offline_threshold = c->rc.offline_threshold;
        c->live.online_threshold = c->rc.online_threshold;
        pc_srvlive_reset_silence(&c->live);
    }
    size_t server_max = (size_t)c->rc.max_body_size;
    c->max_out_body = (size_t)c->set->max_body_size < server_max ? (size_t)c->set->max_body_size
                                                                 : server_max;
    c->phase = PH_CONNECTED;
    c->seq = 0;
    c->next_tick = now;
    c->live_armed = false;
    c->heartbeat_due = false;
    c->first_msg_deadline = now + PC_FIRST_MESSAGE_MS;
    c->periodic_at = now + pc_lifetime_ms(c->rc.lifetime_s, pc_rand01());
    LOG_INFO("node=%s connected: heartbeats %s, commands %s, interval %lld ms, offline after "
             "%d silent intervals, online after %d heartbeats, server incarnation %s%s",
             c->set->node_name, c->rc.out_addr, c->rc.command_addr,
             (long long)c->rc.interval_ms, c->rc.offline_threshold, c->rc.online_threshold,
             c->rc.incarnation_id, c->live.online ? "" : " (server still offline)");
}

void pcl_fetch_done(struct client *c)
{
    size_t len;
    const char *body = pc_http_body(c->http, &len);
    long status = pc_http_status(c->http);
    char err[300];
    struct pc_remote_config rc;
    if (pc_http_error(c->http)[0]) {
        LOG_WARN("node=%s config fetch failed: %s", c->set->node_name, pc_http_error(c->http));
    } else if (status != 200) {
        char shown[200];
        size_t i = 0;
        for (; i < len && i + 1 < sizeof shown; i++)
            shown[i] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
        shown[i] = '\0';
        LOG_WARN("node=%s config fetch: HTTP %ld: %s", c->set->node_name, status, shown);
    } else if (pc_remote_config_parse(body, len, c->client_key, &rc, err, sizeof err) != 0) {
        LOG_WARN("node=%s bad config from the server: %s", c->set->node_name, err);
    } else {
        pc_http_free(c->http);
        c->http = NULL;
        connect_with(c, &rc);
        pcl_report_facts(c);
        return;
    }
    pc_http_free(c->http);
    c->http = NULL;
    c->phase = PH_DISCONNECTED;
    pcl_schedule_backoff(c, R_FETCH_FAILED);
}

void pcl_on_sub(struct client *c)
{
    for (int i = 0; i < 64; i++) {
        zmq_msg_t h, b;
        zmq_msg_init(&h);
        zmq_msg_init(&b);
        int n = pc_session_recv(c->sess.sub, &h, &b);
        if (n == 2) {
            struct wire_server_msg m;
            struct wire_error e;
            if (wire_server_heartbeat_parse(zmq_msg_data(&h), zmq_msg_size(&h), zmq_msg_data(&b),
                                            zmq_msg_size(&b), (size_t)c->rc.max_body_size,
                                            c->rc.server_pub, time_wall(),
                                            c->rc.max_message_skew, &m, &e) != WIRE_OK) {
                pcl_droplog(&c->drop_sub, c->set->node_name, "heartbeat", &e);
            } else {
                c->got_heartbeat = true;
                if (pc_srvlive_heartbeat(&c->live) == PC_LIVE_WENT_ONLINE) {
                    LOG_INFO("node=%s server is back online (%d heartbeats): accepting jobs",
                             c->set->node_name, c->live.online_threshold);
                    if (c->reconfig_reason == R_SERVER_SILENT) {
                        c->reconfig_at = 0;
                        c->reconfig_reason = R_NONE;
                    }
                }
                if (strcmp(m.incarnation_id, c->rc.incarnation_id) != 0 &&
                    strcmp(m.incarnation_id, c->inc_seen) != 0) {
                    /* once per new id: a config that still names the old one
                     * must not make every heartbeat reconfigure */
                    snprintf(c->inc_seen, sizeof c->inc_seen, "%s", m.incarnation_id);
                    int64_t splay = pc_splay_ms(c->rc.interval_ms, pc_rand01());
                    LOG_INFO("node=%s server incarnation changed (%s -> %s): reconfiguring in "
                             "%lld ms", c->set->node_name, c->rc.incarnation_id,
                             m.incarnation_id, (long long)splay);
                    c->reconfig_at = 0;
                    pcl_schedule(c, pcl_now_ms() + splay, R_INCARNATION);
                }
                pcl_maybe_healthy(c);
                wire_server_msg_clear(&m);
            }
        } else if (n > 0) {
            struct wire_error e = { .code = WIRE_ERR_BAD_HEADER };
            snprintf(e.msg, sizeof e.msg, "expected 2 frames, got %d", n);
            pcl_droplog(&c->drop_sub, c->set->node_name, "heartbeat", &e);
        }
        zmq_msg_close(&h);
        zmq_msg_close(&b);
        if (n <= 0)
            return;
    }
}

void pcl_on_dealer(struct client *c)
{
    for (int i = 0; i < 64 && c->phase == PH_CONNECTED; i++) {
        zmq_msg_t h, b;
        zmq_msg_init(&h);
        zmq_msg_init(&b);
        int n = pc_session_recv(c->sess.dealer, &h, &b);
        if (n == 2) {
            struct wire_server_msg m;
            struct wire_error e;
            if (wire_server_command_parse(zmq_msg_data(&h), zmq_msg_size(&h), zmq_msg_data(&b),
                                          /* a commit may carry a job file of up to
                                           * 100,000 bytes, JSON-escaped (issue 7) */
                                          zmq_msg_size(&b),
                                          (size_t)c->rc.max_body_size + 6 * PC_JOB_FILE_MAX,
                                          c->rc.session_key, time_wall(),
                                          c->rc.max_message_skew, &m, &e) != WIRE_OK) {
                pcl_droplog(&c->drop_cmd, c->set->node_name, "command", &e);
            } else {
                c->first_msg_deadline = 0;
                c->got_command = true;
                pcl_maybe_healthy(c);
                pcl_on_command(c, &m);
                wire_server_msg_clear(&m);
            }
        } else if (n > 0) {
            struct wire_error e = { .code = WIRE_ERR_BAD_HEADER };
            snprintf(e.msg, sizeof e.msg, "expected 2 frames, got %d", n);
            pcl_droplog(&c->drop_cmd, c->set->node_name, "command", &e);
        }
        zmq_msg_close(&h);
        zmq_msg_close(&b);
        if (n <= 0)
            return;
    }
}
