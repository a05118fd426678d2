/* Chef's trusted_certs_dir for HTTPS: the CA certificates in a directory
 * are trusted in addition to the system's (Chef::HTTP's DefaultSSLPolicy
 * adds every `*.crt` and `*.pem` file of trusted_certs_dir to the default
 * store). libcurl's CAPATH needs OpenSSL hash names, which such a
 * directory does not have, so the files are read here into one PEM bundle
 * that is given to libcurl with CURLOPT_CAINFO_BLOB; since that blob
 * replaces libcurl's default CA file, the bundle starts with that file.
 *
 * Each file must hold PEM certificates (all are taken; a damaged block is
 * an error, not the end of the file) or one DER
 * certificate, at most CA_BUNDLE_FILE_MAX bytes; anything else is an
 * error naming the file (Chef fails too: every request would). A missing
 * directory is no error (Chef ignores it too): the result is then the
 * system file alone. */
#ifndef PUSHY_SHARED_CA_BUNDLE_H
#define PUSHY_SHARED_CA_BUNDLE_H

#include <stddef.h>

#define CA_BUNDLE_FILE_MAX (1 << 20)
#define CA_BUNDLE_MAX_FILES 1000

struct ca_bundle {
    char *pem;     /* NUL-terminated (not counted in len) */
    size_t len;
    int ncerts;    /* certificates taken from the directory */
    int nfiles;    /* files read from the directory */
    int dir_missing;
    int no_system_ca; /* no system CA file was read: used as the only CA
                       * set, the bundle trusts the directory alone
                       * (callers warn) */
};

/* Reads system_ca (may be NULL; a missing file is skipped) then dir's
 * *.crt and *.pem files in name order. 0, or -1 with a message. */
int ca_bundle_build(const char *dir, const char *system_ca, struct ca_bundle *out, char *err,
                    size_t errlen);

/* The CA file this libcurl uses by default (CURLINFO_CAINFO), copied into
 * out; "" when it has none. */
void ca_bundle_system_file(char *out, size_t cap);

void ca_bundle_free(struct ca_bundle *b);

#endif
