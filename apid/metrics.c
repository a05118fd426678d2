#include "apid/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "apid/auth_cache.h"
#include "apid/key_cache.h"

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
                                       "OPTIONS", "other" };
#define NMETHODS (sizeof methods / sizeof methods[0])

static const unsigned codes[] = { 200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 500,
                                  501, 503, 0 /* other */ };
#define NCODES (sizeof codes / sizeof codes[0])

static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                  0.5, 1, 2.5, 5, 10 };
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

static const char *const auth_reasons[] = {
    "missing_header", "bad_version", "bad_header", "bad_timestamp", "clock_skew",
    "bad_authorization", "bad_content_hash", "bad_signature", "bad_key", "unknown_actor",
    "not_associated", "forbidden", "node_mismatch", "internal", "other",
};
#define NREASONS (sizeof auth_reasons / sizeof auth_reasons[0])

/* Row METRICS_MAX_ROUTES holds requests that matched no route. */
#define NROWS (METRICS_MAX_ROUTES + 1)

static const char *const *g_labels;
static size_t g_nlabels;
static time_t g_start;

static atomic_uint_fast64_t g_requests[NROWS][NMETHODS][NCODES];
static atomic_uint_fast64_t g_hist[NROWS][NBUCKETS]; /* non-cumulative per bucket */
static atomic_uint_fast64_t g_hist_count[NROWS];
static atomic_uint_fast64_t g_hist_sum_us[NROWS];
static atomic_uint_fast64_t g_auth[NREASONS];
static atomic_uint_fast64_t g_db_errors;

void metrics_init(const char *const *route_labels, size_t n)
{
    g_labels = route_labels;
    g_nlabels = n > METRICS_MAX_ROUTES ? METRICS_MAX_ROUTES : n;
    g_start = time(NULL);
}

static size_t method_index(const char *m)
{
    for (size_t i = 0; i + 1 < NMETHODS; i++)
        if (m && !strcmp(m, methods[i]))
            return i;
    return NMETHODS - 1;
}

static size_t code_index(unsigned c)
{
    for (size_t i = 0; i + 1 < NCODES; i++)
        if (codes[i] == c)
            return i;
    return NCODES - 1;
}

static size_t row_index(int route)
{
    return route >= 0 && (size_t)route < g_nlabels ? (size_t)route : METRICS_MAX_ROUTES;
}

void metrics_record_request(int route, const char *method, unsigned status, double seconds)
{
    size_t r = row_index(route);
    atomic_fetch_add_explicit(&g_requests[r][method_index(method)][code_index(status)], 1,
                              memory_order_relaxed);
    if (seconds < 0)
        seconds = 0;
    for (size_t b = 0; b < NBUCKETS; b++) {
        if (seconds <= buckets[b]) {
            atomic_fetch_add_explicit(&g_hist[r][b], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&g_hist_count[r], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_hist_sum_us[r], (uint_fast64_t)(seconds * 1e6),
                              memory_order_relaxed);
}

void metrics_auth_failure(const char *reason)
{
    size_t i = 0;
    for (; i + 1 < NREASONS; i++)
        if (reason && !strcmp(reason, auth_reasons[i]))
            break;
    atomic_fetch_add_explicit(&g_auth[i], 1, memory_order_relaxed);
}

void metrics_db_error(void) { atomic_fetch_add_explicit(&g_db_errors, 1, memory_order_relaxed); }

static unsigned long long load(atomic_uint_fast64_t *a)
{
    return (unsigned long long)atomic_load_explicit(a, memory_order_relaxed);
}

static const char *row_label(size_t r)
{
    return r < g_nlabels && g_labels ? g_labels[r] : "unmatched";
}

/* apid/auth_cache.h and apid/key_cache.h counters. */
static void render_caches(FILE *out)
{
    struct auth_cache_stats a;
    auth_cache_stats(&a);
    struct key_cache_stats k;
    key_cache_stats(&k);
    fprintf(out,
            "# HELP pushy_api_auth_cache_lookups_total Identity lookups of signed requests, "
            "by result (hit: answered from the auth cache).\n"
            "# TYPE pushy_api_auth_cache_lookups_total counter\n"
            "pushy_api_auth_cache_lookups_total{result=\"hit\"} %llu\n"
            "pushy_api_auth_cache_lookups_total{result=\"miss\"} %llu\n"
            "# HELP pushy_api_auth_cache_invalidations_total Identity changes notified by the "
            "database.\n"
            "# TYPE pushy_api_auth_cache_invalidations_total counter\n"
            "pushy_api_auth_cache_invalidations_total %llu\n"
            "# HELP pushy_api_auth_cache_active Whether the auth cache serves lookups (enabled "
            "and its change listener connected).\n"
            "# TYPE pushy_api_auth_cache_active gauge\n"
            "pushy_api_auth_cache_active %d\n"
            "# HELP pushy_api_key_cache_lookups_total Public key decodings asked for, by result "
            "(hit: the parsed key was cached).\n"
            "# TYPE pushy_api_key_cache_lookups_total counter\n"
            "pushy_api_key_cache_lookups_total{result=\"hit\"} %llu\n"
            "pushy_api_key_cache_lookups_total{result=\"miss\"} %llu\n",
            a.hits, a.misses, a.invalidations, a.enabled && !a.suspended ? 1 : 0, k.hits,
            k.misses);
}

int metrics_render(FILE *out, const struct metrics_db_gauges *g)
{
    fputs("# HELP pushy_api_http_requests_total HTTP requests answered, by method, route "
          "pattern and status code.\n"
          "# TYPE pushy_api_http_requests_total counter\n", out);
    for (size_t r = 0; r < NROWS; r++) {
        if (r >= g_nlabels && r != METRICS_MAX_ROUTES)
            continue;
        for (size_t m = 0; m < NMETHODS; m++)
            for (size_t c = 0; c < NCODES; c++) {
                unsigned long long v = load(&g_requests[r][m][c]);
                if (!v)
                    continue;
                char code[16];
                if (codes[c])
                    snprintf(code, sizeof code, "%u", codes[c]);
                else
                    snprintf(code, sizeof code, "other");
                fprintf(out,
                        "pushy_api_http_requests_total{method=\"%s\",route=\"%s\",code=\"%s\"} "
                        "%llu\n", methods[m], row_label(r), code, v);
            }
    }
    fputs("# HELP pushy_api_http_request_duration_seconds Time from request start to the "
          "response being queued, by route pattern.\n"
          "# TYPE pushy_api_http_request_duration_seconds histogram\n", out);
    for (size_t r = 0; r < NROWS; r++) {
        if (r >= g_nlabels && r != METRICS_MAX_ROUTES)
            continue;
        unsigned long long count = load(&g_hist_count[r]);
        if (!count)
            continue;
        unsigned long long cum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += load(&g_hist[r][b]);
            fprintf(out, "pushy_api_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    row_label(r), buckets[b], cum);
        }
        /* +Inf equals the count, read once so the series stays monotone. */
        if (cum > count)
            count = cum;
        fprintf(out, "pushy_api_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                row_label(r), count);
        fprintf(out, "pushy_api_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                row_label(r), (double)load(&g_hist_sum_us[r]) / 1e6);
        fprintf(out, "pushy_api_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                row_label(r), count);
    }
    fputs("# HELP pushy_api_auth_failures_total Requests refused by authentication or "
          "authorization, by reason.\n"
          "# TYPE pushy_api_auth_failures_total counter\n", out);
    for (size_t i = 0; i < NREASONS; i++)
        fprintf(out, "pushy_api_auth_failures_total{reason=\"%s\"} %llu\n", auth_reasons[i],
                load(&g_auth[i]));
    render_caches(out);
    fprintf(out,
            "# HELP pushy_api_db_errors_total Database queries or connections that failed.\n"
            "# TYPE pushy_api_db_errors_total counter\n"
            "pushy_api_db_errors_total %llu\n", load(&g_db_errors));
    fprintf(out,
            "# HELP pushy_api_start_time_seconds When this apid process started (unix time).\n"
            "# TYPE pushy_api_start_time_seconds gauge\n"
            "pushy_api_start_time_seconds %lld\n", (long long)g_start);
    fprintf(out,
            "# HELP pushy_api_database_up Whether the database answered this scrape.\n"
            "# TYPE pushy_api_database_up gauge\n"
            "pushy_api_database_up %d\n", g && g->db_ok ? 1 : 0);
    if (g && g->db_ok) {
        fprintf(out,
                "# HELP pushy_nodes Nodes known to the server, by liveness status.\n"
                "# TYPE pushy_nodes gauge\n"
                "pushy_nodes{status=\"up\"} %lld\n"
                "pushy_nodes{status=\"down\"} %lld\n"
                "# HELP pushy_nodes_available Nodes available for jobs.\n"
                "# TYPE pushy_nodes_available gauge\n"
                "pushy_nodes_available %lld\n"
                "# HELP pushy_organizations Organizations in the identity store.\n"
                "# TYPE pushy_organizations gauge\n"
                "pushy_organizations %lld\n",
                g->nodes_up, g->nodes_down, g->nodes_available, g->orgs);
    }
    return ferror(out) ? -1 : 0;
}
