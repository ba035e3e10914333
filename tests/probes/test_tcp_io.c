/* Tests for probes/tcp_io.c with real sockets on the loopback: the peer is
 * a plain blocking socket in the test itself. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp_io.h"

struct owner {
    unsigned events; /* every event seen, or'ed */
    int calls;
    bool in_turn; /* got an event in the turn being watched */
};

static void on_event(struct tcp_sock *s, unsigned events, void *data)
{
    (void)s;
    struct owner *o = data;
    o->events |= events;
    o->calls++;
    o->in_turn = true;
}

/* A listening socket on 127.0.0.1 and its address. */
static int listener(struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    *sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
    cr_assert_eq(listen(fd, 16), 0);
    socklen_t len = sizeof(*sa);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)sa, &len), 0);
    return fd;
}

static void on_guard(uv_timer_t *t)
{
    (void)t; /* stopping is all: uv_is_active turns false */
}

/* Turn the loop until *flag has any of `bits`, for 2 s at most; the guard
 * timer also keeps the loop alive (the set's handles do not). */
static void run_until(uv_loop_t *loop, const unsigned *flag, unsigned bits)
{
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, on_guard, 2000, 0);
    while (!(*flag & bits) && uv_is_active((uv_handle_t *)&guard))
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    cr_assert(*flag & bits, "no event %#x within 2 s (saw %#x)", bits, *flag);
}

/* Connect, wait until connected, send `hello` and accept on the server:
 * the client's TCP_DEFER_ACCEPT holds the handshake's last ACK until data
 * goes out, so accept returns only then. Returns the server's socket. */
static int open_pair(uv_loop_t *loop, struct tcp_io *io, int lfd, const struct sockaddr_in *sa,
                     struct owner *o, struct tcp_sock **s)
{
    cr_assert_eq(tcp_sock_connect(io, (const struct sockaddr *)sa, on_event, o, s), 0);
    run_until(loop, &o->events, TCP_IO_OUT);
    cr_assert_eq(tcp_sock_write(*s, "hello", 5), 5);
    int srv = accept(lfd, NULL, NULL);
    cr_assert_geq(srv, 0);
    char buf[8];
    cr_assert_eq(read(srv, buf, sizeof(buf)), 5);
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
    return srv;
}

static void on_io_closed(void *arg)
{
    *(int *)arg += 1;
}

static void close_io(uv_loop_t *loop, struct tcp_io *io)
{
    int closed = 0;
    tcp_io_close(io, on_io_closed, &closed);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(closed, 1, "done runs once the handles are closed");
    cr_assert_eq(uv_loop_close(loop), 0, "handles left open");
}

Test(tcp_io, a_reset_socket_is_kept_and_connects_again_for_the_next_owner)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    int lfd = listener(&sa);
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 2, &io), 0);

    struct owner o1 = {0};
    struct tcp_sock *s1;
    int srv1 = open_pair(&loop, io, lfd, &sa, &o1, &s1);
    cr_assert_eq(write(srv1, "world", 5), 5);
    run_until(&loop, &o1.events, TCP_IO_IN);
    char buf[16];
    cr_expect_eq(tcp_sock_read(s1, buf, sizeof(buf)), 5);
    cr_expect_eq(tcp_sock_read(s1, buf, sizeof(buf)), -EAGAIN);
    tcp_sock_close(s1, TCP_CLOSE_RESET);
    struct tcp_io_stats st;
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.kept, 1);
    cr_expect_eq(st.idle, 1);
    cr_expect_eq(st.live, 0);
    cr_expect_eq(read(srv1, buf, sizeof(buf)), -1, "the peer got a reset, not FIN");
    cr_expect_eq(errno, ECONNRESET);
    int calls1 = o1.calls;

    /* The next owner gets the same socket, and only its own events. */
    struct owner o2 = {0};
    struct tcp_sock *s2;
    int srv2 = open_pair(&loop, io, lfd, &sa, &o2, &s2);
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.created, 1);
    cr_expect_eq(st.reused, 1);
    cr_expect_eq(st.live, 1);
    cr_expect_eq(o1.calls, calls1, "a closed socket's owner hears nothing more");
    tcp_sock_close(s2, TCP_CLOSE_FIN);
    cr_expect_eq(read(srv2, buf, sizeof(buf)), 0, "FIN: an orderly end");
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.kept, 1, "FIN keeps nothing");
    cr_expect_eq(st.idle, 0);

    close(srv1);
    close(srv2);
    close(lfd);
    close_io(&loop, io);
}

Test(tcp_io, a_refused_connect_is_an_error_not_a_hang)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    close(listener(&sa)); /* a port nobody listens on */
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 2, &io), 0);
    struct owner o = {0};
    struct tcp_sock *s = NULL;
    int rc = tcp_sock_connect(io, (struct sockaddr *)&sa, on_event, &o, &s);
    if (rc == 0) {
        run_until(&loop, &o.events, TCP_IO_ERR);
        cr_expect_eq(tcp_sock_error(s), -ECONNREFUSED);
        tcp_sock_close(s, TCP_CLOSE_FIN);
    } else {
        cr_expect_eq(rc, -ECONNREFUSED);
    }
    struct tcp_io_stats st;
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.live, 0);
    cr_expect_eq(st.idle, 0);
    close_io(&loop, io);
}

Test(tcp_io, keeps_at_most_max_idle_sockets)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    int lfd = listener(&sa);
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 1, &io), 0);
    struct owner o[2] = {{0}};
    struct tcp_sock *s[2];
    int srv[2];
    for (int i = 0; i < 2; i++)
        srv[i] = open_pair(&loop, io, lfd, &sa, &o[i], &s[i]);
    tcp_sock_close(s[0], TCP_CLOSE_RESET);
    tcp_sock_close(s[1], TCP_CLOSE_RESET);
    struct tcp_io_stats st;
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.created, 2);
    cr_expect_eq(st.kept, 1);
    cr_expect_eq(st.refused, 1);
    cr_expect_eq(st.idle, 1);
    char buf[4];
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(read(srv[i], buf, sizeof(buf)), -1, "socket %d: reset, kept or not", i);
        cr_expect_eq(errno, ECONNRESET);
        close(srv[i]);
    }
    close(lfd);
    close_io(&loop, io);
}

Test(tcp_io, read_again_delivers_input_on_the_next_turn_and_closing_cancels_it)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    int lfd = listener(&sa);
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 0, &io), 0);
    struct owner o = {0};
    struct tcp_sock *s;
    int srv = open_pair(&loop, io, lfd, &sa, &o, &s);
    char data[100] = {0};
    cr_assert_eq(write(srv, data, sizeof(data)), (ssize_t)sizeof(data));
    run_until(&loop, &o.events, TCP_IO_IN);
    char buf[100];
    cr_assert_eq(tcp_sock_read(s, buf, 10), 10, "a read that fills its buffer");
    /* No new data: the edge will not come again, the post must. */
    o.events = 0;
    tcp_sock_read_again(s);
    tcp_sock_read_again(s); /* posted once, delivered once */
    int calls = o.calls;
    run_until(&loop, &o.events, TCP_IO_IN);
    cr_expect_eq(o.calls, calls + 1);
    cr_expect_eq(tcp_sock_read(s, buf, sizeof(buf)), 90);

    tcp_sock_read_again(s);
    calls = o.calls;
    tcp_sock_close(s, TCP_CLOSE_FIN);
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_expect_eq(o.calls, calls, "a closed socket's post is dropped");
    close(srv);
    close(lfd);
    close_io(&loop, io);
}

/* Two sockets with input in the same epoll round; the first one's handler
 * resets the other, which is kept and at once taken by a new owner. The
 * other's input event, fetched in that round, belongs to the old owner and
 * must not reach the new one. */
struct swap {
    struct tcp_io *io;
    struct tcp_sock *s[2];
    struct owner o[2];
    int first; /* whose handler swapped */
    struct owner fresh;
    struct tcp_sock *fresh_sock;
    const struct sockaddr_in *sa;
    bool swapped;
};

static void on_swap(struct tcp_sock *s, unsigned events, void *data)
{
    struct swap *w = data;
    int me = s == w->s[0] ? 0 : 1;
    on_event(s, events, &w->o[me]);
    if (w->swapped || !(events & TCP_IO_IN))
        return;
    w->swapped = true;
    w->first = me;
    tcp_sock_close(w->s[!me], TCP_CLOSE_RESET);
    cr_assert_eq(tcp_sock_connect(w->io, (const struct sockaddr *)w->sa, on_event, &w->fresh,
                                  &w->fresh_sock),
                 0);
}

Test(tcp_io, an_event_fetched_before_a_socket_changed_hands_is_not_delivered)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    int lfd = listener(&sa);
    struct swap w = {.sa = &sa};
    cr_assert_eq(tcp_io_new(&loop, 1, &w.io), 0);
    int srv[2];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(tcp_sock_connect(w.io, (struct sockaddr *)&sa, on_swap, &w, &w.s[i]), 0);
        run_until(&loop, &w.o[i].events, TCP_IO_OUT);
        cr_assert_eq(tcp_sock_write(w.s[i], "x", 1), 1);
        srv[i] = accept(lfd, NULL, NULL);
        cr_assert_geq(srv[i], 0);
    }
    /* Both readable before the loop looks again: one epoll round fetches
     * both. */
    for (int i = 0; i < 2; i++)
        cr_assert_eq(write(srv[i], "z", 1), 1);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 2000, 0);
    /* One turn handles one epoll round: the turn that swapped must not
     * also have called the new owner. */
    while (!w.swapped && uv_is_active((uv_handle_t *)&guard))
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert(w.swapped);
    cr_expect_eq(w.fresh.calls, 0, "the new owner got an event fetched for the old one (%#x)",
                 w.fresh.events);
    struct tcp_io_stats st;
    tcp_io_get_stats(w.io, &st);
    cr_expect_eq(st.reused, 1, "the new owner took the socket just reset");
    /* Its own connect's event still comes, on a later turn. */
    run_until(&loop, &w.fresh.events, TCP_IO_OUT);
    tcp_sock_close(w.s[w.first], TCP_CLOSE_FIN);
    tcp_sock_close(w.fresh_sock, TCP_CLOSE_FIN);
    uv_close((uv_handle_t *)&guard, NULL);
    for (int i = 0; i < 2; i++)
        close(srv[i]);
    close(lfd);
    close_io(&loop, w.io);
}
