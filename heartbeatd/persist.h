/* heartbeatd and the database: node status is written on transitions
 * only, in one statement (one transaction) per tick for every transition
 * of that tick; at start the last known state is loaded back so a node's
 * status survives a heartbeatd restart. */
#ifndef PUSHY_HEARTBEATD_PERSIST_H
#define PUSHY_HEARTBEATD_PERSIST_H

#include <stdint.h>

#include "heartbeatd/tracker.h"
#include "shared/db.h"

#define PERSIST_BATCH 5000

/* Loads every node: up ones get a fresh grace window, all give their client
 * incarnation as restart baseline. Returns the number of up nodes, or -1. */
long persist_load(struct db *db, struct tracker *t, int64_t now_ms, int64_t wall_ms);
/* Writes up to PERSIST_BATCH pending transitions in one statement. Returns
 * how many were written (0: none pending), -1 on error (they stay pending). */
int persist_flush(struct db *db, struct tracker *t);

#endif
