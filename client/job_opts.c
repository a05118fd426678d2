#include "client/job_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/proc.h"
#include "shared/base64.h"

static const char *failf(char *why, size_t cap, const char *fmt, const char *a)
{
    snprintf(why, cap, fmt, a);
    return why;
}

int pc_job_file_decode(const char *spec, unsigned char **out, size_t *len, char *why,
                       size_t cap)
{
    *out = NULL;
    *len = 0;
    size_t n = strlen(spec);
    if (!strncmp(spec, "raw:", 4)) {
        if (n - 4 > PC_JOB_FILE_MAX) {
            snprintf(why, cap, "job file larger than %d bytes", PC_JOB_FILE_MAX);
            return -1;
        }
        *out = malloc(n - 4 + 1);
        if (!*out) {
            snprintf(why, cap, "out of memory");
            return -1;
        }
        memcpy(*out, spec + 4, n - 4);
        *len = n - 4;
        return 0;
    }
    if (!strncmp(spec, "base64:", 7)) {
        size_t enc = n - 7, room = enc / 4 * 3 + 4;
        unsigned char *buf = malloc(room);
        if (!buf) {
            snprintf(why, cap, "out of memory");
            return -1;
        }
        long got = base64_decode(spec + 7, enc, buf, room);
        if (got < 0 || got > PC_JOB_FILE_MAX) {
            free(buf);
            snprintf(why, cap, got < 0 ? "job file is not valid base64"
                                       : "job file larger than 100000 bytes");
            return -1;
        }
        *out = buf;
        *len = (size_t)got;
        return 0;
    }
    snprintf(why, cap, "job file must start with 'raw:' or 'base64:'");
    return -1;
}

bool pc_env_name_ok(const char *k)
{
    if (!*k || (*k >= '0' && *k <= '9'))
        return false;
    for (; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

const char *pc_job_env_check(const json_t *env, char *why, size_t cap)
{
    if (!env)
        return NULL;
    if (!json_is_object(env))
        return failf(why, cap, "job env is not an object%s", "");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)env, k, v) {
        char shown[64];
        snprintf(shown, sizeof shown, "%s", k);
        if (!pc_env_name_ok(k))
            return failf(why, cap, "job env name '%s' is not valid", shown);
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
            return failf(why, cap, "job env value of '%s' is not a string", shown);
    }
    return NULL;
}

static bool name_is(const char *entry, const char *name)
{
    size_t n = strcspn(entry, "=");
    return strlen(name) == n && !strncmp(entry, name, n);
}

static bool reserved(const char *name)
{
    return !strcmp(name, "CHEF_PUSH_NODE_NAME") || !strcmp(name, "CHEF_PUSH_JOB_ID") ||
           !strcmp(name, "CHEF_PUSH_JOB_FILE");
}

/* An environment being built: unique names, a later set replaces. */
struct envb {
    char **v;
    size_t n, cap;
};

/* Sets "prefix name=value" (takes entry when value is NULL: a whole
 * "NAME=VALUE" string to copy). 0 or -1 (out of memory). */
static int envb_put(struct envb *e, const char *prefix, const char *name, const char *value)
{
    char *entry;
    if (value ? asprintf(&entry, "%s%s=%s", prefix, name, value) < 0
              : !(entry = strdup(name)))
        return -1;
    size_t nlen = strcspn(entry, "=");
    for (size_t i = 0; i < e->n; i++) {
        if (strcspn(e->v[i], "=") == nlen && !strncmp(e->v[i], entry, nlen)) {
            free(e->v[i]);
            e->v[i] = entry;
            return 0;
        }
    }
    if (e->n + 1 >= e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        char **v = realloc(e->v, cap * sizeof *v);
        if (!v) {
            free(entry);
            return -1;
        }
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = entry;
    e->v[e->n] = NULL;
    return 0;
}

static bool listed(const json_t *names, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)names, i, x)
        if (json_is_string(x) && !strcmp(json_string_value(x), name))
            return true;
    return false;
}

char **pc_job_env_build(char *const *base, const json_t *job_env, const json_t *overwritable,
                        const char *user_name, const char *home, const char *file_path,
                        const char *node, const char *job_id)
{
    struct envb e = { 0 };
    for (size_t i = 0; base && base[i]; i++) {
        if (!strchr(base[i], '=') || name_is(base[i], "CHEF_PUSH_NODE_NAME") ||
            name_is(base[i], "CHEF_PUSH_JOB_ID") || name_is(base[i], "CHEF_PUSH_JOB_FILE"))
            continue;
        if (envb_put(&e, "", base[i], NULL) != 0)
            goto oom;
    }
    if (user_name && (envb_put(&e, "", "USER", user_name) || envb_put(&e, "", "LOGNAME", user_name) ||
                      envb_put(&e, "", "HOME", home ? home : "/")))
        goto oom;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)job_env, k, v) {
        if (!json_is_string(v))
            continue;
        const char *prefix = overwritable && !listed(overwritable, k) ? "CHEF_PUSH_ENV_" : "";
        if (!*prefix && reserved(k))
            continue; /* set by the client below */
        if (envb_put(&e, prefix, k, json_string_value(v)) != 0)
            goto oom;
    }
    if ((file_path && envb_put(&e, "", "CHEF_PUSH_JOB_FILE", file_path)) ||
        envb_put(&e, "", "CHEF_PUSH_NODE_NAME", node) ||
        envb_put(&e, "", "CHEF_PUSH_JOB_ID", job_id))
        goto oom;
    return e.v;
oom:
    pc_env_free(e.v);
    return NULL;
}

void pc_job_opts_free(struct pc_job_opts *o)
{
    if (o->file_path)
        unlink(o->file_path);
    free(o->file_path);
    free(o->groups);
    free(o->user);
    free(o->home);
    free(o->dir);
    json_decref(o->env);
    free(o->file);
    memset(o, 0, sizeof *o);
}

static const char *vet_user(const char *user, struct pc_job_opts *o, char *why, size_t cap)
{
    struct passwd pw, *res = NULL;
    char buf[16384];
    int e = getpwnam_r(user, &pw, buf, sizeof buf, &res);
    if (e || !res)
        return failf(why, cap, "user '%s' does not exist on this node", user);
    o->user = strdup(pw.pw_name);
    o->home = strdup(pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/");
    if (!o->user || !o->home)
        return failf(why, cap, "out of memory%s", "");
    if (pw.pw_uid == geteuid() && pw.pw_gid == getegid())
        return NULL; /* already that user: nothing to switch */
    if (geteuid() != 0)
        return failf(why, cap, "cannot run as user '%s': pushy-client is not running as root",
                     user);
    int n = 64;
    for (int tries = 0; tries < 4; tries++) {
        gid_t *g = realloc(o->groups, (size_t)n * sizeof *g);
        if (!g)
            return failf(why, cap, "out of memory%s", "");
        o->groups = g;
        int got = n;
        if (getgrouplist(pw.pw_name, pw.pw_gid, g, &got) >= 0) {
            o->ngroups = got;
            break;
        }
        n = got > n ? got : n * 2;
    }
    if (!o->ngroups) {
        o->groups[0] = pw.pw_gid;
        o->ngroups = 1;
    }
    o->switch_user = true;
    o->uid = pw.pw_uid;
    o->gid = pw.pw_gid;
    return NULL;
}

const char *pc_job_opts_vet(const char *user, const char *dir, const json_t *env,
                            const char *file, struct pc_job_opts *o, char *why, size_t cap)
{
    memset(o, 0, sizeof *o);
    const char *r = NULL;
    if (env && (r = pc_job_env_check(env, why, cap)))
        goto bad;
    if (dir) {
        struct stat st;
        if (dir[0] != '/' || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            r = failf(why, cap, "directory '%s' does not exist on this node", dir);
            goto bad;
        }
        if (!(o->dir = strdup(dir))) {
            r = failf(why, cap, "out of memory%s", "");
            goto bad;
        }
    }
    if (user && (r = vet_user(user, o, why, cap)))
        goto bad;
    if (file && pc_job_file_decode(file, &o->file, &o->file_len, why, cap)) {
        r = why;
        goto bad;
    }
    if (env && json_object_size(env) && !(o->env = json_deep_copy(env))) {
        r = failf(why, cap, "out of memory%s", "");
        goto bad;
    }
    return NULL;
bad:
    pc_job_opts_free(o);
    return r;
}

int pc_job_opts_write_file(struct pc_job_opts *o, const char *file_dir, char *err, size_t cap)
{
    if (!o->file)
        return 0;
    const char *d = file_dir && *file_dir ? file_dir : "/tmp/chef-push";
    if (mkdir(d, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "cannot create file_dir %s: %s", d, strerror(errno));
        return -1;
    }
    char *path = NULL;
    if (asprintf(&path, "%s/pushy_file.XXXXXX", d) < 0) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, cap, "cannot create a job file in %s: %s", d, strerror(errno));
        free(path);
        return -1;
    }
    size_t off = 0;
    int rc = 0;
    while (off < o->file_len) {
        ssize_t w = write(fd, o->file + off, o->file_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    if (!rc && o->switch_user && fchown(fd, o->uid, o->gid) != 0)
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc) {
        snprintf(err, cap, "cannot write the job file %s: %s", path, strerror(errno));
        unlink(path);
        free(path);
        return -1;
    }
    o->file_path = path;
    return 0;
}
