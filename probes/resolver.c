/* Resolution with deadline and cache; see resolver.h. Names go to c-ares
 * on the loop (dns_channel.c), which cannot cancel one query: a lookup past
 * its deadline is answered -ETIMEDOUT at once and dropped, its late answer
 * ignored, and when no lookup is left waiting the channel is cancelled, so
 * the dropped queries end then instead of at c-ares's own timeouts. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns_channel.h"
#include "resolver.h"

/* c-ares reads it when a channel is made; a changed file means a new one. */
#define RESOLV_CONF "/etc/resolv.conf"
#define CONF_CHECK_MS 1000

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

/* One query in flight per name; later askers wait on it. Its memory goes
 * when c-ares has called back and its timer is closed, whichever is last. */
struct lookup {
    uv_timer_t timer;
    struct resolver *r; /* NULL once the resolver is gone */
    struct lookup *next;
    struct waiter *waiters;
    char host[HOST_MAX];
    int answered;   /* the waiters have their answer (or -ETIMEDOUT): a late one is ignored */
    int in_query;   /* c-ares holds its query */
    int timer_open; /* the timer is initialised and not closed yet */
    int starting;   /* inside dns_channel_query, which may answer at once */
};

struct conf_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct resolver {
    uv_loop_t *loop;
    struct resolver_opts o;
    char *servers; /* a copy of o.servers */
    struct dns_channel *chan;
    struct cache_entry *cache;
    uint32_t cache_n;
    struct lookup *lookups; /* every lookup whose query c-ares holds */
    uint32_t live;          /* lookups not answered yet */
    uint32_t queries;       /* length of `lookups` */
    struct conf_stamp conf; /* resolv.conf as the channel read it */
    uint64_t conf_checked;  /* uv_now of the last look at it */
    int calling;            /* on_timeout is calling back: resolver_free waits for it */
    int freed;              /* resolver_free ran while calling */
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

static int channel_ready(struct resolver *r);

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
    r->o.servers = NULL;
    r->cache = calloc(r->o.max_entries, sizeof(*r->cache));
    if (!r->cache || (o && o->servers && !(r->servers = strdup(o->servers)))) {
        free(r->cache);
        free(r);
        return -ENOMEM;
    }
    /* Servers named by the caller are checked now; the system's are read
     * at the first name looked up, so numeric hosts never touch DNS. */
    int rc = r->servers ? channel_ready(r) : 0;
    if (rc) {
        free(r->servers);
        free(r->cache);
        free(r);
        return rc;
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

static void lookup_release(struct lookup *l)
{
    if (!l->in_query && !l->timer_open && !l->starting)
        free(l);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct lookup *l = h->data;
    l->timer_open = 0;
    lookup_release(l);
}

/* Marks `l` answered and hands back its waiters; the caller calls them
 * last, since a callback may free the resolver. */
static struct waiter *settle(struct lookup *l)
{
    struct waiter *w = l->waiters;
    l->waiters = NULL;
    l->answered = 1;
    if (l->r)
        l->r->live--;
    if (l->timer_open) {
        uv_timer_stop(&l->timer);
        uv_close((uv_handle_t *)&l->timer, on_timer_closed);
    }
    return w;
}

static void call_waiters(struct waiter *w, int status, const struct sockaddr_storage *addr)
{
    while (w) {
        struct waiter *next = w->next;
        w->cb(w->data, status, addr);
        free(w);
        w = next;
    }
}

static void unlink_lookup(struct resolver *r, struct lookup *l)
{
    for (struct lookup **p = &r->lookups; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            r->queries--;
            return;
        }
}

/* c-ares's answer, or its end of a dropped or cancelled query. */
static void on_answer(void *data, int status, const struct sockaddr_storage *addr)
{
    struct lookup *l = data;
    struct resolver *r = l->r;
    assert(l->in_query && (r || l->answered)); /* a freed resolver answered all */
    l->in_query = 0;
    if (r)
        unlink_lookup(r, l);
    if (l->answered) {
        lookup_release(l); /* a late answer: its askers were told -ETIMEDOUT */
        return;
    }
    if (status != -ECANCELED)
        cache_put(r, l->host, status, addr);
    struct waiter *w = settle(l);
    lookup_release(l);
    call_waiters(w, status, addr);
}

static void resolver_release(struct resolver *r)
{
    free(r->servers);
    free(r->cache);
    free(r);
}

static void on_timeout(uv_timer_t *t)
{
    struct lookup *l = t->data;
    struct resolver *r = l->r;
    assert(r && !l->answered); /* answering closes the timer */
    struct waiter *w = settle(l);
    r->calling++;
    call_waiters(w, -ETIMEDOUT, NULL);
    if (--r->calling == 0 && r->freed) {
        resolver_release(r);
        return;
    }
    /* Nobody waits on the channel any more, the askers having had their
     * say: its dropped queries end now rather than at c-ares's timeouts. */
    if (!r->freed && r->live == 0)
        dns_channel_cancel(r->chan);
}

static void conf_stamp(struct conf_stamp *s)
{
    struct stat st;
    memset(s, 0, sizeof(*s));
    if (stat(RESOLV_CONF, &st) == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->size = st.st_size;
        s->mtime = st.st_mtim;
    }
}

/* resolv.conf changed since the channel read it (looked at once a second
 * at most). */
static int conf_changed(struct resolver *r)
{
    uint64_t now = uv_now(r->loop);
    if (now - r->conf_checked < CONF_CHECK_MS)
        return 0;
    r->conf_checked = now;
    struct conf_stamp s;
    conf_stamp(&s);
    return s.dev != r->conf.dev || s.ino != r->conf.ino || s.size != r->conf.size ||
           s.mtime.tv_sec != r->conf.mtime.tv_sec || s.mtime.tv_nsec != r->conf.mtime.tv_nsec;
}

/* A channel to ask; made at the first name, and made again when
 * resolv.conf changed and no query is left in the old one (a service runs
 * for months; glibc's resolver, too, reloads the file). */
static int channel_ready(struct resolver *r)
{
    if (r->chan && !r->servers && r->queries == 0 && conf_changed(r)) {
        dns_channel_close(r->chan);
        r->chan = NULL;
    }
    if (r->chan)
        return 0;
    if (!r->servers) {
        conf_stamp(&r->conf);
        r->conf_checked = uv_now(r->loop);
    }
    /* Per server, a first try of half the deadline and a second of the
     * whole: c-ares gives a query up at 1.5 times the deadline, or at once
     * when the channel is cancelled. */
    struct dns_channel_opts co = {.servers = r->servers, .try_ms = r->o.timeout_ms / 2 + 1};
    return dns_channel_new(r->loop, &co, on_answer, &r->chan);
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
    w->next = NULL;
    for (struct lookup *l = r->lookups; l; l = l->next) {
        if (!l->answered && strcmp(l->host, host) == 0) {
            w->next = l->waiters;
            l->waiters = w;
            return 0;
        }
    }
    struct lookup *l = calloc(1, sizeof(*l));
    int rc = l ? channel_ready(r) : -ENOMEM;
    if (rc) {
        free(l);
        free(w);
        return rc;
    }
    l->r = r;
    snprintf(l->host, sizeof(l->host), "%s", host);
    l->waiters = w;
    l->in_query = l->starting = 1;
    l->next = r->lookups;
    r->lookups = l;
    r->queries++;
    r->live++;
    dns_channel_query(r->chan, host, l);
    l->starting = 0;
    if (l->answered) {
        /* Answered at once (/etc/hosts, localhost); `r` may be gone now. */
        lookup_release(l);
        return 0;
    }
    uv_timer_init(r->loop, &l->timer);
    l->timer.data = l;
    l->timer_open = 1;
    uv_timer_start(&l->timer, on_timeout, r->o.timeout_ms, 0);
    return 0;
}

void resolver_free(struct resolver **rp)
{
    struct resolver *r = *rp;
    if (!r)
        return;
    *rp = NULL;
    /* Everything is detached before any callback runs: one may look up again. */
    struct waiter *all = NULL;
    while (r->lookups) {
        struct lookup *l = r->lookups;
        r->lookups = l->next;
        struct waiter *w = l->answered ? NULL : settle(l);
        l->r = NULL;
        while (w) {
            struct waiter *next = w->next;
            w->next = all;
            all = w;
            w = next;
        }
    }
    /* Ends the queries (-ECANCELED, to lookups already detached) now, or
     * as soon as c-ares returns if this runs inside one of its callbacks. */
    dns_channel_close(r->chan);
    r->chan = NULL;
    if (r->calling)
        r->freed = 1; /* on_timeout frees it when its callbacks return */
    else
        resolver_release(r);
    call_waiters(all, -ECANCELED, NULL);
}
