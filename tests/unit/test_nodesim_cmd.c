#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/nodesim_cmd.h"
#include "shared/timefmt.h"
#include "shared/wire.h"

static const unsigned char key[WIRE_SESSION_KEY_LEN] = "0123456789abcdef0123456789abcdef";
#define NOW ((time_t)1796650000)
#define SKEW 300

/* Parses (header, body) both ways and checks the verdicts and fields match. */
static void same(const char *header, const char *body, enum wire_err want)
{
    struct hmac256_key hk;
    cr_assert_eq(hmac256_key_set(&hk, key, WIRE_SESSION_KEY_LEN), 0);
    struct wire_server_msg ref;
    struct wire_error re, ge;
    enum wire_err rr = wire_server_command_parse(header, strlen(header), body, strlen(body),
                                                 65536, key, NOW, SKEW, &ref, &re);
    struct nsc_cmd got;
    enum wire_err gr = nsc_parse(header, strlen(header), body, strlen(body), 65536, &hk, key,
                                 NOW, SKEW, &got, &ge);
    cr_assert_eq(rr, want, "reference %s for %s", wire_err_name(rr), body);
    cr_assert_eq(gr, rr, "%s vs %s for %s", wire_err_name(gr), wire_err_name(rr), body);
    cr_assert_eq(ge.code, re.code);
    if (rr == WIRE_OK) {
        cr_assert_eq(got.type, ref.type, "%s", body);
        cr_assert_eq(got.has_job_id, ref.has_job_id, "%s", body);
        cr_assert_str_eq(got.job_id, ref.job_id, "%s", body);
        cr_assert_eq(got.invalid, ref.invalid != NULL, "%s", body);
        cr_assert_eq(got.capture, ref.type == WIRE_MSG_COMMIT && ref.capture, "%s", body);
    }
    wire_server_msg_clear(&ref);
}

static void signed_same(const char *body, enum wire_err want)
{
    char header[WIRE_HEADER_BUF];
    cr_assert_eq(wire_header_hmac(key, body, strlen(body), header, sizeof header), 0);
    same(header, body, want);
}

/* body with %s for a timestamp */
static void at(const char *fmt, time_t t, enum wire_err want)
{
    char ts[TIME_RFC1123_SIZE], body[2048];
    cr_assert_eq(time_format_rfc1123(t, ts, sizeof ts), 0);
    snprintf(body, sizeof body, fmt, ts);
    signed_same(body, want);
}

#define J "\"job_id\":\"0123456789abcdef0123456789abcdef\""
#define TS ",\"sequence\":7,\"timestamp\":\"%s\"}"

Test(nodesim_cmd, what_commandd_sends)
{
    at("{\"type\":\"commit\"," J ",\"server\":\"s\",\"command\":\"true\",\"capture\":false" TS,
       NOW, WIRE_OK);
    at("{\"type\":\"commit\"," J ",\"server\":\"s\",\"command\":\"true\",\"capture\":true" TS,
       NOW, WIRE_OK);
    at("{\"type\":\"run\"," J TS, NOW, WIRE_OK);
    at("{\"type\":\"abort\"," J TS, NOW, WIRE_OK);
    at("{\"type\":\"abort\"" TS, NOW, WIRE_OK);
    at("{\"type\":\"ack\"" TS, NOW, WIRE_OK);
    at("{\"type\":\"commit\"," J ",\"server\":\"s\",\"command\":\"true\",\"user\":\"u\","
       "\"dir\":\"/tmp\",\"file\":\"raw:x\",\"env\":{\"A\":\"b\"},\"capture\":false" TS,
       NOW, WIRE_OK);
}

Test(nodesim_cmd, the_commits_and_runs_a_client_nacks)
{
    const char *bad[] = {
        "{\"type\":\"commit\",\"server\":\"s\",\"command\":\"true\"" TS,
        "{\"type\":\"commit\"," J ",\"server\":\"s\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":1" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"user\":1" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"dir\":null" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"file\":\"plain\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"file\":\"base64:QQ==\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"env\":null" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"env\":\"A=b\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"env\":{\"A\":1}" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"capture\":1" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\",\"capture\":null" TS,
        "{\"type\":\"commit\",\"job_id\":\"null\",\"command\":\"x\"" TS,
        "{\"type\":\"commit\",\"job_id\":null,\"command\":\"x\"" TS,
        "{\"type\":\"commit\",\"job_id\":\"a/b\",\"command\":\"x\"" TS,
        "{\"type\":\"commit\",\"job_id\":12,\"command\":\"x\"" TS,
        "{\"type\":\"commit\"," J ",\"command\":\"x\\ty\"" TS,
        "{\"type\":\"run\"" TS,
        "{\"type\":\"run\",\"job_id\":\"\"" TS,
        "{\"type\":\"run\",\"job_id\":true" TS,
        "{\"type\":\"abort\",\"job_id\":\"null\"" TS,
        "{\"type\":\"ack\"," J TS,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        at(bad[i], NOW, WIRE_OK);
}

Test(nodesim_cmd, clock_and_field_errors)
{
    const char *run = "{\"type\":\"run\"," J TS;
    at(run, NOW + SKEW, WIRE_OK);
    at(run, NOW + SKEW + 1, WIRE_ERR_STALE);
    at(run, NOW - 100000, WIRE_OK); /* the client refuses only the future */
    at("{\"type\":\"run\"," J ",\"timestamp\":\"%s\",\"sequence\":\"7\"}", NOW,
       WIRE_ERR_BAD_FIELD);
    at("{\"type\":\"run\"," J ",\"timestamp\":\"%s\",\"sequence\":1.5}", NOW,
       WIRE_ERR_BAD_FIELD);
    at("{\"type\":\"run\"," J ",\"timestamp\":\"%s\"}", NOW, WIRE_OK);
    at("{\"type\":\"heartbeat\"" TS, NOW, WIRE_ERR_BAD_TYPE);
    at("{\"type\":\"ack_run\"" TS, NOW, WIRE_ERR_BAD_TYPE);
    at("{\"type\":\"nope\"" TS, NOW, WIRE_ERR_BAD_TYPE);
    at("{\"type\":3" TS, NOW, WIRE_ERR_BAD_FIELD);
    at("{\"job_id\":\"x\"" TS, NOW, WIRE_ERR_MISSING_FIELD);
    at("{\"type\":\"run\",\"type\":\"run\"" TS, NOW, WIRE_ERR_NOT_JSON);
    signed_same("{\"type\":\"run\"," J ",\"timestamp\":\"yesterday\"}", WIRE_ERR_BAD_FIELD);
    signed_same("{\"type\":\"run\"," J ",\"timestamp\":7}", WIRE_ERR_BAD_FIELD);
    signed_same("{\"type\":\"run\"," J "}", WIRE_ERR_MISSING_FIELD);
    signed_same("[1]", WIRE_ERR_NOT_OBJECT);
    signed_same("{\"type\":", WIRE_ERR_NOT_JSON);
}

Test(nodesim_cmd, signature_and_header_errors)
{
    char ts[TIME_RFC1123_SIZE], body[512], header[WIRE_HEADER_BUF];
    cr_assert_eq(time_format_rfc1123(NOW, ts, sizeof ts), 0);
    snprintf(body, sizeof body, "{\"type\":\"run\"," J ",\"timestamp\":\"%s\"}", ts);
    cr_assert_eq(wire_header_hmac(key, body, strlen(body), header, sizeof header), 0);
    char was = body[10];
    body[10] = 'X'; /* signed text changed */
    same(header, body, WIRE_ERR_BAD_SIGNATURE);
    body[10] = was;
    same(header, body, WIRE_OK);
    same("Version:2.0;SigningMethod:rsa2048_sha1;Signature:AAAA", body, WIRE_ERR_BAD_METHOD);
    same("Version:1.0;SigningMethod:hmac_sha256;Signature:AAAA", body, WIRE_ERR_BAD_METHOD);
    same("Version:2.0;SigningMethod:hmac_sha256;Signature:AAAA", body, WIRE_ERR_BAD_SIGNATURE);
    same("Version:2.0;SigningMethod:hmac_sha256", body, WIRE_ERR_NO_SIGNATURE);
    same("garbage", body, WIRE_ERR_NO_VERSION);
}
