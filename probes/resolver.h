/* Host name resolution on the loop: numeric addresses at once, names
 * through c-ares (dns_channel.h: /etc/hosts, then the servers of
 * /etc/resolv.conf) with a deadline and a short cache (positive and
 * negative), so neither tier ever blocks on DNS, no lookup takes a thread
 * of libuv's pool, and tier 2 is always handed an IP address. */
#ifndef CAMDEX_RESOLVER_H
#define CAMDEX_RESOLVER_H

#include <netinet/in.h>
#include <stdint.h>
#include <uv.h>

struct resolver;

struct resolver_opts {
    uint32_t timeout_ms;  /* per lookup [3000] */
    uint32_t cache_ms;    /* how long an answer is reused [60000]; failures: a fifth */
    uint32_t max_entries; /* cache size bound [4096] */
    /* DNS servers asked instead of resolv.conf's, "ADDR[:PORT],..." (an
     * IPv6 address with a port in brackets); copied. [NULL: resolv.conf] */
    const char *servers;
};

/* `status` is 0 with `addr` set (port 0), or a negative errno: -ETIMEDOUT
 * (the deadline passed), -ENOENT (no such name), -EAGAIN (the server failed
 * or refused), -ECONNREFUSED (no server reachable), others as in
 * dns_channel.h. Called once, on the loop; a late answer is ignored. */
typedef void (*resolver_cb)(void *data, int status, const struct sockaddr_storage *addr);

/* With `servers`, the list is checked now (-EINVAL when malformed) and the
 * resolver holds libuv handles from here on; without, from the first name
 * looked up. */
int resolver_new(uv_loop_t *loop, const struct resolver_opts *o, struct resolver **out);
/* Pending lookups complete with -ECANCELED; memory goes once libuv is done
 * (run the loop after this when any name was looked up, or `servers` set). */
void resolver_free(struct resolver **r);

/* Resolves `host` (IPv4, IPv6 without brackets, or a name). A numeric,
 * cached or /etc/hosts answer calls `cb` before returning. Returns 0, or a negative errno
 * and then `cb` is never called. */
int resolver_lookup(struct resolver *r, const char *host, resolver_cb cb, void *data);

/* Numeric hosts only, no loop needed: 0 or -EINVAL. */
int resolver_numeric(const char *host, struct sockaddr_storage *addr);

#endif
