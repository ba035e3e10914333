/* Tier-1 probe sockets: non-blocking TCP sockets watched by one
 * edge-triggered epoll set that sits in the libuv loop as a single uv_poll
 * handle, and the disconnected sockets kept for the next probe.
 *
 * Why not uv_tcp_t: a libuv TCP handle adds its socket to the loop's epoll
 * set when it starts, changes its events when the connect completes and
 * removes it when it closes, checks SO_ERROR after every connect, and sets
 * O_NONBLOCK again on a reused socket: with the reset and the duplicate a
 * reused socket needed, a describe probe made 11 system calls, of which
 * only connect, write and read do the probe's work. Here a socket enters
 * the set once, when it is created, for input, output and hang-up with
 * EPOLLET, and stays there across probes while it is reused (nginx adds its
 * connections the same way): a probe on a reused socket is connect, write,
 * read and the reset, plus its share of two epoll_wait calls per loop turn.
 *
 * Edges are hints. The owner finds out what happened by reading or writing;
 * an event fetched before the socket changed hands is dropped, so the
 * events an owner sees always describe its own connection. A read that
 * fills the buffer it was given must be followed by another (an edge is not
 * repeated for data already there): tcp_sock_read_again posts the socket
 * for one more input event on the next loop turn, so one busy socket cannot
 * hold the loop.
 *
 * Linux only. Not thread-safe: one per loop. */
#ifndef CAMDEX_TCP_IO_H
#define CAMDEX_TCP_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

struct tcp_io;
struct tcp_sock;

/* What an event says, at most: check with a read, a write or
 * tcp_sock_error. */
enum {
    TCP_IO_IN = 1,  /* data, end of stream or an error to read */
    TCP_IO_OUT = 2, /* connected, or room to write again */
    TCP_IO_ERR = 4, /* error or hang-up: tcp_sock_error tells which */
};

typedef void (*tcp_sock_cb)(struct tcp_sock *s, unsigned events, void *data);

struct tcp_io_stats {
    uint64_t created; /* sockets made with socket() */
    uint64_t reused;  /* connects on a kept socket */
    uint64_t kept;    /* sockets kept after a reset */
    uint64_t refused; /* reset but not kept: max_idle reached */
    size_t idle;      /* kept sockets waiting now */
    size_t live;      /* sockets owned by callers now */
};

/* A set on `loop` keeping at most max_idle disconnected sockets per family
 * (0: none). Its loop handle does not keep the loop alive. */
int tcp_io_new(uv_loop_t *loop, size_t max_idle, struct tcp_io **out);
/* Closes the kept sockets and the loop handle; every socket must have been
 * closed with tcp_sock_close. The memory is freed, and done(arg) called
 * (when not NULL), once libuv has closed the handle. NULL is ignored. */
void tcp_io_close(struct tcp_io *io, void (*done)(void *arg), void *arg);
uv_loop_t *tcp_io_loop(const struct tcp_io *io);
void tcp_io_get_stats(const struct tcp_io *io, struct tcp_io_stats *out);

/* Start connecting to addr (AF_INET or AF_INET6) on a kept socket or a new
 * one; cb gets the socket's events until tcp_sock_close. Returns 0, or a
 * negative errno when the connect failed at once (-ECONNREFUSED among
 * them), and then there is no socket. */
int tcp_sock_connect(struct tcp_io *io, const struct sockaddr *addr, tcp_sock_cb cb, void *data,
                     struct tcp_sock **out);
/* The socket's pending error (SO_ERROR, which it clears) as a negative
 * errno, or 0. */
int tcp_sock_error(struct tcp_sock *s);
/* What the socket holds right now (TCP_IO_* bits, from poll(2) with no
 * wait): for a caller whose deadline came before the loop read the
 * socket's events. */
unsigned tcp_sock_pending(struct tcp_sock *s);
/* Bytes sent, or a negative errno (-EAGAIN: not connected yet, or no room;
 * wait for TCP_IO_OUT). Never raises SIGPIPE. */
ssize_t tcp_sock_write(struct tcp_sock *s, const void *buf, size_t len);
/* Bytes read, 0 at end of stream, or a negative errno (-EAGAIN: nothing
 * there). */
ssize_t tcp_sock_read(struct tcp_sock *s, void *buf, size_t cap);
/* Deliver TCP_IO_IN once more on the next loop turn: for a reader that
 * stopped while data may still be waiting. */
void tcp_sock_read_again(struct tcp_sock *s);

enum tcp_close_how {
    TCP_CLOSE_FIN,   /* orderly: what was sent is still delivered */
    TCP_CLOSE_RESET, /* RST, no TIME_WAIT; the socket may be kept for reuse */
};
/* Ends the connection; no callback runs for it afterwards. */
void tcp_sock_close(struct tcp_sock *s, enum tcp_close_how how);

#endif
