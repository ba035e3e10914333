/* Tier-1 probe sockets in one edge-triggered epoll set (see tcp_io.h). */
#include "tcp_io.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Events fetched per epoll_wait, and epoll_waits per loop turn: enough for
 * a turn to take everything a full in-flight window can have ready without
 * letting one turn run long. */
#define TCP_IO_BATCH  256
#define TCP_IO_ROUNDS 4

struct tcp_sock {
    struct tcp_io *io;
    int fd;
    int family;
    tcp_sock_cb cb; /* NULL while kept, or closed and waiting to be freed */
    void *data;
    /* The epoll_wait round during which the owner connected: events that
     * round fetched describe the socket's previous connection. */
    uint64_t since_round;
    bool posted;           /* in io->posted, for tcp_sock_read_again */
    struct tcp_sock *next; /* in a kept list, io->posted or io->buried */
};

struct kept_list {
    struct tcp_sock *head;
    size_t n;
};

struct tcp_io {
    uv_loop_t *loop;
    uv_poll_t poll; /* on epfd */
    uv_idle_t idle; /* active while sockets are posted */
    int epfd;
    int handles; /* loop handles not closed yet */
    size_t max_idle;
    struct kept_list kept4, kept6;
    struct tcp_sock *posted;
    /* Sockets closed while events are being handed out: a later event of
     * the same round may still name them, so they are freed after it. */
    struct tcp_sock *buried;
    bool dispatching;
    uint64_t round;
    struct tcp_io_stats st;
    void (*done)(void *arg);
    void *done_arg;
};

static struct kept_list *kept_list(struct tcp_io *io, int family)
{
    return family == AF_INET ? &io->kept4 : family == AF_INET6 ? &io->kept6 : NULL;
}

static void sock_free(struct tcp_sock *s)
{
    struct tcp_io *io = s->io;
    if (io->dispatching) {
        s->next = io->buried;
        io->buried = s;
    } else {
        free(s);
    }
}

static void free_buried(struct tcp_io *io)
{
    while (io->buried) {
        struct tcp_sock *s = io->buried;
        io->buried = s->next;
        free(s);
    }
}

static unsigned events_of(uint32_t ep)
{
    unsigned ev = 0;
    if (ep & (EPOLLIN | EPOLLRDHUP | EPOLLPRI))
        ev |= TCP_IO_IN;
    if (ep & EPOLLOUT)
        ev |= TCP_IO_OUT;
    if (ep & (EPOLLERR | EPOLLHUP))
        ev |= TCP_IO_ERR;
    return ev;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    struct tcp_io *io = h->data;
    struct epoll_event evs[TCP_IO_BATCH];
    for (int r = 0; r < TCP_IO_ROUNDS; r++) {
        io->round++;
        int n = epoll_wait(io->epfd, evs, TCP_IO_BATCH, 0);
        if (n <= 0)
            return; /* EINTR included: the poll handle fires again */
        io->dispatching = true;
        for (int i = 0; i < n; i++) {
            struct tcp_sock *s = evs[i].data.ptr;
            if (s->cb && s->since_round != io->round)
                s->cb(s, events_of(evs[i].events), s->data);
        }
        io->dispatching = false;
        free_buried(io);
        if (n < TCP_IO_BATCH)
            return;
    }
}

static void on_idle(uv_idle_t *h)
{
    struct tcp_io *io = h->data;
    struct tcp_sock *list = io->posted;
    io->posted = NULL;
    uv_idle_stop(&io->idle);
    io->dispatching = true;
    while (list) {
        struct tcp_sock *s = list;
        list = s->next;
        s->posted = false;
        /* A socket closed from an earlier callback here was unlinked
         * from `list` by tcp_sock_close. */
        if (s->cb)
            s->cb(s, TCP_IO_IN, s->data);
    }
    io->dispatching = false;
    free_buried(io);
}

int tcp_io_new(uv_loop_t *loop, size_t max_idle, struct tcp_io **out)
{
    if (!loop || !out)
        return -EINVAL;
    struct tcp_io *io = calloc(1, sizeof(*io));
    if (!io)
        return -ENOMEM;
    io->loop = loop;
    io->max_idle = max_idle;
    io->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (io->epfd < 0) {
        int err = -errno;
        free(io);
        return err;
    }
    int rc = uv_poll_init(loop, &io->poll, io->epfd);
    if (rc != 0) {
        close(io->epfd);
        free(io);
        return rc;
    }
    io->handles = 2;
    uv_idle_init(loop, &io->idle); /* cannot fail */
    io->poll.data = io->idle.data = io;
    uv_poll_start(&io->poll, UV_READABLE, on_poll); /* checked by init */
    /* Probes keep the loop alive through their own timers. */
    uv_unref((uv_handle_t *)&io->poll);
    uv_unref((uv_handle_t *)&io->idle);
    *out = io;
    return 0;
}

uv_loop_t *tcp_io_loop(const struct tcp_io *io)
{
    return io->loop;
}

void tcp_io_get_stats(const struct tcp_io *io, struct tcp_io_stats *out)
{
    *out = io->st;
    out->idle = io->kept4.n + io->kept6.n;
}

static void close_kept(struct kept_list *k)
{
    while (k->head) {
        struct tcp_sock *s = k->head;
        k->head = s->next;
        close(s->fd);
        free(s);
    }
    k->n = 0;
}

static void on_handle_closed(uv_handle_t *h)
{
    struct tcp_io *io = h->data;
    if (--io->handles > 0)
        return;
    void (*done)(void *) = io->done;
    void *arg = io->done_arg;
    free(io);
    if (done)
        done(arg);
}

void tcp_io_close(struct tcp_io *io, void (*done)(void *arg), void *arg)
{
    if (!io)
        return;
    /* A socket still owned would keep a pointer to the freed set. */
    assert(io->st.live == 0);
    close_kept(&io->kept4);
    close_kept(&io->kept6);
    io->done = done;
    io->done_arg = arg;
    uv_close((uv_handle_t *)&io->poll, on_handle_closed);
    uv_close((uv_handle_t *)&io->idle, on_handle_closed);
    close(io->epfd); /* libuv has stopped watching it: uv_close did */
    io->epfd = -1;
}

/* A kept socket of the family, or a new one in the epoll set. */
static struct tcp_sock *sock_get(struct tcp_io *io, int family, int *err)
{
    struct kept_list *k = kept_list(io, family);
    if (k->head) {
        struct tcp_sock *s = k->head;
        assert(!s->cb && !s->posted && k->n > 0); /* nobody owns a kept socket */
        k->head = s->next;
        k->n--;
        io->st.reused++;
        return s;
    }
    struct tcp_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        *err = -ENOMEM;
        return NULL;
    }
    s->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        *err = -errno;
        free(s);
        return NULL;
    }
    s->io = io;
    s->family = family;
    /* On a connecting socket TCP_DEFER_ACCEPT holds back the last ACK of
     * the handshake so that it rides on the first request, which is sent
     * the moment the connect completes, and a delayed ACK is left for the
     * reset to make moot: a one-request probe is 6 segments instead of 8
     * (nstat in a network namespace). Best effort: a socket that refuses
     * it costs two segments more. It outlives the reset, so a kept socket
     * has it already. */
    int one = 1;
    (void)setsockopt(s->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
    /* No TCP_NODELAY: a probe writes each request whole, and only after
     * the reply to the one before has acknowledged it, so Nagle's
     * algorithm never holds one back. */
    struct epoll_event ev = {
        .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        .data.ptr = s,
    };
    if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
        *err = -errno;
        close(s->fd);
        free(s);
        return NULL;
    }
    io->st.created++;
    return s;
}

int tcp_sock_connect(struct tcp_io *io, const struct sockaddr *addr, tcp_sock_cb cb, void *data,
                     struct tcp_sock **out)
{
    if (!io || !addr || !cb || !out || io->epfd < 0 ||
        (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return -EINVAL;
    socklen_t len =
        addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    int err = 0;
    struct tcp_sock *s = sock_get(io, addr->sa_family, &err);
    if (!s)
        return err;
    if (connect(s->fd, addr, len) != 0 && errno != EINPROGRESS) {
        err = -errno;
        close(s->fd); /* leaves the epoll set with it */
        sock_free(s);
        return err;
    }
    s->cb = cb;
    s->data = data;
    s->since_round = io->round;
    io->st.live++;
    *out = s;
    return 0;
}

/* Only the owner uses a socket, and only until it closes it: a socket
 * closed with a reset may already serve another connection. */
#define ASSERT_OWNED(s) assert((s)->cb != NULL)

int tcp_sock_error(struct tcp_sock *s)
{
    ASSERT_OWNED(s);
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return -errno;
    return -err;
}

unsigned tcp_sock_pending(struct tcp_sock *s)
{
    ASSERT_OWNED(s);
    struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLOUT};
    if (poll(&p, 1, 0) != 1)
        return 0;
    return (p.revents & POLLIN ? TCP_IO_IN : 0) | (p.revents & POLLOUT ? TCP_IO_OUT : 0) |
           (p.revents & (POLLERR | POLLHUP) ? TCP_IO_ERR : 0);
}

ssize_t tcp_sock_write(struct tcp_sock *s, const void *buf, size_t len)
{
    ASSERT_OWNED(s);
    ssize_t n;
    do
        n = send(s->fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

ssize_t tcp_sock_read(struct tcp_sock *s, void *buf, size_t cap)
{
    ASSERT_OWNED(s);
    ssize_t n;
    do
        n = read(s->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

void tcp_sock_read_again(struct tcp_sock *s)
{
    struct tcp_io *io = s->io;
    if (s->posted || !s->cb)
        return;
    s->posted = true;
    s->next = io->posted;
    io->posted = s;
    /* An active idle handle also keeps the loop from blocking in epoll. */
    uv_idle_start(&io->idle, on_idle);
}

static void unpost(struct tcp_sock *s)
{
    for (struct tcp_sock **p = &s->io->posted; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    s->posted = false;
}

/* Keep a socket whose connection was just reset, if there is room. */
static bool keep(struct tcp_sock *s)
{
    struct tcp_io *io = s->io;
    struct kept_list *k = kept_list(io, s->family);
    if (k->n >= io->max_idle) {
        io->st.refused++;
        return false;
    }
    /* Disconnecting an established socket sends RST and frees its port,
     * as close with a zero linger would, and leaves it able to connect
     * again, still in the epoll set. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    if (connect(s->fd, &unspec, sizeof(unspec)) != 0) {
        io->st.refused++;
        return false;
    }
    s->next = k->head;
    k->head = s;
    k->n++;
    io->st.kept++;
    return true;
}

void tcp_sock_close(struct tcp_sock *s, enum tcp_close_how how)
{
    if (!s || !s->cb)
        return;
    struct tcp_io *io = s->io;
    if (s->posted)
        unpost(s);
    s->cb = NULL;
    s->data = NULL;
    assert(io->st.live > 0);
    io->st.live--;
    if (how == TCP_CLOSE_RESET) {
        if (keep(s))
            return;
        /* A zero linger makes close send RST (harmless if keep's connect
         * already did). */
        struct linger lin = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
    }
    close(s->fd);
    sock_free(s);
}
