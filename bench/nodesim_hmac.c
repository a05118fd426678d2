#include "bench/nodesim_hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

EVP_MAC_CTX *nsh_new(const unsigned char key[WIRE_SESSION_KEY_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac)
        return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (!ctx)
        return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                            OSSL_PARAM_construct_end() };
    if (!EVP_MAC_init(ctx, key, WIRE_SESSION_KEY_LEN, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int nsh_mac(EVP_MAC_CTX *ctx, const void *body, size_t len, unsigned char mac[WIRE_HMAC_LEN])
{
    /* a NULL key restarts with the key already set (OpenSSL 3 HMAC) */
    const unsigned char *data = len ? body : (const unsigned char *)"";
    size_t outl = 0;
    if (!ctx || !EVP_MAC_init(ctx, NULL, 0, NULL) || !EVP_MAC_update(ctx, data, len) ||
        !EVP_MAC_final(ctx, mac, &outl, WIRE_HMAC_LEN) || outl != WIRE_HMAC_LEN)
        return -1;
    return 0;
}

bool nsh_verify(EVP_MAC_CTX *ctx, const void *body, size_t len, const unsigned char *sig,
                size_t sig_len)
{
    unsigned char mac[WIRE_HMAC_LEN];
    if (sig_len != WIRE_HMAC_LEN || nsh_mac(ctx, body, len, mac) != 0)
        return false;
    bool good = CRYPTO_memcmp(mac, sig, WIRE_HMAC_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return good;
}
