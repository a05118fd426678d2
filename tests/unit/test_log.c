/* shared/log.c: line format (text and JSON), truncation. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"

static char g_path[64];

static void setup(void)
{
    snprintf(g_path, sizeof g_path, "/tmp/pushy-log-test.XXXXXX");
    int fd = mkstemp(g_path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(log_open_file(g_path), 0);
}

static void teardown(void)
{
    log_open_file(NULL);
    unlink(g_path);
    log_init("pushy", LOG_LVL_INFO, false);
}

TestSuite(log, .init = setup, .fini = teardown);

static char *read_all(void)
{
    FILE *f = fopen(g_path, "r");
    cr_assert_not_null(f);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void assert_matches(const char *text, const char *pattern)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    cr_assert_eq(rc, 0, "'%s' does not match %s", text, pattern);
}

Test(log, text_line)
{
    log_init("apid", LOG_LVL_INFO, false);
    log_msg(LOG_LVL_INFO, "GET %s %u", "/x", 200u);
    log_msg(LOG_LVL_DEBUG, "not shown");
    assert_matches(read_all(), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                               "info  apid\\[[0-9]+\\]: GET /x 200\n$");
}

Test(log, json_line)
{
    log_init("apid", LOG_LVL_DEBUG, true);
    log_msg(LOG_LVL_WARN, "say \"%s\"", "hi");
    assert_matches(read_all(), "^\\{\"ts\":\"[0-9T:.-]+Z\",\"level\":\"warn\",\"component\":\"apid\","
                               "\"pid\":[0-9]+,\"msg\":\"say \\\\\"hi\\\\\"\"\\}\n$");
}

Test(log, long_message_is_cut_to_one_line)
{
    log_init("apid", LOG_LVL_INFO, false);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_msg(LOG_LVL_ERROR, "%s", big);
    log_msg(LOG_LVL_ERROR, "next");
    char *text = read_all();
    char *nl = strchr(text, '\n');
    cr_assert_not_null(nl);
    char *colon = strstr(text, "]: ");
    cr_assert_not_null(colon);
    cr_assert_eq(nl - (colon + 3), 2047, "the message is cut at 2047 bytes");
    assert_matches(nl + 1, "error apid\\[[0-9]+\\]: next\n$");
}
