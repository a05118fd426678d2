#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jobrunner/job_output.h"
#include "shared/base64.h"

static unsigned char *decode(json_t *rep, const char *key, size_t *n)
{
    const char *b = json_string_value(json_object_get(rep, key));
    cr_assert_not_null(b, "%s missing", key);
    size_t cap = strlen(b) / 4 * 3 + 4;
    unsigned char *out = malloc(cap);
    long got = base64_decode(b, strlen(b), out, cap);
    cr_assert_geq(got, 0);
    *n = (size_t)got;
    return out;
}

Test(job_output, no_output_no_report)
{
    json_t *m = json_pack("{s:s}", "reply", "succeeded");
    cr_assert_null(job_output_report("n1", m));
    json_decref(m);
}

Test(job_output, text_from_the_original_client)
{
    json_t *m = json_pack("{s:s, s:s, s:s}", "reply", "succeeded", "stdout", "hello\n", "stderr", "");
    json_t *rep = job_output_report("n1", m);
    cr_assert_not_null(rep);
    cr_assert_str_eq(json_string_value(json_object_get(rep, "type")), "node_output");
    cr_assert_str_eq(json_string_value(json_object_get(rep, "node")), "n1");
    size_t n;
    unsigned char *o = decode(rep, "stdout", &n);
    cr_assert_eq(n, 6);
    cr_assert_eq(memcmp(o, "hello\n", 6), 0);
    cr_assert(json_is_false(json_object_get(rep, "stdout_truncated")));
    free(o);
    json_decref(rep);
    json_decref(m);
}

Test(job_output, base64_wins_and_is_byte_exact)
{
    const unsigned char bin[] = { 0, 1, 0xff, 0xfe, 'a', 0, '\n' };
    char b64[64];
    base64_encode(bin, sizeof bin, b64, sizeof b64);
    json_t *m = json_pack("{s:s, s:s, s:s}", "stdout", "\xef\xbf\xbd", "stdout_b64", b64,
                          "stderr", "err");
    json_t *rep = job_output_report("n1", m);
    size_t n;
    unsigned char *o = decode(rep, "stdout", &n);
    cr_assert_eq(n, sizeof bin);
    cr_assert_eq(memcmp(o, bin, n), 0);
    free(o);
    o = decode(rep, "stderr", &n);
    cr_assert_eq(n, 3);
    free(o);
    json_decref(rep);
    json_decref(m);
}

Test(job_output, bad_base64_falls_back_to_text)
{
    json_t *m = json_pack("{s:s, s:s}", "stdout", "text", "stdout_b64", "!!!");
    json_t *rep = job_output_report("n1", m);
    size_t n;
    unsigned char *o = decode(rep, "stdout", &n);
    cr_assert_eq(n, 4);
    free(o);
    json_decref(rep);
    json_decref(m);
}

Test(job_output, client_marker_flags_truncated)
{
    const char *t = "head\n[pushy-client: output truncated, 123 bytes dropped]\n";
    cr_assert(job_output_has_marker((const unsigned char *)t, strlen(t)));
    cr_assert_not(job_output_has_marker((const unsigned char *)"bytes dropped]\n", 15));
    cr_assert_not(job_output_has_marker((const unsigned char *)"plain", 5));
    json_t *m = json_pack("{s:s}", "stdout", t);
    json_t *rep = job_output_report("n1", m);
    cr_assert(json_is_true(json_object_get(rep, "stdout_truncated")));
    cr_assert(json_is_false(json_object_get(rep, "stderr_truncated")));
    json_decref(rep);
    json_decref(m);
}

Test(job_output, oversized_stream_is_cut_with_a_marker)
{
    size_t big = JOB_OUTPUT_MAX + 5000;
    char *s = malloc(big + 1);
    memset(s, 'x', big);
    s[big] = '\0';
    json_t *m = json_pack("{s:s}", "stderr", s);
    json_t *rep = job_output_report("n1", m);
    size_t n;
    unsigned char *e = decode(rep, "stderr", &n);
    cr_assert_leq(n, JOB_OUTPUT_MAX + 80);
    cr_assert(job_output_has_marker(e, n));
    cr_assert(json_is_true(json_object_get(rep, "stderr_truncated")));
    free(e);
    free(s);
    json_decref(rep);
    json_decref(m);
}

/* commandd forwards text output holding "\u0000" (wire.c allows it); the
 * job must still read the reply, or the node ends timed_out. */
Test(job_output, reply_with_nul_in_stdout_is_read)
{
    static const char text[] = "{\"type\":\"node_reply\",\"org\":\"acme\",\"node\":\"n1\","
                               "\"job_id\":\"0123456789abcdef0123456789abcdef\","
                               "\"reply\":\"succeeded\",\"stdout\":\"a\\u0000b\"}";
    json_error_t err;
    json_t *m = job_output_load_reply(text, sizeof text - 1, &err);
    cr_assert(json_is_object(m), "%s", err.text);
    cr_assert_str_eq(json_string_value(json_object_get(m, "reply")), "succeeded");
    json_t *rep = job_output_report("n1", m);
    cr_assert_not_null(rep);
    /* "a\0b" in base64: the NUL byte is kept. */
    cr_assert_str_eq(json_string_value(json_object_get(rep, "stdout")), "YQBi");
    json_decref(rep);
    json_decref(m);
}
