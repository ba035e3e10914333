/* c-ares on the libuv loop; see dns_channel.h. c-ares tells which sockets
 * to watch through its socket-state callback and how long to wait through
 * ares_timeout; the loop calls ares_process_fd when either is due. */
#include <ares.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_channel.h"

struct dns_watch {
    uv_poll_t poll;
    struct dns_channel *ch;
    struct dns_watch *next;
    ares_socket_t fd;
};

struct dns_channel {
    uv_loop_t *loop;
    ares_channel ares;
    dns_channel_cb cb;
    uv_timer_t timer;
    struct dns_watch *watches;
    int handles;   /* libuv handles not yet closed: the timer and the watches */
    int depth;     /* calls into c-ares under way; it must not be destroyed inside one */
    int closing;   /* dns_channel_close was called */
    int destroyed; /* ares_destroy has run; memory goes with the last handle */
};

/* The one place c-ares's errors become errnos. */
static int dns_err(int status)
{
    switch (status) {
    case ARES_SUCCESS:
        return 0;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
        return -ENOENT;
    case ARES_ETIMEOUT:
        return -ETIMEDOUT;
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
        return -EAGAIN;
    case ARES_ECONNREFUSED:
        return -ECONNREFUSED;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
        return -ECANCELED;
    case ARES_ENOMEM:
        return -ENOMEM;
    case ARES_EBADNAME:
    case ARES_EBADSTR:
        return -EINVAL;
    default:
        return -EIO;
    }
}

static void maybe_free(struct dns_channel *ch)
{
    if (ch->destroyed && ch->handles == 0)
        free(ch);
}

static void on_watch_closed(uv_handle_t *h)
{
    struct dns_watch *w = h->data;
    struct dns_channel *ch = w->ch;
    free(w);
    ch->handles--;
    maybe_free(ch);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct dns_channel *ch = h->data;
    ch->handles--;
    maybe_free(ch);
}

/* Runs once no call into c-ares is under way: ares_destroy ends the
 * remaining queries (-ECANCELED) and closes its sockets. */
static void teardown(struct dns_channel *ch)
{
    if (ch->destroyed)
        return;
    ch->depth++;
    ares_destroy(ch->ares);
    ch->depth--;
    ch->ares = NULL;
    ch->destroyed = 1;
    ares_library_cleanup();
    while (ch->watches) {
        struct dns_watch *w = ch->watches;
        ch->watches = w->next;
        uv_close((uv_handle_t *)&w->poll, on_watch_closed);
    }
    uv_close((uv_handle_t *)&ch->timer, on_timer_closed);
}

static void on_timer(uv_timer_t *t);

/* After every call into c-ares: tear down if asked to, else wait for its
 * next timeout (it has none when no query is left). */
static void after_ares(struct dns_channel *ch)
{
    if (ch->depth || ch->destroyed)
        return;
    if (ch->closing) {
        teardown(ch);
        return;
    }
    struct timeval tv;
    if (ares_timeout(ch->ares, NULL, &tv)) {
        /* Rounded up, so c-ares finds the timeout passed when the timer fires. */
        uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
        uv_timer_start(&ch->timer, on_timer, ms, 0);
    } else {
        uv_timer_stop(&ch->timer);
    }
}

static void process(struct dns_channel *ch, ares_socket_t rfd, ares_socket_t wfd)
{
    ch->depth++;
    ares_process_fd(ch->ares, rfd, wfd);
    ch->depth--;
    after_ares(ch);
}

static void on_timer(uv_timer_t *t)
{
    process(t->data, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct dns_watch *w = p->data;
    /* A socket error is for c-ares to find by reading or writing. */
    ares_socket_t rfd = status < 0 || (events & UV_READABLE) ? w->fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = status < 0 || (events & UV_WRITABLE) ? w->fd : ARES_SOCKET_BAD;
    process(w->ch, rfd, wfd);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct dns_channel *ch = data;
    struct dns_watch **pw = &ch->watches;
    while (*pw && (*pw)->fd != fd)
        pw = &(*pw)->next;
    struct dns_watch *w = *pw;
    if (!readable && !writable) {
        /* Called before c-ares closes the socket: stop watching it first. */
        if (w) {
            *pw = w->next;
            uv_close((uv_handle_t *)&w->poll, on_watch_closed);
        }
        return;
    }
    if (!w) {
        /* Without a watch the query still ends, at the resolver's deadline. */
        w = calloc(1, sizeof(*w));
        if (!w)
            return;
        if (uv_poll_init_socket(ch->loop, &w->poll, fd) != 0) {
            free(w);
            return;
        }
        w->fd = fd;
        w->ch = ch;
        w->poll.data = w;
        w->next = ch->watches;
        ch->watches = w;
        ch->handles++;
    }
    uv_poll_start(&w->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), on_poll);
}

int dns_channel_new(uv_loop_t *loop, const struct dns_channel_opts *o, dns_channel_cb cb,
                    struct dns_channel **out)
{
    struct dns_channel *ch = calloc(1, sizeof(*ch));
    if (!ch)
        return -ENOMEM;
    int rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        free(ch);
        return dns_err(rc);
    }
    /* Two tries per server: a lost datagram is sent again within the deadline. */
    struct ares_options ao = {
        .timeout = o->try_ms ? (int)o->try_ms : 1000,
        .tries = 2,
        .sock_state_cb = on_sock_state,
        .sock_state_cb_data = ch,
    };
    rc = ares_init_options(&ch->ares, &ao,
                           ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB);
    if (rc == ARES_SUCCESS && o->servers)
        rc = *o->servers ? ares_set_servers_ports_csv(ch->ares, o->servers) : ARES_EBADSTR;
    if (rc != ARES_SUCCESS) {
        ares_destroy(ch->ares);
        ares_library_cleanup();
        free(ch);
        return dns_err(rc);
    }
    ch->loop = loop;
    ch->cb = cb;
    uv_timer_init(loop, &ch->timer);
    ch->timer.data = ch;
    ch->handles = 1;
    *out = ch;
    return 0;
}

struct dns_query {
    struct dns_channel *ch;
    void *data;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    struct dns_query *q = arg;
    struct sockaddr_storage addr;
    int rc = dns_err(status);
    if (rc == 0) {
        rc = -ENOENT;
        /* c-ares has sorted the addresses (RFC 6724), as getaddrinfo does. */
        for (struct ares_addrinfo_node *n = res ? res->nodes : NULL; n && rc; n = n->ai_next) {
            if ((n->ai_family == AF_INET || n->ai_family == AF_INET6) &&
                n->ai_addrlen <= sizeof(addr)) {
                memset(&addr, 0, sizeof(addr));
                memcpy(&addr, n->ai_addr, n->ai_addrlen);
                rc = 0;
            }
        }
    }
    ares_freeaddrinfo(res);
    dns_channel_cb cb = q->ch->cb;
    void *data = q->data;
    free(q);
    cb(data, rc, rc ? NULL : &addr);
}

void dns_channel_query(struct dns_channel *ch, const char *host, void *data)
{
    if (ch->closing) {
        ch->cb(data, -ECANCELED, NULL);
        return;
    }
    struct dns_query *q = malloc(sizeof(*q));
    if (!q) {
        ch->cb(data, -ENOMEM, NULL);
        return;
    }
    q->ch = ch;
    q->data = data;
    struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    ch->depth++;
    ares_getaddrinfo(ch->ares, host, NULL, &hints, on_addrinfo, q);
    ch->depth--;
    after_ares(ch);
}

void dns_channel_cancel(struct dns_channel *ch)
{
    if (ch->destroyed)
        return;
    ch->depth++;
    ares_cancel(ch->ares);
    ch->depth--;
    after_ares(ch);
}

void dns_channel_close(struct dns_channel *ch)
{
    if (!ch || ch->closing)
        return;
    ch->closing = 1;
    uv_timer_stop(&ch->timer);
    for (struct dns_watch *w = ch->watches; w; w = w->next)
        uv_poll_stop(&w->poll);
    after_ares(ch);
}
