/* How many events one stored row of a job's events holds at most
 * (job_event_batches, migration 051): jobrunner splits a job's events of a
 * flush into rows of this many (jobrunner/batch.c), and apid's job feed
 * reads this many per page (apid/sse.c), so a page reads a bounded number
 * of rows. Migration 051 uses the same figure (500) for converted rows. */
#ifndef PUSHY_EVENT_ROWS_H
#define PUSHY_EVENT_ROWS_H

#define EVENT_ROW_MAX 500

#endif
