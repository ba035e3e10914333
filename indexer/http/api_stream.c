/* HTTP API: GET /api/v1/events/stream, the outage log as server-sent
 * events. A stream is a cursor (the key of the last event it sent) and
 * nothing else: when events are committed the HTTP thread reads those after
 * each cursor from the index, so no event is held in memory for a stream,
 * and a client that does not read only falls behind on its cursor. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/api_internal.h"
#include "views/event_view.h"
#include "views/view_lang.h"

#define SSE_HEARTBEAT_MS 15000 /* comment lines, so proxies and clients see a live link */
#define SSE_POLL_MS      1000  /* events written by other processes (`camdex maintenance`) */
#define SSE_RETRY_MS     2000  /* the client's reconnection delay */
#define SSE_BATCH_EVENTS 256   /* per write: bounds a stream's buffer */
#define SSE_BATCH_BYTES  (64 * 1024)

struct sse_stream {
    h2o_generator_t super; /* first: h2o hands it back to proceed and stop */
    struct api_streams *hub;
    h2o_req_t *req;
    struct sse_stream *prev, *next;
    uint64_t cursor;             /* key of the last event sent (or before the start) */
    char unit[STORE_ID_MAX + 1]; /* "" = every unit */
    enum msg_lang lang;          /* of the events' texts */
    bool writing;                /* h2o holds `buf` until it calls proceed */
    bool started;                /* the retry line went out */
    bool keepalive_due;
    uint64_t write_since; /* loop time the write in progress began */
    char *buf;
    size_t len, cap;
};

struct api_streams {
    struct api_env *env;
    uv_async_t wake;
    uv_timer_t heartbeat, poll;
    struct sse_stream *list;
    size_t count;
    uint64_t last_key; /* the newest event key the poll saw */
    bool stopping;
};

/* ---- one stream ---- */

static int buf_append(struct sse_stream *s, const char *p, size_t n)
{
    if (s->cap - s->len < n) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap - s->len < n)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return -ENOMEM;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static void stream_unlink_free(struct sse_stream *s)
{
    struct api_streams *hub = s->hub;
    if (s->prev)
        s->prev->next = s->next;
    else
        hub->list = s->next;
    if (s->next)
        s->next->prev = s->prev;
    hub->count--;
    free(s->buf);
    free(s);
}

/* Ends the response; only when no write is in progress. */
static void stream_finish(struct sse_stream *s)
{
    h2o_req_t *req = s->req;
    stream_unlink_free(s);
    /* After FINAL h2o forgets the generator: nothing may touch `s` now. */
    h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
}

struct feed_ctx {
    struct sse_stream *s;
    size_t n;
};

static int feed_event(const struct store_event *ev, void *ctx)
{
    struct feed_ctx *fc = ctx;
    struct sse_stream *s = fc->s;
    if (ev->key <= s->cursor)
        return 0;
    if (fc->n == SSE_BATCH_EVENTS || s->len >= SSE_BATCH_BYTES)
        return 1; /* the rest after this write completes */
    json_t *o = view_event(s->hub->env->tz_offset, ev);
    if (o && view_add_texts(o, s->lang)) {
        json_decref(o);
        o = NULL;
    }
    /* Compact JSON escapes every newline: the data is one line. */
    char *j = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!j)
        return -ENOMEM;
    char head[64];
    int hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: transition\ndata: ", ev->key);
    if (buf_append(s, head, (size_t)hn) || buf_append(s, j, strlen(j)) || buf_append(s, "\n\n", 2))
        return -ENOMEM;
    s->cursor = ev->key;
    fc->n++;
    return 0;
}

/* Appends the events after the cursor, up to one batch. */
static int read_events(struct sse_stream *s)
{
    struct store_read *r;
    int rc = store_read_begin(s->hub->env->store, &r);
    if (rc)
        return rc;
    /* The JSON of a batch lives in a pool of its own: the request's pool
     * would grow for as long as the stream lasts. */
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    h2o_mem_pool_t *prev = api_json_pool_swap(&pool);
    struct feed_ctx fc = {.s = s};
    rc = store_events_scan(r, NULL, s->unit[0] ? s->unit : NULL, (int64_t)(s->cursor >> 12),
                           INT64_MAX, feed_event, &fc);
    api_json_pool_swap(prev);
    h2o_mem_clear_pool(&pool);
    store_read_end(&r);
    return rc;
}

/* Sends what is new, unless a write is still in progress: then proceed
 * calls this again when it completes, and reads on from the cursor. */
static void stream_feed(struct sse_stream *s)
{
    if (s->writing)
        return;
    if (s->hub->stopping) {
        stream_finish(s);
        return;
    }
    s->len = 0;
    int rc = 0;
    if (!s->started) {
        char retry[32];
        int n = snprintf(retry, sizeof(retry), "retry: %d\n\n", SSE_RETRY_MS);
        rc = buf_append(s, retry, (size_t)n);
        s->started = true;
    }
    if (!rc)
        rc = read_events(s);
    if (rc < 0 && rc != -EAGAIN) {
        /* The index failed us: end the stream, the client comes back with
         * its Last-Event-ID and loses nothing. (-EAGAIN, too many readers:
         * the next wake or heartbeat tries again.) */
        s->len = 0;
        stream_finish(s);
        return;
    }
    if (s->keepalive_due && !s->len)
        rc = buf_append(s, ": keepalive\n\n", 13);
    s->keepalive_due = false;
    if (!s->len)
        return;
    s->writing = true;
    s->write_since = uv_now(s->hub->heartbeat.loop);
    h2o_iovec_t b = h2o_iovec_init(s->buf, s->len);
    h2o_send(s->req, &b, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    struct sse_stream *s = (struct sse_stream *)g;
    s->writing = false;
    stream_feed(s);
}

/* The client went away (a write failed) or the connection was cut. */
static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    stream_unlink_free((struct sse_stream *)g);
}

/* ---- all streams ---- */

static void feed_all(struct api_streams *hub, bool keepalive)
{
    for (struct sse_stream *s = hub->list, *next; s; s = next) {
        next = s->next; /* feeding may end the stream */
        if (keepalive)
            s->keepalive_due = true;
        stream_feed(s);
    }
}

static void on_wake(uv_async_t *as)
{
    feed_all(as->data, false);
}

/* A client that keeps its connection but reads nothing would hold one of
 * the API_STREAMS_MAX places for ever: past [http] stream_stall on one
 * write its socket is shut down, the write fails, and h2o closes the
 * connection the ordinary way (then stop frees the stream). */
static void cut_stalled(struct api_streams *hub)
{
    uint64_t now = uv_now(hub->heartbeat.loop);
    for (struct sse_stream *s = hub->list; s; s = s->next) {
        if (!s->writing || now - s->write_since < hub->env->cfg->http_stream_stall_ms)
            continue;
        h2o_socket_t *sock = s->req->conn->callbacks->get_socket(s->req->conn);
        int fd = sock ? h2o_socket_get_fd(sock) : -1;
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
}

/* h2o does not read a connection while it answers on it, so a client that
 * closes its event stream is seen only when a write fails, two heartbeats
 * later. Its place is wanted back at once: a look at each socket (a peek,
 * no data taken) finds those whose peer has closed. */
static void reap_closed(struct api_streams *hub)
{
    for (struct sse_stream *s = hub->list, *next; s; s = next) {
        next = s->next; /* finishing frees s */
        h2o_socket_t *sock = s->req->conn->callbacks->get_socket(s->req->conn);
        int fd = sock ? h2o_socket_get_fd(sock) : -1;
        if (fd < 0)
            continue;
        char b;
        ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
            continue;
        if (s->writing)
            shutdown(fd, SHUT_RDWR); /* the write fails, then stop frees it */
        else
            stream_finish(s);
    }
}

static void on_heartbeat(uv_timer_t *t)
{
    cut_stalled(t->data);
    feed_all(t->data, true);
}

static void on_poll(uv_timer_t *t)
{
    struct api_streams *hub = t->data;
    if (!hub->count)
        return;
    reap_closed(hub);
    if (!hub->count)
        return;
    struct store_read *r;
    uint64_t key = 0;
    if (store_read_begin(hub->env->store, &r))
        return;
    int rc = store_events_last_key(r, &key);
    store_read_end(&r);
    if (!rc && key != hub->last_key) {
        hub->last_key = key;
        feed_all(hub, false);
    }
}

int api_streams_new(uv_loop_t *loop, struct api_env *env, struct api_streams **out)
{
    struct api_streams *hub = calloc(1, sizeof(*hub));
    if (!hub)
        return -ENOMEM;
    hub->env = env;
    int rc = uv_async_init(loop, &hub->wake, on_wake);
    if (rc) {
        free(hub);
        return rc;
    }
    uv_timer_init(loop, &hub->heartbeat);
    uv_timer_init(loop, &hub->poll);
    hub->wake.data = hub->heartbeat.data = hub->poll.data = hub;
    /* The stall check rides on the heartbeat: often enough that a stream
     * is cut within half its stall time of it. */
    uint64_t beat = env->cfg->http_stream_stall_ms / 2;
    if (beat > SSE_HEARTBEAT_MS)
        beat = SSE_HEARTBEAT_MS;
    uv_timer_start(&hub->heartbeat, on_heartbeat, beat, beat);
    uv_timer_start(&hub->poll, on_poll, SSE_POLL_MS, SSE_POLL_MS);
    /* Timers alone must not keep the HTTP loop running at stop. */
    uv_unref((uv_handle_t *)&hub->heartbeat);
    uv_unref((uv_handle_t *)&hub->poll);
    *out = hub;
    return 0;
}

void api_streams_notify(struct api_streams *hub)
{
    /* `stopping` is only set on the HTTP thread after the main thread has
     * stopped calling this (http_server_stop): reading it here is for the
     * HTTP thread's own calls (api_cameras.c) during the shutdown grace,
     * when the handle is closed. */
    if (hub && !hub->stopping)
        uv_async_send(&hub->wake);
}

void api_streams_stop(struct api_streams *hub)
{
    if (!hub || hub->stopping)
        return;
    hub->stopping = true;
    uv_close((uv_handle_t *)&hub->wake, NULL);
    uv_close((uv_handle_t *)&hub->heartbeat, NULL);
    uv_close((uv_handle_t *)&hub->poll, NULL);
    /* Streams not writing end now; the others when their write completes
     * (proceed), or when the server's grace cuts a client that reads
     * nothing (stop). */
    feed_all(hub, false);
}

void api_streams_free(struct api_streams **p)
{
    free(*p);
    *p = NULL;
}

size_t api_streams_count(const struct api_streams *hub)
{
    return hub ? hub->count : 0;
}

/* ---- the handler ---- */

/* Event ids are the events' keys in decimal. 0, or -EINVAL. */
static int parse_event_id(const char *p, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -EINVAL;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int api_events_stream(struct api_req *a)
{
    static const char *const known[] = {"unit", "last_event_id", NULL};
    if (api_check_params(a, known))
        return 0;
    struct api_streams *hub = a->env->streams;
    h2o_req_t *req = a->req;
    const char *unit;
    if (api_unit_param(a, &unit))
        return 0;
    /* The header wins: a browser's EventSource sends it on reconnection
     * with the newest id, while a query parameter stays what the page was
     * first given. */
    bool resume = false;
    uint64_t after = 0;
    ssize_t h = h2o_find_header_by_str(&req->headers, H2O_STRLIT("last-event-id"), -1);
    if (h >= 0) {
        h2o_iovec_t v = req->headers.entries[h].value;
        if (parse_event_id(v.base, v.len, &after))
            return api_error(a, 400, "bad_parameter",
                             "Last-Event-ID: \"%.40s\" is not an event id (send back the id: "
                             "field of the last event received, a decimal number)",
                             api_strdup(a, v.base, v.len));
        resume = true;
    } else if (api_param(a, "last_event_id")) {
        const char *v = api_param(a, "last_event_id");
        if (parse_event_id(v, strlen(v), &after))
            return api_error(a, 400, "bad_parameter",
                             "last_event_id: \"%.40s\" is not an event id (the id: field of "
                             "the last event received, a decimal number)",
                             v);
        resume = true;
    }
    if (!hub || hub->stopping)
        return api_error(a, 503, "unavailable", "the server is stopping; reconnect shortly");
    if (hub->count >= API_STREAMS_MAX)
        reap_closed(hub);
    if (hub->count >= API_STREAMS_MAX)
        return api_error(a, 503, "too_many_streams",
                         "%d event streams are open already; try again later, or poll "
                         "GET /api/v1/events",
                         API_STREAMS_MAX);

    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_unit u;
    if (unit && (rc = store_unit_get(r, unit, &u)) == -ENOENT) {
        store_read_end(&r);
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                         unit);
    }
    /* Live from now: from the newest event committed, not from the clock,
     * so an event whose commit is under way is not skipped. */
    if (!rc && !resume)
        rc = store_events_last_key(r, &after);
    store_read_end(&r);
    if (rc)
        return api_store_error(a, rc, "events");

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    /* nginx would otherwise buffer the stream. */
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-accel-buffering"), 0, NULL,
                          H2O_STRLIT("no"));
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        static h2o_generator_t none = {NULL, NULL};
        h2o_start_response(req, &none);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return 0;
    }
    struct sse_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return api_error(a, 500, "internal", "out of memory");
    s->super.proceed = on_proceed;
    s->super.stop = on_stop;
    s->hub = hub;
    s->req = req;
    s->cursor = after;
    s->lang = a->lang;
    if (unit)
        snprintf(s->unit, sizeof(s->unit), "%s", unit);
    s->next = hub->list;
    if (hub->list)
        hub->list->prev = s;
    hub->list = s;
    hub->count++;
    h2o_start_response(req, &s->super);
    stream_feed(s);
    return 0;
}
