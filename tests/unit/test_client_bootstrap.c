/* The signed config request (client/bootstrap.c): URL, escaping, and a
 * signature that the server-side verifier accepts. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "client/bootstrap.h"
#include "shared/chef_auth.h"

Test(client_bootstrap, url_escape)
{
    char out[200];
    cr_assert_eq(pc_url_escape("aZ09-._~", out, sizeof out), 0);
    cr_expect_str_eq(out, "aZ09-._~");
    cr_assert_eq(pc_url_escape("a+b/c=d&e?f%g h:!*#", out, sizeof out), 0);
    cr_expect_str_eq(out, "a%2Bb%2Fc%3Dd%26e%3Ff%25g%20h%3A%21%2A%23");
    cr_expect_eq(pc_url_escape("abc", out, 3), -1);
    cr_expect_eq(pc_url_escape("a&", out, 3), -1);
    cr_expect_eq(pc_url_escape("", out, 1), 0);
}

Test(client_bootstrap, config_url)
{
    char url[512];
    const char *path;
    cr_assert_eq(pc_config_url("https://chef.example.com:8443/organizations/acme", "web1",
                               "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", url, sizeof url, &path),
                 0);
    cr_expect_str_eq(url, "https://chef.example.com:8443/organizations/acme/pushy/config/web1"
                          "?ccpk=rq%3ArM%3E%7DU%3F%40Lns47E1%25kR.o%40n%25FcmmsL%2F%40%7BH8%5Dyf7"
                          "&version=2.0");
    cr_expect(strncmp(path, "/organizations/acme/pushy/config/web1?", 38) == 0, "%s", path);
    cr_expect_eq(pc_config_url("nohost", "n", "k", url, sizeof url, &path), -1);
    cr_expect_eq(pc_config_url("https://h/organizations/o", "n", "k", url, 20, &path), -1);
}

static const char *hget(void *ctx, const char *name)
{
    struct pc_request_headers *h = ctx;
    size_t n = strlen(name);
    for (int i = 0; h->lines[i]; i++)
        if (strncasecmp(h->lines[i], name, n) == 0 && h->lines[i][n] == ':')
            return h->lines[i] + n + 2;
    return NULL;
}

Test(client_bootstrap, signature_verifies)
{
    char *priv_pem, *pub_pem, err[256] = "";
    cr_assert_eq(chef_auth_generate_keypair(2048, &priv_pem, &pub_pem), 0); /* 1.0 needs it */
    EVP_PKEY *priv = chef_auth_load_private_key_pem(priv_pem, strlen(priv_pem), err, sizeof err);
    EVP_PKEY *pub = chef_auth_load_public_key_pem(pub_pem, strlen(pub_pem), err, sizeof err);
    cr_assert(priv && pub);
    const char *path = "/organizations/o/pushy/config/n1?ccpk=abc&version=2.0";
    chef_auth_version versions[] = { CHEF_AUTH_V1_0, CHEF_AUTH_V1_1, CHEF_AUTH_V1_3 };
    for (int i = 0; i < 3; i++) {
        struct pc_request_headers h;
        cr_assert_eq(pc_sign_get(path, "n1", priv, versions[i], 1795593600, &h, err, sizeof err),
                     0, "%s", err);
        cr_expect_str_eq(h.lines[0], "Accept: application/json");
        chef_auth_request req;
        cr_assert_eq(chef_auth_parse_request(hget, &h, "GET", path, "", 0, 1795593600 + 10, 900,
                                             &req, err, sizeof err),
                     CHEF_AUTH_OK, "%s", err);
        cr_expect_str_eq(req.user_id, "n1");
        cr_expect_eq(req.version, versions[i]);
        cr_expect_eq(chef_auth_verify_signature(&req, pub, err, sizeof err), CHEF_AUTH_OK, "%s",
                     err);
        chef_auth_request_free(&req);
        pc_request_headers_free(&h);
    }
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    free(priv_pem);
    free(pub_pem);
}
