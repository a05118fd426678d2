/* pushy-ctl's identity-store commands: organizations, users, clients and
 * groups in PostgreSQL (standalone mode), like chef-server-ctl. They talk
 * to the database directly (the embedded server's socket in run_dir, or
 * database_url), so pushyd must have run its migrations once. */
#include "supervisor/ctl_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/chef_auth.h"
#include "shared/db.h"
#include "shared/server_keys.h"

const char ctl_identity_usage[] =
    "\n"
    "Identity commands (standalone identity store in PostgreSQL):\n"
    "  org-create ORG [-a USER]      create an organization with the groups admins,\n"
    "                                pushy_job_writers and pushy_job_readers; -a makes an\n"
    "                                existing user a member and an admin\n"
    "  org-list                      list organizations\n"
    "  user-create NAME [--org ORG] [--admin] [-f FILE]\n"
    "                                create a user (users are global) and print its new\n"
    "                                private key (PEM) to stdout or FILE (mode 0600);\n"
    "                                --org makes it a member, --admin also an admin\n"
    "  org-user-add ORG USER [--admin]  make an existing user a member of ORG\n"
    "  user-list [--org ORG]         list users (of ORG)\n"
    "  client-create NAME --org ORG [-f FILE]\n"
    "                                create a client of ORG and print its new private key;\n"
    "                                a node's key: node NAME may fetch config/NAME\n"
    "  client-list ORG               list the clients of ORG\n"
    "  group-create ORG GROUP        create a group\n"
    "  group-add ORG GROUP ACTOR [--user|--client|--group]\n"
    "                                add ACTOR to GROUP (by default a client of ORG, else\n"
    "                                a user, else a group of that name)\n"
    "  group-remove ORG GROUP ACTOR [--user|--client|--group]\n"
    "  group-list ORG                list the groups of ORG with their members\n";

/* Same rules as the schema's CHECK constraints. */
static bool name_ok(const char *s, const char *extra, bool upper, bool first_alnum)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     (upper && c >= 'A' && c <= 'Z');
        if (!alnum && (first_alnum && i == 0))
            return false;
        if (!alnum && !strchr(extra, c))
            return false;
    }
    return true;
}

static bool org_name_ok(const char *s) { return name_ok(s, "_-", false, true); }
static bool user_name_ok(const char *s) { return name_ok(s, "_.-", true, false); }
static bool client_name_ok(const char *s) { return name_ok(s, "_.:-", true, false); }

static int bad_name(const char *what, const char *name, const char *rule)
{
    fprintf(stderr, "pushy-ctl: invalid %s name '%s': %s\n", what, name ? name : "", rule);
    return 2;
}
#define ORG_RULE "lower-case letters, digits, '_' and '-', starting with a letter or digit"
#define USER_RULE "letters, digits, '_', '.' and '-', at most 255 characters"
#define CLIENT_RULE "letters, digits, '_', '.', ':' and '-', at most 255 characters"

/* Parsed command line: positionals and the options these commands take. */
struct args {
    const char *pos[4];
    int npos;
    const char *org;
    const char *file;
    const char *assoc_user;
    const char *kind;  /* "user", "client", "group" or NULL */
    bool admin;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if ((!strcmp(s, "--org") || !strcmp(s, "-o")) && i + 1 < argc) {
            a->org = argv[++i];
        } else if ((!strcmp(s, "-f") || !strcmp(s, "--file")) && i + 1 < argc) {
            a->file = argv[++i];
        } else if ((!strcmp(s, "-a") || !strcmp(s, "--association-user")) && i + 1 < argc) {
            a->assoc_user = argv[++i];
        } else if (!strcmp(s, "--admin")) {
            a->admin = true;
        } else if (!strcmp(s, "--user") || !strcmp(s, "--client") || !strcmp(s, "--group")) {
            a->kind = s + 2;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "pushy-ctl: %s: unknown option or missing value '%s'\n", argv[0], s);
            return -1;
        } else if (a->npos < 4) {
            a->pos[a->npos++] = s;
        } else {
            fprintf(stderr, "pushy-ctl: %s: too many arguments\n", argv[0]);
            return -1;
        }
    }
    return 0;
}

static PGresult *q(struct db *db, const char *what, const char *sql, int n, const char *const *p)
{
    PGresult *r = db_exec(db, what, sql, n, p);
    if (!r)
        fprintf(stderr, "pushy-ctl: %s failed (see the message above)\n", what);
    return r;
}

static int cmd(struct db *db, const char *what, const char *sql, int n, const char *const *p)
{
    PGresult *r = q(db, what, sql, n, p);
    PQclear(r);
    return r ? 0 : -1;
}

static void rollback(struct db *db)
{
    db_command(db, "rollback", "ROLLBACK", 0, NULL);
}

/* orgs.id as text, or -1 with a message. */
static int org_id(struct db *db, const char *org, char out[24])
{
    const char *p[1] = { org };
    PGresult *r = q(db, "organization lookup", "SELECT id FROM orgs WHERE name = $1", 1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found)
        snprintf(out, 24, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!found)
        fprintf(stderr, "pushy-ctl: organization '%s' does not exist\n", org);
    return found ? 0 : -1;
}

/* Adds a member to a named group of the org (idempotent). */
static int add_member(struct db *db, const char *oid, const char *group, const char *kind,
                      const char *name)
{
    const char *p[4] = { oid, group, kind, name };
    PGresult *r = q(db, "group add",
                    "INSERT INTO group_members (group_id, member_kind, member_name) "
                    "SELECT id, $3, $4 FROM groups WHERE org_id = $1::bigint AND name = $2 "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    4, p);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* Makes a user a member of the org, and an admin with admin. */
static int associate_user(struct db *db, const char *oid, const char *user, bool admin)
{
    const char *p[2] = { oid, user };
    PGresult *r = q(db, "org user add",
                    "INSERT INTO org_users (org_id, user_id) "
                    "SELECT $1::bigint, id FROM users WHERE name = $2 "
                    "ON CONFLICT DO NOTHING",
                    2, p);
    if (!r)
        return -1;
    PQclear(r);
    r = q(db, "user lookup", "SELECT 1 FROM users WHERE name = $1", 1, p + 1);
    if (!r)
        return -1;
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
        fprintf(stderr, "pushy-ctl: user '%s' does not exist\n", user);
        return -1;
    }
    return admin ? add_member(db, oid, "admins", "user", user) : 0;
}

static int org_create(struct db *db, const struct args *a)
{
    if (a->npos != 1) {
        fprintf(stderr, "usage: pushy-ctl org-create ORG [-a USER]\n");
        return 2;
    }
    const char *org = a->pos[0];
    if (!org_name_ok(org))
        return bad_name("organization", org, ORG_RULE);
    char uuid[37], guid[33];
    if (uuid_v4(uuid))
        return 1;
    size_t j = 0;
    for (size_t i = 0; uuid[i]; i++)
        if (uuid[i] != '-')
            guid[j++] = uuid[i];
    guid[j] = '\0';
    if (cmd(db, "begin", "BEGIN", 0, NULL))
        return 1;
    const char *p[2] = { org, guid };
    PGresult *r = q(db, "organization insert",
                    "INSERT INTO orgs (name, guid) VALUES ($1, $2) "
                    "ON CONFLICT (name) DO NOTHING RETURNING id",
                    2, p);
    if (!r)
        goto fail;
    if (PQntuples(r) != 1) {
        PQclear(r);
        fprintf(stderr, "pushy-ctl: organization '%s' already exists\n", org);
        rollback(db);
        return 1;
    }
    char oid[24];
    snprintf(oid, sizeof oid, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *gp[1] = { oid };
    if (cmd(db, "group insert",
            "INSERT INTO groups (org_id, name) VALUES ($1::bigint, 'admins'), "
            "($1::bigint, 'pushy_job_writers'), ($1::bigint, 'pushy_job_readers')",
            1, gp))
        goto fail;
    if (a->assoc_user && associate_user(db, oid, a->assoc_user, true))
        goto fail;
    if (cmd(db, "commit", "COMMIT", 0, NULL))
        return 1;
    printf("organization '%s' created (groups admins, pushy_job_writers, pushy_job_readers)\n",
           org);
    if (a->assoc_user)
        printf("user '%s' is a member and an admin of '%s'\n", a->assoc_user, org);
    return 0;
fail:
    rollback(db);
    return 1;
}

/* Opens -f FILE for the private key: created or truncated, mode 0600. */
static int open_key_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        fprintf(stderr, "pushy-ctl: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0600)) {
        fprintf(stderr, "pushy-ctl: chmod %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* Creates a user or a client: generates the key pair, stores the public
 * half with insert_sql ($1 name, $2 public key[, $3 org id]), then
 * associates, then hands the private key out. */
static int actor_create(struct db *db, const struct args *a, bool is_client)
{
    const char *kind = is_client ? "client" : "user";
    if (a->npos != 1 || (is_client && !a->org)) {
        fprintf(stderr, is_client ? "usage: pushy-ctl client-create NAME --org ORG [-f FILE]\n"
                                  : "usage: pushy-ctl user-create NAME [--org ORG] [--admin] "
                                    "[-f FILE]\n");
        return 2;
    }
    if (a->admin && !a->org) {
        fprintf(stderr, "pushy-ctl: --admin needs --org ORG\n");
        return 2;
    }
    const char *name = a->pos[0];
    if (is_client ? !client_name_ok(name) : !user_name_ok(name))
        return bad_name(kind, name, is_client ? CLIENT_RULE : USER_RULE);
    if (a->org && !org_name_ok(a->org))
        return bad_name("organization", a->org, ORG_RULE);

    char *priv = NULL, *pub = NULL;
    if (chef_auth_generate_keypair(2048, &priv, &pub)) {
        fprintf(stderr, "pushy-ctl: RSA key generation failed\n");
        return 1;
    }
    int rc = 1, fd = -1;
    bool began = false;
    if (a->file && (fd = open_key_file(a->file)) < 0)
        goto out;
    if (cmd(db, "begin", "BEGIN", 0, NULL))
        goto out;
    began = true;
    char oid[24] = "";
    if (a->org && org_id(db, a->org, oid))
        goto out;
    PGresult *r;
    if (is_client) {
        const char *p[3] = { name, pub, oid };
        r = q(db, "client insert",
              "INSERT INTO clients (name, public_key, org_id) VALUES ($1, $2, $3::bigint) "
              "ON CONFLICT DO NOTHING RETURNING id",
              3, p);
    } else {
        const char *p[2] = { name, pub };
        r = q(db, "user insert",
              "INSERT INTO users (name, public_key) VALUES ($1, $2) "
              "ON CONFLICT DO NOTHING RETURNING id",
              2, p);
    }
    if (!r)
        goto out;
    int inserted = PQntuples(r) == 1;
    PQclear(r);
    if (!inserted) {
        if (is_client)
            fprintf(stderr, "pushy-ctl: client '%s' already exists in '%s'\n", name, a->org);
        else
            fprintf(stderr, "pushy-ctl: user '%s' already exists (add it to an organization "
                            "with org-user-add)\n", name);
        goto out;
    }
    if (!is_client && a->org && associate_user(db, oid, name, a->admin))
        goto out;
    if (fd >= 0 && (write_all(fd, priv) || fsync(fd))) {
        fprintf(stderr, "pushy-ctl: cannot write %s: %s\n", a->file, strerror(errno));
        goto out;
    }
    if (cmd(db, "commit", "COMMIT", 0, NULL)) {
        began = false;
        goto out;
    }
    began = false;
    if (fd < 0) {
        fputs(priv, stdout);
        fflush(stdout);
    }
    fprintf(stderr, "%s '%s' created%s%s%s%s%s\n", kind, name, a->org ? " in " : "",
            a->org ? a->org : "", a->admin ? " (admin)" : "", fd >= 0 ? "; private key in " : "",
            fd >= 0 ? a->file : "");
    rc = 0;
out:
    if (began)
        rollback(db);
    if (fd >= 0) {
        close(fd);
        if (rc)
            unlink(a->file); /* the key was never stored: do not leave it */
    }
    if (priv) {
        memset(priv, 0, strlen(priv));
        free(priv);
    }
    free(pub);
    return rc;
}

static int org_user_add(struct db *db, const struct args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "usage: pushy-ctl org-user-add ORG USER [--admin]\n");
        return 2;
    }
    if (!org_name_ok(a->pos[0]))
        return bad_name("organization", a->pos[0], ORG_RULE);
    if (!user_name_ok(a->pos[1]))
        return bad_name("user", a->pos[1], USER_RULE);
    char oid[24];
    if (cmd(db, "begin", "BEGIN", 0, NULL))
        return 1;
    if (org_id(db, a->pos[0], oid) || associate_user(db, oid, a->pos[1], a->admin) ||
        cmd(db, "commit", "COMMIT", 0, NULL)) {
        rollback(db);
        return 1;
    }
    printf("user '%s' is a member%s of '%s'\n", a->pos[1], a->admin ? " and an admin" : "",
           a->pos[0]);
    return 0;
}

/* Prints one column of rows; 0 or 1. */
static int print_rows(struct db *db, const char *what, const char *sql, int n,
                      const char *const *p)
{
    PGresult *r = q(db, what, sql, n, p);
    if (!r)
        return 1;
    for (int i = 0; i < PQntuples(r); i++) {
        for (int c = 0; c < PQnfields(r); c++)
            printf("%s%s", c ? "\t" : "", PQgetvalue(r, i, c));
        putchar('\n');
    }
    PQclear(r);
    return 0;
}

static const char *one_org(const struct args *a)
{
    if (a->org && a->npos == 0)
        return a->org;
    if (!a->org && a->npos == 1)
        return a->pos[0];
    return NULL;
}

static int group_change(struct db *db, const struct args *a, bool add)
{
    if (a->npos != 3) {
        fprintf(stderr, "usage: pushy-ctl group-%s ORG GROUP ACTOR [--user|--client|--group]\n",
                add ? "add" : "remove");
        return 2;
    }
    const char *org = a->pos[0], *group = a->pos[1], *actor = a->pos[2];
    if (!org_name_ok(org))
        return bad_name("organization", org, ORG_RULE);
    if (!user_name_ok(group))
        return bad_name("group", group, USER_RULE);
    if (!client_name_ok(actor))
        return bad_name("actor", actor, CLIENT_RULE);
    char oid[24];
    if (org_id(db, org, oid))
        return 1;
    const char *gp[2] = { oid, group };
    PGresult *r = q(db, "group lookup",
                    "SELECT 1 FROM groups WHERE org_id = $1::bigint AND name = $2", 2, gp);
    if (!r)
        return 1;
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
        fprintf(stderr, "pushy-ctl: group '%s' does not exist in '%s' (group-create makes it)\n",
                group, org);
        return 1;
    }
    const char *kind = a->kind;
    if (add && !kind) {
        /* A client of the org, else a member user, else a group. */
        const char *p[2] = { oid, actor };
        r = q(db, "actor lookup",
              "SELECT 'client' FROM clients WHERE org_id = $1::bigint AND name = $2 "
              "UNION ALL SELECT 'user' FROM users u JOIN org_users ou ON ou.user_id = u.id "
              "  WHERE ou.org_id = $1::bigint AND u.name = $2 "
              "UNION ALL SELECT 'group' FROM groups WHERE org_id = $1::bigint AND name = $2",
              2, p);
        if (!r)
            return 1;
        static char found[8];
        found[0] = '\0';
        if (PQntuples(r) > 0)
            snprintf(found, sizeof found, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        if (!found[0]) {
            fprintf(stderr, "pushy-ctl: '%s' is no client, member user or group of '%s'\n",
                    actor, org);
            return 1;
        }
        kind = found;
    }
    if (add) {
        if (!strcmp(kind, "group") && !strcmp(actor, group)) {
            fprintf(stderr, "pushy-ctl: a group cannot contain itself\n");
            return 1;
        }
        if (add_member(db, oid, group, kind, actor))
            return 1;
        printf("%s '%s' added to group '%s' of '%s'\n", kind, actor, group, org);
        return 0;
    }
    const char *p[4] = { oid, group, actor, kind ? kind : "" };
    r = q(db, "group remove",
          "DELETE FROM group_members m USING groups g "
          "WHERE m.group_id = g.id AND g.org_id = $1::bigint AND g.name = $2 "
          "  AND m.member_name = $3 AND ($4 = '' OR m.member_kind = $4)",
          4, p);
    if (!r)
        return 1;
    int n = atoi(PQcmdTuples(r));
    PQclear(r);
    if (n == 0) {
        fprintf(stderr, "pushy-ctl: '%s' is not a member of group '%s'\n", actor, group);
        return 1;
    }
    printf("'%s' removed from group '%s' of '%s'\n", actor, group, org);
    return 0;
}

static int group_create(struct db *db, const struct args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "usage: pushy-ctl group-create ORG GROUP\n");
        return 2;
    }
    if (!org_name_ok(a->pos[0]))
        return bad_name("organization", a->pos[0], ORG_RULE);
    if (!user_name_ok(a->pos[1]))
        return bad_name("group", a->pos[1], USER_RULE);
    char oid[24];
    if (org_id(db, a->pos[0], oid))
        return 1;
    const char *p[2] = { oid, a->pos[1] };
    PGresult *r = q(db, "group insert",
                    "INSERT INTO groups (org_id, name) VALUES ($1::bigint, $2) "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    2, p);
    if (!r)
        return 1;
    int inserted = PQntuples(r) == 1;
    PQclear(r);
    if (!inserted) {
        fprintf(stderr, "pushy-ctl: group '%s' already exists in '%s'\n", a->pos[1], a->pos[0]);
        return 1;
    }
    printf("group '%s' created in '%s'\n", a->pos[1], a->pos[0]);
    return 0;
}

static int run(struct db *db, const char *name, const struct args *a)
{
    if (!strcmp(name, "org-create"))
        return org_create(db, a);
    if (!strcmp(name, "org-list"))
        return a->npos ? 2 : print_rows(db, "organization list",
                                        "SELECT name FROM orgs ORDER BY name", 0, NULL);
    if (!strcmp(name, "user-create"))
        return actor_create(db, a, false);
    if (!strcmp(name, "client-create"))
        return actor_create(db, a, true);
    if (!strcmp(name, "org-user-add"))
        return org_user_add(db, a);
    if (!strcmp(name, "user-list")) {
        if (a->npos)
            return 2;
        if (!a->org)
            return print_rows(db, "user list", "SELECT name FROM users ORDER BY name", 0, NULL);
        char oid[24];
        if (org_id(db, a->org, oid))
            return 1;
        const char *p[1] = { oid };
        return print_rows(db, "user list",
                          "SELECT u.name FROM users u JOIN org_users ou ON ou.user_id = u.id "
                          "WHERE ou.org_id = $1::bigint ORDER BY u.name",
                          1, p);
    }
    if (!strcmp(name, "client-list")) {
        const char *org = one_org(a);
        if (!org) {
            fprintf(stderr, "usage: pushy-ctl client-list ORG\n");
            return 2;
        }
        char oid[24];
        if (org_id(db, org, oid))
            return 1;
        const char *p[1] = { oid };
        return print_rows(db, "client list",
                          "SELECT name FROM clients WHERE org_id = $1::bigint ORDER BY name", 1, p);
    }
    if (!strcmp(name, "group-create"))
        return group_create(db, a);
    if (!strcmp(name, "group-add"))
        return group_change(db, a, true);
    if (!strcmp(name, "group-remove"))
        return group_change(db, a, false);
    if (!strcmp(name, "group-list")) {
        const char *org = one_org(a);
        if (!org) {
            fprintf(stderr, "usage: pushy-ctl group-list ORG\n");
            return 2;
        }
        char oid[24];
        if (org_id(db, org, oid))
            return 1;
        const char *p[1] = { oid };
        return print_rows(db, "group list",
                          "SELECT g.name, coalesce(string_agg(m.member_kind || ':' || "
                          "m.member_name, ' ' ORDER BY m.member_kind, m.member_name), '') "
                          "FROM groups g LEFT JOIN group_members m ON m.group_id = g.id "
                          "WHERE g.org_id = $1::bigint GROUP BY g.name ORDER BY g.name",
                          1, p);
    }
    return -1;
}

static const char *const commands[] = {
    "org-create", "org-list", "user-create", "client-create", "org-user-add", "user-list",
    "client-list", "group-create", "group-add", "group-remove", "group-list",
};

int ctl_identity_main(const struct pushy_config *cfg, int argc, char **argv)
{
    if (argc < 1)
        return -1;
    bool ours = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        ours = ours || !strcmp(argv[0], commands[i]);
    if (!ours)
        return -1;
    struct args a;
    if (parse_args(argc, argv, &a))
        return 2;
    struct db db;
    db_init(&db, cfg);
    if (!db_get(&db)) {
        fprintf(stderr, "pushy-ctl: cannot connect to the database (is pushyd running?)\n");
        return 1;
    }
    int rc = run(&db, argv[0], &a);
    if (rc == 2 && !strcmp(argv[0], "org-list"))
        fprintf(stderr, "usage: pushy-ctl org-list\n");
    if (rc == 2 && !strcmp(argv[0], "user-list"))
        fprintf(stderr, "usage: pushy-ctl user-list [--org ORG]\n");
    db_close(&db);
    return rc;
}
