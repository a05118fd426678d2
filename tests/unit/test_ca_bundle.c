/* trusted_certs_dir bundles (shared/ca_bundle.c): the system file first,
 * then every *.crt / *.pem certificate (PEM or DER), validated. */
#include <criterion/criterion.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/ca_bundle.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pushy-ca-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    static const char *const names[] = { "a.pem", "b.crt", "notes.txt", ".hidden.pem", "c.pem",
                                         "sys.pem", "big.crt" };
    char p[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

TestSuite(ca_bundle, .init = setup, .fini = teardown);

/* A self-signed certificate named cn. */
static X509 *make_cert(const char *cn)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    cr_assert_not_null(key);
    X509 *x = X509_new();
    cr_assert_not_null(x);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, key);
    cr_assert_gt(X509_sign(x, key, EVP_sha256()), 0);
    EVP_PKEY_free(key);
    return x;
}

static void write_file(const char *name, const void *data, size_t len)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static void write_pem(const char *name, X509 *const *certs, int n)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < n; i++)
        cr_assert_eq(PEM_write_X509(f, certs[i]), 1);
    cr_assert_eq(fclose(f), 0);
}

/* The CNs of the certificates in a PEM text, ";"-joined. */
static const char *cns(const char *pem, size_t len)
{
    static char out[512];
    out[0] = '\0';
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
        strncat(out, cn, sizeof out - strlen(out) - 2);
        strcat(out, ";");
        X509_free(x);
    }
    BIO_free(b);
    return out;
}

Test(ca_bundle, pem_der_order_and_system_first)
{
    X509 *a1 = make_cert("a1"), *a2 = make_cert("a2"), *b = make_cert("b"), *s = make_cert("sys");
    X509 *pair[2] = { a1, a2 };
    write_pem("a.pem", pair, 2);
    unsigned char *der = NULL;
    int dlen = i2d_X509(b, &der);
    cr_assert_gt(dlen, 0);
    write_file("b.crt", der, (size_t)dlen);
    OPENSSL_free(der);
    write_file("notes.txt", "not a cert", 10);
    write_file(".hidden.pem", "not a cert", 10);
    char sys[160];
    snprintf(sys, sizeof sys, "%s/sys.pem", dir);
    write_pem("sys.pem", &s, 1); /* *.pem in the dir too: read twice, harmless */
    struct ca_bundle cb;
    char err[256] = "";
    cr_assert_eq(ca_bundle_build(dir, sys, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cb.nfiles, 3);
    cr_expect_eq(cb.ncerts, 4);
    cr_expect_eq(cb.dir_missing, 0);
    cr_expect_eq(strlen(cb.pem), cb.len);
    cr_expect_str_eq(cns(cb.pem, cb.len), "sys;a1;a2;b;sys;");
    ca_bundle_free(&cb);
    /* no system file: only the directory's */
    cr_assert_eq(ca_bundle_build(dir, NULL, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(cns(cb.pem, cb.len), "a1;a2;b;sys;");
    ca_bundle_free(&cb);
    X509_free(a1);
    X509_free(a2);
    X509_free(b);
    X509_free(s);
}

Test(ca_bundle, bad_file_is_named)
{
    X509 *a = make_cert("a");
    write_pem("a.pem", &a, 1);
    write_file("c.pem", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", 58);
    struct ca_bundle cb;
    char err[256] = "";
    cr_expect_eq(ca_bundle_build(dir, NULL, &cb, err, sizeof err), -1);
    cr_expect(strstr(err, "c.pem") && strstr(err, "not a PEM or DER"), "%s", err);
    cr_expect_null(cb.pem);
    X509_free(a);
}

Test(ca_bundle, too_big_file)
{
    size_t n = CA_BUNDLE_FILE_MAX + 1;
    char *junk = calloc(1, n);
    cr_assert_not_null(junk);
    write_file("big.crt", junk, n);
    free(junk);
    struct ca_bundle cb;
    char err[256] = "";
    cr_expect_eq(ca_bundle_build(dir, NULL, &cb, err, sizeof err), -1);
    cr_expect(strstr(err, "big.crt") && strstr(err, "larger than"), "%s", err);
}

Test(ca_bundle, missing_dir_keeps_system_file)
{
    X509 *s = make_cert("sys");
    write_pem("sys.pem", &s, 1);
    char sys[160], missing[160];
    snprintf(sys, sizeof sys, "%s/sys.pem", dir);
    snprintf(missing, sizeof missing, "%s/nope", dir);
    struct ca_bundle cb;
    char err[256] = "";
    cr_assert_eq(ca_bundle_build(missing, sys, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cb.dir_missing, 1);
    cr_expect_eq(cb.ncerts, 0);
    cr_expect_str_eq(cns(cb.pem, cb.len), "sys;");
    ca_bundle_free(&cb);
    /* a missing system file is skipped too */
    cr_assert_eq(ca_bundle_build(dir, missing, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(cns(cb.pem, cb.len), "sys;");
    ca_bundle_free(&cb);
    X509_free(s);
}

Test(ca_bundle, system_file_of_libcurl)
{
    char path[1024];
    ca_bundle_system_file(path, sizeof path);
    /* Debian's libcurl names its CA file; other builds may have none */
    if (path[0])
        cr_expect_eq(path[0], '/', "%s", path);
}

/* A good certificate followed by a damaged block: an error, not the good
 * one alone. */
Test(ca_bundle, damaged_block_after_a_good_one)
{
    X509 *a = make_cert("a");
    char p[160];
    snprintf(p, sizeof p, "%s/c.pem", dir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    cr_assert_eq(PEM_write_X509(f, a), 1);
    fputs("-----BEGIN CERTIFICATE-----\nnope!\n-----END CERTIFICATE-----\n", f);
    cr_assert_eq(fclose(f), 0);
    struct ca_bundle cb;
    char err[256] = "";
    cr_expect_eq(ca_bundle_build(dir, NULL, &cb, err, sizeof err), -1);
    cr_expect(strstr(err, "c.pem") != NULL, "%s", err);
    X509_free(a);
}

/* Whether the system CAs made it into the bundle (else callers warn). */
Test(ca_bundle, no_system_ca_flag)
{
    X509 *s = make_cert("sys");
    write_pem("sys.pem", &s, 1);
    char sys[160], missing[160];
    snprintf(sys, sizeof sys, "%s/sys.pem", dir);
    snprintf(missing, sizeof missing, "%s/nope.pem", dir);
    struct ca_bundle cb;
    char err[256] = "";
    cr_assert_eq(ca_bundle_build(dir, sys, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cb.no_system_ca, 0);
    ca_bundle_free(&cb);
    cr_assert_eq(ca_bundle_build(dir, missing, &cb, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cb.no_system_ca, 1);
    ca_bundle_free(&cb);
    cr_assert_eq(ca_bundle_build(dir, "", &cb, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cb.no_system_ca, 1);
    ca_bundle_free(&cb);
    X509_free(s);
}
