/* Disconnected TCP sockets kept for the next probe (see sock_pool.h). */
#include "sock_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct family_pool {
    int *fds;
    size_t n, cap;
};

struct sock_pool {
    size_t max;
    struct family_pool v4, v6;
    struct sock_pool_stats st;
};

static struct family_pool *family_pool(struct sock_pool *p, int family)
{
    return family == AF_INET ? &p->v4 : family == AF_INET6 ? &p->v6 : NULL;
}

int sock_pool_new(size_t max, struct sock_pool **out)
{
    if (!out || max == 0)
        return -EINVAL;
    struct sock_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->max = max;
    *out = p;
    return 0;
}

static void family_free(struct family_pool *f)
{
    for (size_t i = 0; i < f->n; i++)
        close(f->fds[i]);
    free(f->fds);
    *f = (struct family_pool){0};
}

void sock_pool_free(struct sock_pool **pp)
{
    if (!pp || !*pp)
        return;
    family_free(&(*pp)->v4);
    family_free(&(*pp)->v6);
    free(*pp);
    *pp = NULL;
}

int sock_pool_take(struct sock_pool *p, int family)
{
    struct family_pool *f = p ? family_pool(p, family) : NULL;
    if (!f || f->n == 0)
        return -1;
    p->st.taken++;
    return f->fds[--f->n];
}

int sock_pool_recycle(struct sock_pool *p, int fd, int family)
{
    struct family_pool *f = p ? family_pool(p, family) : NULL;
    if (!f || fd < 0)
        return -EINVAL;
    if (f->n == p->max) {
        p->st.refused++;
        return -ENOSPC;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        if (cap > p->max)
            cap = p->max;
        int *fds = realloc(f->fds, cap * sizeof(*fds));
        if (!fds) {
            p->st.refused++;
            return -ENOMEM;
        }
        f->fds = fds;
        f->cap = cap;
    }
    /* Disconnecting an established TCP socket sends RST and frees its
     * port, as close with a zero linger would, and leaves the socket
     * able to connect again. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    if (connect(fd, &unspec, sizeof(unspec)) != 0) {
        p->st.refused++;
        return -errno;
    }
    /* The caller's descriptor belongs to its event loop, which closes it
     * (and takes it out of epoll); this one keeps the socket. */
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) {
        p->st.refused++;
        return -errno;
    }
    f->fds[f->n++] = dup;
    p->st.kept++;
    return 0;
}

void sock_pool_get_stats(const struct sock_pool *p, struct sock_pool_stats *out)
{
    *out = p->st;
    out->idle = p->v4.n + p->v6.n;
}
