#include "client/whitelist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmdline.h"

#define MARK '\x01' /* stands for a back-reference while the value is split */

static void say(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, arg);
}

static void entry_free(struct pc_wl_entry *e)
{
    free(e->key);
    free(e->command_line);
    free(e->lock);
    if (e->is_regex)
        regfree(&e->re);
    memset(e, 0, sizeof *e);
}

void pc_whitelist_free(struct pc_whitelist *wl)
{
    for (size_t i = 0; i < wl->n; i++)
        entry_free(&wl->v[i]);
    free(wl->v);
    memset(wl, 0, sizeof *wl);
}

int pc_whitelist_add(struct pc_whitelist *wl, const char *key, const char *command_line,
                     bool is_regex, bool icase, const char *lock, char *err, size_t errlen)
{
    struct pc_wl_entry e = { 0 };
    if (strchr(command_line, MARK)) {
        say(err, errlen, "command line for '%s' contains a control character", key);
        return -1;
    }
    if (lock && lock[0] && lock[0] != '/') {
        say(err, errlen, "lock file of '%s' must be an absolute path", key);
        return -1;
    }
    e.key = strdup(key);
    e.command_line = strdup(command_line);
    e.lock = lock ? strdup(lock) : NULL;
    if (!e.key || !e.command_line || (lock && !e.lock)) {
        say(err, errlen, "out of memory%s", "");
        entry_free(&e);
        return -1;
    }
    if (is_regex) {
        int rc = regcomp(&e.re, key, REG_EXTENDED | (icase ? REG_ICASE : 0));
        if (rc != 0) {
            char why[128];
            regerror(rc, &e.re, why, sizeof why);
            if (err && errlen)
                snprintf(err, errlen, "bad regex /%s/: %s", key, why);
            entry_free(&e);
            return -1;
        }
        e.is_regex = true;
    } else {
        for (size_t i = 0; i < wl->n; i++) {
            if (!wl->v[i].is_regex && strcmp(wl->v[i].key, key) == 0) {
                entry_free(&wl->v[i]);
                wl->v[i] = e;
                return 0;
            }
        }
    }
    if (wl->n == wl->cap) {
        size_t cap = wl->cap ? wl->cap * 2 : 8;
        struct pc_wl_entry *v = realloc(wl->v, cap * sizeof *v);
        if (!v) {
            say(err, errlen, "out of memory%s", "");
            entry_free(&e);
            return -1;
        }
        wl->v = v;
        wl->cap = cap;
    }
    wl->v[wl->n++] = e;
    return 0;
}

/* Replaces each MARK+digit in word by that group of the match on subject. */
static char *fill_word(const char *word, const char *subject, const regmatch_t *m, size_t ngroups)
{
    size_t cap = strlen(word) + 1;
    for (const char *p = word; *p; p++)
        if (*p == MARK && p[1])
            cap += strlen(subject);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t len = 0;
    for (const char *p = word; *p; p++) {
        if (*p == MARK && p[1]) {
            size_t g = (size_t)(p[1] - '0');
            p++;
            if (g < ngroups && m[g].rm_so >= 0) {
                size_t n = (size_t)(m[g].rm_eo - m[g].rm_so);
                memcpy(out + len, subject + m[g].rm_so, n);
                len += n;
            }
        } else {
            out[len++] = *p;
        }
    }
    out[len] = '\0';
    return out;
}

static enum pc_wl_result expand_regex(const struct pc_wl_entry *e, const char *command,
                                      const regmatch_t *m, char ***argv_out, char *err,
                                      size_t errlen)
{
    /* \N -> MARK N so that splitting leaves the reference in place */
    size_t n = strlen(e->command_line);
    char *tmpl = malloc(n + 1);
    if (!tmpl) {
        say(err, errlen, "out of memory%s", "");
        return PC_WL_REFUSED;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (e->command_line[i] == '\\' && e->command_line[i + 1] >= '0' &&
            e->command_line[i + 1] <= '9') {
            tmpl[j++] = MARK;
            tmpl[j++] = e->command_line[++i];
        } else {
            tmpl[j++] = e->command_line[i];
        }
    }
    tmpl[j] = '\0';
    char **argv;
    int argc;
    char why[128];
    int rc = pc_split_argv(tmpl, &argv, &argc, why, sizeof why);
    free(tmpl);
    if (rc != 0) {
        if (err && errlen)
            snprintf(err, errlen, "whitelist entry /%s/ has a bad command line: %s", e->key, why);
        return PC_WL_REFUSED;
    }
    for (int i = 0; i < argc; i++) {
        char *filled = fill_word(argv[i], command, m, 10);
        if (!filled) {
            pc_argv_free(argv);
            say(err, errlen, "out of memory%s", "");
            return PC_WL_REFUSED;
        }
        free(argv[i]);
        argv[i] = filled;
    }
    *argv_out = argv;
    return PC_WL_OK;
}

/* The entry for command: an exact key first, then regex keys in order (m
 * gets the match of a regex key). */
static const struct pc_wl_entry *find(const struct pc_whitelist *wl, const char *command,
                                      regmatch_t m[10])
{
    for (size_t i = 0; i < wl->n; i++)
        if (!wl->v[i].is_regex && strcmp(wl->v[i].key, command) == 0)
            return &wl->v[i];
    for (size_t i = 0; i < wl->n; i++)
        if (wl->v[i].is_regex && regexec(&wl->v[i].re, command, 10, m, 0) == 0)
            return &wl->v[i];
    return NULL;
}

const char *pc_whitelist_lock(const struct pc_whitelist *wl, const char *command)
{
    regmatch_t m[10];
    const struct pc_wl_entry *hit = find(wl, command, m);
    return hit ? hit->lock : NULL;
}

enum pc_wl_result pc_whitelist_lookup(const struct pc_whitelist *wl, const char *command,
                                      char ***argv_out, char *err, size_t errlen)
{
    *argv_out = NULL;
    regmatch_t m[10];
    const struct pc_wl_entry *hit = find(wl, command, m);
    if (!hit)
        return PC_WL_NOT_FOUND;
    if (hit->is_regex)
        return expand_regex(hit, command, m, argv_out, err, errlen);
    int argc;
    char why[128];
    if (pc_split_argv(hit->command_line, argv_out, &argc, why, sizeof why) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "whitelist entry '%s' has a bad command line: %s", hit->key, why);
        return PC_WL_REFUSED;
    }
    return PC_WL_OK;
}
