/* Persists node availability (the abort/aborted handshake's outcome) for
 * commandd: only transitions, batched, one statement per flush. An
 * 'available' row also records the client incarnation that completed the
 * handshake (nodes.incarnation_id). */
#ifndef PUSHY_COMMANDD_AVAIL_DB_H
#define PUSHY_COMMANDD_AVAIL_DB_H

#include "commandd/sessions.h"
#include "shared/db.h"

#define AVAIL_BATCH 1000

/* Writes up to AVAIL_BATCH pending transitions in one transaction. Returns
 * how many were written, 0 when nothing was pending, -1 on a database error
 * (the transitions stay pending). */
int avail_flush(struct db *db, struct sessions *t);

#endif
