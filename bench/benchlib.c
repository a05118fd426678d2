#include "bench/benchlib.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "shared/chef_auth.h"

int64_t bl_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t bl_now_ms(void) { return bl_now_us() / 1000; }

long bl_raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if ((long)rl.rlim_cur >= want)
        return (long)rl.rlim_cur;
    struct rlimit nl = rl;
    nl.rlim_cur = (rlim_t)want;
    if ((long)nl.rlim_max < want)
        nl.rlim_max = (rlim_t)want;
    if (setrlimit(RLIMIT_NOFILE, &nl) != 0) {
        /* not privileged: as far as the hard limit goes */
        nl.rlim_max = rl.rlim_max;
        nl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &nl) != 0)
            return (long)rl.rlim_cur;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    return (long)rl.rlim_cur;
}

int bl_sign_curl(int version, EVP_PKEY *key, const char *user, const char *method, const char *path,
                 const char *body, size_t body_len, struct curl_slist **list, char *err,
                 size_t errlen)
{
    chef_auth_headers h = { 0 };
    if (chef_auth_sign((chef_auth_version)version, user, key, method, path, body ? body : "", body_len,
                       time(NULL), NULL, &h, err, errlen) != CHEF_AUTH_OK) {
        chef_auth_headers_free(&h);
        return -1;
    }
    int rc = 0;
    char line[1024];
    for (size_t i = 0; i < h.count && rc == 0; i++) {
        snprintf(line, sizeof line, "%s: %s", h.items[i].name, h.items[i].value);
        struct curl_slist *n = curl_slist_append(*list, line);
        if (!n)
            rc = -1;
        else
            *list = n;
    }
    const char *extra[] = { "Accept: application/json", "X-Chef-Version: 18.0.0",
                            body_len ? "Content-Type: application/json" : NULL };
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        if (!extra[i])
            continue;
        struct curl_slist *n = curl_slist_append(*list, extra[i]);
        if (!n)
            rc = -1;
        else
            *list = n;
    }
    chef_auth_headers_free(&h);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bl_percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    /* nearest rank */
    double rank = p / 100.0 * (double)n;
    size_t i = rank <= 1 ? 0 : (size_t)(rank + 0.999999) - 1;
    if (i >= n)
        i = n - 1;
    return v[i];
}

int bl_uuid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return 0;
}

int bl_proc_usage(int pid, double *cpu_s, long *rss_kb)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* fields after ") ": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!(f = fopen(path, "r")))
        return -1;
    *rss_kb = -1;
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "VmRSS: %ld", rss_kb) == 1)
            break;
    fclose(f);
    return 0;
}
