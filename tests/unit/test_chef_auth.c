/* Unit tests for shared/chef_auth: canonical requests, header parsing and
 * signatures, checked against vectors made by Chef's own Ruby library
 * (mixlib-authentication 3.0.6, via tests/fixtures/mixlib_sign.rb) and
 * constants from chef_authn's test suite. */
#include "shared/chef_auth.h"

#include <criterion/criterion.h>
#include <openssl/pem.h>

#include <ctype.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- fixtures ---- */

/* tests/fixtures/chef_auth_test_key.pem (made with Ruby's
 * OpenSSL::PKey::RSA.new(2048).to_pem) and other encodings of it. */
static const char TEST_KEY_PEM[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEogIBAAKCAQEA8P+JNHexLD8j3PbBheyjjJFq9X/cGPr1o3GKeJ7zro61G4H8\n"
    "TDm+n4xOzgnhsyDDNtStxiUHmojDanyQR35aCPmulc1RUDxcTStnHkrPTWBnUBUF\n"
    "S5/7BUHS75W43wvgTM2bC4TRCmBR/UX30rCQtNaTAGkEyYMLLIPt4eWKSlg3Obgc\n"
    "ZxzHWtlrhiJK5d6Y0eOh421MWzcUoaJ9znbIbgL/+7bViQpPyjdWI8WdSNKKOmuL\n"
    "bBfFLuyAe6WnqzEShYRCnKqVm9aKFapoJi4+eE+2awgEdzSAYkeJmATFvwuAFsPS\n"
    "TyYSjh0/wNPvGkIUOt+2nZo5LmBle0su2Am7DwIDAQABAoIBAFhxt3VZbdyqqWs4\n"
    "5cnUECuQ3JuPWoOSal6a1zIwR4bq2Z1oRWLmGEauc+daqgmWvv3a7JFY2qMEiQ8F\n"
    "+t86CCneFAvnB232UPuDL7tmwhCIDjJOHJzl7/Y8c4C4xlmZHq6hEEMYca0orz5P\n"
    "lMUuRlUPoHBYmkin/oxOOJmcJ3XjlrImceO7kCQMAUzZP8lyMXgkYCYsV5Pa3ezx\n"
    "6/72EFniFYKBoptWwgrvl3osMseG/ZlAVONOfGfu7W2Ayh/BQGRShO5TtF24uXb2\n"
    "isFmAJF+kuSl2/2c2VQjNXzhjwzOCdJekz6sG4L+lNXwMPMt53J+f+3TmmDtrj9d\n"
    "wHro9zUCgYEA/3kqfCeQBqsvphX1zwK+hqsm8Wt1XzJf34+UZMNBOp8img6D+hKz\n"
    "8XRfzjx1SBWeHhFXul5AUwN9c7X5zUA9V/zKK7TzHdHZDOdsgGa7heGUi+86bvwq\n"
    "ebCtFToSwSj5EkdBs+MNq0Y789OFV+SBTcaYBHMjhglB7IG5y3qwhd0CgYEA8X66\n"
    "9SWXC+555Z2zw/nL/atFNDZKc12OByvIZxXn1a+6Y+MmO4SLAkDmFPf9pZGz/4F1\n"
    "i/gF6MpoDDgrgjIpytsJXKv3UtGHxuR4KXPsD5+XMOZD54+P6lwrlk3JnVvHtpgT\n"
    "ifWi7PHjOZUG3PR8lDCYtlcQ+B86H5OuDbkCI9sCgYAazr8bihc96+azGejSUSpm\n"
    "/Ty35pvJYoLW9b0PmcGVgi9iVRWaPy4srxaCkKuJ5eLSquU2xD8htuMKKlVNKWmG\n"
    "extH3NQKFAQfq4UiMCWLVfF9gZvzG3jljhmLea2QIVmJhnqpgrDjgRo3asG6SFsd\n"
    "KzK2fNKEdSI6zB4P8Q7m7QKBgEPZdFOeDRMYHH1r0m70RuDtdtMVkdNZ7KaNIY/8\n"
    "8pbx+W9JCZvdQGUQsNQhXM1g426dA9agh6CBBbyxJ2A8EcvhwH6d/i3xmrFBzZTv\n"
    "8dnt37+oYlmz1x5kaQagsk2Y1MKzdYHkVrM1vr6V5Ui9FCdag/1u9uCPfXgTuOo4\n"
    "GabTAoGAOvHl2S3fQ0/nWocG56LXyJXRazkOmbUgKm24Gvo/Hm6AgcKQwBn1TDUX\n"
    "N0j+zeC79uXIv1NhvK7ns/br3mIjCaS1lJ1BcHSsPUzmR71NSgxPTKzsyOtzchm1\n"
    "CvYtp/hFu8LIFx/NBkREvssd1p7FMZmo1CLcUFi+hJygd/385wU=\n"
    "-----END RSA PRIVATE KEY-----\n";
static const char TEST_KEY_PKCS8_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDw/4k0d7EsPyPc\n"
    "9sGF7KOMkWr1f9wY+vWjcYp4nvOujrUbgfxMOb6fjE7OCeGzIMM21K3GJQeaiMNq\n"
    "fJBHfloI+a6VzVFQPFxNK2ceSs9NYGdQFQVLn/sFQdLvlbjfC+BMzZsLhNEKYFH9\n"
    "RffSsJC01pMAaQTJgwssg+3h5YpKWDc5uBxnHMda2WuGIkrl3pjR46HjbUxbNxSh\n"
    "on3OdshuAv/7ttWJCk/KN1YjxZ1I0oo6a4tsF8Uu7IB7paerMRKFhEKcqpWb1ooV\n"
    "qmgmLj54T7ZrCAR3NIBiR4mYBMW/C4AWw9JPJhKOHT/A0+8aQhQ637admjkuYGV7\n"
    "Sy7YCbsPAgMBAAECggEAWHG3dVlt3KqpazjlydQQK5Dcm49ag5JqXprXMjBHhurZ\n"
    "nWhFYuYYRq5z51qqCZa+/drskVjaowSJDwX63zoIKd4UC+cHbfZQ+4Mvu2bCEIgO\n"
    "Mk4cnOXv9jxzgLjGWZkerqEQQxhxrSivPk+UxS5GVQ+gcFiaSKf+jE44mZwndeOW\n"
    "siZx47uQJAwBTNk/yXIxeCRgJixXk9rd7PHr/vYQWeIVgoGim1bCCu+Xeiwyx4b9\n"
    "mUBU4058Z+7tbYDKH8FAZFKE7lO0Xbi5dvaKwWYAkX6S5KXb/ZzZVCM1fOGPDM4J\n"
    "0l6TPqwbgv6U1fAw8y3ncn5/7dOaYO2uP13Aeuj3NQKBgQD/eSp8J5AGqy+mFfXP\n"
    "Ar6Gqybxa3VfMl/fj5Rkw0E6nyKaDoP6ErPxdF/OPHVIFZ4eEVe6XkBTA31ztfnN\n"
    "QD1X/MortPMd0dkM52yAZruF4ZSL7zpu/Cp5sK0VOhLBKPkSR0Gz4w2rRjvz04VX\n"
    "5IFNxpgEcyOGCUHsgbnLerCF3QKBgQDxfrr1JZcL7nnlnbPD+cv9q0U0NkpzXY4H\n"
    "K8hnFefVr7pj4yY7hIsCQOYU9/2lkbP/gXWL+AXoymgMOCuCMinK2wlcq/dS0YfG\n"
    "5Hgpc+wPn5cw5kPnj4/qXCuWTcmdW8e2mBOJ9aLs8eM5lQbc9HyUMJi2VxD4Hzof\n"
    "k64NuQIj2wKBgBrOvxuKFz3r5rMZ6NJRKmb9PLfmm8ligtb1vQ+ZwZWCL2JVFZo/\n"
    "LiyvFoKQq4nl4tKq5TbEPyG24woqVU0paYZ7G0fc1AoUBB+rhSIwJYtV8X2Bm/Mb\n"
    "eOWOGYt5rZAhWYmGeqmCsOOBGjdqwbpIWx0rMrZ80oR1IjrMHg/xDubtAoGAQ9l0\n"
    "U54NExgcfWvSbvRG4O120xWR01nspo0hj/zylvH5b0kJm91AZRCw1CFczWDjbp0D\n"
    "1qCHoIEFvLEnYDwRy+HAfp3+LfGasUHNlO/x2e3fv6hiWbPXHmRpBqCyTZjUwrN1\n"
    "geRWszW+vpXlSL0UJ1qD/W724I99eBO46jgZptMCgYA68eXZLd9DT+dahwbnotfI\n"
    "ldFrOQ6ZtSAqbbga+j8eboCBwpDAGfVMNRc3SP7N4Lv25ci/U2G8ruez9uveYiMJ\n"
    "pLWUnUFwdKw9TOZHvU1KDE9MrOzI63NyGbUK9i2n+EW7wsgXH80GRES+yx3WnsUx\n"
    "majUItxQWL6EnKB3/fznBQ==\n"
    "-----END PRIVATE KEY-----\n";
static const char TEST_KEY_ENCRYPTED_PEM[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: AES-128-CBC,60A68681ABE8524E252403A787AF9E51\n"
    "\n"
    "pTsvCJhukQqlIzoDcd/wr4WTideaMAXvp+SQA3O11z6dbrY2OXa79TykxmrXjufX\n"
    "U3Txfu8+DS9cCqBSdkz8CJf42y3Uw+FjOCoHfy2IzX/uxnHPjccOHmCJ5tMolpoO\n"
    "LZA9GztjhYyZfCc1LVOoJdzndTbkwRct9uPJ7ln0/5nMx67DsXhBAG/0aRiJtI6k\n"
    "VizL0clZ4fDN2fMOVdfi33nfLe6nDMTPgh/0Xw+0dCosvfTSyOY5r36R+Z1YWxIZ\n"
    "CemPUCw+wMOWyPPczMu/qh1oxvyaBnhxmtjO8p+7EiuGSuOuzo/GbuBHag1YDcB+\n"
    "LZ+SgT1zQLQmp4vHSo+FMSloveXzjSs289gHabIA+fc0Ll4B5d9ZGR6b+TU9t3gk\n"
    "j6r13DYMSDt/3Sku7BklQvN21tayT4Utp3Z17jc3nSFfqEKjGllY7L9U3I1wroJn\n"
    "2Q2we5yIll0VFaDJuqIJgdGc+k3KjgXokBtdjd8NYKYkUeGEdJ1UY+twfWYeoe2l\n"
    "dSjbT+817T6uWdr262Qpwhllg0cxnwVZMdmYMfgVuPhOE6crdh4Fk5pRwliMwoMP\n"
    "aKtO5N+8fqWKTufABViZU5ROalsAnQ5UW3GfM0JV67KS/4lVTVHT7IEt/XwPqf7+\n"
    "pfK/TOXk1OFjy6ZhBVgs/9SwrKOHwk81CShworJKoHfBAEl+DphEGV1g2eOptR3O\n"
    "ujbCvXkwsofDC2jb7lWg1pN0QVIm+mQuEqnKO59FI8XTyL02wYSAHjJomC3DQCDQ\n"
    "iJ+lZBVQZEC8Van5aKH6f0Zf7BLSR9ig+uacaItB4oH8rFQeF0zevk4n7HwvEkZx\n"
    "KHb6ZLg7GrsYX1PTwJ89Wq6tciewf7cSwlc4x57FxhczVJGrL5MdRbPvKC2IQCYH\n"
    "dg5UoooG2+ZeIikHcTrzREvZGjDq3yLGkyROTYTEExzzd/sXWeWwpeUXbbsYOO8t\n"
    "kJ96KKKeA4ahucbO5C4WsP9ulBCrUQLDniH4PcOOM6ZwkSv9Mcfks3v1hs0xxNhg\n"
    "E0E1bw1pVKHBJQDO/Tc8iyGZmgEzSvPvIMRPo+0fBgLevx4nWtXY52cqcVCO2uXF\n"
    "wstVYCq/QlP64SXSv2Pis9WhCQzQfPc5xNIWzFZ+dv/Uo3Dy86Y9h0Wb35yrw7si\n"
    "KjtdGHSFiAqgfHbcKm2kLgYmfGGcX0VgyclpqoiMTq1SW/JI6Kk/j/9WQyXNnciC\n"
    "CmtEynzOFb4Agj7aeXlo0FW/iJ3RSQpnKYshM7CjY7c8H1jG1jz5O0kDOhwXU9VZ\n"
    "frYYuNB6fIkz/yEY6WxiU3TWQNMtK6O3f3e1t2Ktjo0t2VahM7Mg3HIWJo+i1XJh\n"
    "z1Ij0FyIhSVDCqEMwTRMd4JOd0fos+mATxLMFZh4452PWZnT41uC/Mht1oCVfQMq\n"
    "bZNvZIYjBwPB2yMHtnbv260Nj2eEieUKSNEgWiYDorf6tXWa1j8ltFkknDzw1cA3\n"
    "HOTjmQv8EONbHp5tn3P8iu2hVwqOHnjFIuHSAO7gKCSfoqjLKEsKvxm9qGtLSCiA\n"
    "FbfHmFzyl3qG76/LR9opCGezleU14WhdbKjRI/O66+Wt3Z9OBX74SsJf96nWLAq4\n"
    "-----END RSA PRIVATE KEY-----\n";
static const char TEST_PUB_SPKI_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8P+JNHexLD8j3PbBheyj\n"
    "jJFq9X/cGPr1o3GKeJ7zro61G4H8TDm+n4xOzgnhsyDDNtStxiUHmojDanyQR35a\n"
    "CPmulc1RUDxcTStnHkrPTWBnUBUFS5/7BUHS75W43wvgTM2bC4TRCmBR/UX30rCQ\n"
    "tNaTAGkEyYMLLIPt4eWKSlg3ObgcZxzHWtlrhiJK5d6Y0eOh421MWzcUoaJ9znbI\n"
    "bgL/+7bViQpPyjdWI8WdSNKKOmuLbBfFLuyAe6WnqzEShYRCnKqVm9aKFapoJi4+\n"
    "eE+2awgEdzSAYkeJmATFvwuAFsPSTyYSjh0/wNPvGkIUOt+2nZo5LmBle0su2Am7\n"
    "DwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char TEST_PUB_PKCS1_PEM[] =
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEA8P+JNHexLD8j3PbBheyjjJFq9X/cGPr1o3GKeJ7zro61G4H8TDm+\n"
    "n4xOzgnhsyDDNtStxiUHmojDanyQR35aCPmulc1RUDxcTStnHkrPTWBnUBUFS5/7\n"
    "BUHS75W43wvgTM2bC4TRCmBR/UX30rCQtNaTAGkEyYMLLIPt4eWKSlg3ObgcZxzH\n"
    "WtlrhiJK5d6Y0eOh421MWzcUoaJ9znbIbgL/+7bViQpPyjdWI8WdSNKKOmuLbBfF\n"
    "LuyAe6WnqzEShYRCnKqVm9aKFapoJi4+eE+2awgEdzSAYkeJmATFvwuAFsPSTyYS\n"
    "jh0/wNPvGkIUOt+2nZo5LmBle0su2Am7DwIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n";
static const char TEST_CERT_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDAjCCAeqgAwIBAgIBATANBgkqhkiG9w0BAQsFADAZMRcwFQYDVQQDDA5jaGVm\n"
    "LWF1dGgtdGVzdDAgFw0yNjExMjUwODM3NTFaGA8yMTI2MTEwMTA4Mzc1MVowGTEX\n"
    "MBUGA1UEAwwOY2hlZi1hdXRoLXRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw\n"
    "ggEKAoIBAQDw/4k0d7EsPyPc9sGF7KOMkWr1f9wY+vWjcYp4nvOujrUbgfxMOb6f\n"
    "jE7OCeGzIMM21K3GJQeaiMNqfJBHfloI+a6VzVFQPFxNK2ceSs9NYGdQFQVLn/sF\n"
    "QdLvlbjfC+BMzZsLhNEKYFH9RffSsJC01pMAaQTJgwssg+3h5YpKWDc5uBxnHMda\n"
    "2WuGIkrl3pjR46HjbUxbNxShon3OdshuAv/7ttWJCk/KN1YjxZ1I0oo6a4tsF8Uu\n"
    "7IB7paerMRKFhEKcqpWb1ooVqmgmLj54T7ZrCAR3NIBiR4mYBMW/C4AWw9JPJhKO\n"
    "HT/A0+8aQhQ637admjkuYGV7Sy7YCbsPAgMBAAGjUzBRMB0GA1UdDgQWBBTuEKm+\n"
    "lm5IMqV4tRIUnIGzhoqozjAfBgNVHSMEGDAWgBTuEKm+lm5IMqV4tRIUnIGzhoqo\n"
    "zjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQBoCLaxqmM06B/M\n"
    "wMB0sNk3g3BZQNRq4ftK+HABE2W39WOUPjfeGBUHotFeto14bTBMb09odvtR2RJQ\n"
    "MJCh+gyk7QHCZclwOS3HqK/gu2CrtOf83qDBn3CHVECO5HdseqIRYhmMPLPu9v9N\n"
    "Fc++vf8PY/ZIcVN6hhNDVUrwLXLMjOS8WxS5maEWfTibQxAPcS+vyS8jyPKkNq4e\n"
    "g2krGs0kYH+dc9IaY50UoCBYwxlJNilJ8YMwWtszlTzd0MqGwRwySo9sanZSR/qz\n"
    "4vcn+GCWQ/7Sxx7GdTNdAr86JrDN2RKnLFilXUNEz015NsI++Jysm3dFcNeTWmN+\n"
    "pH5JsGbX\n"
    "-----END CERTIFICATE-----\n";
static const char EC_PRIVATE_PEM[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIPJr2o7m0tbQet0t3S6oQTdpL3+8vHHc4dUXeIcVVDopoAoGCCqGSM49\n"
    "AwEHoUQDQgAE1FTYxc4sl8hDAxp6X6VsHmzHd8bY53E00TtG8VpAsL+BCUvwcS9a\n"
    "867hQmhfwz68Ay6CG+UcVIDK/iMiw8+XOQ==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char EC_PUBLIC_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1FTYxc4sl8hDAxp6X6VsHmzHd8bY\n"
    "53E00TtG8VpAsL+BCUvwcS9a867hQmhfwz68Ay6CG+UcVIDK/iMiw8+XOQ==\n"
    "-----END PUBLIC KEY-----\n";

/* Vectors: ruby tests/fixtures/mixlib_sign.rb --key tests/fixtures/chef_auth_test_key.pem
 *   --user spec-user --timestamp 2024-03-05T06:07:08Z --version V
 *   v*_post: --method POST --path /organizations/clownco/pushy/jobs --body VEC_BODY
 *            (1.3 with --server-api-version 1)
 *   v13_get: --method GET --path /organizations//clownco/pushy/node_states/
 * The *_canonical strings are the same runs with --canonical. */
#define VEC_BODY "{\"command\":\"chef-client\",\"nodes\":[\"n1\",\"n2\"],\"quorum\":\"100%\"}"
#define VEC_TS "2024-03-05T06:07:08Z"
#define VEC_TIME ((time_t)1709618828)
#define VEC_POST_PATH "/organizations/clownco/pushy/jobs"
#define VEC_GET_PATH "/organizations//clownco/pushy/node_states/"

static const char *const v10_post_headers[] = {
    "X-Ops-Sign", "algorithm=sha1;version=1.0;",
    "X-Ops-Userid", "spec-user",
    "X-Ops-Timestamp", "2024-03-05T06:07:08Z",
    "X-Ops-Content-Hash", "sckq9PpvDjfMSG6D7OUAh5tGI1Y=",
    "X-Ops-Authorization-1", "KVoNlwQo22MV2/ufBIeIPPpYvLmkPXVK2EpPWJUIw5BSqnu6+jLw+SxCKz5y",
    "X-Ops-Authorization-2", "6ujQo70MWwwqJKpzPGnMlv6KDQaa+VxAyTx5IOba0CWoX1udLOV1SsaUZ9Ze",
    "X-Ops-Authorization-3", "dHZFJmhIy5nZYHdBEi+VWJxncf1RT2lz6LO/HupJVNbuhL9GRWHPnhuI+CyV",
    "X-Ops-Authorization-4", "QwSAMX3jNiBFYMATyE0OWYNESg9/ZplyhPuGCg1h7NCAdgLI1DzIlVnvsqFI",
    "X-Ops-Authorization-5", "rA+o2xZvVcyNH0e/DN4GoasLRa/QIDqd7Kvf0Yh5VSTp/VR0ZxAIIwSZQlkw",
    "X-Ops-Authorization-6", "gDrqcaM2W6X2GGPkIAqvip4HFvTF8WQU6XFgQ17ZYw==",
    NULL};
static const char v10_post_canonical[] =
    "Method:POST\n"
    "Hashed Path:Eh8Pk0wE7tyx+6RvTHwEmP6XdD8=\n"
    "X-Ops-Content-Hash:sckq9PpvDjfMSG6D7OUAh5tGI1Y=\n"
    "X-Ops-Timestamp:2024-03-05T06:07:08Z\n"
    "X-Ops-UserId:spec-user";
static const char *const v11_post_headers[] = {
    "X-Ops-Sign", "algorithm=sha1;version=1.1;",
    "X-Ops-Userid", "spec-user",
    "X-Ops-Timestamp", "2024-03-05T06:07:08Z",
    "X-Ops-Content-Hash", "sckq9PpvDjfMSG6D7OUAh5tGI1Y=",
    "X-Ops-Authorization-1", "t00DjoBpax1whGb0DompGNj1kSiqh1i9sJj3U/MgJ9oWiZPB3FYtr/Exw4ZN",
    "X-Ops-Authorization-2", "FD3pLpsTHddyvMdawaja2kMuFMiHwX8cWpNt/hLqH/34ct0HD7tZFTPTaqLL",
    "X-Ops-Authorization-3", "Bb4Q4HGDhdhq/5bFaOL5zX4fMX7T6ZOMiqMhZm1wzzLgWLpWQGCz25LyGFv4",
    "X-Ops-Authorization-4", "zhzuBoqxE9CLIbzeg63gd6P2mJ2cJe+vg/aE+4T5Sk6Mky0RHotxlgksenJ1",
    "X-Ops-Authorization-5", "RjlDIc7+cDNQ1ywRWAMP5O8ZMfEvafHYP82ntMxqO2nsN27+/2o1GInFpXx4",
    "X-Ops-Authorization-6", "IX7l5IbU8cHlIBrgCtAfVQdMzGR+7XQLztxH42Ztkw==",
    NULL};
static const char v11_post_canonical[] =
    "Method:POST\n"
    "Hashed Path:Eh8Pk0wE7tyx+6RvTHwEmP6XdD8=\n"
    "X-Ops-Content-Hash:sckq9PpvDjfMSG6D7OUAh5tGI1Y=\n"
    "X-Ops-Timestamp:2024-03-05T06:07:08Z\n"
    "X-Ops-UserId:EAF7Wv/hbAudWV5ZkwKz40Z/lO0=";
static const char *const v13_post_headers[] = {
    "X-Ops-Sign", "algorithm=sha256;version=1.3;",
    "X-Ops-Userid", "spec-user",
    "X-Ops-Timestamp", "2024-03-05T06:07:08Z",
    "X-Ops-Content-Hash", "6ek2SPDl1LKVUQx6dkPzErdFIuc9XDL5kk3hiwacEEM=",
    "X-Ops-Authorization-1", "FQhfAQV58qRzoDpXm/pV/2vwA19DUR+IGhSdizEIyjkhirs8E9aK3+9euGaL",
    "X-Ops-Authorization-2", "uTnkK9XfrUlpHyDRHjpChkwui178euLta34lmOEehe4veu9SY/0qoNSacmdO",
    "X-Ops-Authorization-3", "zB4e8wrfV3iLMF+Ii6gECxrXOlMiscdcom0wVQT0SQRQ1ChaOjXuiKuH/4Gf",
    "X-Ops-Authorization-4", "CU6LtCDHph9+OaLKFwXncuHlDawiQaLqnUKGPFKpEEoSs7aOGOrqu8YIuPq4",
    "X-Ops-Authorization-5", "ScCV22LP2cumiiW3jJ57pTXOuVo2JgLNhe6cQuTp7Cs4w9gc92qwK7Estm7l",
    "X-Ops-Authorization-6", "c7x6mIoMfoFHCwvXARssfb0DJ8sHN2/glGzLDvAYMg==",
    "X-Ops-Server-API-Version", "1",
    NULL};
static const char v13_post_canonical[] =
    "Method:POST\n"
    "Path:/organizations/clownco/pushy/jobs\n"
    "X-Ops-Content-Hash:6ek2SPDl1LKVUQx6dkPzErdFIuc9XDL5kk3hiwacEEM=\n"
    "X-Ops-Sign:version=1.3\n"
    "X-Ops-Timestamp:2024-03-05T06:07:08Z\n"
    "X-Ops-UserId:spec-user\n"
    "X-Ops-Server-API-Version:1";
static const char *const v13_get_headers[] = {
    "X-Ops-Sign", "algorithm=sha256;version=1.3;",
    "X-Ops-Userid", "spec-user",
    "X-Ops-Timestamp", "2024-03-05T06:07:08Z",
    "X-Ops-Content-Hash", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "X-Ops-Authorization-1", "A1o5ELs6Ipdtbg6kw7HkQuNF4HMK+S7v1O69wGoJgefKdg6HN6TTI9gx9Sgc",
    "X-Ops-Authorization-2", "KeTQFUCrshUdAymF40pcbVfWM87IQ/drZ+npNWWYyZOMcDL4bWWjiD+nXhD7",
    "X-Ops-Authorization-3", "NY2KW6Olcsu3M6ZAMKx5JojapIht2KpWROc9kRM+BInA8brXU7f8ApP3YhKb",
    "X-Ops-Authorization-4", "hVas0FwtZdvAzlR4Ho3kIu/kvewTdhrSnPl5dTUVmk0B3DobRKfYYRSsCLm6",
    "X-Ops-Authorization-5", "STqTC0Yx26jToClQw+o8nNqd/4oamN9F6Ph5gWbbTg+eBSQQryhH9CK16FHH",
    "X-Ops-Authorization-6", "aSrnkdSXFwgxbBX6zy9wmsab9EBVM+dGmnDRvJG0Mg==",
    NULL};
static const char v13_get_canonical[] =
    "Method:GET\n"
    "Path:/organizations/clownco/pushy/node_states\n"
    "X-Ops-Content-Hash:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    "X-Ops-Sign:version=1.3\n"
    "X-Ops-Timestamp:2024-03-05T06:07:08Z\n"
    "X-Ops-UserId:spec-user\n"
    "X-Ops-Server-API-Version:0";
/* ---- helpers ---- */

#define SKEW 900L

/* A mutable request header table, looked up case-insensitively. */
typedef struct {
    char name[64];
    char value[2048];
} hdr;
typedef struct {
    hdr h[80];
    size_t n;
} htab;

static const char *ht_get(void *ctx, const char *name)
{
    htab *t = ctx;
    for (size_t i = 0; i < t->n; i++)
        if (strcasecmp(t->h[i].name, name) == 0)
            return t->h[i].value;
    return NULL;
}

static void ht_set(htab *t, const char *name, const char *value)
{
    size_t i = 0;
    while (i < t->n && strcasecmp(t->h[i].name, name) != 0)
        i++;
    cr_assert(i < sizeof t->h / sizeof t->h[0]);
    if (i == t->n)
        t->n++;
    snprintf(t->h[i].name, sizeof t->h[i].name, "%s", name);
    snprintf(t->h[i].value, sizeof t->h[i].value, "%s", value);
}

static void ht_del(htab *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcasecmp(t->h[i].name, name) == 0) {
            t->h[i] = t->h[--t->n];
            return;
        }
}

static void ht_from_pairs(htab *t, const char *const *pairs)
{
    t->n = 0;
    for (size_t i = 0; pairs[i]; i += 2)
        ht_set(t, pairs[i], pairs[i + 1]);
}

static void ht_from_signed(htab *t, const chef_auth_headers *h)
{
    t->n = 0;
    for (size_t i = 0; i < h->count; i++)
        ht_set(t, h->items[i].name, h->items[i].value);
}

static EVP_PKEY *test_key(void)
{
    char err[256] = "";
    EVP_PKEY *k = chef_auth_load_private_key_pem(TEST_KEY_PEM, strlen(TEST_KEY_PEM),
                                                 err, sizeof err);
    cr_assert_not_null(k, "%s", err);
    return k;
}

static EVP_PKEY *test_pub(void)
{
    char err[256] = "";
    EVP_PKEY *k = chef_auth_load_public_key_pem(TEST_PUB_SPKI_PEM,
                                                strlen(TEST_PUB_SPKI_PEM), err, sizeof err);
    cr_assert_not_null(k, "%s", err);
    return k;
}

/* Signs with the test key; the headers land in *t. */
static void sign_into(htab *t, chef_auth_version v, const char *user, const char *method,
                      const char *path, const char *body, time_t ts, const char *api)
{
    EVP_PKEY *k = test_key();
    chef_auth_headers h;
    char err[256] = "";
    chef_auth_status st = chef_auth_sign(v, user, k, method, path, body, strlen(body),
                                         ts, api, &h, err, sizeof err);
    cr_assert_eq(st, CHEF_AUTH_OK, "sign: %s", err);
    ht_from_signed(t, &h);
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
}

/* Parses t as a request and, when that succeeds, verifies it with pub. */
static chef_auth_status check(htab *t, const char *method, const char *path,
                              const char *body, time_t now, EVP_PKEY *pub,
                              char *err, size_t errlen)
{
    chef_auth_request req;
    err[0] = '\0';
    chef_auth_status st = chef_auth_parse_request(ht_get, t, method, path, body,
                                                  strlen(body), now, SKEW, &req,
                                                  err, errlen);
    if (st == CHEF_AUTH_OK) {
        cr_assert_not_null(req.canonical);
        st = chef_auth_verify_signature(&req, pub, err, errlen);
    } else {
        cr_assert_null(req.canonical, "failed parse must leave the request empty");
        cr_assert_neq(err[0], '\0', "failure without a message");
    }
    chef_auth_request_free(&req);
    return st;
}

static chef_auth_status check_test_key(htab *t, const char *method, const char *path,
                                       const char *body, time_t now, char *err,
                                       size_t errlen)
{
    EVP_PKEY *pub = test_pub();
    chef_auth_status st = check(t, method, path, body, now, pub, err, errlen);
    EVP_PKEY_free(pub);
    return st;
}

/* ---- digests ---- */

Test(chef_auth, digests_match_known_values)
{
    char s1[CHEF_AUTH_SHA1_B64_SIZE], s256[CHEF_AUTH_SHA256_B64_SIZE];
    /* chef_authn's test constants */
    cr_assert_eq(chef_auth_sha1_b64("Spec Body", 9, s1), 0);
    cr_assert_str_eq(s1, "DFteJZPVv6WKdQmMqZUQUumUyRs=");
    cr_assert_eq(chef_auth_sha1_b64("/organizations/clownco", 22, s1), 0);
    cr_assert_str_eq(s1, "YtBWDn1blGGuFIuKksdwXzHU9oE=");
    cr_assert_eq(chef_auth_sha1_b64(NULL, 0, s1), 0);
    cr_assert_str_eq(s1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    cr_assert_eq(chef_auth_sha256_b64("", 0, s256), 0);
    cr_assert_str_eq(s256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    cr_assert_eq(chef_auth_content_hash(CHEF_AUTH_V1_1, VEC_BODY, strlen(VEC_BODY), s256), 0);
    cr_assert_str_eq(s256, "sckq9PpvDjfMSG6D7OUAh5tGI1Y=");
    cr_assert_eq(chef_auth_content_hash(CHEF_AUTH_V1_3, VEC_BODY, strlen(VEC_BODY), s256), 0);
    cr_assert_str_eq(s256, "6ek2SPDl1LKVUQx6dkPzErdFIuc9XDL5kk3hiwacEEM=");
}

/* ---- canonical pieces ---- */

Test(chef_auth, canonical_path)
{
    static const char *const cases[][2] = {
        {"/", "/"}, {"////", "/"}, {"///", "/"}, {"", "/"}, {"/?a=1", "/"},
        {"/a/b/c", "/a/b/c"}, {"/a/b/c/", "/a/b/c"}, {"//a/b//c//", "/a/b/c"},
        {"//a/b///c///", "/a/b/c"}, {"/a/b/c/?a=1&b=2", "/a/b/c"},
        {"/a/b/c?a=1&b=2", "/a/b/c"}, {"/a/b?x=//y/", "/a/b"},
        {"/organizations/o/pushy/jobs/%2Fx", "/organizations/o/pushy/jobs/%2Fx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = chef_auth_canonical_path(cases[i][0]);
        cr_assert_not_null(p);
        cr_expect_str_eq(p, cases[i][1], "canonical_path(\"%s\")", cases[i][0]);
        free(p);
    }
}

Test(chef_auth, timestamps)
{
    char buf[CHEF_AUTH_TIMESTAMP_SIZE];
    time_t t = 0;
    cr_assert_eq(chef_auth_format_timestamp(VEC_TIME, buf), 0);
    cr_assert_str_eq(buf, VEC_TS);
    cr_assert_eq(chef_auth_parse_timestamp(VEC_TS, &t), 0);
    cr_assert_eq(t, VEC_TIME);
    cr_assert_eq(chef_auth_parse_timestamp("2009-01-01T12:00:00Z", &t), 0);
    cr_assert_eq(t, (time_t)1230811200);
    cr_assert_eq(chef_auth_parse_timestamp("2024-02-29T23:59:59Z", &t), 0);
    cr_assert_eq(chef_auth_format_timestamp(0, buf), 0);
    cr_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    static const char *const bad[] = {
        "", "2024-03-05", "2024-03-05T06:07:08", "2024-03-05t06:07:08Z",
        "2024-03-05 06:07:08Z", "2024-03-05T06:07:08+00:00", "2024-03-05T06:07:08.000Z",
        "2024-13-05T06:07:08Z", "2024-00-05T06:07:08Z", "2023-02-29T06:07:08Z",
        "2024-04-31T06:07:08Z", "2024-03-05T24:07:08Z", "2024-03-05T06:60:08Z",
        "2024-03-05T06:07:61Z", "2024-3-05T06:07:08Z ", "+024-03-05T06:07:08Z",
        "2024-03-05T06:07:0xZ", "Thu, 01 Jan 2009 12:00:00 GMT", " 2024-03-05T06:07:08Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(chef_auth_parse_timestamp(bad[i], &t), -1, "accepted \"%s\"", bad[i]);
}

Test(chef_auth, sign_description)
{
    static const struct {
        const char *s;
        chef_auth_version v;
    } good[] = {
        {"version=1.0", CHEF_AUTH_V1_0},
        {"version=1.1", CHEF_AUTH_V1_1},
        {"version=1.3", CHEF_AUTH_V1_3},
        {"algorithm=sha1;version=1.0;", CHEF_AUTH_V1_0},
        {"algorithm=sha1;version=1.1", CHEF_AUTH_V1_1},
        {"algorithm=sha256;version=1.3", CHEF_AUTH_V1_3},
        {"algorithm=sha256;version=1.3;", CHEF_AUTH_V1_3},
        {" algorithm = sha1 ; version = 1.1 ; ", CHEF_AUTH_V1_1},
        {"version=1.1;algorithm=sha1", CHEF_AUTH_V1_1},
        {"version=1.1;future=yes", CHEF_AUTH_V1_1},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        chef_auth_version v = (chef_auth_version)-1;
        cr_expect_eq(chef_auth_parse_sign_description(good[i].s, &v), 0, "\"%s\"", good[i].s);
        cr_expect_eq(v, good[i].v, "\"%s\"", good[i].s);
    }
    static const char *const bad[] = {
        "", ";", "algorithm=sha1", "version=1.2", "algorithm=sha1;version=1.2",
        "version=2.0", "version=1", "version=1.0.0", "version=", "algorithm=sha256;version=1.0",
        "algorithm=sha1;version=1.3", "algorithm=SHA1;version=1.1", "algorithm=md5;version=1.1",
        "version:1.1", "1.1", "Version=1.1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        chef_auth_version v;
        cr_expect_eq(chef_auth_parse_sign_description(bad[i], &v), -1, "accepted \"%s\"", bad[i]);
    }
    cr_assert_str_eq(chef_auth_version_string(CHEF_AUTH_V1_3), "1.3");
    cr_assert_str_eq(chef_auth_version_algorithm(CHEF_AUTH_V1_3), "sha256");
    cr_assert_str_eq(chef_auth_version_algorithm(CHEF_AUTH_V1_0), "sha1");
}

Test(chef_auth, canonical_request_every_version)
{
    char h1[CHEF_AUTH_SHA1_B64_SIZE], h256[CHEF_AUTH_SHA256_B64_SIZE], e256[CHEF_AUTH_SHA256_B64_SIZE];
    cr_assert_eq(chef_auth_sha1_b64(VEC_BODY, strlen(VEC_BODY), h1), 0);
    cr_assert_eq(chef_auth_sha256_b64(VEC_BODY, strlen(VEC_BODY), h256), 0);
    cr_assert_eq(chef_auth_sha256_b64("", 0, e256), 0);
    /* lower-case method, doubled and trailing slashes, a query: all canonicalized */
    const char *path = "//organizations/clownco//pushy/jobs/?x=1";
    char *c = chef_auth_canonical_request(CHEF_AUTH_V1_0, "post", path, h1, VEC_TS,
                                          "spec-user", "7");
    cr_assert_str_eq(c, v10_post_canonical);
    free(c);
    c = chef_auth_canonical_request(CHEF_AUTH_V1_1, "post", path, h1, VEC_TS, "spec-user", NULL);
    cr_assert_str_eq(c, v11_post_canonical);
    free(c);
    c = chef_auth_canonical_request(CHEF_AUTH_V1_3, "Post", path, h256, VEC_TS, "spec-user", "1");
    cr_assert_str_eq(c, v13_post_canonical);
    free(c);
    c = chef_auth_canonical_request(CHEF_AUTH_V1_3, "GET", VEC_GET_PATH, e256, VEC_TS,
                                    "spec-user", NULL);
    cr_assert_str_eq(c, v13_get_canonical);
    free(c);
    cr_assert_null(chef_auth_canonical_request(CHEF_AUTH_V1_3, "GET", "/", e256, VEC_TS,
                                               NULL, NULL));
}

/* ---- mixlib vectors ---- */

static void expect_mixlib_headers(const char *const *want, chef_auth_version v,
                                  const char *method, const char *path, const char *body,
                                  const char *api)
{
    EVP_PKEY *k = test_key();
    chef_auth_headers h;
    char err[256] = "";
    cr_assert_eq(chef_auth_sign(v, "spec-user", k, method, path, body, strlen(body),
                                VEC_TIME, api, &h, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
    size_t n = 0;
    for (; want[2 * n]; n++) {
        cr_assert(n < h.count, "missing header %s", want[2 * n]);
        cr_expect_str_eq(h.items[n].name, want[2 * n]);
        cr_expect_str_eq(h.items[n].value, want[2 * n + 1], "%s", want[2 * n]);
    }
    /* mixlib leaves X-Ops-Server-API-Version to its caller; we add the
     * default for 1.3 so the server signs the same value. */
    if (n < h.count) {
        cr_assert_eq(h.count, n + 1);
        cr_assert_str_eq(h.items[n].name, "X-Ops-Server-API-Version");
        cr_assert_str_eq(h.items[n].value, "0");
        cr_assert_null(api);
    }
    cr_assert_str_eq(chef_auth_headers_get(&h, "x-ops-userid"), "spec-user");
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
}

Test(chef_auth, signer_matches_mixlib_byte_for_byte)
{
    expect_mixlib_headers(v10_post_headers, CHEF_AUTH_V1_0, "POST", VEC_POST_PATH, VEC_BODY, NULL);
    expect_mixlib_headers(v11_post_headers, CHEF_AUTH_V1_1, "POST", VEC_POST_PATH, VEC_BODY, NULL);
    expect_mixlib_headers(v13_post_headers, CHEF_AUTH_V1_3, "POST", VEC_POST_PATH, VEC_BODY, "1");
    expect_mixlib_headers(v13_get_headers, CHEF_AUTH_V1_3, "GET", VEC_GET_PATH, "", NULL);
}

static void expect_verifies(const char *const *pairs, chef_auth_version v,
                            const char *method, const char *path, const char *body,
                            const char *canonical)
{
    htab t;
    ht_from_pairs(&t, pairs);
    /* servers may hand us lower-cased names */
    for (size_t i = 0; i < t.n; i++)
        for (char *c = t.h[i].name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    chef_auth_request req;
    char err[256] = "";
    cr_assert_eq(chef_auth_parse_request(ht_get, &t, method, path, body, strlen(body),
                                         VEC_TIME + 60, SKEW, &req, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
    cr_assert_eq(req.version, v);
    cr_assert_str_eq(req.user_id, "spec-user");
    cr_assert_eq(req.timestamp, VEC_TIME);
    cr_assert_str_eq(req.canonical, canonical);
    cr_assert_eq(req.canonical_len, strlen(canonical));
    cr_assert_eq(req.signature_len, 256);
    char joined[512] = "";
    for (int i = 1; i <= 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "X-Ops-Authorization-%d", i);
        strcat(joined, ht_get(&t, name));
    }
    cr_assert_str_eq(req.signature_b64, joined);
    EVP_PKEY *pub = test_pub();
    cr_assert_eq(chef_auth_verify_signature(&req, pub, err, sizeof err), CHEF_AUTH_OK, "%s", err);
    EVP_PKEY_free(pub);
    chef_auth_request_free(&req);
}

Test(chef_auth, verifier_accepts_mixlib_requests)
{
    expect_verifies(v10_post_headers, CHEF_AUTH_V1_0, "POST", VEC_POST_PATH, VEC_BODY,
                    v10_post_canonical);
    expect_verifies(v11_post_headers, CHEF_AUTH_V1_1, "POST", VEC_POST_PATH, VEC_BODY,
                    v11_post_canonical);
    expect_verifies(v13_post_headers, CHEF_AUTH_V1_3, "POST", VEC_POST_PATH, VEC_BODY,
                    v13_post_canonical);
    /* the server sees the path with its query; it is not signed */
    expect_verifies(v13_get_headers, CHEF_AUTH_V1_3, "GET",
                    "/organizations/clownco/pushy/node_states?x=1", "", v13_get_canonical);
}

Test(chef_auth, chef_server_style_sign_description_is_accepted)
{
    /* chef_authn sends "version=1.0" (no algorithm); 1.0/1.1 do not sign it */
    htab t;
    char err[256];
    ht_from_pairs(&t, v10_post_headers);
    ht_set(&t, "X-Ops-Sign", "version=1.0");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
    ht_from_pairs(&t, v13_post_headers);
    ht_set(&t, "X-Ops-Sign", "algorithm=sha256;version=1.3");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
}

/* ---- roundtrips and tampering ---- */

static const chef_auth_version all_versions[] = {CHEF_AUTH_V1_0, CHEF_AUTH_V1_1, CHEF_AUTH_V1_3};

Test(chef_auth, sign_verify_roundtrip_every_version)
{
    time_t now = time(NULL);
    for (size_t i = 0; i < 3; i++) {
        htab t;
        char err[256];
        sign_into(&t, all_versions[i], "pivotal", "put", "/organizations/o/pushy/jobs//",
                  "{\"a\":1}", now, "2");
        cr_assert_eq(check_test_key(&t, "PUT", "/organizations/o/pushy/jobs?y=2", "{\"a\":1}",
                                    now, err, sizeof err),
                     CHEF_AUTH_OK, "v%s: %s", chef_auth_version_string(all_versions[i]), err);
        /* a private key verifies too, and the certificate's key */
        EVP_PKEY *k = test_key();
        cr_assert_eq(check(&t, "PUT", "/organizations/o/pushy/jobs", "{\"a\":1}", now, k,
                           err, sizeof err), CHEF_AUTH_OK, "%s", err);
        EVP_PKEY_free(k);
        k = chef_auth_load_public_key_pem(TEST_CERT_PEM, strlen(TEST_CERT_PEM), err, sizeof err);
        cr_assert_not_null(k, "%s", err);
        cr_assert_eq(check(&t, "PUT", "/organizations/o/pushy/jobs", "{\"a\":1}", now, k,
                           err, sizeof err), CHEF_AUTH_OK, "%s", err);
        EVP_PKEY_free(k);
    }
}

Test(chef_auth, signer_api_version_header)
{
    htab t;
    sign_into(&t, CHEF_AUTH_V1_3, "u", "GET", "/", "", VEC_TIME, NULL);
    cr_assert_str_eq(ht_get(&t, "X-Ops-Server-API-Version"), "0");
    sign_into(&t, CHEF_AUTH_V1_1, "u", "GET", "/", "", VEC_TIME, NULL);
    cr_assert_null(ht_get(&t, "X-Ops-Server-API-Version"));
    sign_into(&t, CHEF_AUTH_V1_1, "u", "GET", "/", "", VEC_TIME, "2");
    cr_assert_str_eq(ht_get(&t, "X-Ops-Server-API-Version"), "2");
    cr_assert_str_eq(ht_get(&t, "X-Ops-Sign"), "algorithm=sha1;version=1.1;");
}

Test(chef_auth, wrong_key_is_bad_signature)
{
    char *priv = NULL, *pub = NULL, err[256];
    cr_assert_eq(chef_auth_generate_keypair(2048, &priv, &pub), 0);
    EVP_PKEY *other = chef_auth_load_public_key_pem(pub, strlen(pub), err, sizeof err);
    cr_assert_not_null(other, "%s", err);
    for (size_t i = 0; i < 3; i++) {
        htab t;
        sign_into(&t, all_versions[i], "pivotal", "GET", "/x", "", VEC_TIME, NULL);
        cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, other, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        cr_assert(strstr(err, "pivotal"), "%s", err);
    }
    EVP_PKEY_free(other);
    free(priv);
    free(pub);
}

/* The verifier keeps a per-thread context for the last key: switching
 * keys, a failure in between and a freed key must not change any answer. */
Test(chef_auth, verifier_context_follows_the_key)
{
    char *priv = NULL, *pub = NULL, err[256];
    cr_assert_eq(chef_auth_generate_keypair(2048, &priv, &pub), 0);
    EVP_PKEY *other = chef_auth_load_public_key_pem(pub, strlen(pub), err, sizeof err);
    cr_assert_not_null(other, "%s", err);
    htab t, tampered;
    sign_into(&t, CHEF_AUTH_V1_1, "pivotal", "GET", "/x", "", VEC_TIME, NULL);
    sign_into(&tampered, CHEF_AUTH_V1_1, "pivotal", "GET", "/y", "", VEC_TIME, NULL);
    for (int round = 0; round < 3; round++) {
        EVP_PKEY *good = test_pub(); /* a new object each round */
        cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, good, err, sizeof err), CHEF_AUTH_OK,
                     "%s", err);
        cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, good, err, sizeof err), CHEF_AUTH_OK);
        cr_assert_eq(check(&tampered, "GET", "/x", "", VEC_TIME, good, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, other, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, good, err, sizeof err), CHEF_AUTH_OK);
        EVP_PKEY_free(good);
    }
    EVP_PKEY_free(other);
    free(priv);
    free(pub);
}

Test(chef_auth, small_key_is_bad_signature)
{
    char *priv = NULL, *pub = NULL, err[256];
    cr_assert_eq(chef_auth_generate_keypair(1024, &priv, &pub), 0);
    EVP_PKEY *other = chef_auth_load_public_key_pem(pub, strlen(pub), err, sizeof err);
    cr_assert_not_null(other, "%s", err);
    htab t;
    sign_into(&t, CHEF_AUTH_V1_3, "pivotal", "GET", "/x", "", VEC_TIME, NULL);
    cr_assert_eq(check(&t, "GET", "/x", "", VEC_TIME, other, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_SIGNATURE);
    EVP_PKEY_free(other);
    free(priv);
    free(pub);
}

Test(chef_auth, tampering_is_detected)
{
    for (size_t i = 0; i < 3; i++) {
        chef_auth_version v = all_versions[i];
        htab t, base;
        char err[256];
        char hash[CHEF_AUTH_SHA256_B64_SIZE];
        sign_into(&base, v, "pivotal", "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                  VEC_TIME, "1");
        /* body changed: the content hash no longer matches */
        t = base;
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", "{}",
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_CONTENT_HASH);
        cr_assert(strstr(err, "X-Ops-Content-Hash"), "%s", err);
        /* body and content hash changed together: the signature fails */
        cr_assert_eq(chef_auth_content_hash(v, "{}", 2, hash), 0);
        ht_set(&t, "X-Ops-Content-Hash", hash);
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", "{}",
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        /* path, method */
        t = base;
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs/1", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        cr_assert_eq(check_test_key(&t, "PUT", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        /* user id, timestamp (still within the skew) */
        ht_set(&t, "X-Ops-Userid", "admin");
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        t = base;
        ht_set(&t, "X-Ops-Timestamp", "2024-03-05T06:07:09Z");
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        /* the API version is signed by 1.3 only */
        t = base;
        ht_set(&t, "X-Ops-Server-API-Version", "2");
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     v == CHEF_AUTH_V1_3 ? CHEF_AUTH_ERR_BAD_SIGNATURE : CHEF_AUTH_OK);
        /* signature slices out of order */
        t = base;
        char one[128];
        snprintf(one, sizeof one, "%s", ht_get(&t, "X-Ops-Authorization-1"));
        ht_set(&t, "X-Ops-Authorization-1", ht_get(&t, "X-Ops-Authorization-2"));
        ht_set(&t, "X-Ops-Authorization-2", one);
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
        /* one bit of the signature flipped */
        t = base;
        char *s = (char *)ht_get(&t, "X-Ops-Authorization-3");
        s[10] = s[10] == 'A' ? 'B' : 'A';
        cr_assert_eq(check_test_key(&t, "POST", "/organizations/o/pushy/jobs", VEC_BODY,
                                    VEC_TIME, err, sizeof err),
                     CHEF_AUTH_ERR_BAD_SIGNATURE);
    }
}

Test(chef_auth, version_1_0_user_id_length_limit)
{
    char user[201];
    memset(user, 'u', 200);
    user[200] = '\0';
    EVP_PKEY *k = test_key();
    chef_auth_headers h;
    char err[256] = "";
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_0, user, k, "GET", "/", NULL, 0, VEC_TIME, NULL,
                                &h, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert(strstr(err, "1.1"), "%s", err);
    cr_assert_eq(h.count, 0);
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
    /* 1.1 hashes the user id, so it fits */
    htab t;
    sign_into(&t, CHEF_AUTH_V1_1, user, "GET", "/", "", VEC_TIME, NULL);
    cr_assert_eq(check_test_key(&t, "GET", "/", "", VEC_TIME, err, sizeof err), CHEF_AUTH_OK,
                 "%s", err);
}

Test(chef_auth, signer_refuses_bad_input)
{
    EVP_PKEY *k = test_key(), *pub = test_pub();
    chef_auth_headers h;
    char err[256];
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "u", pub, "GET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_KEY);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_1, "u", pub, "GET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_KEY);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "u", NULL, "GET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_KEY);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "", k, "GET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "a\nb", k, "GET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "u", k, "GET", "/", "", 0, VEC_TIME, "one",
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "u", k, "G ET", "/", "", 0, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "u", k, "GET", "/", NULL, 3, VEC_TIME, NULL,
                                &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_sign((chef_auth_version)7, "u", k, "GET", "/", "", 0, VEC_TIME,
                                NULL, &h, err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(h.count, 0);
    cr_assert_null(h.items);
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
    EVP_PKEY_free(pub);
}

/* ---- header parsing ---- */

Test(chef_auth, missing_headers_are_named)
{
    static const char *const required[] = {"X-Ops-Sign", "X-Ops-Userid", "X-Ops-Timestamp",
                                           "X-Ops-Content-Hash"};
    htab base, t;
    char err[256];
    ht_from_pairs(&base, v11_post_headers);
    for (size_t i = 0; i < 4; i++) {
        t = base;
        ht_del(&t, required[i]);
        cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err,
                                    sizeof err), CHEF_AUTH_ERR_MISSING_HEADER);
        cr_assert(strstr(err, required[i]), "%s", err);
        /* blank counts as missing */
        t = base;
        ht_set(&t, required[i], "  ");
        cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err,
                                    sizeof err), CHEF_AUTH_ERR_MISSING_HEADER);
        cr_assert(strstr(err, required[i]), "%s", err);
    }
    t.n = 0;
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_MISSING_HEADER);
    for (size_t i = 0; i < 4; i++)
        cr_assert(strstr(err, required[i]), "%s", err);
}

Test(chef_auth, authorization_headers)
{
    htab base, t;
    char err[256];
    ht_from_pairs(&base, v13_post_headers);
    /* none at all */
    t = base;
    for (int i = 1; i <= 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "X-Ops-Authorization-%d", i);
        ht_del(&t, name);
    }
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_MISSING_HEADER);
    cr_assert(strstr(err, "X-Ops-Authorization-1"), "%s", err);
    /* a gap */
    t = base;
    ht_del(&t, "X-Ops-Authorization-3");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_AUTHORIZATION);
    cr_assert(strstr(err, "X-Ops-Authorization-3"), "%s", err);
    /* the last slice lost: joins, but is too short for the key */
    t = base;
    ht_del(&t, "X-Ops-Authorization-6");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_SIGNATURE);
    /* garbage in a slice */
    t = base;
    ht_set(&t, "X-Ops-Authorization-2", "not*base64!");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_AUTHORIZATION);
    cr_assert(strstr(err, "X-Ops-Authorization-2"), "%s", err);
    /* padding in the middle */
    t = base;
    ht_set(&t, "X-Ops-Authorization-2", "QUJD==");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_AUTHORIZATION);
    t = base;
    ht_set(&t, "X-Ops-Authorization-7", "QUJD");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_AUTHORIZATION);
    /* slicing is not part of the signature: one long header, or padded with spaces, is fine */
    t = base;
    char joined[512] = "";
    for (int i = 1; i <= 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "X-Ops-Authorization-%d", i);
        strcat(joined, ht_get(&t, name));
        ht_del(&t, name);
    }
    ht_set(&t, "X-Ops-Authorization-1", joined);
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
    t = base;
    char padded[128];
    snprintf(padded, sizeof padded, " %s\t", ht_get(&t, "X-Ops-Authorization-4"));
    ht_set(&t, "X-Ops-Authorization-4", padded);
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
}

Test(chef_auth, too_many_authorization_headers)
{
    htab t;
    char err[256];
    ht_from_pairs(&t, v11_post_headers);
    for (int i = 7; i <= 70; i++) {
        char name[32];
        snprintf(name, sizeof name, "X-Ops-Authorization-%d", i);
        ht_set(&t, name, "QUJD");
    }
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_AUTHORIZATION);
    cr_assert(strstr(err, "too many"), "%s", err);
}

Test(chef_auth, unsupported_versions)
{
    static const char *const bad[] = {"version=1.2", "algorithm=sha1;version=1.2;",
                                      "algorithm=sha256;version=1.1", "version=2.0",
                                      "algorithm=sha1", "algorithm=sha1;version=1.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        htab t;
        char err[256];
        ht_from_pairs(&t, v11_post_headers);
        ht_set(&t, "X-Ops-Sign", bad[i]);
        cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err,
                                    sizeof err), CHEF_AUTH_ERR_BAD_VERSION, "%s", bad[i]);
        cr_assert(strstr(err, "Unsupported authentication protocol version"), "%s", err);
        cr_assert(strstr(err, bad[i]), "%s", err);
    }
}

Test(chef_auth, timestamp_skew_both_directions)
{
    htab t;
    char err[256];
    ht_from_pairs(&t, v11_post_headers);
    /* now later than the request: request is behind */
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME + SKEW - 1,
                                err, sizeof err), CHEF_AUTH_OK, "%s", err);
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME + SKEW,
                                err, sizeof err), CHEF_AUTH_ERR_CLOCK_SKEW);
    cr_assert(strstr(err, "900 s behind"), "%s", err);
    /* request from the future */
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME - SKEW + 1,
                                err, sizeof err), CHEF_AUTH_OK, "%s", err);
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME - 86400,
                                err, sizeof err), CHEF_AUTH_ERR_CLOCK_SKEW);
    cr_assert(strstr(err, "86400 s ahead"), "%s", err);
    /* unparseable */
    ht_set(&t, "X-Ops-Timestamp", "Tue, 05 Mar 2024 06:07:08 GMT");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_TIMESTAMP);
    cr_assert(strstr(err, "X-Ops-Timestamp"), "%s", err);
}

Test(chef_auth, content_hash_mismatch)
{
    htab t;
    char err[256];
    ht_from_pairs(&t, v13_post_headers);
    /* the 1.1 (sha1) hash of the right body is still wrong for 1.3 */
    ht_set(&t, "X-Ops-Content-Hash", "sckq9PpvDjfMSG6D7OUAh5tGI1Y=");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_CONTENT_HASH);
    cr_assert(strstr(err, "sha256"), "%s", err);
    ht_set(&t, "X-Ops-Content-Hash", "6ek2SPDl1LKVUQx6dkPzErdFIuc9XDL5kk3hiwacEEN=");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_CONTENT_HASH);
}

Test(chef_auth, malformed_header_values)
{
    htab t;
    char err[256];
    ht_from_pairs(&t, v13_post_headers);
    ht_set(&t, "X-Ops-Server-API-Version", "one");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_HEADER);
    cr_assert(strstr(err, "X-Ops-Server-API-Version"), "%s", err);
    ht_from_pairs(&t, v13_post_headers);
    ht_set(&t, "X-Ops-Userid", "spec\x01user");
    cr_assert_eq(check_test_key(&t, "POST", VEC_POST_PATH, VEC_BODY, VEC_TIME, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_HEADER);
    cr_assert(strstr(err, "X-Ops-Userid"), "%s", err);
    /* bad arguments */
    chef_auth_request req;
    cr_assert_eq(chef_auth_parse_request(NULL, &t, "GET", "/", "", 0, VEC_TIME, SKEW, &req,
                                         err, sizeof err), CHEF_AUTH_ERR_BAD_ARGUMENT);
    cr_assert_eq(chef_auth_verify_signature(&req, NULL, err, sizeof err),
                 CHEF_AUTH_ERR_BAD_ARGUMENT);
    chef_auth_request_free(&req);
}

Test(chef_auth, verify_refuses_non_rsa_key)
{
    htab t;
    char err[256];
    ht_from_pairs(&t, v13_post_headers);
    chef_auth_request req;
    cr_assert_eq(chef_auth_parse_request(ht_get, &t, "POST", VEC_POST_PATH, VEC_BODY,
                                         strlen(VEC_BODY), VEC_TIME, SKEW, &req, err,
                                         sizeof err), CHEF_AUTH_OK, "%s", err);
    cr_assert_eq(chef_auth_verify_signature(&req, NULL, err, sizeof err), CHEF_AUTH_ERR_BAD_KEY);
    /* an EC key straight from OpenSSL, which our loaders would refuse */
    BIO *bio = BIO_new_mem_buf(EC_PUBLIC_PEM, -1);
    EVP_PKEY *ec = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    cr_assert_not_null(ec);
    cr_assert_eq(chef_auth_verify_signature(&req, ec, err, sizeof err), CHEF_AUTH_ERR_BAD_KEY);
    EVP_PKEY_free(ec);
    chef_auth_request_free(&req);
}

Test(chef_auth, signed_headers_feed_the_verifier)
{
    EVP_PKEY *k = test_key();
    chef_auth_headers h;
    char err[256];
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_3, "node1", k, "GET",
                                "/organizations/o/pushy/config/node1?ccpk=abc", NULL, 0,
                                VEC_TIME, "2", &h, err, sizeof err), CHEF_AUTH_OK, "%s", err);
    chef_auth_request req;
    cr_assert_eq(chef_auth_parse_request(chef_auth_headers_lookup, &h, "GET",
                                         "/organizations/o/pushy/config/node1?ccpk=abc", NULL,
                                         0, VEC_TIME, SKEW, &req, err, sizeof err),
                 CHEF_AUTH_OK, "%s", err);
    cr_assert_str_eq(req.user_id, "node1");
    cr_assert_eq(chef_auth_verify_signature(&req, k, err, sizeof err), CHEF_AUTH_OK, "%s", err);
    chef_auth_request_free(&req);
    chef_auth_request_free(&req); /* idempotent */
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
}

/* ---- keys ---- */

Test(chef_auth, load_private_keys)
{
    char err[256];
    EVP_PKEY *pkcs1 = test_key();
    EVP_PKEY *pkcs8 = chef_auth_load_private_key_pem(TEST_KEY_PKCS8_PEM,
                                                     strlen(TEST_KEY_PKCS8_PEM), err, sizeof err);
    cr_assert_not_null(pkcs8, "%s", err);
    cr_assert_eq(EVP_PKEY_eq(pkcs1, pkcs8), 1);
    EVP_PKEY_free(pkcs8);

    /* from a file */
    char path[] = "/tmp/chef_auth_keyXXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, TEST_KEY_PEM, strlen(TEST_KEY_PEM)), (ssize_t)strlen(TEST_KEY_PEM));
    close(fd);
    EVP_PKEY *f = chef_auth_load_private_key_file(path, err, sizeof err);
    unlink(path);
    cr_assert_not_null(f, "%s", err);
    cr_assert_eq(EVP_PKEY_eq(pkcs1, f), 1);
    EVP_PKEY_free(f);
    cr_assert_null(chef_auth_load_private_key_file(path, err, sizeof err));
    cr_assert(strstr(err, path), "%s", err);
    cr_assert_null(chef_auth_load_private_key_file(NULL, err, sizeof err));

    /* refused: encrypted (no prompt), EC, public, garbage, truncated */
    cr_assert_null(chef_auth_load_private_key_pem(TEST_KEY_ENCRYPTED_PEM,
                                                  strlen(TEST_KEY_ENCRYPTED_PEM), err, sizeof err));
    cr_assert(strstr(err, "encrypted"), "%s", err);
    cr_assert_null(chef_auth_load_private_key_pem(EC_PRIVATE_PEM, strlen(EC_PRIVATE_PEM),
                                                  err, sizeof err));
    cr_assert(strstr(err, "RSA"), "%s", err);
    cr_assert_null(chef_auth_load_private_key_pem(TEST_PUB_SPKI_PEM, strlen(TEST_PUB_SPKI_PEM),
                                                  err, sizeof err));
    cr_assert_null(chef_auth_load_private_key_pem("hello", 5, err, sizeof err));
    cr_assert_null(chef_auth_load_private_key_pem("", 0, err, sizeof err));
    cr_assert_null(chef_auth_load_private_key_pem(NULL, 0, err, sizeof err));
    cr_assert_null(chef_auth_load_private_key_pem(TEST_KEY_PEM, strlen(TEST_KEY_PEM) / 2,
                                                  err, sizeof err));
    EVP_PKEY_free(pkcs1);
}

Test(chef_auth, load_public_keys)
{
    char err[256];
    EVP_PKEY *priv = test_key();
    const char *forms[] = {TEST_PUB_SPKI_PEM, TEST_PUB_PKCS1_PEM, TEST_CERT_PEM};
    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *k = chef_auth_load_public_key_pem(forms[i], strlen(forms[i]), err, sizeof err);
        cr_assert_not_null(k, "form %zu: %s", i, err);
        cr_assert_eq(EVP_PKEY_eq(k, priv), 1, "form %zu", i);
        EVP_PKEY_free(k);
    }
    /* refused: private keys, EC, garbage, corrupt body, trailing bytes */
    cr_assert_null(chef_auth_load_public_key_pem(TEST_KEY_PEM, strlen(TEST_KEY_PEM), err, sizeof err));
    cr_assert(strstr(err, "RSA PRIVATE KEY"), "%s", err);
    cr_assert_null(chef_auth_load_public_key_pem(EC_PUBLIC_PEM, strlen(EC_PUBLIC_PEM), err, sizeof err));
    cr_assert(strstr(err, "RSA"), "%s", err);
    cr_assert_null(chef_auth_load_public_key_pem("garbage\n", 8, err, sizeof err));
    cr_assert_null(chef_auth_load_public_key_pem(NULL, 0, err, sizeof err));
    const char *corrupt = "-----BEGIN PUBLIC KEY-----\nQUJDREVGR0g=\n-----END PUBLIC KEY-----\n";
    cr_assert_null(chef_auth_load_public_key_pem(corrupt, strlen(corrupt), err, sizeof err));
    const char *badb64 = "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n";
    cr_assert_null(chef_auth_load_public_key_pem(badb64, strlen(badb64), err, sizeof err));
    EVP_PKEY_free(priv);
}

Test(chef_auth, pem_encodings)
{
    EVP_PKEY *k = test_key();
    char *pub = chef_auth_public_key_pem(k);
    cr_assert_not_null(pub);
    cr_assert_str_eq(pub, TEST_PUB_SPKI_PEM);
    char *priv = chef_auth_private_key_pem(k);
    cr_assert_not_null(priv);
    cr_assert_str_eq(priv, TEST_KEY_PEM); /* the same bytes Ruby wrote */
    free(pub);
    free(priv);
    EVP_PKEY *p = test_pub();
    pub = chef_auth_public_key_pem(p);
    cr_assert_str_eq(pub, TEST_PUB_SPKI_PEM);
    cr_assert_null(chef_auth_private_key_pem(p)); /* no private half */
    cr_assert_null(chef_auth_public_key_pem(NULL));
    free(pub);
    EVP_PKEY_free(p);
    EVP_PKEY_free(k);
}

Test(chef_auth, generate_keypair)
{
    char *priv = NULL, *pub = NULL, err[256];
    cr_assert_eq(chef_auth_generate_keypair(0, &priv, &pub), 0);
    cr_assert_eq(strncmp(priv, "-----BEGIN RSA PRIVATE KEY-----\n", 32), 0, "%s", priv);
    cr_assert_eq(strncmp(pub, "-----BEGIN PUBLIC KEY-----\n", 27), 0, "%s", pub);
    EVP_PKEY *k = chef_auth_load_private_key_pem(priv, strlen(priv), err, sizeof err);
    cr_assert_not_null(k, "%s", err);
    cr_assert_eq(EVP_PKEY_get_bits(k), 2048);
    EVP_PKEY *p = chef_auth_load_public_key_pem(pub, strlen(pub), err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    cr_assert_eq(EVP_PKEY_eq(k, p), 1);
    chef_auth_headers h;
    cr_assert_eq(chef_auth_sign(CHEF_AUTH_V1_1, "new-user", k, "GET", "/", NULL, 0, VEC_TIME,
                                NULL, &h, err, sizeof err), CHEF_AUTH_OK, "%s", err);
    chef_auth_request req;
    cr_assert_eq(chef_auth_parse_request(chef_auth_headers_lookup, &h, "GET", "/", NULL, 0,
                                         VEC_TIME, SKEW, &req, err, sizeof err), CHEF_AUTH_OK);
    cr_assert_eq(chef_auth_verify_signature(&req, p, err, sizeof err), CHEF_AUTH_OK, "%s", err);
    chef_auth_request_free(&req);
    chef_auth_headers_free(&h);
    EVP_PKEY_free(k);
    EVP_PKEY_free(p);
    free(priv);
    free(pub);
    cr_assert_eq(chef_auth_generate_keypair(512, &priv, &pub), -1);
    cr_assert_null(priv);
    cr_assert_null(pub);
}

Test(chef_auth, status_names)
{
    cr_assert_str_eq(chef_auth_status_name(CHEF_AUTH_OK), "ok");
    cr_assert_str_eq(chef_auth_status_name(CHEF_AUTH_ERR_CLOCK_SKEW), "clock_skew");
    for (int s = CHEF_AUTH_OK; s <= CHEF_AUTH_ERR_INTERNAL; s++)
        cr_assert_str_neq(chef_auth_status_name((chef_auth_status)s), "unknown");
}
