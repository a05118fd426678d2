/* Test tool: sends one HTTP request signed with the Chef signed-header
 * protocol (shared/chef_auth) and prints the status code on the first
 * line, then the body. Options let tests break the request on purpose.
 *
 * usage: signed_request [options] METHOD URL [BODY]
 *   --key FILE            private key (PEM); without it the request is unsigned
 *   --user NAME           X-Ops-Userid
 *   --version V           1.0, 1.1 (default) or 1.3
 *   --server-api-version N
 *   --time-offset S       sign with a timestamp S seconds from now (clock skew)
 *   --body-file FILE      the body to sign and send (instead of BODY)
 *   --send-body TEXT      send TEXT instead of the signed body (tampering)
 *   --send-path PATH      send PATH (with query) instead of the signed one
 *   --omit NAME           do not send header NAME (repeatable)
 *   -H 'Name: value'      add or replace a header after signing (repeatable)
 *   -i                    print the response headers after the status line
 *   --max-time S          stop reading after S seconds (event streams); the
 *                         request is then sent as HTTP/1.0 (no chunked body)
 *   --session-key         decrypt encoded_session_key of a config reply with
 *                         --key and print "session_key=HEX" as a last line
 * Exit status: 0 when a response came back, 1 otherwise, 2 bad usage. */
#include <errno.h>
#include <poll.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shared/base64.h"
#include "shared/chef_auth.h"
#include "shared/fsutil.h"

#define MAX_EXTRA 16

struct opts {
    const char *key, *user, *version, *api_version, *body_file, *send_body, *send_path;
    long time_offset;
    double max_time;
    const char *omit[MAX_EXTRA];
    int nomit;
    const char *extra[MAX_EXTRA];
    int nextra;
    bool show_headers, session_key;
};

static int usage(void)
{
    fprintf(stderr, "usage: signed_request [--key FILE --user NAME] [--version 1.0|1.1|1.3] "
                    "[--time-offset S] [--body-file F] [--send-body T] [--send-path P] "
                    "[--omit H] [-H 'N: v'] [-i] [--session-key] METHOD URL [BODY]\n");
    return 2;
}

static bool omitted(const struct opts *o, const char *name)
{
    for (int i = 0; i < o->nomit; i++)
        if (!strcasecmp(o->omit[i], name))
            return true;
    for (int i = 0; i < o->nextra; i++) {
        size_t n = strcspn(o->extra[i], ":");
        if (strlen(name) == n && !strncasecmp(o->extra[i], name, n))
            return true; /* replaced by -H */
    }
    return false;
}

/* Appends to a growable string. */
struct buf {
    char *p;
    size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int puts_b(struct buf *b, const char *s) { return put(b, s, strlen(s)); }

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) || !ai) {
        fprintf(stderr, "signed_request: cannot resolve %s:%s\n", host, port);
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        fprintf(stderr, "signed_request: cannot connect to %s:%s: %s\n", host, port,
                strerror(errno));
    return fd;
}

/* Decrypts encoded_session_key.key of a config reply; prints hex. */
static int print_session_key(const char *body, const char *key_file)
{
    json_error_t e;
    json_t *j = json_loads(body, 0, &e);
    const char *b64 = json_string_value(json_object_get(json_object_get(j, "encoded_session_key"), "key"));
    char err[256];
    EVP_PKEY *key = key_file ? chef_auth_load_private_key_file(key_file, err, sizeof err) : NULL;
    int rc = 1;
    unsigned char enc[1024], out[1024];
    long n = b64 ? base64_decode(b64, strlen(b64), enc, sizeof enc) : -1;
    EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    size_t olen = sizeof out;
    if (n > 0 && ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_decrypt(ctx, out, &olen, enc, (size_t)n) > 0) {
        printf("session_key=");
        for (size_t i = 0; i < olen; i++)
            printf("%02x", out[i]);
        printf("\n");
        rc = 0;
    } else {
        printf("session_key=undecryptable\n");
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    json_decref(j);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = { .version = "1.1" };
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "--key") && has) o.key = argv[++i];
        else if (!strcmp(a, "--user") && has) o.user = argv[++i];
        else if (!strcmp(a, "--version") && has) o.version = argv[++i];
        else if (!strcmp(a, "--server-api-version") && has) o.api_version = argv[++i];
        else if (!strcmp(a, "--time-offset") && has) o.time_offset = atol(argv[++i]);
        else if (!strcmp(a, "--max-time") && has) o.max_time = atof(argv[++i]);
        else if (!strcmp(a, "--body-file") && has) o.body_file = argv[++i];
        else if (!strcmp(a, "--send-body") && has) o.send_body = argv[++i];
        else if (!strcmp(a, "--send-path") && has) o.send_path = argv[++i];
        else if (!strcmp(a, "--omit") && has && o.nomit < MAX_EXTRA) o.omit[o.nomit++] = argv[++i];
        else if (!strcmp(a, "-H") && has && o.nextra < MAX_EXTRA) o.extra[o.nextra++] = argv[++i];
        else if (!strcmp(a, "-i")) o.show_headers = true;
        else if (!strcmp(a, "--session-key")) o.session_key = true;
        else if (a[0] == '-' && a[1] == '-') return usage();
        else break;
    }
    if (argc - i < 2 || argc - i > 3)
        return usage();
    const char *method = argv[i], *url = argv[i + 1];
    char *body = NULL;
    size_t body_len = 0;
    if (o.body_file) {
        body = read_file(o.body_file, 512u << 20, &body_len);
        if (!body) {
            fprintf(stderr, "signed_request: %s: %s\n", o.body_file, strerror(errno));
            return 2;
        }
    } else {
        body = strdup(argc - i == 3 ? argv[i + 2] : "");
        body_len = strlen(body);
    }

    /* http://HOST:PORT/PATH?QUERY */
    if (strncmp(url, "http://", 7))
        return usage();
    const char *hp = url + 7;
    const char *slash = strchr(hp, '/');
    const char *path = slash ? slash : "/";
    size_t hplen = slash ? (size_t)(slash - hp) : strlen(hp);
    char host[256], port[16] = "80";
    snprintf(host, sizeof host, "%.*s", (int)hplen, hp);
    char *colon = strrchr(host, ':');
    if (colon) {
        snprintf(port, sizeof port, "%s", colon + 1);
        *colon = '\0';
    }

    chef_auth_headers hdrs = { 0 };
    if (o.key) {
        chef_auth_version v;
        if (!strcmp(o.version, "1.0")) v = CHEF_AUTH_V1_0;
        else if (!strcmp(o.version, "1.1")) v = CHEF_AUTH_V1_1;
        else if (!strcmp(o.version, "1.3")) v = CHEF_AUTH_V1_3;
        else return usage();
        char err[256];
        EVP_PKEY *key = chef_auth_load_private_key_file(o.key, err, sizeof err);
        if (!key) {
            fprintf(stderr, "signed_request: %s\n", err);
            return 2;
        }
        chef_auth_status st = chef_auth_sign(v, o.user ? o.user : "", key, method, path, body,
                                             body_len, time(NULL) + o.time_offset,
                                             o.api_version, &hdrs, err, sizeof err);
        EVP_PKEY_free(key);
        if (st != CHEF_AUTH_OK) {
            fprintf(stderr, "signed_request: signing failed: %s\n", err);
            return 2;
        }
    }
    const char *send_body = o.send_body ? o.send_body : body;
    size_t send_len = o.send_body ? strlen(o.send_body) : body_len;

    struct buf req = { 0 };
    char line[1024];
    snprintf(line, sizeof line, "%s %s HTTP/1.%d\r\nHost: %s:%s\r\nConnection: close\r\n"
             "Accept: application/json\r\nX-Chef-Version: 18.0.0\r\n",
             method, o.send_path ? o.send_path : path, o.max_time > 0 ? 0 : 1, host, port);
    int bad = puts_b(&req, line);
    for (size_t h = 0; h < hdrs.count; h++) {
        if (omitted(&o, hdrs.items[h].name))
            continue;
        bad |= puts_b(&req, hdrs.items[h].name);
        bad |= puts_b(&req, ": ");
        bad |= puts_b(&req, hdrs.items[h].value);
        bad |= puts_b(&req, "\r\n");
    }
    for (int e = 0; e < o.nextra; e++) {
        bad |= puts_b(&req, o.extra[e]);
        bad |= puts_b(&req, "\r\n");
    }
    if (send_len || strcmp(method, "GET")) {
        if (!omitted(&o, "Content-Type"))
            bad |= puts_b(&req, "Content-Type: application/json\r\n");
        if (!omitted(&o, "Content-Length")) {
            snprintf(line, sizeof line, "Content-Length: %zu\r\n", send_len);
            bad |= puts_b(&req, line);
        }
    }
    bad |= puts_b(&req, "\r\n");
    bad |= put(&req, send_body, send_len);
    chef_auth_headers_free(&hdrs);
    if (bad)
        return 1;

    int fd = connect_to(host, port);
    if (fd < 0)
        return 1;
    size_t off = 0;
    while (off < req.len) {
        ssize_t w = send(fd, req.p + off, req.len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may answer (413) and close before reading it all */
        off += (size_t)w;
    }
    struct buf resp = { 0 };
    char chunk[8192];
    ssize_t n;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (o.max_time > 0) {
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double left = o.max_time - ((double)(t1.tv_sec - t0.tv_sec) +
                                        (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
            struct pollfd pfd = { .fd = fd, .events = POLLIN };
            if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
                break;
        }
        if ((n = recv(fd, chunk, sizeof chunk, 0)) <= 0 || put(&resp, chunk, (size_t)n))
            break;
    }
    close(fd);
    free(req.p);
    if (!resp.p) {
        fprintf(stderr, "signed_request: no response\n");
        free(body);
        return 1;
    }
    int status = 0;
    sscanf(resp.p, "HTTP/%*s %d", &status);
    char *hend = strstr(resp.p, "\r\n\r\n");
    const char *rbody = hend ? hend + 4 : "";
    printf("%d\n", status);
    if (o.show_headers && hend) {
        *hend = '\0';
        char *first = strstr(resp.p, "\r\n");
        for (char *l = first ? first + 2 : NULL; l && *l;) {
            char *e = strstr(l, "\r\n");
            printf("%.*s\n", e ? (int)(e - l) : (int)strlen(l), l);
            l = e ? e + 2 : NULL;
        }
        printf("\n");
    }
    fputs(rbody, stdout);
    printf("\n");
    int rc = 0;
    if (o.session_key)
        rc = print_session_key(rbody, o.key);
    free(resp.p);
    free(body);
    return rc;
}
