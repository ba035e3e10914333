/* Replies of the HTTP API: JSON bodies and JSON errors, built in the
 * request's memory pool. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_encoding.h"
#include "http/api_internal.h"

/* jansson's allocator is process-wide; on the HTTP thread, during a
 * request, it takes from that request's pool, elsewhere it is what it was
 * before (the CLI's arena on the main thread). */
static json_malloc_t prev_malloc;
static json_free_t prev_free;
static _Thread_local h2o_mem_pool_t *json_pool;

static void *pool_malloc(size_t n)
{
    return json_pool ? h2o_mem_alloc_pool(json_pool, n) : prev_malloc(n);
}

static void pool_free(void *p)
{
    /* Pool memory goes with the request. */
    if (!json_pool)
        prev_free(p);
}

void api_json_alloc_install(void)
{
    if (prev_malloc)
        return;
    json_get_alloc_funcs(&prev_malloc, &prev_free);
    json_set_alloc_funcs(pool_malloc, pool_free);
}

void api_json_pool_enter(h2o_mem_pool_t *pool)
{
    json_pool = pool;
}

void api_json_pool_leave(void)
{
    json_pool = NULL;
}

void api_json_thread_release(void)
{
    /* h2o keeps up to 16 freed pool chunks per thread; each fresh pool
     * takes one back off that list (or a new one), and free() ends it. */
    for (int i = 0; i < 16; i++) {
        h2o_mem_pool_t p;
        h2o_mem_init_pool(&p);
        h2o_mem_alloc_pool(&p, 1);
        free(p.chunks);
    }
}

h2o_mem_pool_t *api_json_pool_swap(h2o_mem_pool_t *pool)
{
    h2o_mem_pool_t *prev = json_pool;
    json_pool = pool;
    return prev;
}

char *api_strdup(struct api_req *a, const char *s, size_t len)
{
    char *p = h2o_mem_alloc_pool(&a->req->pool, len + 1);
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 421:
        return "Misdirected Request";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

/* Sends the body in up to two pieces that live in the request pool. */
static int send_parts(struct api_req *a, int status, const char *content_type, const char *b1,
                      size_t l1, const char *b2, size_t l2)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_req_t *req = a->req;
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    req->res.content_length = l1 + l2;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    /* Answers describe live state: never cached by anybody in between. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_start_response(req, &generator);
    h2o_iovec_t bufs[2] = {h2o_iovec_init(b1, l1), h2o_iovec_init(b2, l2)};
    h2o_send(req, bufs, l2 ? 2 : 1, H2O_SEND_STATE_FINAL);
    return 0;
}

int api_send(struct api_req *a, int status, const char *content_type, const char *body, size_t len)
{
    return send_parts(a, status, content_type, body, len, NULL, 0);
}

/* True when an If-None-Match list ("a", W/"b", or *) names `etag`. Weak
 * and strong forms compare alike, as RFC 9110 has it for this header. */
static bool etag_listed(h2o_iovec_t v, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = v.base, *end = v.base + v.len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *item = p;
        while (p < end && *p != ',')
            p++;
        size_t n = (size_t)(p - item);
        while (n && (item[n - 1] == ' ' || item[n - 1] == '\t'))
            n--;
        if ((n == 1 && item[0] == '*') || (n == elen && memcmp(item, etag, n) == 0))
            return true;
    }
    return false;
}

int api_send_static(struct api_req *a, const char *content_type, const char *etag,
                    const unsigned char *body, size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_req_t *req = a->req;
    ssize_t h = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    bool fresh = h >= 0 && etag_listed(req->headers.entries[h].value, etag);
    req->res.status = fresh ? 304 : 200;
    req->res.reason = reason_phrase(req->res.status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag, strlen(etag));
    /* The names stay, the bytes change with each build: a browser keeps
     * its copy but asks each time whether it is still this one. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    if (fresh) {
        h2o_start_response(req, &generator);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return 0;
    }
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    h2o_start_response(req, &generator);
    /* The bytes live in the program image: nothing to copy or free. */
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
    return 0;
}

int api_json(struct api_req *a, int status, json_t *o)
{
    if (!o)
        return api_error(a, 500, "internal", "out of memory building the reply");
    /* In the request pool (see pool_malloc), so it lives until the response
     * is sent; UTF-8 as it is: jansson checked every string it was given. */
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return api_error(a, 500, "internal", "out of memory building the reply");
    return send_parts(a, status, "application/json", s, strlen(s), "\n", 1);
}

int api_error(struct api_req *a, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Messages quote what the client sent: keep them valid UTF-8 (a cut at
     * the end of msg may split a character) and free of control bytes. */
    bool utf8 = tenc_is_utf8(msg, strlen(msg));
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (!utf8 && (unsigned char)*p >= 0x80))
            *p = '?';
    json_t *o =
        json_pack("{s:{s:s, s:i, s:s}}", "error", "code", code, "status", status, "message", msg);
    if (!o) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n";
        return api_send(a, 500, "application/json", oom, sizeof(oom) - 1);
    }
    return api_json(a, status, o);
}

int api_store_error(struct api_req *a, int rc, const char *what)
{
    if (rc == -ENOENT)
        return api_error(a, 404, "not_found", "%s", what);
    if (rc == -EAGAIN)
        return api_error(a, 503, "busy", "the index has too many readers; try again");
    return api_error(a, 500, "store", "reading the index failed: %s", store_strerror(rc));
}
