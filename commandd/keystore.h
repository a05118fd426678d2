/* commandd's session-key cache: HMAC keys of nodes from session_keys
 * (written by apid's config/NODE), loaded into the node table on first use
 * and kept; a key is re-read when a signature fails with a key older than
 * KEY_RECHECK_MS (a re-issued key), and a missing key is asked again after
 * KEY_RECHECK_MS at the earliest. With the key comes the node's row
 * (availability, status, incarnation) for resuming sessions after a
 * restart (see sessions.h). */
#ifndef PUSHY_COMMANDD_KEYSTORE_H
#define PUSHY_COMMANDD_KEYSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "commandd/sessions.h"
#include "shared/db.h"

#define KEY_RECHECK_MS 5000

/* Whether the key of n should be (re)read now. */
bool keystore_should_load(const struct cnode *n, int64_t now_ms);
/* Reads n's key: 1 found (KEY_OK), 0 none (KEY_MISSING), -1 database error
 * (state unchanged). */
int keystore_load(struct db *db, struct cnode *n, int64_t now_ms);
/* Loads the keys of every node the database says is up (the nodes about to
 * reconnect after a restart) in one query. Number loaded, or -1. */
long keystore_preload(struct db *db, struct sessions *t, int64_t now_ms);

#endif
