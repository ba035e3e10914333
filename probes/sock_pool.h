/* Disconnected TCP sockets kept for the next probe. A probe's connection
 * ends with a reset once the exchange is done (rtsp_conn.c); done with
 * connect(AF_UNSPEC) instead of close, the socket goes back to the closed
 * state and can connect again, so the next probe skips creating a socket
 * and tearing one down: on loopback a quarter of the probing CPU (a
 * one-request exchange, 57-61 against 43-45 us of client CPU, measured with
 * a plain epoll client against camfarm). Not thread-safe: one per loop.
 * The pool never holds more than `max` sockets of a family, and only
 * sockets that probes gave back, so probes in flight plus idle sockets never
 * exceed the most probes ever in flight at once. */
#ifndef CAMDEX_SOCK_POOL_H
#define CAMDEX_SOCK_POOL_H

#include <stddef.h>
#include <stdint.h>

struct sock_pool;

struct sock_pool_stats {
    uint64_t taken;   /* sockets handed out for reuse */
    uint64_t kept;    /* sockets taken back */
    uint64_t refused; /* given back but not kept (pool full, or the reset failed) */
    size_t idle;      /* sockets waiting now, both families */
};

/* A pool keeping at most max sockets per family (AF_INET, AF_INET6). */
int sock_pool_new(size_t max, struct sock_pool **out);
/* Closes every idle socket; NULL is ignored. */
void sock_pool_free(struct sock_pool **p);

/* An idle socket of the family (non-blocking, close-on-exec, closed TCP
 * state), now the caller's; -1 when there is none. */
int sock_pool_take(struct sock_pool *p, int family);

/* Reset fd's connection (the peer gets RST, no TIME_WAIT) and keep a
 * duplicate of the socket; the caller still closes fd (its own descriptor)
 * as usual, which no longer touches the connection. 0 when kept; else a
 * negative errno and the connection is as it was unless the reset itself
 * went through (then closing fd just frees it). */
int sock_pool_recycle(struct sock_pool *p, int fd, int family);

void sock_pool_get_stats(const struct sock_pool *p, struct sock_pool_stats *out);

#endif
