#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "bench/nodesim_text.h"
#include "shared/wire.h"

static const unsigned char key[WIRE_SESSION_KEY_LEN] = "0123456789abcdef0123456789abcdef";

/* What pushy-client sends: the jansson constructors sealed by wire_seal_hmac. */
static void reference(const struct wire_node_ident *id, enum wire_msg_type type,
                      const char *state, const char *job_id, bool out, int64_t seq, time_t now,
                      struct wire_frames *f)
{
    json_t *m = type == WIRE_MSG_HEARTBEAT
                    ? wire_msg_node_heartbeat(id, state, job_id)
                    : wire_msg_node_event(id, type, job_id, out ? "" : NULL, 0,
                                          out ? "" : NULL, 0);
    cr_assert_not_null(m);
    cr_assert_eq(wire_seal_hmac(m, seq, now, key, f), 0);
    json_decref(m);
}

static void same_seq(const char *client, enum wire_msg_type type, const char *state,
                     const char *job_id, bool out, int64_t seq)
{
    struct wire_node_ident wid = { .node = "sim00042", .client = client, .org = "bench",
                                   .incarnation_id = "6f1c9f0e-3d1b-4a5e-9a51-0c6c7f1d2b3a" };
    struct nst_ident id = { wid.node, wid.client, wid.org, wid.incarnation_id };
    time_t now = 1796650000;
    struct wire_frames f;
    reference(&wid, type, state, job_id, out, seq, now, &f);
    char ts[64];
    json_t *parsed = json_loads(f.body, 0, NULL);
    cr_assert_not_null(parsed);
    snprintf(ts, sizeof ts, "%s", json_string_value(json_object_get(parsed, "timestamp")));
    json_decref(parsed);
    char body[NST_BODY_MAX], header[NST_HEADER_MAX];
    long bl = nst_body(body, sizeof body, &id, type, state, job_id, out, seq, ts);
    cr_assert_eq(bl, (long)f.body_len, "length %ld vs %zu: %s", bl, f.body_len, body);
    cr_assert_str_eq(body, f.body);
    struct hmac256_key hk;
    cr_assert_eq(hmac256_key_set(&hk, key, WIRE_SESSION_KEY_LEN), 0);
    long hl = wire_header_hmac_k(&hk, body, (size_t)bl, header, sizeof header);
    cr_assert_eq(hl, (long)f.header_len);
    cr_assert_str_eq(header, f.header);
    wire_frames_free(&f);
}

static void same_as_reference(const char *client, enum wire_msg_type type, const char *state,
                              const char *job_id, bool out)
{
    const int64_t seqs[] = { 0, 1, 9, 10, 123456789012LL, -5, INT64_MAX, INT64_MIN };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        same_seq(client, type, state, job_id, out, seqs[i]);
}

Test(nodesim_text, heartbeats_are_byte_exact)
{
    same_as_reference("host-1.example", WIRE_MSG_HEARTBEAT, "idle", NULL, false);
    same_as_reference("host-1.example", WIRE_MSG_HEARTBEAT, "running",
                      "0123456789abcdef0123456789abcdef", false);
}

Test(nodesim_text, job_events_are_byte_exact)
{
    enum wire_msg_type t[] = { WIRE_MSG_ACK_COMMIT, WIRE_MSG_NACK_COMMIT, WIRE_MSG_ACK_RUN,
                               WIRE_MSG_NACK_RUN, WIRE_MSG_SUCCEEDED, WIRE_MSG_FAILED,
                               WIRE_MSG_ABORTED };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        same_as_reference("h", t[i], NULL, "0123456789abcdef0123456789abcdef", false);
        same_as_reference("h", t[i], NULL, NULL, false);
        same_as_reference("h", t[i], NULL, "j-1", true);
    }
}

Test(nodesim_text, strings_are_escaped_as_jansson_does)
{
    same_as_reference("a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f", WIRE_MSG_HEARTBEAT, "idle", NULL, false);
    same_as_reference("h\xc3\xa9te-\xe2\x82\xac", WIRE_MSG_ACK_RUN, NULL, "x", false);
}

Test(nodesim_text, refuses_bad_arguments_and_small_buffers)
{
    struct nst_ident id = { "n", "c", "o", "i" };
    char buf[NST_BODY_MAX];
    cr_assert_eq(nst_body(buf, sizeof buf, &id, WIRE_MSG_COMMIT, NULL, NULL, false, 1, "t"), -1);
    cr_assert_eq(nst_body(buf, sizeof buf, &id, WIRE_MSG_HEARTBEAT, NULL, NULL, false, 1, "t"),
                 -1);
    cr_assert_eq(nst_body(buf, sizeof buf, &id, WIRE_MSG_ACK_RUN, NULL, NULL, false, 1, NULL),
                 -1);
    long full = nst_body(buf, sizeof buf, &id, WIRE_MSG_ACK_RUN, NULL, "j", false, 1, "t");
    cr_assert_gt(full, 0);
    for (size_t cap = 1; cap <= (size_t)full; cap++)
        cr_assert_eq(nst_body(buf, cap, &id, WIRE_MSG_ACK_RUN, NULL, "j", false, 1, "t"), -1,
                     "cap %zu", cap);
    cr_assert_eq(nst_body(buf, (size_t)full + 1, &id, WIRE_MSG_ACK_RUN, NULL, "j", false, 1, "t"),
                 full);
    _Static_assert(NST_HEADER_MAX > WIRE_HMAC_HEADER_LEN, "room for the header and its NUL");
}
