/* The 2.x job options of a commit (PROTOCOL-NOTES §4.4): user, dir, env,
 * file. Vetted when the commit arrives (a refusal is a nack_commit with
 * the reason), applied when the job runs.
 *
 *   user  getpwnam must know it; switching to another uid needs root
 *         (otherwise refused). The child gets the user's groups
 *         (getgrouplist), gid and uid before exec, and HOME, USER and
 *         LOGNAME of that user.
 *   dir   must be an existing directory: the command's working directory.
 *   env   an object of strings, names [A-Za-z_][A-Za-z0-9_]*: added to the
 *         client's environment. With client.rb allowed_overwritable_env_vars
 *         set (the original's rule), only the listed names keep their name;
 *         every other job variable NAME is passed as CHEF_PUSH_ENV_NAME, so
 *         it cannot replace PATH, LD_PRELOAD... of the client's environment.
 *         Unset, job variables keep their names. Job variables never
 *         override CHEF_PUSH_NODE_NAME, CHEF_PUSH_JOB_ID, CHEF_PUSH_JOB_FILE
 *         (the client sets them last, as the original does).
 *   file  "raw:TEXT" or "base64:B64", at most PC_JOB_FILE_MAX bytes decoded;
 *         written to file_dir (mkstemp, mode 0600, owned by the job's user
 *         when switching) when the job runs, named in CHEF_PUSH_JOB_FILE,
 *         deleted when the job ends. */
#ifndef PUSHY_CLIENT_JOB_OPTS_H
#define PUSHY_CLIENT_JOB_OPTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PC_JOB_FILE_MAX 100000

struct pc_job_opts {
    bool switch_user;
    uid_t uid;
    gid_t gid;
    gid_t *groups;      /* owned */
    int ngroups;
    char *user, *home;  /* owned, when switch_user or user given */
    char *dir;          /* owned or NULL */
    json_t *env;        /* owned copy or NULL */
    unsigned char *file;/* owned decoded bytes, NULL: no file */
    size_t file_len;
    char *file_path;    /* owned, once written */
};

/* ---- pure ---- */

/* Decodes a file option. 0 with *out (malloc'd, may hold 0 bytes) and
 * *len, or -1 with why. */
int pc_job_file_decode(const char *spec, unsigned char **out, size_t *len, char *why,
                       size_t cap);

/* [A-Za-z_][A-Za-z0-9_]*, not empty. */
bool pc_env_name_ok(const char *name);

/* Checks env: an object whose values are strings and whose names are
 * [A-Za-z_][A-Za-z0-9_]*. NULL or a reason (in why). */
const char *pc_job_env_check(const json_t *env, char *why, size_t cap);

/* The job's environment, each name once (a later step replaces an
 * earlier value): base minus CHEF_PUSH_NODE_NAME/JOB_ID/JOB_FILE; then,
 * when user_name is set, USER, LOGNAME and HOME (home, "/" when NULL);
 * then job_env's variables: when overwritable (an array of names) is not
 * NULL, a name it does not list is prefixed CHEF_PUSH_ENV_; the three
 * reserved names above are skipped; then CHEF_PUSH_JOB_FILE (when
 * file_path), CHEF_PUSH_NODE_NAME, CHEF_PUSH_JOB_ID. NULL-terminated,
 * malloc'd (pc_env_free); NULL when out of memory. */
char **pc_job_env_build(char *const *base, const json_t *job_env, const json_t *overwritable,
                        const char *user_name, const char *home, const char *file_path,
                        const char *node, const char *job_id);

/* ---- system ---- */

/* Vets the options of a commit into o (zeroed first). NULL when
 * acceptable, else the reason (in why); o is then empty. */
const char *pc_job_opts_vet(const char *user, const char *dir, const json_t *env,
                            const char *file, struct pc_job_opts *o, char *why, size_t cap);
/* Writes the file (if any) into file_dir. 0, or -1 with err. */
int pc_job_opts_write_file(struct pc_job_opts *o, const char *file_dir, char *err, size_t cap);
/* Deletes the written file and frees everything. */
void pc_job_opts_free(struct pc_job_opts *o);

#endif
