#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/flatjson.h"
#include "shared/wire.h"

static int scan(const char *s, struct flatjson *f)
{
    return flatjson_scan(f, s, strlen(s));
}

Test(flatjson, accepts_flat_objects)
{
    struct flatjson f;
    cr_assert_eq(scan(" {\"a\":\"x y\", \"b\" : -12 ,\"c\":null,\"d\":true,\"e\":false,\"f\":0}\n", &f),
                 0);
    cr_assert_eq(f.count, 6);
    const struct flatjson_member *m = flatjson_get(&f, "a");
    cr_assert_not_null(m);
    cr_assert_eq(m->type, FLATJSON_STRING);
    cr_assert_eq(m->str_len, 3);
    cr_assert_eq(memcmp(m->str, "x y", 3), 0);
    m = flatjson_get(&f, "b");
    cr_assert_eq(m->type, FLATJSON_INT);
    cr_assert_eq(m->num, -12);
    cr_assert_eq(flatjson_get(&f, "c")->type, FLATJSON_NULL);
    cr_assert_eq(flatjson_get(&f, "d")->type, FLATJSON_TRUE);
    cr_assert_eq(flatjson_get(&f, "e")->type, FLATJSON_FALSE);
    cr_assert_eq(flatjson_get(&f, "f")->num, 0);
    cr_assert_null(flatjson_get(&f, "g"));
    cr_assert_null(flatjson_get(&f, "ab"));
    cr_assert_eq(scan("{}", &f), 0);
    cr_assert_eq(f.count, 0);
    cr_assert_eq(scan("{\"\":\"\"}", &f), 0);
    cr_assert_eq(scan("{\"n\":999999999999999999}", &f), 0);
    cr_assert_eq(flatjson_get(&f, "n")->num, 999999999999999999LL);
    /* a non-terminated buffer: only len bytes are read */
    const char buf[] = "{\"a\":1}xyz";
    cr_assert_eq(flatjson_scan(&f, buf, 7), 0);
}

Test(flatjson, refuses_the_rest)
{
    const char *bad[] = {
        "", " ", "[]", "\"s\"", "1", "null", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
        "{,}", "{\"a\":1 \"b\":2}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":[]}", "{\"a\":{}}",
        "{\"a\":\"x\\ny\"}", "{\"a\\\"\":1}", "{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\x01\"}",
        "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":1E3}", "{\"a\":01}", "{\"a\":-}", "{\"a\":-01}",
        "{\"a\":+1}", "{\"a\":1234567890123456789}", "{\"a\":nul}", "{\"a\":nulll}",
        "{\"a\":True}", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":1}\0", "{\"a\":\"unterminated}",
        "\xef\xbb\xbf{}", /* BOM */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct flatjson f;
        size_t len = strlen(bad[i]);
        if (strcmp(bad[i], "{\"a\":1}") == 0)
            len++; /* the one with a trailing NUL byte */
        cr_assert_eq(flatjson_scan(&f, bad[i], len), -1, "accepted %s", bad[i]);
    }
    struct flatjson f;
    cr_assert_eq(flatjson_scan(&f, NULL, 0), -1);
    /* more members than fit */
    char many[512] = "{";
    for (int i = 0; i <= FLATJSON_MAX_MEMBERS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"k%d\":%d", i ? "," : "", i,
                 i);
    strcat(many, "}");
    cr_assert_eq(scan(many, &f), -1);
}

/* ---- wire_node_msg_open_lean == wire_node_msg_open ------------------------- */

static const unsigned char KEY[32] = "0123456789abcdef0123456789ABCDEF";
#define NOW ((time_t)1795593600) /* Wed, 25 Nov 2026 08:00:00 GMT */
#define TS "Wed, 25 Nov 2026 08:00:00 GMT"

struct outcome {
    enum wire_err rc;
    char msg[256];
    struct wire_node_msg m;
};

static void run(const char *body, size_t len, bool lean, struct outcome *o)
{
    char hdr[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(KEY, body, len, hdr, sizeof hdr), 0);
    struct wire_error e;
    o->rc = lean ? wire_node_msg_open_lean(&o->m, hdr, strlen(hdr), body, len, 65536, &e)
                 : wire_node_msg_open(&o->m, hdr, strlen(hdr), body, len, 65536, &e);
    if (o->rc == WIRE_OK)
        o->rc = wire_node_msg_verify(&o->m, KEY, NOW, 300, &e);
    snprintf(o->msg, sizeof o->msg, "%s", o->rc == WIRE_OK ? "" : e.msg);
}

/* Both ways give the same verdict, message and fields; returns whether the
 * lean one skipped the JSON tree. */
static bool same_both_ways(const char *body, size_t len)
{
    struct outcome a, b;
    run(body, len, false, &a);
    run(body, len, true, &b);
    cr_assert_eq(a.rc, b.rc, "%.*s: %s vs %s", (int)len, body, wire_err_name(a.rc),
                 wire_err_name(b.rc));
    cr_assert_str_eq(a.msg, b.msg);
    bool skipped = false;
    if (a.rc == WIRE_OK) {
        cr_assert_str_eq(a.m.org, b.m.org);
        cr_assert_str_eq(a.m.node, b.m.node);
        cr_assert_eq(a.m.type, b.m.type);
        cr_assert_eq(a.m.timestamp, b.m.timestamp);
        cr_assert_eq(a.m.has_sequence, b.m.has_sequence);
        cr_assert_eq(a.m.sequence, b.m.sequence);
        cr_assert_str_eq(a.m.incarnation_id, b.m.incarnation_id);
        cr_assert_eq(a.m.has_job_id, b.m.has_job_id);
        cr_assert_str_eq(a.m.job_id, b.m.job_id);
        cr_assert_str_eq(a.m.job_state, b.m.job_state);
        cr_assert_not_null(a.m.body);
        skipped = b.m.body == NULL;
        cr_assert_eq(skipped, b.m.lean);
        if (b.m.type != WIRE_MSG_HEARTBEAT && b.m.lean) {
            /* a job reply without a tree never has what commandd forwards */
            static const char *const tree_only[] = { "stdout", "stderr", "stdout_b64",
                                                     "stderr_b64", "reason" };
            cr_assert(wire_msg_type_is_job_event(b.m.type));
            for (int k = 0; k < 5; k++)
                cr_assert_null(json_object_get(a.m.body, tree_only[k]), "%.*s", (int)len, body);
        }
    }
    wire_node_msg_clear(&a.m);
    wire_node_msg_clear(&b.m);
    return skipped;
}

#define HB_HEAD "{\"node\":\"n1\",\"client\":\"h\",\"org\":\"o\",\"type\":\"heartbeat\","

Test(wire_node_lean, same_verdicts_and_fields)
{
    const char *bodies[] = {
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"job_id\":null,\"sequence\":7}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"running\",\"job_id\":\"j-1\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"job_id\":\"null\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"job_id\":17}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"job_id\":true}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"sequence\":\"7\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"sequence\":7.5}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"sequence\":-3}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"Wed, 25 Nov 2026 09:00:00 GMT\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"Wed, 25 Nov 2026 08:00:00 GMTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":1795593600,\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\\u0000x\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\\u00e9\",\"job_state\":\"idle\"}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"x\":[1,{}]}",
        HB_HEAD "\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\",\"org\":\"p\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"heartbeatx\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"a-type-name-longer-than-thirty-two-bytes\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"ack_run\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"ack_commit\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\",\"sequence\":4}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"ack_commit\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":null}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"succeeded\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\",\"stdout\":\"hi\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"nack_commit\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\",\"reason\":\"busy\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"failed\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\",\"stderr_b64\":\"aGk=\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"aborted\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"type\":\"abort\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_id\":\"j\"}",
        "{\"node\":\"n/1\",\"org\":\"o\",\"type\":\"heartbeat\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "{\"node\":\"n1\",\"type\":\"heartbeat\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "{\"node\":\"n1\",\"org\":5,\"type\":\"heartbeat\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "{\"node\":\"n1\",\"org\":\"o\",\"timestamp\":\"" TS "\",\"incarnation_id\":\"i\",\"job_state\":\"idle\"}",
        "[1]", "{}", "not json", "",
    };
    size_t skipped = 0;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        skipped += same_both_ways(bodies[i], strlen(bodies[i]));
    cr_assert_geq(skipped, 6, "the plain heartbeats and job replies take the lean path");
}

/* Random byte edits of a real message: both ways agree on every one. */
static void mutate(json_t *msg)
{
    struct wire_frames fr;
    cr_assert_eq(wire_seal_hmac(msg, 3, NOW, KEY, &fr), 0);
    json_decref(msg);
    cr_assert(same_both_ways(fr.body, fr.body_len), "a client's message takes the lean path");
    static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEnulltrfas\x01\xc3\xa9\x80";
    unsigned seed = 12345;
    char buf[1024];
    for (int round = 0; round < 3000; round++) {
        size_t len = fr.body_len;
        memcpy(buf, fr.body, len);
        int edits = 1 + (int)(rand_r(&seed) % 3);
        for (int k = 0; k < edits && len > 1; k++) {
            size_t at = (size_t)rand_r(&seed) % len;
            char c = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
            switch (rand_r(&seed) % 3) {
            case 0: buf[at] = c; break;
            case 1: memmove(buf + at, buf + at + 1, len - at - 1); len--; break;
            default:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
            }
        }
        same_both_ways(buf, len);
    }
    wire_frames_free(&fr);
}

Test(wire_node_lean, same_under_mutation)
{
    struct wire_node_ident id = { .node = "n1", .client = "n1.example", .org = "o",
                                  .incarnation_id = "inc-1" };
    json_t *hb = wire_msg_node_heartbeat(&id, "idle", NULL);
    cr_assert_not_null(hb);
    mutate(hb);
}

Test(wire_node_lean, job_replies_same_under_mutation)
{
    struct wire_node_ident id = { .node = "n1", .client = "n1.example", .org = "o",
                                  .incarnation_id = "inc-1" };
    json_t *ack = wire_msg_node_event(&id, WIRE_MSG_ACK_COMMIT, "0123456789abcdef0123456789abcdef",
                                      NULL, 0, NULL, 0);
    cr_assert_not_null(ack);
    mutate(ack);
}
