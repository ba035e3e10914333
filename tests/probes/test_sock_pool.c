/* Tests for probes/sock_pool.c with real sockets on the loopback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock_pool.h"

static int listener(struct sockaddr_in *addr)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(l, 0);
    *addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(l, (struct sockaddr *)addr, sizeof(*addr)), 0);
    cr_assert_eq(listen(l, 8), 0);
    socklen_t len = sizeof(*addr);
    getsockname(l, (struct sockaddr *)addr, &len);
    return l;
}

/* Connects fd (blocking for the test) and returns the accepted peer. */
static int connect_pair(int fd, int l, const struct sockaddr_in *addr)
{
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    cr_assert_eq(connect(fd, (const struct sockaddr *)addr, sizeof(*addr)), 0, "%s",
                 strerror(errno));
    fcntl(fd, F_SETFL, fl);
    int peer = accept(l, NULL, NULL);
    cr_assert_geq(peer, 0);
    return peer;
}

Test(sock_pool, recycled_socket_resets_the_peer_and_connects_again)
{
    struct sockaddr_in addr;
    int l = listener(&addr);
    struct sock_pool *p;
    cr_assert_eq(sock_pool_new(2, &p), 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int peer = connect_pair(fd, l, &addr);
    cr_assert_eq(sock_pool_recycle(p, fd, AF_INET), 0);
    close(fd); /* what the event loop does with its descriptor */
    char b[8];
    cr_expect_eq(read(peer, b, sizeof(b)), -1);
    cr_expect_eq(errno, ECONNRESET, "the peer got %s, not a reset", strerror(errno));
    close(peer);

    int again = sock_pool_take(p, AF_INET);
    cr_assert_geq(again, 0);
    cr_expect(fcntl(again, F_GETFD) & FD_CLOEXEC, "kept close-on-exec");
    cr_expect(fcntl(again, F_GETFL) & O_NONBLOCK, "still non-blocking");
    cr_expect_eq(sock_pool_take(p, AF_INET), -1, "only one was kept");
    peer = connect_pair(again, l, &addr);
    cr_expect_eq(write(again, "ping", 4), 4);
    cr_expect_eq(read(peer, b, sizeof(b)), 4);
    cr_expect_eq(memcmp(b, "ping", 4), 0);
    int err = -1;
    socklen_t len = sizeof(err);
    getsockopt(again, SOL_SOCKET, SO_ERROR, &err, &len);
    cr_expect_eq(err, 0, "no error left over from the reset: %s", strerror(err));
    struct sock_pool_stats st;
    sock_pool_get_stats(p, &st);
    cr_expect_eq(st.kept, 1);
    cr_expect_eq(st.taken, 1);
    cr_expect_eq(st.idle, 0);
    close(again);
    close(peer);
    close(l);
    sock_pool_free(&p);
    cr_expect_null(p);
}

Test(sock_pool, keeps_at_most_max_per_family_and_frees_the_rest_to_the_caller)
{
    struct sockaddr_in addr;
    int l = listener(&addr);
    struct sock_pool *p;
    cr_assert_eq(sock_pool_new(1, &p), 0);
    int a = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int b = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int pa = connect_pair(a, l, &addr), pb = connect_pair(b, l, &addr);
    cr_expect_eq(sock_pool_recycle(p, a, AF_INET), 0);
    cr_expect_eq(sock_pool_recycle(p, b, AF_INET), -ENOSPC);
    struct sock_pool_stats st;
    sock_pool_get_stats(p, &st);
    cr_expect_eq(st.refused, 1);
    cr_expect_eq(st.idle, 1);
    /* A refused socket is untouched: its connection still works. */
    cr_expect_eq(write(b, "x", 1), 1);
    char c;
    cr_expect_eq(read(pb, &c, 1), 1);
    /* The other family has a pool of its own. */
    cr_expect_eq(sock_pool_take(p, AF_INET6), -1);
    cr_expect_eq(sock_pool_recycle(p, a, AF_UNIX), -EINVAL);
    close(a);
    close(b);
    close(pa);
    close(pb);
    close(l);
    sock_pool_free(&p);
}

Test(sock_pool, a_pool_of_nothing_is_refused)
{
    struct sock_pool *p = NULL;
    cr_expect_eq(sock_pool_new(0, &p), -EINVAL);
    cr_expect_null(p);
    cr_expect_eq(sock_pool_take(NULL, AF_INET), -1);
    sock_pool_free(&p);
    sock_pool_free(NULL);
}
