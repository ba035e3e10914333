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

#include "http/http_head.h"

struct http_conns_limits {
    size_t max_conns;        /* open connections at most */
    size_t max_per_addr;     /* one address's connections at most */
    uint64_t head_deadline_ms; /* from connection (or the previous answer) to a request's head */
    size_t body_budget;      /* bytes all requests being received may hold */
};

struct http_conns;

/* What the gate makes of a connection's first request head, read before
 * h2o sees the connection. */
enum http_gate_verdict {
    HTTP_GATE_PASS,       /* to h2o; the connection may be kept alive */
    HTTP_GATE_PASS_ONCE,  /* to h2o for this request only (Connection: close) */
    HTTP_GATE_REFUSE,     /* `reply` is sent and the connection ends, its body unread */
};

/* Judges a head (`parsed` is http_head_parse's result, the head valid only
 * when it is positive). Sets *reserve to the bytes its body may take from
 * the budget (0 for none), or writes a whole HTTP reply into reply[0..cap)
 * and its length into *reply_len. */
typedef enum http_gate_verdict (*http_gate_fn)(void *data, const struct http_head *h, int parsed,
                                               size_t *reserve, char *reply, size_t cap,
                                               size_t *reply_len);

/* Connections are handed to h2o through `accept`; `on_empty` runs when the
 * last one closes after http_conns_stop. */
int http_conns_new(uv_loop_t *loop, h2o_accept_ctx_t *accept, const struct http_conns_limits *lim,
                   http_gate_fn gate, void (*on_empty)(void *), void *data,
                   struct http_conns **out);
void http_conns_free(struct http_conns **p);

/* The listener's connection callback. */
void http_conns_on_accept(uv_stream_t *listener, int status);

/* A request reached the handlers: its connection is busy until the
 * request is disposed (no head deadline, no body budget meanwhile); one
 * the gate passed once is not kept alive. */
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
    uint64_t over_budget; /* refused or cut with 503: bodies over the budget */
    uint64_t refused;     /* refused by the gate (token, malformed head) */
};
void http_conns_get_stats(const struct http_conns *cs, struct http_conns_stats *st);

#endif
