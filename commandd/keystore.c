#include "commandd/keystore.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/hex.h"
#include "shared/log.h"

#define ROW_COLUMNS                                                                             \
    "o.id, encode(sk.session_key, 'hex'), coalesce(n.availability = 'available', false), "     \
    "coalesce(n.status = 'up', false), coalesce(n.incarnation_id, '')"

/* Fills n from one row of ROW_COLUMNS starting at column c. */
static int fill(struct cnode *n, PGresult *r, int row, int c, int64_t now_ms)
{
    unsigned char key[WIRE_SESSION_KEY_LEN];
    if (hex_decode(PQgetvalue(r, row, c + 1), key, sizeof key) != 0) {
        LOG_ERROR("keystore: session key of %s is unreadable", n->id);
        hmac256_key_clear(&n->key); /* never verify with a key the database no longer has */
        n->key_state = KEY_MISSING;
        return -1;
    }
    bool first = n->key_state == KEY_UNKNOWN && n->state == SESS_NONE;
    int rc = hmac256_key_set(&n->key, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0) {
        LOG_ERROR("keystore: session key of %s: HMAC key setup failed", n->id);
        n->key_state = KEY_MISSING;
        return -1;
    }
    n->key_state = KEY_OK;
    n->key_checked_ms = now_ms;
    n->org_id = strtoll(PQgetvalue(r, row, c), NULL, 10);
    if (first) {
        /* the row as it is before this process touches it */
        bool available = PQgetvalue(r, row, c + 2)[0] == 't';
        bool up = PQgetvalue(r, row, c + 3)[0] == 't';
        const char *inc = PQgetvalue(r, row, c + 4);
        n->persisted_available = available;
        n->resumable = available && up && inc[0] && strlen(inc) <= WIRE_INCARNATION_MAX;
        snprintf(n->db_incarnation, sizeof n->db_incarnation, "%s", n->resumable ? inc : "");
    }
    return 0;
}

bool keystore_should_load(const struct cnode *n, int64_t now_ms)
{
    if (n->key_state == KEY_UNKNOWN)
        return true;
    return now_ms - n->key_checked_ms >= KEY_RECHECK_MS;
}

int keystore_load(struct db *db, struct cnode *n, int64_t now_ms)
{
    char org[WIRE_NAME_MAX + 1];
    cnode_org(n, org);
    const char *p[2] = { org, cnode_node(n) };
    n->key_checked_ms = now_ms; /* also when the database fails: retried later */
    PGresult *r = db_exec(db, "session key lookup",
                          "SELECT " ROW_COLUMNS " FROM orgs o "
                          "JOIN session_keys sk ON sk.org_id = o.id AND sk.node_name = $2 "
                          "LEFT JOIN nodes n ON n.org_id = o.id AND n.name = $2 "
                          "WHERE o.name = $1",
                          2, p);
    if (!r)
        return -1;
    int found = 0;
    if (PQntuples(r) == 1) {
        found = fill(n, r, 0, 0, now_ms) == 0 ? 1 : -1;
    } else {
        if (n->key_state == KEY_OK)
            hmac256_key_clear(&n->key);
        n->key_state = KEY_MISSING;
        n->key_checked_ms = now_ms;
    }
    PQclear(r);
    return found;
}

long keystore_preload(struct db *db, struct sessions *t, int64_t now_ms)
{
    PGresult *r = db_exec(db, "session key preload",
                          "SELECT o.name, sk.node_name, " ROW_COLUMNS " FROM session_keys sk "
                          "JOIN orgs o ON o.id = sk.org_id "
                          "JOIN nodes n ON n.org_id = sk.org_id AND n.name = sk.node_name "
                          "WHERE n.status = 'up'",
                          0, NULL);
    if (!r)
        return -1;
    long loaded = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct cnode *n = sessions_add(t, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (!n) {
            LOG_WARN("keystore: skipped node %s/%s (invalid name or out of memory)",
                     PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
            continue;
        }
        if (n->key_state == KEY_UNKNOWN && fill(n, r, i, 2, now_ms) == 0)
            loaded++;
    }
    PQclear(r);
    return loaded;
}
