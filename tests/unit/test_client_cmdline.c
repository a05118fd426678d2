/* Whitelist command lines -> argv (client/cmdline.c), shell-like, no shell. */
#include <criterion/criterion.h>
#include <string.h>

#include "client/cmdline.h"

struct split_case {
    const char *line;
    const char *words[8]; /* NULL-terminated */
};

static const struct split_case OK[] = {
    { "chef-client", { "chef-client" } },
    { "  /bin/echo   hi\tthere \n", { "/bin/echo", "hi", "there" } },
    { "sh -c 'echo $HOME; ls | wc'", { "sh", "-c", "echo $HOME; ls | wc" } },
    { "printf \"%s\\n\" \"a \\\"b\\\" \\\\ \\$x\"", { "printf", "%s\\n", "a \"b\" \\ $x" } },
    { "a\\ b c\\\\d", { "a b", "c\\d" } },
    { "x'y'\"z\" ''", { "xyz", "" } },
    { "echo $(rm -rf /) `id` *", { "echo", "$(rm", "-rf", "/)", "`id`", "*" } },
    { "a \"multi\nline\"", { "a", "multi\nline" } },
    { "'it'\\''s'", { "it's" } },
};

Test(client_cmdline, splits)
{
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
        char **argv;
        int argc;
        char err[128] = "";
        cr_assert_eq(pc_split_argv(OK[i].line, &argv, &argc, err, sizeof err), 0, "%s: %s",
                     OK[i].line, err);
        int want = 0;
        while (OK[i].words[want])
            want++;
        cr_expect_eq(argc, want, "word count for %s", OK[i].line);
        for (int w = 0; w < want && w < argc; w++)
            cr_expect_str_eq(argv[w], OK[i].words[w], "word %d of %s", w, OK[i].line);
        cr_expect_null(argv[argc]);
        pc_argv_free(argv);
    }
}

Test(client_cmdline, errors)
{
    const char *bad[][2] = {
        { "", "empty command line" },
        { "   \t\n", "empty command line" },
        { "echo 'oops", "unterminated single quote" },
        { "echo \"oops", "unterminated double quote" },
        { "echo \"a\\\"", "unterminated double quote" },
        { "echo oops\\", "trailing backslash" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char **argv = (char **)1;
        int argc = 7;
        char err[128] = "";
        cr_expect_eq(pc_split_argv(bad[i][0], &argv, &argc, err, sizeof err), -1, "%s", bad[i][0]);
        cr_expect_str_eq(err, bad[i][1]);
        cr_expect_null(argv);
        cr_expect_eq(argc, 0);
    }
}
