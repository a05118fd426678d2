/* apid's Prometheus metrics: lock-free counters (C11 atomics) updated by
 * every request, rendered in the text exposition format 0.0.4. */
#ifndef PUSHY_APID_METRICS_H
#define PUSHY_APID_METRICS_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_MAX_ROUTES 32

/* Route labels (the route patterns), index = route table index. Call once
 * before serving; the strings must outlive the process. */
void metrics_init(const char *const *route_labels, size_t n);

/* route: table index or -1 for a request that matched no route. */
void metrics_record_request(int route, const char *method, unsigned status, double seconds);

/* reason: a short label ("bad_signature", "unknown_actor", ...). */
void metrics_auth_failure(const char *reason);
void metrics_db_error(void);

/* Gauges read from the database at scrape time; db_ok false when it could
 * not be read (then only pushy_api_database_up 0 is written). */
struct metrics_db_gauges {
    int db_ok;
    long long nodes_up, nodes_down, nodes_available;
    long long orgs;
};

/* Writes every metric to out. 0 or -1 on a write error. */
int metrics_render(FILE *out, const struct metrics_db_gauges *g);

#endif
