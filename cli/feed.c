#include "cli/feed.h"
#include "shared/chef_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void sse_parser_init(struct sse_parser *p)
{
    memset(p, 0, sizeof *p);
}

static void field(struct sse_parser *p, const char *name, const char *value)
{
    p->has_field = true;
    if (!strcmp(name, "event"))
        snprintf(p->event, sizeof p->event, "%s", value);
    else if (!strcmp(name, "id"))
        snprintf(p->last_id, sizeof p->last_id, "%s", value);
}

static void end_line(struct sse_parser *p)
{
    p->line[p->len] = '\0';
    if (p->len && p->line[p->len - 1] == '\r')
        p->line[--p->len] = '\0';
    if (p->overflow) {
        p->overflow = false;
        p->has_field = true; /* a long data line */
    } else if (p->len == 0) {
        if (p->has_field) {
            p->events++;
            snprintf(p->last_event, sizeof p->last_event, "%s",
                     p->event[0] ? p->event : "message");
        }
        p->has_field = false;
        p->event[0] = '\0';
    } else if (p->line[0] != ':') {
        char *colon = strchr(p->line, ':');
        const char *value = "";
        if (colon) {
            *colon = '\0';
            value = colon + 1;
            if (*value == ' ')
                value++;
        }
        field(p, p->line, value);
    }
    p->len = 0;
}

void sse_parser_feed(struct sse_parser *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            end_line(p);
        } else if (p->len + 1 < sizeof p->line) {
            p->line[p->len++] = data[i];
        } else {
            p->overflow = true;
        }
    }
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    struct cli_feed *f = ud;
    size_t n = size * nmemb;
    if (!f->status) {
        long st = 0;
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &st);
        f->status = st;
    }
    if (f->status != 200)
        return 0; /* not a feed: stop */
    sse_parser_feed(&f->parser, data, n);
    return n;
}

int cli_feed_open(struct cli_feed *f, struct cli_http *c, const char *url, char *err,
                  size_t errlen)
{
    memset(f, 0, sizeof *f);
    sse_parser_init(&f->parser);
    struct curl_slist *h = cli_http_signed_headers(c, "GET", url, "text/event-stream", err, errlen);
    if (!h)
        return -1;
    f->headers = h;
    CURL *e = curl_easy_init();
    CURLM *m = curl_multi_init();
    f->easy = e;
    f->multi = m;
    if (!e || !m) {
        snprintf(err, errlen, "out of memory");
        cli_feed_close(f);
        return -1;
    }
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                           \
    do {                                        \
        if (rc == CURLE_OK)                     \
            rc = curl_easy_setopt(e, opt, val); \
    } while (0)
    rc = chef_http_base_options(e, url);
    if (rc == CURLE_OK && cli_http_apply_tls(c, e) != 0)
        rc = CURLE_SSL_CACERT_BADFILE;
    SET(CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
    SET(CURLOPT_HTTPHEADER, h);
    SET(CURLOPT_USERAGENT, "pushy-cli");
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, f);
    SET(CURLOPT_HTTPGET, 1L);
#undef SET
    if (rc != CURLE_OK || curl_multi_add_handle(m, e) != CURLM_OK) {
        snprintf(err, errlen, "cannot set up the feed request: %s", curl_easy_strerror(rc));
        cli_feed_close(f);
        return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_feed_wait(struct cli_feed *f, double max_s)
{
    double end = now_s() + max_s;
    for (;;) {
        int running = 0;
        if (!f->ended && curl_multi_perform(f->multi, &running) != CURLM_OK)
            f->ended = true;
        if (f->parser.events > f->seen) {
            f->seen = f->parser.events;
            return 1;
        }
        if (f->ended || running == 0) {
            f->ended = true;
            return -1;
        }
        double left = end - now_s();
        if (left <= 0)
            return 0;
        int ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
        curl_multi_poll(f->multi, NULL, 0, ms, NULL);
    }
}

void cli_feed_close(struct cli_feed *f)
{
    if (f->multi && f->easy)
        curl_multi_remove_handle(f->multi, f->easy);
    if (f->easy)
        curl_easy_cleanup(f->easy);
    if (f->multi)
        curl_multi_cleanup(f->multi);
    curl_slist_free_all(f->headers);
    f->easy = f->multi = f->headers = NULL;
}
