/* The push-jobs whitelist: which commands the server may ask for, and the
 * command line each one runs (PROTOCOL-NOTES §4.4).
 *
 * Lookup of the command string the server sent: an exact key first, then
 * the regex keys in the order they were given. The server only ever names
 * a key; the command line comes from the whitelist value, split into argv
 * by pc_split_argv (no shell).
 *
 * Regex keys (`/^deploy (\w+)$/ => "deploy-app \1"` in client.rb) are POSIX
 * extended regexes (glibc: \w \s \b work, \d does not). The value is split
 * into argv first and then \0..\9 are replaced inside each word by the
 * match groups, so text from the server can fill a word but never add,
 * remove or re-quote words. (The Ruby client uses gsub on the whole line.)
 *
 * Entries given as a hash ({:command_line => "...", :lock => true}) may
 * carry a run lock: `:lock => true` (Chef's lockfile, see client/runlock.h)
 * or `:lock => "/path"`. pc_whitelist_lock tells the caller which; taking
 * the lock is client/runlock.h's job. */
#ifndef PUSHY_CLIENT_WHITELIST_H
#define PUSHY_CLIENT_WHITELIST_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct pc_wl_entry {
    char *key;          /* exact command, or the regex source */
    char *command_line; /* the value */
    bool is_regex;
    char *lock;         /* NULL: no :lock; "": :lock => true; else the lock file path */
    regex_t re;         /* compiled when is_regex */
};

struct pc_whitelist {
    struct pc_wl_entry *v;
    size_t n, cap;
};

enum pc_wl_result {
    PC_WL_OK = 0,       /* *argv_out set */
    PC_WL_NOT_FOUND,
    PC_WL_REFUSED,      /* found but cannot run: reason in err */
};

/* Adds an entry (copies the strings; a regex key is compiled, icase for the
 * /i flag). lock: NULL (none), "" (:lock => true) or a path (absolute).
 * A repeated exact key replaces the earlier value. 0, or -1 with a message
 * (bad regex, relative lock path, out of memory). */
int pc_whitelist_add(struct pc_whitelist *wl, const char *key, const char *command_line,
                     bool is_regex, bool icase, const char *lock, char *err, size_t errlen);

/* Looks command up; on PC_WL_OK *argv_out is a NULL-terminated argv to free
 * with pc_argv_free. err gets the reason of a refusal. */
enum pc_wl_result pc_whitelist_lookup(const struct pc_whitelist *wl, const char *command,
                                      char ***argv_out, char *err, size_t errlen);

/* The :lock of the entry command matches (same lookup order): NULL when
 * the entry has none or nothing matches, "" for :lock => true, else the
 * path. Points into wl. */
const char *pc_whitelist_lock(const struct pc_whitelist *wl, const char *command);

void pc_whitelist_free(struct pc_whitelist *wl);

#endif
