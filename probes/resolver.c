/* Resolution with deadline and cache; see resolver.h. libuv runs
 * getaddrinfo on its thread pool and cannot interrupt it, so a lookup that
 * misses its deadline is answered -ETIMEDOUT at once and its late answer
 * only fills the cache. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

#define HOST_MAX 256

struct cache_entry {
    char host[HOST_MAX];
    int status;
    struct sockaddr_storage addr;
    uint64_t expires; /* uv_now ms */
};

struct waiter {
    struct waiter *next;
    resolver_cb cb;
    void *data;
};

/* One getaddrinfo in flight per name; later askers wait on it. */
struct lookup {
    uv_getaddrinfo_t req;
    uv_timer_t timer;
    struct resolver *r; /* NULL once the resolver is gone */
    struct lookup *next;
    struct waiter *waiters;
    char host[HOST_MAX];
    int closing; /* handles still to close before freeing */
    int done;    /* getaddrinfo returned */
};

struct resolver {
    uv_loop_t *loop;
    struct resolver_opts o;
    struct cache_entry *cache;
    uint32_t cache_n;
    struct lookup *pending;
};

int resolver_numeric(const char *host, struct sockaddr_storage *addr)
{
    memset(addr, 0, sizeof(*addr));
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        return 0;
    }
    return -EINVAL;
}

int resolver_new(uv_loop_t *loop, const struct resolver_opts *o, struct resolver **out)
{
    struct resolver *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->loop = loop;
    if (o)
        r->o = *o;
    if (!r->o.timeout_ms)
        r->o.timeout_ms = 3000;
    if (!r->o.cache_ms)
        r->o.cache_ms = 60000;
    if (!r->o.max_entries)
        r->o.max_entries = 4096;
    r->cache = calloc(r->o.max_entries, sizeof(*r->cache));
    if (!r->cache) {
        free(r);
        return -ENOMEM;
    }
    *out = r;
    return 0;
}

static struct cache_entry *cache_find(struct resolver *r, const char *host)
{
    uint64_t now = uv_now(r->loop);
    for (uint32_t i = 0; i < r->cache_n; i++)
        if (strcmp(r->cache[i].host, host) == 0)
            return r->cache[i].expires > now ? &r->cache[i] : NULL;
    return NULL;
}

static void cache_put(struct resolver *r, const char *host, int status,
                      const struct sockaddr_storage *addr)
{
    uint64_t now = uv_now(r->loop);
    struct cache_entry *slot = NULL;
    for (uint32_t i = 0; i < r->cache_n && !slot; i++)
        if (strcmp(r->cache[i].host, host) == 0 || r->cache[i].expires <= now)
            slot = &r->cache[i];
    if (!slot && r->cache_n < r->o.max_entries)
        slot = &r->cache[r->cache_n++];
    if (!slot)
        slot = &r->cache[now % r->o.max_entries]; /* full of live entries: evict one */
    snprintf(slot->host, sizeof(slot->host), "%s", host);
    slot->status = status;
    if (addr)
        slot->addr = *addr;
    /* Failures are remembered briefly: a name may come back soon. */
    slot->expires = now + (status ? r->o.cache_ms / 5 : r->o.cache_ms);
}

static void answer(struct lookup *l, int status, const struct sockaddr_storage *addr)
{
    struct waiter *w = l->waiters;
    l->waiters = NULL;
    while (w) {
        struct waiter *next = w->next;
        w->cb(w->data, status, addr);
        free(w);
        w = next;
    }
}

static void unlink_lookup(struct lookup *l)
{
    if (!l->r)
        return;
    for (struct lookup **p = &l->r->pending; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
}

static void lookup_closed(uv_handle_t *h)
{
    struct lookup *l = h->data;
    if (--l->closing == 0 && l->done)
        free(l);
}

static void on_timeout(uv_timer_t *t)
{
    struct lookup *l = t->data;
    answer(l, -ETIMEDOUT, NULL);
    unlink_lookup(l);
    l->r = NULL; /* the late answer is dropped; nothing may wait on it now */
    uv_cancel((uv_req_t *)&l->req);
}

static int map_gai(int status)
{
    switch (status) {
    case UV_EAI_NONAME:
    case UV_EAI_NODATA:
        return -ENOENT;
    case UV_EAI_AGAIN:
        return -EAGAIN;
    case UV_ECANCELED:
    case UV_EAI_CANCELED:
        return -ECANCELED;
    default:
        return -EIO;
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct lookup *l = req->data;
    struct sockaddr_storage addr;
    int rc = status ? map_gai(status) : -ENOENT;
    for (struct addrinfo *ai = res; ai && rc; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
            memset(&addr, 0, sizeof(addr));
            memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
            rc = 0;
        }
    }
    uv_freeaddrinfo(res);
    l->done = 1;
    if (l->r) {
        if (rc != -ECANCELED)
            cache_put(l->r, l->host, rc, rc ? NULL : &addr);
        unlink_lookup(l);
        answer(l, rc, rc ? NULL : &addr);
        uv_timer_stop(&l->timer);
    }
    l->closing++;
    uv_close((uv_handle_t *)&l->timer, lookup_closed);
}

int resolver_lookup(struct resolver *r, const char *host, resolver_cb cb, void *data)
{
    struct sockaddr_storage addr;
    if (!host || !*host || strlen(host) >= HOST_MAX)
        return -EINVAL;
    if (resolver_numeric(host, &addr) == 0) {
        cb(data, 0, &addr);
        return 0;
    }
    struct cache_entry *e = cache_find(r, host);
    if (e) {
        cb(data, e->status, e->status ? NULL : &e->addr);
        return 0;
    }
    struct waiter *w = malloc(sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->cb = cb;
    w->data = data;
    for (struct lookup *l = r->pending; l; l = l->next) {
        if (strcmp(l->host, host) == 0) {
            w->next = l->waiters;
            l->waiters = w;
            return 0;
        }
    }
    struct lookup *l = calloc(1, sizeof(*l));
    if (!l) {
        free(w);
        return -ENOMEM;
    }
    l->r = r;
    snprintf(l->host, sizeof(l->host), "%s", host);
    l->req.data = l->timer.data = l;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int rc = uv_getaddrinfo(r->loop, &l->req, on_resolved, host, NULL, &hints);
    if (rc) {
        free(l);
        free(w);
        return rc;
    }
    uv_timer_init(r->loop, &l->timer);
    uv_timer_start(&l->timer, on_timeout, r->o.timeout_ms, 0);
    w->next = NULL;
    l->waiters = w;
    l->next = r->pending;
    r->pending = l;
    return 0;
}

void resolver_free(struct resolver **rp)
{
    struct resolver *r = *rp;
    if (!r)
        return;
    while (r->pending) {
        struct lookup *l = r->pending;
        r->pending = l->next;
        answer(l, -ECANCELED, NULL);
        l->r = NULL;
        uv_timer_stop(&l->timer);
        uv_cancel((uv_req_t *)&l->req);
    }
    free(r->cache);
    free(r);
    *rp = NULL;
}
