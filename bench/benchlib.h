/* Small helpers shared by the benchmark programs (nodesim, apiload):
 * clocks, file-descriptor limits, Chef request signing into libcurl header
 * lists, percentiles. Built into libbench (Makefile convention). */
#ifndef PUSHY_BENCH_BENCHLIB_H
#define PUSHY_BENCH_BENCHLIB_H

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic clock. */
int64_t bl_now_us(void);
int64_t bl_now_ms(void);

/* Raises RLIMIT_NOFILE (soft, and hard when allowed) to at least want.
 * Returns the soft limit in force afterwards, or -1. */
long bl_raise_nofile(long want);

/* Signs METHOD path (a query string is allowed and not signed) with X-Ops-Sign
 * version (a chef_auth_version: 1.1 as knife does; 1.3 for keys smaller than
 * 2048 bits, which cannot hold a 1.0/1.1 canonical request) as user and appends the X-Ops-* headers, plus Accept and (with a body)
 * Content-Type, to *list. 0, or -1 with a message in err. */
int bl_sign_curl(int version, EVP_PKEY *key, const char *user, const char *method, const char *path,
                 const char *body, size_t body_len, struct curl_slist **list, char *err,
                 size_t errlen);

/* p in [0,100] of v[0..n) (sorted in place); 0 when n is 0. */
double bl_percentile(double *v, size_t n, double p);

/* A random version-4 UUID into out[37]. 0 or -1. */
int bl_uuid(char out[37]);

/* Reads /proc/PID/stat: user+system CPU in clock ticks converted to
 * seconds, and RSS in KiB from /proc/PID/status. 0 or -1. */
int bl_proc_usage(int pid, double *cpu_s, long *rss_kb);

#endif
