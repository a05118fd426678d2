/* commandd's pure parts: the node session table and handshake state
 * machine, the routing decision, the new-session rate limiter, the
 * heartbeat batch encoder and the hash map under them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commandd/hbbatch.h"
#include "commandd/keymap.h"
#include "commandd/ratelimit.h"
#include "commandd/routing.h"
#include "commandd/sessions.h"

static const unsigned char RID_A[] = { 0, 1, 2, 3, 4 };
static const unsigned char RID_B[] = { 0, 1, 2, 3, 5 };

static struct cnode *known(struct sessions *t, const char *node)
{
    struct cnode *n = sessions_add(t, "org", node);
    cr_assert_not_null(n);
    n->key_state = KEY_OK;
    return n;
}

/* ---- keymap ----------------------------------------------------------------- */

static int delete_odd(void *ctx, const void *key, size_t len, void *val)
{
    (void)key, (void)len;
    int *deleted = ctx;
    if ((long)(intptr_t)val % 2) {
        (*deleted)++;
        return 1;
    }
    return 0;
}

Test(commandd_keymap, put_get_delete_grow_and_sweep)
{
    struct keymap *m = keymap_new();
    cr_assert_not_null(m);
    char k[32];
    for (long i = 1; i <= 5000; i++) {
        snprintf(k, sizeof k, "org/node-%ld", i);
        cr_assert_eq(keymap_put(m, k, strlen(k), (void *)(intptr_t)i), 0);
    }
    cr_assert_eq(keymap_count(m), 5000);
    cr_assert_eq((intptr_t)keymap_gets(m, "org/node-77"), 77);
    cr_assert_null(keymap_gets(m, "org/node-0"));
    /* replace keeps the count */
    cr_assert_eq(keymap_put(m, "org/node-77", 11, (void *)(intptr_t)78), 0);
    cr_assert_eq(keymap_count(m), 5000);
    cr_assert_eq((intptr_t)keymap_gets(m, "org/node-77"), 78);
    for (long i = 1; i <= 5000; i += 3) {
        snprintf(k, sizeof k, "org/node-%ld", i);
        cr_assert_not_null(keymap_del(m, k, strlen(k)));
    }
    for (long i = 1; i <= 5000; i++) {
        snprintf(k, sizeof k, "org/node-%ld", i);
        void *v = keymap_gets(m, k);
        if (i % 3 == 1)
            cr_assert_null(v, "%s should be gone", k);
        else
            cr_assert_not_null(v, "%s lost after deletions", k);
    }
    int deleted = 0;
    size_t before = keymap_count(m);
    keymap_sweep(m, delete_odd, &deleted);
    cr_assert_eq(keymap_count(m), before - (size_t)deleted);
    for (long i = 1; i <= 5000; i++) {
        snprintf(k, sizeof k, "org/node-%ld", i);
        void *v = keymap_gets(m, k);
        if (v)
            cr_assert_eq((intptr_t)v % 2, 0, "sweep missed %s", k);
    }
    /* binary keys (routing ids) */
    cr_assert_eq(keymap_put(m, RID_A, sizeof RID_A, (void *)1), 0);
    cr_assert_null(keymap_get(m, RID_B, sizeof RID_B));
    cr_assert_eq((intptr_t)keymap_get(m, RID_A, sizeof RID_A), 1);
    keymap_free(m);
}

/* ---- sessions --------------------------------------------------------------- */

Test(commandd_sessions, names_are_validated)
{
    struct sessions *t = sessions_new(1000);
    cr_assert_null(sessions_add(t, "org", "bad/name"));
    cr_assert_null(sessions_add(t, "", "n1"));
    struct cnode *n = sessions_add(t, "my-org", "n1.example.com");
    cr_assert_not_null(n);
    cr_assert_str_eq(n->id, "my-org/n1.example.com");
    cr_assert_str_eq(cnode_node(n), "n1.example.com");
    char org[WIRE_NAME_MAX + 1];
    cnode_org(n, org);
    cr_assert_str_eq(org, "my-org");
    cr_assert_eq(sessions_add(t, "my-org", "n1.example.com"), n, "same entry again");
    cr_assert_eq(sessions_find(t, "my-org", "n1.example.com"), n);
    sessions_free(t);
}

Test(commandd_sessions, new_session_aborts_until_aborted_then_available)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n = known(t, "n1");
    struct sess_actions a;
    cr_assert_eq(sess_classify(n, RID_A, 5, "inc1"), SESS_NEW);
    cr_assert_eq(sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 10000, &a), 0);
    cr_assert(a.send_abort);
    cr_assert_not(a.send_ack);
    cr_assert_eq(n->state, SESS_REHAB);
    cr_assert_eq(sessions_by_rid(t, RID_A, 5), n);
    cr_assert_eq(sess_classify(n, RID_A, 5, "inc1"), SESS_SAME);
    /* abort repeats every second until the answer */
    cr_assert_eq(sess_next_due_at(t), 11000);
    cr_assert_null(sess_next_due(t, 10999));
    cr_assert_eq(sess_next_due(t, 11000), n);
    cr_assert_null(sess_next_due(t, 11000), "re-queued a second later");
    cr_assert_eq(sess_next_due_at(t), 12000);
    cr_assert(sess_aborted(t, n));
    cr_assert_eq(n->state, SESS_AVAILABLE);
    cr_assert_eq(sess_next_due_at(t), -1, "no more aborts");
    cr_assert_not(sess_aborted(t, n), "a late aborted changes nothing");
    struct sessions_stats st;
    sessions_get_stats(t, &st);
    cr_assert_eq(st.sessions, 1);
    cr_assert_eq(st.rehab, 0);
    sessions_free(t);
}

Test(commandd_sessions, moved_connection_gets_ack_and_new_routing_id)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n = known(t, "n1");
    struct sess_actions a;
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    sess_aborted(t, n);
    cr_assert_eq(sess_classify(n, RID_B, 5, "inc1"), SESS_MOVED);
    cr_assert_eq(sess_admit(t, n, SESS_MOVED, RID_B, 5, "inc1", 10, &a), 0);
    cr_assert(a.send_ack);
    cr_assert_not(a.send_abort);
    cr_assert_eq(n->state, SESS_AVAILABLE, "a reconnect keeps availability");
    cr_assert_null(sessions_by_rid(t, RID_A, 5), "old routing id forgotten");
    cr_assert_eq(sessions_by_rid(t, RID_B, 5), n);
    sessions_free(t);
}

Test(commandd_sessions, incarnation_change_restarts_the_handshake)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n = known(t, "n1");
    struct sess_actions a;
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    sess_aborted(t, n);
    cr_assert_eq(sess_classify(n, RID_A, 5, "inc2"), SESS_RESTARTED);
    cr_assert_eq(sess_classify(n, RID_B, 5, "inc2"), SESS_RESTARTED, "restart wins over move");
    sess_admit(t, n, SESS_RESTARTED, RID_B, 5, "inc2", 100, &a);
    cr_assert(a.send_abort);
    cr_assert_not(a.send_ack);
    cr_assert_eq(n->state, SESS_REHAB);
    cr_assert_str_eq(n->incarnation, "inc2");
    cr_assert_eq(sessions_by_rid(t, RID_B, 5), n);
    sessions_free(t);
}

Test(commandd_sessions, rehab_and_end)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n = known(t, "n1");
    struct sess_actions a;
    sess_rehab(t, n, 0, &a);
    cr_assert_not(a.send_abort, "no session: nothing to abort");
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    sess_rehab(t, n, 0, &a);
    cr_assert_not(a.send_abort, "already in rehab");
    sess_aborted(t, n);
    sess_rehab(t, n, 500, &a);
    cr_assert(a.send_abort);
    cr_assert_eq(n->state, SESS_REHAB);
    cr_assert_eq(sess_next_due_at(t), 1500);
    sess_end(t, n);
    cr_assert_eq(n->state, SESS_NONE);
    cr_assert_eq(sess_next_due_at(t), -1);
    cr_assert_null(sessions_by_rid(t, RID_A, 5));
    cr_assert_eq(sess_classify(n, RID_A, 5, "inc1"), SESS_NEW, "next message starts over");
    sessions_free(t);
}

Test(commandd_sessions, rehab_queue_stays_in_due_order)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n[3];
    struct sess_actions a;
    unsigned char rid[5] = { 9, 9, 9, 9, 0 };
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        n[i] = known(t, name);
        rid[4] = (unsigned char)i;
        sess_admit(t, n[i], SESS_NEW, rid, 5, "inc", 100 * i, &a);
    }
    cr_assert_eq(sess_next_due(t, 1150), n[0]);
    cr_assert_eq(sess_next_due(t, 1150), n[1]);
    cr_assert_null(sess_next_due(t, 1150));
    cr_assert_eq(sess_next_due_at(t), 1200);
    sess_aborted(t, n[2]);
    cr_assert_eq(sess_next_due_at(t), 2150, "n0 again, a second after its last abort");
    sessions_free(t);
}

Test(commandd_sessions, availability_writes_only_on_transitions)
{
    struct sessions *t = sessions_new(1000);
    struct cnode *n = known(t, "n1");
    struct cnode *out[4];
    struct sess_actions a;
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 0, "rehab of a never-available node: no write");
    sess_aborted(t, n);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 1);
    cr_assert_eq(out[0], n);
    sess_written(n, true);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 0, "collected once");
    /* moves and heartbeats write nothing */
    sess_admit(t, n, SESS_MOVED, RID_B, 5, "inc1", 0, &a);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 0);
    /* rehab and back before a flush: nothing changed for the database */
    sess_rehab(t, n, 0, &a);
    sess_aborted(t, n);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 0);
    /* a restart and handshake before a flush: the new incarnation is written */
    sess_admit(t, n, SESS_RESTARTED, RID_B, 5, "inc2", 0, &a);
    sess_aborted(t, n);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 1, "incarnation changed");
    sess_written(n, true);
    /* a failed write is retried */
    sess_end(t, n);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 1);
    sess_mark_dirty(t, n);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 1);
    sess_written(n, false);
    cr_assert_eq(sess_collect_dirty(t, out, 4), 0);
    sessions_free(t);
}

Test(commandd_sessions, resume_after_restart_needs_same_incarnation)
{
    struct sessions *t = sessions_new(1000);
    struct sess_actions a;
    struct cnode *out[2];
    /* as loaded from a row that says up, available, incarnation inc1 */
    struct cnode *n = known(t, "n1");
    n->resumable = true;
    n->persisted_available = true;
    strcpy(n->db_incarnation, "inc1");
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    cr_assert(a.send_ack);
    cr_assert_not(a.send_abort);
    cr_assert_eq(n->state, SESS_AVAILABLE);
    cr_assert_eq(sess_collect_dirty(t, out, 2), 0, "nothing to write on resume");
    /* another node restarted while we were down */
    struct cnode *m = known(t, "n2");
    m->resumable = true;
    m->persisted_available = true;
    strcpy(m->db_incarnation, "old");
    sess_admit(t, m, SESS_NEW, RID_B, 5, "new", 0, &a);
    cr_assert(a.send_abort);
    cr_assert_eq(m->state, SESS_REHAB);
    cr_assert_eq(sess_collect_dirty(t, out, 2), 1, "written unavailable");
    cr_assert_eq(out[0], m);
    /* resume is for the first session only */
    sess_end(t, n);
    sess_admit(t, n, SESS_NEW, RID_A, 5, "inc1", 0, &a);
    cr_assert(a.send_abort, "after a down the handshake is done again");
    sessions_free(t);
}

/* ---- routing ------------------------------------------------------------------ */

Test(commandd_routing, heartbeats_always_reach_heartbeatd)
{
    struct route r;
    route_message(SESS_AVAILABLE, true, SESS_SAME, WIRE_MSG_HEARTBEAT, false, &r);
    cr_assert(r.to_heartbeatd);
    cr_assert_not(r.check_job);
    route_message(SESS_NONE, false, SESS_NEW, WIRE_MSG_HEARTBEAT, true, &r);
    cr_assert(r.to_heartbeatd, "even when the session is deferred");
    cr_assert_not(r.check_job);
    route_message(SESS_AVAILABLE, true, SESS_SAME, WIRE_MSG_HEARTBEAT, true, &r);
    cr_assert(r.check_job, "a heartbeat naming a job: is there a job process?");
    route_message(SESS_REHAB, true, SESS_SAME, WIRE_MSG_HEARTBEAT, true, &r);
    cr_assert_not(r.check_job, "in rehab already");
}

Test(commandd_routing, aborted_completes_only_an_answered_handshake)
{
    struct route r;
    route_message(SESS_REHAB, true, SESS_SAME, WIRE_MSG_ABORTED, false, &r);
    cr_assert(r.completes_handshake);
    cr_assert_not(r.to_job);
    route_message(SESS_REHAB, true, SESS_MOVED, WIRE_MSG_ABORTED, true, &r);
    cr_assert(r.completes_handshake);
    cr_assert(r.to_job);
    cr_assert_not(r.rehab_if_no_job, "an aborted for a gone job needs no abort");
    route_message(SESS_REHAB, true, SESS_NEW, WIRE_MSG_ABORTED, false, &r);
    cr_assert_not(r.completes_handshake, "the first message of a session is no answer");
    route_message(SESS_REHAB, true, SESS_RESTARTED, WIRE_MSG_ABORTED, false, &r);
    cr_assert_not(r.completes_handshake);
}

Test(commandd_routing, job_events)
{
    struct route r;
    route_message(SESS_AVAILABLE, true, SESS_SAME, WIRE_MSG_ACK_COMMIT, true, &r);
    cr_assert(r.to_job);
    cr_assert(r.rehab_if_no_job);
    cr_assert_null(r.drop);
    route_message(SESS_AVAILABLE, true, SESS_SAME, WIRE_MSG_SUCCEEDED, false, &r);
    cr_assert(r.rehab, "job event without job id");
    cr_assert_not(r.to_job);
    route_message(SESS_REHAB, true, SESS_SAME, WIRE_MSG_FAILED, true, &r);
    cr_assert_not(r.to_job);
    cr_assert_not(r.rehab);
    cr_assert_not_null(r.drop, "ignored in rehab");
    route_message(SESS_NONE, false, SESS_NEW, WIRE_MSG_ACK_RUN, true, &r);
    cr_assert_not(r.to_job);
    cr_assert_not_null(r.drop, "not admitted");
    route_message(SESS_AVAILABLE, true, SESS_SAME, WIRE_MSG_COMMIT, true, &r);
    cr_assert_not_null(r.drop, "server-to-node type from a node");
    cr_assert_not(r.to_heartbeatd);
}

/* ---- rate limiter --------------------------------------------------------------- */

Test(commandd_ratelimit, token_bucket)
{
    struct token_bucket b;
    tb_init(&b, 10, 10, 0);
    int ok = 0;
    for (int i = 0; i < 50; i++)
        ok += tb_take(&b, 0);
    cr_assert_eq(ok, 10, "burst");
    cr_assert_eq(b.denied, 40);
    cr_assert_not(tb_take(&b, 50), "half a token after 50 ms");
    cr_assert(tb_take(&b, 100));
    ok = 0;
    for (int64_t t = 100; t <= 1100; t += 10)
        ok += tb_take(&b, t);
    cr_assert(ok >= 9 && ok <= 11, "about 10 per second, got %d", ok);
    cr_assert_not(tb_take(&b, 500), "clock going back refills nothing");
    /* a long idle time does not exceed the burst */
    ok = 0;
    for (int i = 0; i < 100; i++)
        ok += tb_take(&b, 1000000);
    cr_assert_eq(ok, 10);
    tb_init(&b, 0, 0, 0);
    for (int i = 0; i < 1000; i++)
        cr_assert(tb_take(&b, 0), "0 means unlimited");
}

/* ---- heartbeat batch encoding ------------------------------------------------- */

Test(commandd_hbbatch, encodes_valid_json_with_escaping)
{
    struct hb_batch b;
    hb_batch_init(&b);
    size_t len = 0;
    cr_assert_null(hb_batch_finish(&b, &len), "empty batch: nothing to send");
    cr_assert_eq(hb_batch_add(&b, "org", "n1", "inc-1", "idle", NULL), 0);
    cr_assert_eq(hb_batch_add(&b, "org", "n2", "we\"ird\\inc\n\x01", "running", "job-2"), 0);
    const char *text = hb_batch_finish(&b, &len);
    cr_assert_not_null(text);
    cr_assert_eq(strlen(text), len);
    json_error_t err;
    json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(m, "not JSON: %s in %s", err.text, text);
    cr_assert_str_eq(json_string_value(json_object_get(m, "type")), "heartbeats");
    json_t *items = json_object_get(m, "items");
    cr_assert_eq(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *c = json_array_get(items, 1);
    cr_assert_str_eq(json_string_value(json_array_get(a, 0)), "org");
    cr_assert_str_eq(json_string_value(json_array_get(a, 1)), "n1");
    cr_assert_str_eq(json_string_value(json_array_get(a, 2)), "inc-1");
    cr_assert_str_eq(json_string_value(json_array_get(a, 3)), "idle");
    cr_assert(json_is_null(json_array_get(a, 4)));
    cr_assert_str_eq(json_string_value(json_array_get(c, 2)), "we\"ird\\inc\n\x01");
    cr_assert_str_eq(json_string_value(json_array_get(c, 4)), "job-2");
    json_decref(m);
    /* reset keeps the buffer and starts a new message */
    hb_batch_reset(&b);
    cr_assert_null(hb_batch_finish(&b, &len));
    hb_batch_add(&b, "o", "n", "i", "idle", NULL);
    text = hb_batch_finish(&b, &len);
    cr_assert_str_eq(text, "{\"type\":\"heartbeats\",\"items\":[[\"o\",\"n\",\"i\",\"idle\",null]]}");
    hb_batch_free(&b);
}
