#include "shared/server_keys.h"

#include <errno.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "shared/fsutil.h"

static void key_paths(const struct pushy_config *cfg, char *rsa, char *curve, size_t len)
{
    snprintf(rsa, len, "%s/server_rsa_key.pem", cfg->data_dir);
    snprintf(curve, len, "%s/server_curve.key", cfg->data_dir);
}

static int create_rsa(const char *path, char *err, size_t errlen)
{
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    if (!pkey) {
        snprintf(err, errlen, "RSA key generation failed");
        return -1;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = bio && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    EVP_PKEY_free(pkey);
    char *data = NULL;
    long len = ok ? BIO_get_mem_data(bio, &data) : 0;
    int rc = -1;
    if (!ok || len <= 0)
        snprintf(err, errlen, "cannot encode RSA key");
    else if (write_file_atomic(path, data, (size_t)len, 0600))
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
    else
        rc = 0;
    BIO_free(bio);
    return rc;
}

static int create_curve(const char *path, char *err, size_t errlen)
{
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec)) {
        snprintf(err, errlen, "CURVE key generation failed: %s", zmq_strerror(errno));
        return -1;
    }
    char text[100];
    int n = snprintf(text, sizeof text, "%s\n%s\n", pub, sec);
    if (write_file_atomic(path, text, (size_t)n, 0600)) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int server_keys_ensure(const struct pushy_config *cfg, char *err, size_t errlen)
{
    char rsa[CONFIG_STR_MAX + 32], curve[CONFIG_STR_MAX + 32];
    key_paths(cfg, rsa, curve, sizeof rsa);
    if (access(rsa, F_OK) && create_rsa(rsa, err, errlen))
        return -1;
    if (access(curve, F_OK) && create_curve(curve, err, errlen))
        return -1;
    return 0;
}

int server_keys_load(const struct pushy_config *cfg, struct server_keys *keys, char *err, size_t errlen)
{
    memset(keys, 0, sizeof *keys);
    char rsa[CONFIG_STR_MAX + 32], curve[CONFIG_STR_MAX + 32];
    key_paths(cfg, rsa, curve, sizeof rsa);

    FILE *f = fopen(rsa, "r");
    if (!f) {
        snprintf(err, errlen, "open %s: %s", rsa, strerror(errno));
        return -1;
    }
    keys->rsa = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!keys->rsa || EVP_PKEY_get_base_id(keys->rsa) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "%s: not an RSA private key", rsa);
        goto fail;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len = 0;
    if (!bio || PEM_write_bio_PUBKEY(bio, keys->rsa) != 1 || (len = BIO_get_mem_data(bio, &data)) <= 0 ||
        !(keys->rsa_public_pem = strndup(data, (size_t)len))) {
        BIO_free(bio);
        snprintf(err, errlen, "cannot encode the server public key");
        goto fail;
    }
    BIO_free(bio);

    size_t clen = 0;
    char *text = read_file(curve, 4096, &clen);
    if (!text) {
        snprintf(err, errlen, "read %s: %s", curve, strerror(errno));
        goto fail;
    }
    char *nl = strchr(text, '\n');
    bool ok = nl && nl - text == CURVE_Z85_LEN && clen >= 2 * CURVE_Z85_LEN + 1;
    if (ok) {
        memcpy(keys->curve_public, text, CURVE_Z85_LEN);
        memcpy(keys->curve_secret, nl + 1, CURVE_Z85_LEN);
        uint8_t raw[32];
        ok = zmq_z85_decode(raw, keys->curve_public) && zmq_z85_decode(raw, keys->curve_secret);
    }
    free(text);
    if (!ok) {
        snprintf(err, errlen, "%s: malformed CURVE key file", curve);
        goto fail;
    }
    return 0;
fail:
    server_keys_free(keys);
    return -1;
}

void server_keys_free(struct server_keys *keys)
{
    EVP_PKEY_free(keys->rsa);
    free(keys->rsa_public_pem);
    memset(keys, 0, sizeof *keys);
}

int uuid_v4(char out[37])
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

const char *server_incarnation_id(void)
{
    static char local[37];
    const char *env = getenv("PUSHY_INCARNATION_ID");
    if (env && strlen(env) == 36)
        return env;
    if (!local[0] && uuid_v4(local))
        snprintf(local, sizeof local, "00000000-0000-4000-8000-000000000000");
    return local;
}
