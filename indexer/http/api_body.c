/* Bodies written as they are read (see api_internal.h): a chunked answer
 * whose next piece is made only when h2o has sent the previous one (its
 * proceed callback), so a client that reads slowly holds one piece of the
 * server's memory, never the whole answer. The body and its context live
 * in the request's pool: when the request ends, finished or cut by a
 * client that went away, the pool's disposal frees everything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_internal.h"

struct api_body {
    h2o_generator_t super; /* first: h2o hands it back to proceed and stop */
    h2o_req_t *req;
    api_body_fill_fn fill;
    void *ctx;
    char *buf;
    size_t len, cap;
    bool stopped;
    int err;
};

static struct api_body_stats stats; /* HTTP thread only */

void api_body_stats_get(struct api_body_stats *out)
{
    *out = stats;
}

static void on_dispose(void *p)
{
    struct api_body *b = p;
    free(b->buf);
    free(b->ctx);
    stats.open--;
}

void *api_body_new(struct api_req *a, size_t ctx_size, api_body_fill_fn fill, struct api_body **out)
{
    *out = NULL;
    void *ctx = calloc(1, ctx_size ? ctx_size : 1);
    if (!ctx)
        return NULL;
    struct api_body *b = h2o_mem_alloc_shared(&a->req->pool, sizeof(*b), on_dispose);
    memset(b, 0, sizeof(*b));
    b->req = a->req;
    b->fill = fill;
    b->ctx = ctx;
    stats.open++;
    stats.started++;
    *out = b;
    return ctx;
}

int api_body_put(struct api_body *b, const char *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb)
            return -ENOMEM;
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    return 0;
}

int api_body_puts(struct api_body *b, const char *s)
{
    return api_body_put(b, s, strlen(s));
}

int api_body_list_end(struct api_body *b, size_t count, const char *next_cursor)
{
    char tail[96];
    snprintf(tail, sizeof(tail), "],\"count\":%zu,\"next_cursor\":", count);
    int rc = api_body_puts(b, tail);
    if (!rc && next_cursor) {
        rc = api_body_put(b, "\"", 1);
        if (!rc)
            rc = api_body_puts(b, next_cursor);
        if (!rc)
            rc = api_body_put(b, "\"", 1);
    } else if (!rc) {
        rc = api_body_puts(b, "null");
    }
    if (!rc)
        rc = api_body_puts(b, "}\n");
    return rc ? rc : 1;
}

bool api_body_full(const struct api_body *b)
{
    return b->len >= API_BODY_CHUNK;
}

/* The next piece into buf: 1 when it is the last, 0 when more follow,
 * negative on error. Row JSON is made with malloc and freed row by row,
 * not in the request's pool, which would keep every row until the end. */
static int fill(struct api_body *b)
{
    b->len = 0;
    h2o_mem_pool_t *prev = api_json_pool_swap(NULL);
    int rc = b->fill(b, b->ctx);
    api_json_pool_swap(prev);
    if (b->len > stats.peak_piece)
        stats.peak_piece = b->len;
    stats.pieces++;
    return rc;
}

static void send_piece(struct api_body *b, int rc)
{
    h2o_iovec_t v = h2o_iovec_init(b->buf, b->len);
    /* An error after the head went out can only cut the body short: the
     * chunked encoding then lacks its end, and the client knows it is
     * incomplete. */
    h2o_send_state_t st = rc < 0   ? H2O_SEND_STATE_ERROR
                          : rc > 0 ? H2O_SEND_STATE_FINAL
                                   : H2O_SEND_STATE_IN_PROGRESS;
    h2o_send(b->req, &v, b->len ? 1 : 0, st);
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    struct api_body *b = (struct api_body *)g;
    if (b->stopped)
        return;
    send_piece(b, fill(b));
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    struct api_body *b = (struct api_body *)g;
    b->stopped = true; /* the pool's disposal frees it */
    stats.cut++;
}

int api_body_start(struct api_req *a, struct api_body *b, const char *content_type,
                   const char *what)
{
    /* The first piece is made before the head goes out, so a failure to
     * read the index is still an ordinary error answer, and a piece that
     * ends the body (a page) may set headers (next cursor). */
    int rc = fill(b);
    if (rc < 0)
        return api_store_error(a, rc, what);
    h2o_req_t *req = a->req;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    if (rc > 0) /* the whole answer in one piece: its length is known */
        req->res.content_length = b->len;
    b->super.proceed = on_proceed;
    b->super.stop = on_stop;
    h2o_start_response(req, &b->super);
    send_piece(b, rc);
    return 0;
}
