#include "shared/ca_bundle.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/errbuf.h"

/* Appends n bytes to out's growing buffer. 0 or -1. */
static int append(struct ca_bundle *b, const char *s, size_t n)
{
    char *p = realloc(b->pem, b->len + n + 1);
    if (!p)
        return -1;
    memcpy(p + b->len, s, n);
    b->pem = p;
    b->len += n;
    b->pem[b->len] = '\0';
    return 0;
}

/* Reads a regular file of at most max bytes. malloc'd (NUL-terminated), or
 * NULL with errno (EFBIG when too large, EINVAL when not a regular file). */
static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    int e = 0;
    if (fstat(fileno(f), &st) != 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    else if ((size_t)st.st_size > max)
        e = EFBIG;
    if (e) {
        fclose(f);
        errno = e;
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The PEM encoding of x appended to b. 0 or -1. */
static int append_cert(struct ca_bundle *b, X509 *x)
{
    BIO *mem = BIO_new(BIO_s_mem());
    if (!mem || PEM_write_bio_X509(mem, x) != 1) {
        BIO_free(mem);
        return -1;
    }
    char *data;
    long n = BIO_get_mem_data(mem, &data);
    int rc = n > 0 ? append(b, data, (size_t)n) : -1;
    BIO_free(mem);
    return rc;
}

/* The certificates of one file (PEM, all of them; else one DER) appended
 * to b. How many, or -1 when the file holds none. */
static int add_file(struct ca_bundle *b, const char *data, size_t len)
{
    int n = 0;
    BIO *in = BIO_new_mem_buf(data, (int)len);
    if (!in)
        return -1;
    X509 *x;
    while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        int rc = append_cert(b, x);
        X509_free(x);
        if (rc != 0) {
            BIO_free(in);
            return -1;
        }
        n++;
    }
    BIO_free(in);
    /* The end of the PEM data is reported as "no start line"; any other
     * error is a damaged block, which must not silently drop the
     * certificates after it. */
    unsigned long e = ERR_peek_last_error();
    bool clean_end = e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
                                ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
    ERR_clear_error();
    if (n > 0)
        return clean_end ? n : -1;
    const unsigned char *p = (const unsigned char *)data;
    x = d2i_X509(NULL, &p, (long)len);
    ERR_clear_error();
    if (!x || p != (const unsigned char *)data + len) {
        X509_free(x);
        return -1;
    }
    int rc = append_cert(b, x);
    X509_free(x);
    return rc == 0 ? 1 : -1;
}

static int wanted(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 &&
           (strcmp(name + n - 4, ".crt") == 0 || strcmp(name + n - 4, ".pem") == 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The wanted names of dir, sorted. 0 (*names may be NULL when none), -1. */
static int list_dir(const char *dir, char ***names, size_t *count, int *missing, char *err,
                    size_t errlen)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            *missing = 1;
            return 0;
        }
        return errbuf_fail(err, errlen, "trusted_certs_dir %s: %s", dir, strerror(errno));
    }
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!wanted(e->d_name))
            continue;
        if (*count >= CA_BUNDLE_MAX_FILES) {
            rc = errbuf_fail(err, errlen, "trusted_certs_dir %s: more than %d certificate files",
                             dir, CA_BUNDLE_MAX_FILES);
            break;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(*names, cap * sizeof *v);
            if (!v) {
                rc = errbuf_fail(err, errlen, "out of memory");
                break;
            }
            *names = v;
        }
        if (!((*names)[*count] = strdup(e->d_name))) {
            rc = errbuf_fail(err, errlen, "out of memory");
            break;
        }
        (*count)++;
    }
    closedir(d);
    if (*count > 1)
        qsort(*names, *count, sizeof **names, by_name);
    return rc;
}

int ca_bundle_build(const char *dir, const char *system_ca, struct ca_bundle *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (append(out, "", 0) != 0)
        return errbuf_fail(err, errlen, "out of memory");
    size_t len;
    if (system_ca && system_ca[0]) {
        char *sys = slurp(system_ca, 64u << 20, &len);
        if (sys) {
            int rc = append(out, sys, len) || append(out, "\n", 1);
            free(sys);
            if (rc) {
                ca_bundle_free(out);
                return errbuf_fail(err, errlen, "out of memory");
            }
        } else if (errno != ENOENT) {
            int e = errno;
            ca_bundle_free(out);
            return errbuf_fail(err, errlen, "system CA file %s: %s", system_ca, strerror(e));
        }
    }
    out->no_system_ca = out->len == 0;
    char **names;
    size_t count;
    int rc = list_dir(dir, &names, &count, &out->dir_missing, err, errlen);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path) {
            rc = errbuf_fail(err, errlen, "trusted_certs_dir %s: path too long", dir);
            break;
        }
        char *data = slurp(path, CA_BUNDLE_FILE_MAX, &len);
        if (!data) {
            rc = errbuf_fail(err, errlen, "trusted certificate %s: %s", path,
                             errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
            break;
        }
        int n = add_file(out, data, len);
        free(data);
        if (n < 0) {
            rc = errbuf_fail(err, errlen, "trusted certificate %s: not a PEM or DER X.509 "
                                          "certificate", path);
            break;
        }
        out->ncerts += n;
        out->nfiles++;
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    if (rc != 0)
        ca_bundle_free(out);
    return rc;
}

void ca_bundle_system_file(char *out, size_t cap)
{
    out[0] = '\0';
    CURL *e = curl_easy_init();
    if (!e)
        return;
    char *path = NULL;
    if (curl_easy_getinfo(e, CURLINFO_CAINFO, &path) == CURLE_OK && path &&
        strlen(path) < cap)
        snprintf(out, cap, "%s", path);
    curl_easy_cleanup(e);
}

void ca_bundle_free(struct ca_bundle *b)
{
    free(b->pem);
    memset(b, 0, sizeof *b);
}
