/* Host name resolution on the loop: numeric addresses at once, names
 * through uv_getaddrinfo with a deadline and a short cache (positive and
 * negative), so neither tier ever blocks on DNS and tier 2 is always handed
 * an IP address. */
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
};

/* `status` is 0 with `addr` set (port 0), or a negative errno: -ETIMEDOUT,
 * -ENOENT (no such name), -EAI_* mapped to -EIO. Called once, on the loop. */
typedef void (*resolver_cb)(void *data, int status, const struct sockaddr_storage *addr);

int resolver_new(uv_loop_t *loop, const struct resolver_opts *o, struct resolver **out);
/* Pending lookups complete with -ECANCELED; memory goes once libuv is done. */
void resolver_free(struct resolver **r);

/* Resolves `host` (IPv4, IPv6 without brackets, or a name). A numeric or
 * cached answer calls `cb` before returning. Returns 0, or a negative errno
 * and then `cb` is never called. */
int resolver_lookup(struct resolver *r, const char *host, resolver_cb cb, void *data);

/* Numeric hosts only, no loop needed: 0 or -EINVAL. */
int resolver_numeric(const char *host, struct sockaddr_storage *addr);

#endif
