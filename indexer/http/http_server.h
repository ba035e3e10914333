/* The HTTP API and Prometheus metrics of `camdex serve`: h2o on its own
 * libuv loop and thread, so that no request, however slow or large, can
 * delay the probing loop. */
#ifndef CAMDEX_HTTP_SERVER_H
#define CAMDEX_HTTP_SERVER_H

#include <stddef.h>
#include <uv.h>

#include "base/config.h"
#include "engine/monitor.h"
#include "notify/notifier.h"
#include "store.h"

struct http_server;

/* Binds cfg->listen (loopback unless configured otherwise) and starts
 * serving on a thread of its own. `main_loop` is the loop that owns `mon`:
 * a timer on it publishes the monitor's counters for /metrics (the loop
 * thread owns them). `mon` may be NULL (no live counters). `notifier`
 * (may be NULL) gives /metrics its webhook counters: stop the server
 * before it. Returns 0, or a negative errno with a sentence for people in
 * `err`. With an empty listen address it returns 0 and *out stays NULL. */
int http_server_start(uv_loop_t *main_loop, const struct config *cfg, struct store *store,
                      struct monitor *mon, struct notifier *notifier, struct http_server **out,
                      char *err, size_t errlen);

/* Extra /metrics series (Prometheus text, malloc'd, freed by the server)
 * from a part the HTTP library does not link: the cluster's zones. Called
 * on the HTTP thread for each scrape. Any thread; safe with srv NULL. */
typedef char *(*http_metrics_extra_fn)(void *ctx);
void http_server_set_metrics_extra(struct http_server *srv, http_metrics_extra_fn fn, void *ctx);

/* A central: operations on a camera of a zone (maintenance, probes on
 * demand, reference pictures, thumbnails) are done by the zone's prober,
 * through a router from a part this library does not link (the
 * cluster's). `fn` runs on the HTTP thread and must not wait: 0 when the
 * operation was sent, and its answer is then given exactly once, from any
 * thread, with http_server_route_answer; or a negative errno (answered at
 * once, see http_server_route_answer). Set after start; stop the router,
 * which answers whatever waits, before the server. */
struct http_route_op {
    uint64_t token; /* given back with the answer */
    const char *zone, *method, *target, *accept_language, *content_type;
    const void *body;
    size_t body_len;
    uint32_t timeout_ms;
};
typedef int (*http_route_fn)(void *ctx, const struct http_route_op *op);
void http_server_set_router(struct http_server *srv, http_route_fn fn, void *ctx);
/* rc 0: the prober's API answered `status`, `content_type` and `body`,
 * sent on as they are. rc < 0, no answer: -EHOSTUNREACH (no prober of the
 * zone listens), -ETIMEDOUT, -ENOTCONN (the central is cut off from NATS),
 * -EACCES (NATS refused the subject), -EBUSY, -ECANCELED; each answered
 * with a status and a message naming the zone. */
void http_server_route_answer(struct http_server *srv, uint64_t token, int rc, int status,
                              const char *content_type, const void *body, size_t len);

/* Stops accepting, lets requests in progress finish (connections still
 * open after a short grace are cut), joins the thread and frees. Call on
 * the main loop's thread; safe with NULL. */
void http_server_stop(struct http_server **srv);

/* The routing table, for the test that holds indexer/http/openapi.json to it:
 * route `i`'s method ("GET") and path pattern without the leading slash,
 * segments split by "/", a segment "*" taking one id ("api/v1/units" then
 * "*"; "" is / itself). Returns 0, or -ENOENT past the last route. */
int http_server_route(size_t i, const char **method, const char **pattern);

/* Events were committed: event streams read them from the index. Call
 * from the main loop (on each committed transition; calls are coalesced).
 * Safe with NULL. */
void http_server_notify(struct http_server *srv);

/* The address actually bound ("127.0.0.1:8470"), for the log line. */
const char *http_server_address(const struct http_server *srv);

#endif
