/* The HTTP server: h2o on a libuv loop of its own, on a thread of its own,
 * with one handler that routes, authenticates and dispatches to api_*.c.
 * The probing loop only ever publishes its counters here (once a second,
 * under a mutex) and otherwise never waits for a request. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/text_encoding.h"
#include "base/timefmt.h"
#include "http/api_internal.h"
#include "http/host_check.h"
#include "http/http_conns.h"
#include "http/http_server.h"

#define HTTP_QUERY_MAX    4096
#define HTTP_GRACE_MS     2000       /* at stop, for responses still being written */
#define HTTP_BACKLOG      1024 /* a burst of connections must not overflow into SYN retries */
#define HTTP_FD_RESERVE   2048 /* descriptors left to probing, the index and logs */

struct http_server {
    struct api_env env; /* first: handlers get it */
    uv_loop_t loop;
    uv_thread_t thread;
    bool thread_started;
    uv_tcp_t listener;
    uv_async_t stop_async;
    uv_timer_t grace_timer;
    h2o_globalconf_t h2o_config;
    h2o_context_t h2o_ctx;
    h2o_accept_ctx_t accept_ctx;
    struct http_conns *conns;
    bool stopping;
    /* On the main loop. */
    uv_timer_t *stats_timer;
    struct monitor *mon;
    char address[80];
};

struct route_handler {
    h2o_handler_t super;
    struct http_server *srv;
};

/* ---- routing ---- */

enum route_access { ROUTE_PUBLIC, ROUTE_READ, ROUTE_WRITE };

static const struct route {
    const char *method;
    const char *pattern; /* segments; "*" takes an id */
    enum route_access access;
    int (*fn)(struct api_req *a);
} routes[] = {
    /* The dashboard: a page and its files, public (api_ui.c says why). */
    {"GET", "", ROUTE_PUBLIC, api_ui_index},
    {"GET", "ui/*", ROUTE_PUBLIC, api_ui_asset},
    {"GET", "healthz", ROUTE_PUBLIC, api_healthz},
    {"GET", "readyz", ROUTE_PUBLIC, api_readyz},
    {"GET", "metrics", ROUTE_READ, api_metrics},
    {"GET", "api/v1/healthz", ROUTE_PUBLIC, api_healthz},
    {"GET", "api/v1/readyz", ROUTE_PUBLIC, api_readyz},
    {"GET", "api/v1/summary", ROUTE_READ, api_summary},
    {"GET", "api/v1/units", ROUTE_READ, api_units},
    {"GET", "api/v1/units/*", ROUTE_READ, api_unit},
    {"GET", "api/v1/cameras", ROUTE_READ, api_cameras},
    {"GET", "api/v1/cameras/*", ROUTE_READ, api_camera},
    {"GET", "api/v1/cameras/*/events", ROUTE_READ, api_camera_events},
    {"PUT", "api/v1/cameras/*/maintenance", ROUTE_WRITE, api_camera_maintenance},
    /* The first form of the endpoint; kept so existing clients go on working. */
    {"POST", "api/v1/cameras/*/maintenance", ROUTE_WRITE, api_camera_maintenance},
    {"POST", "api/v1/cameras/*/probe", ROUTE_WRITE, api_camera_probe},
    {"GET", "api/v1/cameras/*/reference", ROUTE_READ, api_camera_reference},
    {"PUT", "api/v1/cameras/*/reference", ROUTE_WRITE, api_camera_reference},
    {"DELETE", "api/v1/cameras/*/reference", ROUTE_WRITE, api_camera_reference},
    {"GET", "api/v1/cameras/*/reference.png", ROUTE_READ, api_camera_reference_png},
    {"GET", "api/v1/cameras/*/thumbnail", ROUTE_READ, api_camera_thumbnail},
    {"GET", "api/v1/thumbnails", ROUTE_READ, api_thumbnails},
    {"POST", "api/v1/inventory", ROUTE_WRITE, api_inventory},
    {"GET", "api/v1/events", ROUTE_READ, api_events},
    {"GET", "api/v1/events/stream", ROUTE_READ, api_events_stream},
    {"GET", "api/v1/reports/online-rate", ROUTE_READ, api_report_online_rate},
    {"GET", "api/v1/reports/outages", ROUTE_READ, api_report_outages},
    {"GET", "api/v1/reports/assessment", ROUTE_READ, api_report_assessment},
    /* The dashboard's texts: public (api_messages.c says why). */
    {"GET", "api/v1/messages", ROUTE_PUBLIC, api_messages},
    /* Every route here is in indexer/http/openapi.json; tests/indexer/http/test_api.c
     * fails when one is not. */
    {"GET", "api/v1/openapi.json", ROUTE_READ, api_openapi},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

int http_server_route(size_t i, const char **method, const char **pattern)
{
    if (i >= NROUTES)
        return -ENOENT;
    *method = routes[i].method;
    *pattern = routes[i].pattern;
    return 0;
}

/* The document describes the routes above; it is the same bytes for every
 * request, so it is sent from where it lives, not copied. */
int api_openapi(struct api_req *a)
{
    static const char *const no_params[] = {NULL};
    if (api_check_params(a, no_params))
        return 0;
    return api_send(a, 200, "application/json", (const char *)api_openapi_json,
                    api_openapi_json_len);
}

static bool pattern_matches(const char *pat, const struct api_req *a)
{
    size_t i = 0;
    while (*pat) {
        const char *end = strchr(pat, '/');
        size_t n = end ? (size_t)(end - pat) : strlen(pat);
        if (i == a->nseg)
            return false;
        if (!(n == 1 && *pat == '*') && (strlen(a->seg[i]) != n || memcmp(a->seg[i], pat, n)))
            return false;
        i++;
        pat += n + (end ? 1 : 0);
    }
    return i == a->nseg;
}

/* The path split into a->seg; 0, or 1 after an error reply. */
static int split_path(struct api_req *a, const char *p, size_t len)
{
    switch (api_path_split(a, p, len)) {
    case 0:
        return 0;
    case -ENAMETOOLONG:
        return api_error(a, 400, "bad_path", "the path is longer than %d bytes", API_PATH_MAX), 1;
    case -EINVAL:
        return api_error(a, 400, "bad_path", "the path must start with /"), 1;
    case -ENOENT:
        return api_error(a, 404, "not_found", "no such resource (see README: HTTP API)"), 1;
    case -EBADMSG:
        return api_error(a, 400, "bad_path",
                         "bad percent-encoding in the path (use %%XX, no %%00)"),
               1;
    case -EPERM:
        return api_error(a, 400, "bad_path",
                         "dot segments and encoded slashes are not allowed in paths"),
               1;
    case -ERANGE:
        return api_error(a, 400, "bad_path", "control characters in the path"), 1;
    default:
        return api_error(a, 400, "bad_path", "the path is not UTF-8"), 1;
    }
}

/* ---- authentication ---- */

/* Runs in time that depends on the lengths only, never on where the first
 * difference is. */
static bool token_equal(const char *given, size_t glen, const char *secret)
{
    size_t slen = strlen(secret);
    volatile unsigned char diff = (unsigned char)(glen != slen);
    for (size_t i = 0; i < slen; i++)
        diff |=
            (unsigned char)((i < glen ? (unsigned char)given[i] : 0) ^ (unsigned char)secret[i]);
    return slen && !diff;
}

/* 0 when the request may go on, 1 after a 401 or 403. */
static int authorize(struct api_req *a, enum route_access access)
{
    const struct config *cfg = a->env->cfg;
    if (access == ROUTE_PUBLIC)
        return 0;
    if (!cfg->token_ro[0] && !cfg->token_rw[0]) {
        if (access == ROUTE_WRITE)
            return api_error(a, 403, "forbidden",
                             "writes need a read-write token and none is configured "
                             "([http] token_rw)"),
                   1;
        return 0;
    }
    h2o_req_t *req = a->req;
    ssize_t h = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    const char *tok = NULL;
    size_t tlen = 0;
    if (h >= 0) {
        h2o_iovec_t v = req->headers.entries[h].value;
        if (v.len > 7 && strncasecmp(v.base, "Bearer ", 7) == 0) {
            tok = v.base + 7;
            tlen = v.len - 7;
        }
    }
    /* Both comparisons always run: which token matched leaks no timing. */
    bool rw = tok && token_equal(tok, tlen, cfg->token_rw);
    bool ro = tok && token_equal(tok, tlen, cfg->token_ro);
    if (!rw && !ro) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"camdex\""));
        return api_error(a, 401, "unauthorized",
                         tok ? "the bearer token is not valid"
                             : "send Authorization: Bearer TOKEN (a token from [http] token_ro "
                               "or token_rw)"),
               1;
    }
    if (access == ROUTE_WRITE && !rw)
        return api_error(a, 403, "forbidden", "this token may only read"), 1;
    return 0;
}

/* While reads are open (no token), only Host values that cannot come from
 * a rebound name are answered (host_check.h). A request without Host
 * (HTTP/1.0) gets h2o's default authority and is not from a browser. */
static bool host_acceptable(const struct api_req *a)
{
    const struct config *cfg = a->env->cfg;
    const h2o_req_t *req = a->req;
    if (cfg->token_ro[0] || cfg->token_rw[0])
        return true;
    if (!req->hostconf || req->input.authority.base == req->hostconf->authority.hostport.base)
        return true;
    return host_check_allowed(req->input.authority.base, req->input.authority.len,
                              cfg->http_allowed_hosts);
}

/* ---- the gate: a connection's first request head, before h2o ---- */

static size_t gate_error(char *reply, size_t cap, int status, const char *reason, const char *code,
                         const char *extra_headers, const char *message)
{
    char body[512];
    int bn = snprintf(body, sizeof(body),
                      "{\"error\":{\"code\":\"%s\",\"status\":%d,\"message\":\"%s\"}}", code,
                      status, message);
    if (bn < 0 || (size_t)bn >= sizeof(body))
        return 0;
    int n = snprintf(reply, cap,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     "%sContent-Length: %d\r\n\r\n%s",
                     status, reason, extra_headers, bn, body);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Every route that takes a body writes, so a body without the read-write
 * token is refused here, unread. A request without a valid token is
 * served alone on its connection (HTTP_GATE_PASS_ONCE): the next one on
 * it could carry a body, and only a first request comes through here. */
static enum http_gate_verdict judge_head(void *data, const struct http_head *h, int parsed,
                                         size_t *reserve, char *reply, size_t cap, size_t *rlen)
{
    const struct config *cfg = ((struct http_server *)data)->env.cfg;
    if (parsed == -EMSGSIZE) {
        *rlen = gate_error(reply, cap, 431, "Request Header Fields Too Large", "bad_request", "",
                           "the request head is larger than 8192 bytes or has over 100 fields");
        return HTTP_GATE_REFUSE;
    }
    if (parsed < 0) {
        *rlen = gate_error(reply, cap, 400, "Bad Request", "bad_request", "",
                           "the request is not HTTP/1.0 or HTTP/1.1 (the API speaks HTTP/1.1 only)");
        return HTTP_GATE_REFUSE;
    }
    bool rw = false, ro = false;
    if (h->has_auth && h->auth_len > 7 && strncasecmp(h->auth, "Bearer ", 7) == 0) {
        rw = token_equal(h->auth + 7, h->auth_len - 7, cfg->token_rw);
        ro = token_equal(h->auth + 7, h->auth_len - 7, cfg->token_ro);
    }
    if (http_head_has_body(h) && !rw) {
        if (!cfg->token_rw[0])
            *rlen = gate_error(reply, cap, 403, "Forbidden", "forbidden", "",
                               "requests with a body write, and writes need a read-write token: "
                               "none is configured ([http] token_rw)");
        else if (ro)
            *rlen = gate_error(reply, cap, 403, "Forbidden", "forbidden", "",
                               "this token may only read");
        else
            *rlen = gate_error(reply, cap, 401, "Unauthorized", "unauthorized",
                               "WWW-Authenticate: Bearer realm=\"camdex\"\r\n",
                               h->has_auth ? "the bearer token is not valid"
                                           : "a request with a body needs Authorization: Bearer "
                                             "TOKEN (the [http] token_rw token)");
        return HTTP_GATE_REFUSE;
    }
    if (http_head_has_body(h)) {
        /* Over max_body h2o answers 413 from the length, reading nothing. */
        if (h->has_length && !h->chunked && h->content_length > cfg->http_max_body)
            return HTTP_GATE_PASS_ONCE;
        *reserve = h->chunked ? cfg->http_max_body : (size_t)h->content_length;
    }
    if (!cfg->token_ro[0] && !cfg->token_rw[0])
        return HTTP_GATE_PASS; /* reads are open: no body passes without a token anyway */
    return rw || ro ? HTTP_GATE_PASS : HTTP_GATE_PASS_ONCE;
}

static int dispatch(struct api_req *a)
{
    h2o_req_t *req = a->req;
    if (!host_acceptable(a))
        return api_error(a, 421, "unknown_host",
                         "this Host is not answered while reads need no token: use the listen "
                         "address or localhost, add the name to [http] allowed_hosts, or set "
                         "[http] token_ro");
    h2o_iovec_t path = req->input.path;
    size_t qat = req->input.query_at;
    size_t plen = qat != SIZE_MAX && qat < path.len ? qat : path.len;
    if (split_path(a, path.base, plen))
        return 0;
    const struct route *match = NULL;
    char allow[64] = "";
    bool head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    for (size_t i = 0; i < NROUTES; i++) {
        if (!pattern_matches(routes[i].pattern, a))
            continue;
        size_t ml = strlen(routes[i].method);
        if (h2o_memis(req->method.base, req->method.len, routes[i].method, ml) ||
            (head && strcmp(routes[i].method, "GET") == 0)) {
            match = &routes[i];
            break;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof(allow) - used, "%s%s%s", used ? ", " : "", routes[i].method,
                 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
    }
    if (!match && allow[0]) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
        return api_error(a, 405, "method_not_allowed", "use %s here", allow);
    }
    if (!match)
        return api_error(a, 404, "not_found",
                         "no such resource (the dashboard is at /; the API is under /api/v1: "
                         "summary, units, cameras, events, reports; openapi.json describes it; "
                         "and /metrics, /healthz, /readyz)");
    if (req->entity.base && req->entity.len > a->env->cfg->http_max_body)
        return api_error(a, 413, "too_large", "the body is larger than %u bytes",
                         a->env->cfg->http_max_body);
    if (authorize(a, match->access))
        return 0;
    if (qat != SIZE_MAX && qat < path.len) {
        size_t qlen = path.len - qat - 1;
        if (qlen > HTTP_QUERY_MAX)
            return api_error(a, 400, "bad_parameter", "the query is longer than %d bytes",
                             HTTP_QUERY_MAX);
        if (api_parse_query(a, path.base + qat + 1, qlen))
            return 0;
    }
    if (api_lang(a))
        return 0;
    /* At a central, an operation on a zone's camera is the zone's. */
    if (api_route(a) == 0)
        return 0;
    return match->fn(a);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct route_handler *rh = (struct route_handler *)self;
    struct api_req a = {.req = req, .env = &rh->srv->env};
    http_conns_request_began(rh->srv->conns, req);
    api_json_pool_enter(&req->pool);
    int rc = dispatch(&a);
    api_json_pool_leave();
    return rc;
}

/* ---- connections (http_conns.c) ---- */

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void on_conns_empty(void *data)
{
    struct http_server *srv = data;
    uv_stop(&srv->loop);
}

static void on_grace_over(uv_timer_t *t)
{
    struct http_server *srv = t->data;
    http_conns_shutdown_all(srv->conns, SHUT_RDWR);
}

static void on_stop(uv_async_t *as)
{
    struct http_server *srv = as->data;
    srv->stopping = true;
    /* Probes on demand still waiting are answered (503) before the
     * connections are asked to end. */
    probe_bridge_stop_http(srv->env.probes);
    route_bridge_stop(srv->env.routes);
    /* Event streams never end by themselves: end them first. */
    api_streams_stop(srv->env.streams);
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
    /* No more keep-alive: answers in progress end their connection. */
    h2o_context_request_shutdown(&srv->h2o_ctx);
    http_conns_stop(srv->conns);
    uv_timer_start(&srv->grace_timer, on_grace_over, HTTP_GRACE_MS, HTTP_GRACE_MS);
    uv_unref((uv_handle_t *)&srv->grace_timer);
    if (http_conns_open(srv->conns) == 0)
        uv_stop(&srv->loop);
}

/* h2o asserts at dispose that none of its timeouts has an entry left;
 * closing connections can leave deferred work (zero timeouts) behind. */
static bool h2o_timeouts_idle(h2o_context_t *c)
{
    h2o_timeout_t *ts[] = {&c->zero_timeout,
                           &c->one_sec_timeout,
                           &c->hundred_ms_timeout,
                           &c->handshake_timeout,
                           &c->http1.req_timeout,
                           &c->http2.idle_timeout,
                           &c->http2.graceful_shutdown_timeout,
                           &c->proxy.io_timeout};
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
        if (!h2o_linklist_is_empty(&ts[i]->_entries))
            return false;
    return true;
}

/* h2o 2.2 keeps freed memory-pool chunks (up to 16) and socket buffers in
 * per-thread lists that nothing releases; once the thread is gone they are
 * leaks, and LeakSanitizer says so. Empty both lists before leaving. */
static void release_h2o_thread_caches(void)
{
    for (int i = 0; i < 16; i++) {
        /* Each fresh pool takes one chunk off the list (or a new one). */
        h2o_mem_pool_t p;
        h2o_mem_init_pool(&p);
        h2o_mem_alloc_pool(&p, 1);
        free(p.chunks);
    }
    h2o_mem_recycle_t *bufs = &h2o_socket_buffer_prototype.allocator;
    while (bufs->cnt)
        free(h2o_mem_alloc_recycle(bufs, 1));
}

static void http_thread(void *arg)
{
    struct http_server *srv = arg;
    /* Named for top -H, perf and gdb: "which thread is busy" is the first
     * question when the service uses CPU. */
    pthread_setname_np(pthread_self(), "camdex-http");
    /* Signals are the main thread's; a write to a closed peer must give
     * EPIPE here, not kill the service. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* [http] nice sets this thread's priority (Linux nice is per thread).
     * The API's CPU is small (~160 µs a request) but its latency suffers
     * when it queues behind the probing loop for a core: on two shared
     * cores, -10 brought p99 from ~10 ms to ~4 ms at 1,100 requests/s and
     * cost probing nothing measurable, while +10 doubled p99 (README,
     * Benchmarks). Raising a priority needs CAP_SYS_NICE; without it the
     * thread keeps the process's priority and says so. */
    int nice = srv->env.cfg->http_nice;
    if (nice && setpriority(PRIO_PROCESS, (id_t)gettid(), nice) != 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", nice);
        log_kv(LEVEL_WARN, "cannot set the HTTP thread's priority", "nice", v, "error",
               strerror(errno),
               "hint", nice < 0 ? "a negative nice needs CAP_SYS_NICE" : "", NULL);
    }
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    for (int i = 0; i < 100 && !h2o_timeouts_idle(&srv->h2o_ctx); i++)
        uv_run(&srv->loop, UV_RUN_ONCE);
    /* Stopped: every connection is closed. h2o's own timers and queue go
     * with its context; then the loop drains their close callbacks. */
    uv_close((uv_handle_t *)&srv->grace_timer, NULL);
    h2o_context_dispose(&srv->h2o_ctx);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    release_h2o_thread_caches();
}

/* ---- counters from the main loop ---- */

static void publish_stats(uv_timer_t *t)
{
    struct http_server *srv = t->data;
    struct monitor_stats st;
    monitor_get_stats(srv->mon, &st);
    pthread_mutex_lock(&srv->env.stats_lock);
    srv->env.stats = st;
    srv->env.have_stats = true;
    srv->env.stats_at_ms = timefmt_now_ms();
    pthread_mutex_unlock(&srv->env.stats_lock);
}

/* ---- start and stop ---- */

static int parse_listen(const char *s, struct sockaddr_storage *ss, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1])
        goto bad;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        goto bad;
    memcpy(host, s, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        goto bad;
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) &&
        uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss))
        goto bad;
    return 0;
bad:
    snprintf(err, errlen,
             "[http] listen: \"%s\" is not an address (use IP:PORT, e.g. 127.0.0.1:8470 or "
             "[::1]:8470)",
             s);
    return -EINVAL;
}

/* h2o's limits. Bodies larger than max_body are refused by h2o from their
 * Content-Length before a byte is read (a chunked one as soon as it passes
 * it): the handlers see only bodies within it. Only HTTP/1.1 is spoken: the
 * dashboard and API need nothing of HTTP/2, and h2o 2.2's HTTP/2 answers
 * any number of requests a client cancels at once (README, Limits). */
static void configure_h2o(struct http_server *srv, const struct config *cfg)
{
    h2o_config_init(&srv->h2o_config);
    srv->h2o_config.max_request_entity_size = (size_t)cfg->http_max_body + 1;
    /* One timer over a request's head and body in h2o 2.2: the body's;
     * the head has a shorter deadline of its own (http_conns.c). */
    srv->h2o_config.http1.req_timeout = cfg->http_timeout_ms;
    srv->h2o_config.http1.upgrade_to_http2 = 0;
    srv->h2o_config.http2.idle_timeout = cfg->http_timeout_ms;
    srv->h2o_config.server_name = h2o_iovec_init(H2O_STRLIT("camdex"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->h2o_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    struct route_handler *rh = (struct route_handler *)h2o_create_handler(pc, sizeof(*rh));
    rh->super.on_req = on_req;
    rh->srv = srv;
}

/* The connection caps, within the open-files limit: its soft value is
 * raised to the hard one, and connections may use what probing, the index
 * and logs leave (HTTP_FD_RESERVE), half of it at worst. */
static void conn_limits(const struct config *cfg, struct http_conns_limits *lim)
{
    struct rlimit rl;
    size_t max = cfg->http_max_conns;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY) {
            size_t soft = (size_t)rl.rlim_cur;
            size_t room = soft > 2 * HTTP_FD_RESERVE ? soft - HTTP_FD_RESERVE : soft / 2;
            /* Cut connections hold a descriptor until closed (http_conns.c). */
            room /= 2;
            if (max > room) {
                char want[24], got[24], lim_s[24];
                snprintf(want, sizeof(want), "%zu", max);
                snprintf(got, sizeof(got), "%zu", room);
                snprintf(lim_s, sizeof(lim_s), "%zu", soft);
                log_kv(LEVEL_WARN, "[http] max_conns lowered to fit the open-files limit",
                       "max_conns", want, "now", got, "nofile", lim_s, "hint",
                       "raise LimitNOFILE in the unit (or ulimit -n)", NULL);
                max = room;
            }
        }
    }
    lim->max_conns = max ? max : 1;
    lim->max_per_addr = cfg->http_max_conns_per_address < lim->max_conns
                            ? cfg->http_max_conns_per_address
                            : lim->max_conns;
    lim->head_deadline_ms = cfg->http_header_timeout_ms;
    lim->body_budget = cfg->http_body_budget;
}

static void free_server(struct http_server *srv)
{
    h2o_config_dispose(&srv->h2o_config);
    http_conns_free(&srv->conns);
    api_streams_free(&srv->env.streams);
    route_bridge_free(&srv->env.routes);
    pthread_mutex_destroy(&srv->env.stats_lock);
    free(srv);
}

int http_server_start(uv_loop_t *main_loop, const struct config *cfg, struct store *store,
                      struct monitor *mon, struct notifier *notifier, struct http_server **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg->listen[0])
        return 0;
    struct sockaddr_storage ss;
    int rc = parse_listen(cfg->listen, &ss, err, errlen);
    if (rc)
        return rc;
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return -ENOMEM;
    srv->env.store = store;
    srv->env.cfg = cfg;
    srv->env.notifier = notifier;
    srv->mon = mon;
    pthread_mutex_init(&srv->env.stats_lock, NULL);
    struct store_info info;
    if (store_info(store, &info) == 0)
        srv->env.tz_offset = info.day_offset_s;
    api_json_alloc_install();

    configure_h2o(srv, cfg);
    uv_loop_init(&srv->loop);
    srv->env.loop = &srv->loop;
    h2o_context_init(&srv->h2o_ctx, &srv->loop, &srv->h2o_config);
    srv->accept_ctx.ctx = &srv->h2o_ctx;
    srv->accept_ctx.hosts = srv->h2o_config.hosts;
    uv_tcp_init(&srv->loop, &srv->listener);
    uv_async_init(&srv->loop, &srv->stop_async, on_stop);
    uv_timer_init(&srv->loop, &srv->grace_timer);
    srv->stop_async.data = srv->grace_timer.data = srv;
    struct http_conns_limits lim;
    conn_limits(cfg, &lim);
    rc = http_conns_new(&srv->loop, &srv->accept_ctx, &lim, judge_head, on_conns_empty, srv,
                        &srv->conns);
    if (rc) {
        snprintf(err, errlen, "cannot set up connections: %s", strerror(-rc));
        goto fail;
    }
    srv->listener.data = srv->conns;
    srv->env.conns = srv->conns;
    rc = api_streams_new(&srv->loop, &srv->env, &srv->env.streams);
    if (rc) {
        snprintf(err, errlen, "cannot set up event streams: %s", uv_strerror(rc));
        goto fail;
    }
    rc = route_bridge_new(&srv->loop, &srv->env, &srv->env.routes);
    if (rc) {
        snprintf(err, errlen, "cannot set up routed operations: %s", uv_strerror(rc));
        goto fail;
    }
    rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&srv->listener, HTTP_BACKLOG, http_conns_on_accept);
    if (rc) {
        snprintf(err, errlen, "[http] listen: cannot listen on %s: %s", cfg->listen,
                 uv_strerror(rc));
        goto fail;
    }
    struct sockaddr_storage bound;
    int blen = sizeof(bound);
    char ip[64] = "?";
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen);
    if (bound.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&bound, ip, sizeof(ip));
        snprintf(srv->address, sizeof(srv->address), "[%s]:%u", ip,
                 ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
    } else {
        uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof(ip));
        snprintf(srv->address, sizeof(srv->address), "%s:%u", ip,
                 ntohs(((struct sockaddr_in *)&bound)->sin_port));
    }

    if (mon) {
        srv->stats_timer = malloc(sizeof(*srv->stats_timer));
        if (!srv->stats_timer) {
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        uv_timer_init(main_loop, srv->stats_timer);
        srv->stats_timer->data = srv;
        publish_stats(srv->stats_timer);
        uv_timer_start(srv->stats_timer, publish_stats, 1000, 1000);
        rc = probe_bridge_new(main_loop, &srv->loop, mon, &srv->env, &srv->env.probes);
        if (rc) {
            snprintf(err, errlen, "cannot set up probes on demand: %s", uv_strerror(rc));
            goto fail;
        }
    }
    rc = uv_thread_create(&srv->thread, http_thread, srv);
    if (rc) {
        snprintf(err, errlen, "cannot start the HTTP thread: %s", uv_strerror(rc));
        goto fail;
    }
    srv->thread_started = true;
    *out = srv;
    return 0;
fail:
    if (srv->stats_timer)
        uv_close((uv_handle_t *)srv->stats_timer, free_handle);
    probe_bridge_stop_main(srv->env.probes);
    probe_bridge_stop_http(srv->env.probes);
    route_bridge_stop(srv->env.routes);
    /* As on_stop would, but here on this thread: the loop never ran. */
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
    uv_close((uv_handle_t *)&srv->grace_timer, NULL);
    api_streams_stop(srv->env.streams);
    if (srv->conns)
        http_conns_stop(srv->conns);
    h2o_context_dispose(&srv->h2o_ctx);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
    free_server(srv);
    return rc;
}

void http_server_stop(struct http_server **p)
{
    struct http_server *srv = *p;
    if (!srv)
        return;
    *p = NULL;
    if (srv->stats_timer)
        uv_close((uv_handle_t *)srv->stats_timer, free_handle);
    /* Before the HTTP thread stops: nothing the monitor holds may answer
     * into a bridge that is going away. */
    probe_bridge_stop_main(srv->env.probes);
    uv_async_send(&srv->stop_async);
    uv_thread_join(&srv->thread);
    uv_loop_close(&srv->loop);
    free_server(srv);
}

void http_server_notify(struct http_server *srv)
{
    if (srv)
        api_streams_notify(srv->env.streams);
}

void http_server_set_metrics_extra(struct http_server *srv, http_metrics_extra_fn fn, void *ctx)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->env.stats_lock);
    srv->env.metrics_extra = fn;
    srv->env.metrics_extra_ctx = ctx;
    pthread_mutex_unlock(&srv->env.stats_lock);
}

void http_server_set_router(struct http_server *srv, http_route_fn fn, void *ctx)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->env.stats_lock);
    srv->env.router = fn;
    srv->env.router_ctx = ctx;
    pthread_mutex_unlock(&srv->env.stats_lock);
}

void http_server_route_answer(struct http_server *srv, uint64_t token, int rc, int status,
                              const char *content_type, const void *body, size_t len)
{
    if (srv)
        route_bridge_answer(srv->env.routes, token, rc, status, content_type, body, len);
}

const char *http_server_address(const struct http_server *srv)
{
    return srv ? srv->address : "";
}
