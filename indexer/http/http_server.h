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
