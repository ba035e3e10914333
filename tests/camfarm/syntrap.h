/* SYN traps: make one camera address drop SYNs, so a client's connect()
 * times out as it does for a powered-off camera. A listener bound to that
 * address (more specific than the fleet's wildcard listener, which shares
 * the port through SO_REUSEPORT) gets an accept queue of one, filled at
 * once by our own connection and never accepted: the kernel then drops
 * every further SYN. The only fault that holds descriptors (two per
 * camera), so their number is capped. */
#ifndef CAMFARM_SYNTRAP_H
#define CAMFARM_SYNTRAP_H

#include <stdint.h>

#define SYNTRAP_MAX 256

struct syntrap {
    uint32_t ip;   /* host order */
    int listen_fd; /* bound to ip:port, never accepted */
    int fill_fd;   /* our connection sitting in its accept queue */
};

struct syntrap_set {
    uint16_t port;
    int count;
    struct syntrap traps[SYNTRAP_MAX];
};

void syntrap_init(struct syntrap_set *s, uint16_t port);
/* Traps ip. Returns 0 (also when already trapped), -ENOSPC past
 * SYNTRAP_MAX, or a negative errno from the socket calls. */
int syntrap_add(struct syntrap_set *s, uint32_t ip);
void syntrap_remove(struct syntrap_set *s, uint32_t ip);
int syntrap_has(const struct syntrap_set *s, uint32_t ip);
void syntrap_close_all(struct syntrap_set *s);

/* SO_REUSEPORT would let a second camfarm share a port in use and split
 * its clients. This checks with a plain socket that ip:port is free (port
 * 0: picks a free one) and returns that port, or a negative errno such as
 * -EADDRINUSE. Bind the real socket right after. */
int syntrap_free_port(uint32_t ip, uint16_t port);

/* A listening-capable TCP socket with SO_REUSEADDR and SO_REUSEPORT bound
 * to ip:port (host order); the fleet listener is made with it too, or the
 * traps could not share its port. Returns the fd or a negative errno. */
int syntrap_bound_socket(uint32_t ip, uint16_t port);

#endif
