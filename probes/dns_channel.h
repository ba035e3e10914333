/* One c-ares channel driven by a libuv loop: c-ares's sockets are watched
 * with uv_poll_t and its retry timeouts with one uv_timer_t, so a lookup
 * never blocks and never takes a thread of libuv's pool. c-ares reads
 * /etc/resolv.conf, /etc/nsswitch.conf and /etc/hosts itself. It can only
 * cancel a whole channel, not one query: per-name deadlines are the
 * resolver's (resolver.c). */
#ifndef CAMDEX_DNS_CHANNEL_H
#define CAMDEX_DNS_CHANNEL_H

#include <netinet/in.h>
#include <stdint.h>
#include <uv.h>

struct dns_channel;

/* `status` is 0 with `addr` set (port 0), or a negative errno: -ENOENT (no
 * such name, or no address for it), -ETIMEDOUT (c-ares gave up), -EAGAIN
 * (the server failed or refused), -ECONNREFUSED (no server reachable),
 * -ECANCELED, -ENOMEM, -EINVAL (not a valid name), -EIO. */
typedef void (*dns_channel_cb)(void *data, int status, const struct sockaddr_storage *addr);

struct dns_channel_opts {
    const char *servers; /* "ADDR[:PORT],..." asked instead of resolv.conf's; NULL: resolv.conf */
    uint32_t try_ms;     /* a query's first try per server; its second gets twice that */
};

/* 0, or a negative errno: -EINVAL for a malformed `servers`. */
int dns_channel_new(uv_loop_t *loop, const struct dns_channel_opts *o, dns_channel_cb cb,
                    struct dns_channel **out);

/* Looks `host` up (A and AAAA); `cb(data, …)` is called exactly once, on
 * the loop, possibly before this returns (/etc/hosts, "localhost"). */
void dns_channel_query(struct dns_channel *ch, const char *host, void *data);

/* Ends every query now, each with -ECANCELED. */
void dns_channel_cancel(struct dns_channel *ch);

/* Ends every query with -ECANCELED and frees the channel once libuv has
 * closed its handles. Safe from inside a query's callback: the channel is
 * then torn down as soon as c-ares returns. */
void dns_channel_close(struct dns_channel *ch);

#endif
