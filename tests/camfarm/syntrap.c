/* SYN traps for the "syn_drop" fault (see syntrap.h). */
#include "syntrap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void syntrap_init(struct syntrap_set *s, uint16_t port)
{
    memset(s, 0, sizeof(*s));
    s->port = port;
}

int syntrap_bound_socket(uint32_t ip, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int syntrap_free_port(uint32_t ip, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1, rc;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
    socklen_t len = sizeof(a);
    /* SO_REUSEADDR only skips TIME_WAIT leftovers, never a live listener. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        rc = -errno;
    else
        rc = ntohs(a.sin_port);
    close(fd);
    return rc;
}

int syntrap_has(const struct syntrap_set *s, uint32_t ip)
{
    for (int i = 0; i < s->count; i++)
        if (s->traps[i].ip == ip)
            return 1;
    return 0;
}

int syntrap_add(struct syntrap_set *s, uint32_t ip)
{
    if (syntrap_has(s, ip))
        return 0;
    if (s->count == SYNTRAP_MAX)
        return -ENOSPC;
    int lfd = syntrap_bound_socket(ip, s->port);
    if (lfd < 0)
        return lfd;
    /* Backlog 0 still queues one connection; ours takes that place. */
    if (listen(lfd, 0) < 0) {
        int e = errno;
        close(lfd);
        return -e;
    }
    int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(s->port), .sin_addr.s_addr = htonl(ip)};
    if (cfd < 0 || (connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)) {
        int e = errno;
        if (cfd >= 0)
            close(cfd);
        close(lfd);
        return -e;
    }
    s->traps[s->count++] = (struct syntrap){.ip = ip, .listen_fd = lfd, .fill_fd = cfd};
    return 0;
}

void syntrap_remove(struct syntrap_set *s, uint32_t ip)
{
    for (int i = 0; i < s->count; i++) {
        if (s->traps[i].ip != ip)
            continue;
        close(s->traps[i].fill_fd);
        close(s->traps[i].listen_fd);
        s->traps[i] = s->traps[--s->count];
        return;
    }
}

void syntrap_close_all(struct syntrap_set *s)
{
    while (s->count)
        syntrap_remove(s, s->traps[0].ip);
}
