/* Splitting a whitelisted command line into argv, shell-like but without a
 * shell: nothing is expanded, globbed or interpolated.
 *
 * Rules (a subset of POSIX sh word splitting):
 *  - unquoted blanks (space, tab, newline) separate words;
 *  - '...' keeps everything literally up to the next ';
 *  - "..." keeps everything literally except \" \\ \$ \` and
 *    backslash-newline (removed);
 *  - outside quotes a backslash makes the next character literal;
 *  - quotes may join adjacent text into one word (a'b'"c" -> abc), and ''
 *    is an empty word.
 * Errors: unterminated quote, trailing backslash, no words at all.
 * $VAR, globs, ;, |, &&, > and friends are plain characters: a whitelist
 * that needs a shell says so (`/bin/sh -c '...'`). */
#ifndef PUSHY_CLIENT_CMDLINE_H
#define PUSHY_CLIENT_CMDLINE_H

#include <stddef.h>

/* On success *argv_out is a malloc'd NULL-terminated array (free with
 * pc_argv_free), *argc_out its length; returns 0. On error returns -1 and
 * writes a message to err. */
int pc_split_argv(const char *line, char ***argv_out, int *argc_out, char *err, size_t errlen);

void pc_argv_free(char **argv);

#endif
