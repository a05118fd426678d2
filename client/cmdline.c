#include "client/cmdline.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct words {
    char **v;
    int n, cap;
};

static int push_word(struct words *w, const char *s, size_t len)
{
    if (w->n + 2 > w->cap) {
        int cap = w->cap ? w->cap * 2 : 8;
        char **v = realloc(w->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        w->v = v;
        w->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    w->v[w->n++] = copy;
    w->v[w->n] = NULL;
    return 0;
}

void pc_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int pc_split_argv(const char *line, char ***argv_out, int *argc_out, char *err, size_t errlen)
{
    *argv_out = NULL;
    *argc_out = 0;
    size_t n = strlen(line);
    char *buf = malloc(n + 1); /* a word is never longer than the line */
    struct words w = { 0 };
    const char *why = NULL;
    if (!buf) {
        why = "out of memory";
        goto fail;
    }
    const char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        size_t len = 0;
        while (*p && !is_blank(*p)) {
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end) {
                    why = "unterminated single quote";
                    goto fail;
                }
                memcpy(buf + len, p + 1, (size_t)(end - p - 1));
                len += (size_t)(end - p - 1);
                p = end + 1;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
                        if (p[1] != '\n')
                            buf[len++] = p[1];
                        p += 2;
                    } else {
                        buf[len++] = *p++;
                    }
                }
                if (*p != '"') {
                    why = "unterminated double quote";
                    goto fail;
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) {
                    why = "trailing backslash";
                    goto fail;
                }
                if (p[1] != '\n')
                    buf[len++] = p[1];
                p += 2;
            } else {
                buf[len++] = *p++;
            }
        }
        if (push_word(&w, buf, len) != 0) {
            why = "out of memory";
            goto fail;
        }
    }
    if (w.n == 0) {
        why = "empty command line";
        goto fail;
    }
    free(buf);
    *argv_out = w.v;
    *argc_out = w.n;
    return 0;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    free(buf);
    pc_argv_free(w.v);
    return -1;
}
