/* The HTTP server's connections: accepting them under a global and a
 * per-address cap, a deadline for each request's head, the memory budget
 * of request bodies being received, and cutting them at stop. Runs on the
 * HTTP thread. */
#ifndef CAMDEX_HTTP_CONNS_H
#define CAMDEX_HTTP_CONNS_H

#include <h2o.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct http_conns_limits {
    size_t max_conns;        /* open connections at most */
    size_t max_per_addr;     /* one address's connections at most */
    uint64_t head_deadline_ms; /* from connection (or the previous answer) to a request's head */
    size_t body_budget;      /* bytes all requests being received may hold */
};

struct http_conns;

/* Connections are handed to h2o through `accept`; `on_empty` runs when the
 * last one closes after http_conns_stop. */
int http_conns_new(uv_loop_t *loop, h2o_accept_ctx_t *accept, const struct http_conns_limits *lim,
                   void (*on_empty)(void *), void *data, struct http_conns **out);
void http_conns_free(struct http_conns **p);

/* The listener's connection callback. */
void http_conns_on_accept(uv_stream_t *listener, int status);

/* A request reached the handlers: its connection is busy until the
 * request is disposed (no head deadline, no body budget meanwhile). */
void http_conns_request_began(struct http_conns *cs, h2o_req_t *req);

/* No more connections; shuts down reading (SHUT_RD) or both (SHUT_RDWR)
 * of every open one so that h2o ends them the ordinary way. */
void http_conns_stop(struct http_conns *cs);
void http_conns_shutdown_all(struct http_conns *cs, int how);
size_t http_conns_open(const struct http_conns *cs);

/* Counters for tests and logs. */
struct http_conns_stats {
    uint64_t evicted;     /* cut to make room (caps) */
    uint64_t head_late;   /* cut: no request head before the deadline */
    uint64_t over_budget; /* cut with 503: bodies over the budget */
};
void http_conns_get_stats(const struct http_conns *cs, struct http_conns_stats *st);

#endif
