/* libFuzzer target: the HTTP API's request parsers (indexer/http): query
 * strings, paths, percent-decoding, cursors, the request-head gate's
 * parser, the Host check and the Accept-Language choice. The first byte picks the parser; the rest is
 * its input. They use nothing of a request but its memory pool. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_encoding.h"
#include "http/accept_lang.h"
#include "http/api_internal.h"
#include "http/host_check.h"
#include "http/http_head.h"

/* Checked in every build (asserts are off in RelWithDebInfo). */
#define CHECK(c)         \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void query(struct api_req *a, const char *in, size_t n)
{
    size_t bad = 0;
    if (api_query_split(a, in, n, &bad) != 0)
        return;
    CHECK(a->nparams <= API_MAX_PARAMS);
    for (size_t i = 0; i < a->nparams; i++) {
        CHECK(tenc_is_utf8(a->params[i].name, strlen(a->params[i].name)));
        CHECK(tenc_is_utf8(a->params[i].value, strlen(a->params[i].value)));
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(a->params[k].name, a->params[i].name) != 0);
    }
}

static void path(struct api_req *a, const char *in, size_t n)
{
    if (api_path_split(a, in, n) != 0)
        return;
    CHECK(n <= API_PATH_MAX && a->nseg <= API_MAX_SEGMENTS);
    for (size_t i = 0; i < a->nseg; i++) {
        CHECK(!strchr(a->seg[i], '/') && strcmp(a->seg[i], "..") != 0);
        for (const char *c = a->seg[i]; *c; c++)
            CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
}

static void cursor(struct api_req *a, const char *in, size_t n)
{
    char *s = h2o_mem_alloc_pool(&a->req->pool, n + 1);
    memcpy(s, in, n);
    s[n] = 0;
    unsigned char key[64];
    size_t len = 0;
    if (api_cursor_decode(s, key, sizeof(key), &len) != 0)
        return;
    /* What decodes encodes back to the same text, but for the case of the
     * hex digits. */
    const char *back = api_cursor_encode(a, key, len);
    CHECK(strlen(back) == strlen(s) && strncasecmp(back, s, strlen(s)) == 0);
}

static void head(const char *in, size_t n)
{
    struct http_head h;
    int rc = http_head_parse(in, n, &h);
    if (rc <= 0)
        return;
    CHECK((size_t)rc <= n && rc <= HTTP_HEAD_MAX);
    CHECK(h.method >= in && h.method + h.method_len <= in + rc);
    CHECK(h.target >= in && h.target + h.target_len <= in + rc);
    if (h.has_host)
        CHECK(h.host >= in && h.host + h.host_len <= in + rc);
    if (h.has_auth)
        CHECK(h.auth >= in && h.auth + h.auth_len <= in + rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    h2o_req_t req;
    memset(&req, 0, sizeof(req));
    h2o_mem_init_pool(&req.pool);
    struct api_req a = {.req = &req};
    switch (data[0] % 7) {
    case 0:
        query(&a, in, n);
        break;
    case 1:
        path(&a, in, n);
        break;
    case 2: {
        char *d = api_pct_decode(&a, in, n, data[0] & 0x80);
        CHECK(!d || strlen(d) <= n);
        break;
    }
    case 3:
        cursor(&a, in, n);
        break;
    case 4:
        head(in, n);
        break;
    case 5: {
        enum msg_lang l = accept_lang_pick(in, n);
        CHECK(l == MSG_EN || l == MSG_ZH);
        break;
    }
    default:
        host_check_allowed(in, n, "camdex.example.org, ops.example.org:8443,[::1]");
        break;
    }
    h2o_mem_clear_pool(&req.pool);
    return 0;
}
