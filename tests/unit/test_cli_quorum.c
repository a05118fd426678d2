#include <criterion/criterion.h>
#include <string.h>

#include "cli/quorum_arg.h"

Test(cli_quorum, knife_forms)
{
    static const struct {
        const char *text;
        bool percent;
        unsigned long value;
        const char *json;
    } good[] = {
        { "0", false, 0, "0" },       { "1", false, 1, "1" },
        { "250", false, 250, "250" }, { "007", false, 7, "7" },
        { "0%", true, 0, "\"0%\"" },  { "50%", true, 50, "\"50%\"" },
        { "100%", true, 100, "\"100%\"" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct quorum_arg q;
        char err[128], json[32];
        cr_assert_eq(quorum_arg_parse(good[i].text, &q, err, sizeof err), 0, "%s: %s",
                     good[i].text, err);
        cr_assert_eq(q.percent, good[i].percent, "%s", good[i].text);
        cr_assert_eq(q.value, good[i].value, "%s", good[i].text);
        cr_assert_eq(quorum_arg_json_text(&q, json, sizeof json), 0);
        cr_assert_str_eq(json, good[i].json);
    }
}

Test(cli_quorum, bad_forms)
{
    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        { "", QUORUM_FORMAT_ERROR },     { "%", QUORUM_FORMAT_ERROR },
        { "-1", QUORUM_FORMAT_ERROR },   { "+1", QUORUM_FORMAT_ERROR },
        { "1.5", QUORUM_FORMAT_ERROR },  { "50%%", QUORUM_FORMAT_ERROR },
        { " 5", QUORUM_FORMAT_ERROR },   { "5 ", QUORUM_FORMAT_ERROR },
        { "5%x", QUORUM_FORMAT_ERROR },  { "ten", QUORUM_FORMAT_ERROR },
        { "0x10", QUORUM_FORMAT_ERROR }, { "101%", "more than 100%" },
        { "99999999999999999999", "too large" },
        { "1000000001", "too large" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct quorum_arg q;
        char err[128] = "";
        cr_assert_eq(quorum_arg_parse(bad[i].text, &q, err, sizeof err), -1, "accepted '%s'",
                     bad[i].text);
        cr_assert(strstr(err, bad[i].msg), "'%s': %s", bad[i].text, err);
    }
    struct quorum_arg q;
    char err[128];
    cr_assert_eq(quorum_arg_parse(NULL, &q, err, sizeof err), -1);
    cr_assert_str_eq(err, "Invalid Format please enter integer or percent");
}
