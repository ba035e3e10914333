/* The HTTP server's connections (http_conns.h). h2o 2.2 reads a request's
 * head and body under one timer, reads a whole body before any handler
 * runs, and has no hook on a request head. So:
 * - connections are counted per address (conn_table.c), and the busiest
 *   loses its oldest when places run short;
 * - a connection's first request head is read here (the gate) and judged
 *   (token, declared body, the body budget) before h2o gets the socket and
 *   the bytes read; a refused request's body is never taken in. A
 *   connection whose first request had no token serves that request only,
 *   so every request of an unauthenticated client passes the gate;
 * - a request head must arrive within a short deadline, and a sweep a few
 *   times a second also holds bodies received on kept-alive connections
 *   to the budget. Connections a request is being answered on are left
 *   alone. */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "http/conn_table.h"
#include "http/http_conns.h"

#define SWEEP_MAX_MS   100
#define SWEEP_MIN_MS   20
#define HEAD_SCAN_MAX  16384 /* h2o refuses longer heads itself (8 KiB) */
#define FD_TABLE_MAX   (1u << 20)

enum conn_state {
    CONN_GATE,   /* reading the first request head ourselves */
    CONN_H2O,    /* h2o's */
    CONN_LINGER, /* refused: reply sent, input discarded until the peer ends */
};

struct conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    struct http_conns *cs;
    enum conn_state state;
    char *head; /* CONN_GATE: HTTP_HEAD_MAX bytes */
    size_t head_len;
    size_t reserved; /* bytes of the body budget its first request holds */
    bool once;       /* the gate passed one request: no keep-alive */
    struct conn *prev, *next; /* all open connections */
    struct conn_entry ent;    /* by address, while it counts */
    h2o_socket_t *sock;
    uint64_t since; /* loop time it began waiting for a request head */
    int fd;
    unsigned busy; /* requests in the handlers (0 or 1 over HTTP/1) */
    size_t held;   /* bytes its input holds while a body arrives (the last sweep's) */
    bool cut;      /* shut down by us; closing */
};

struct http_conns {
    uv_loop_t *loop;
    h2o_accept_ctx_t *accept;
    struct http_conns_limits lim;
    struct conn_table table;
    struct conn *list;
    size_t nopen; /* including cut ones not closed yet */
    struct conn **by_fd;
    size_t nfd;
    size_t reserved; /* bytes of the budget the gate has given out */
    http_gate_fn gate;
    uv_timer_t sweep;
    bool stopping;
    void (*on_empty)(void *);
    void *data;
    struct http_conns_stats stats;
};

/* ---- one connection ---- */

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void conn_closed(uv_handle_t *h);

static void cut(struct conn *c)
{
    if (c->cut)
        return;
    c->cut = true;
    conn_table_remove(&c->cs->table, &c->ent);
    if (c->state != CONN_H2O) {
        if (!uv_is_closing((uv_handle_t *)&c->tcp))
            uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    /* h2o sees end of input (or a failed write) and closes it its way:
     * closing under its feet would leave it a dangling socket. */
    shutdown(c->fd, SHUT_RDWR);
}

/* A client whose body does not fit the budget gets a 503 before the cut:
 * h2o has written nothing on this request yet (it is still reading it). */
static const char busy_body[] =
        "{\"error\":{\"code\":\"busy\",\"status\":503,\"message\":\"too many request bodies "
        "are being received at once ([http] body_budget); retry shortly\"}}";

static int busy_reply(char *reply, size_t cap)
{
    return snprintf(reply, cap,
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    "Retry-After: 1\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
                    sizeof(busy_body) - 1, busy_body);
}

static void cut_over_budget(struct conn *c)
{
    char reply[512];
    int n = busy_reply(reply, sizeof(reply));
    if (n > 0 && (size_t)n < sizeof(reply))
        (void)!send(c->fd, reply, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    c->cs->stats.over_budget++;
    cut(c);
}

static void release(struct conn *c)
{
    c->cs->reserved -= c->reserved;
    c->reserved = 0;
}

static void conn_closed(uv_handle_t *h)
{
    struct conn *c = (struct conn *)h;
    struct http_conns *cs = c->cs;
    conn_table_remove(&cs->table, &c->ent);
    release(c);
    free(c->head);
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->fd >= 0 && (size_t)c->fd < cs->nfd && cs->by_fd[c->fd] == c)
        cs->by_fd[c->fd] = NULL;
    cs->nopen--;
    free(c);
    if (cs->stopping && cs->nopen == 0 && cs->on_empty)
        cs->on_empty(cs->data);
}

/* ---- the sweep ---- */

/* The head ends at the first empty line (picohttpparser takes bare LF too). */
static bool head_complete(const h2o_buffer_t *in)
{
    if (!in || !in->size)
        return false;
    size_t n = in->size < HEAD_SCAN_MAX ? in->size : HEAD_SCAN_MAX;
    return memmem(in->bytes, n, "\n\r\n", 3) || memmem(in->bytes, n, "\n\n", 2);
}

/* Cuts the connections receiving the largest bodies until those left fit
 * the budget: one client's upload goes, not everyone's small requests. */
static void enforce_budget(struct http_conns *cs, size_t receiving)
{
    while (receiving > cs->lim.body_budget - cs->reserved) {
        struct conn *big = NULL;
        for (struct conn *c = cs->list; c; c = c->next)
            if (!c->cut && c->held && (!big || c->held > big->held))
                big = c;
        if (!big)
            break;
        receiving -= big->held;
        big->held = 0;
        cut_over_budget(big);
    }
}

static void on_sweep(uv_timer_t *t)
{
    struct http_conns *cs = t->data;
    uint64_t now = uv_now(cs->loop);
    size_t receiving = 0;
    for (struct conn *c = cs->list; c; c = c->next) {
        c->held = 0;
        if (c->cut || c->busy || uv_is_closing((uv_handle_t *)&c->tcp))
            continue;
        if (c->state != CONN_H2O) {
            if (now - c->since >= cs->lim.head_deadline_ms) {
                cs->stats.head_late += c->state == CONN_GATE;
                cut(c);
            }
            continue;
        }
        const h2o_buffer_t *in = c->sock->input;
        /* A body the gate reserved for is counted in cs->reserved. */
        if (head_complete(in) && c->reserved) {
            continue;
        } else if (head_complete(in)) {
            c->held = in->capacity;
            receiving += c->held;
        } else if (now - c->since >= cs->lim.head_deadline_ms) {
            cs->stats.head_late++;
            cut(c);
        }
    }
    if (receiving > cs->lim.body_budget - cs->reserved)
        enforce_budget(cs, receiving);
    if (!cs->list)
        uv_timer_stop(t);
}

/* ---- the gate ---- */

static void gate_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = (struct conn *)h;
    static char sink[4096]; /* what a refused client still sends */
    if (c->state == CONN_LINGER)
        *buf = uv_buf_init(sink, sizeof(sink));
    else
        *buf = uv_buf_init(c->head + c->head_len, (unsigned)(HTTP_HEAD_MAX - c->head_len));
}

/* The reply goes out and the connection is half-closed; reading on (and
 * dropping) until the client ends keeps the kernel from resetting the
 * connection over unread bytes before the client has read the reply. */
static void refuse(struct conn *c, const char *reply, size_t len)
{
    c->cs->stats.refused++;
    c->state = CONN_LINGER;
    c->since = uv_now(c->cs->loop);
    free(c->head);
    c->head = NULL;
    (void)!send(c->fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    shutdown(c->fd, SHUT_WR);
}

/* h2o takes the socket and the bytes read so far, as if it had read them. */
static void hand_to_h2o(struct conn *c)
{
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->state = CONN_H2O;
    c->since = uv_now(c->cs->loop);
    c->sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, conn_closed);
    h2o_iovec_t room = h2o_buffer_reserve(&c->sock->input, c->head_len);
    memcpy(room.base, c->head, c->head_len);
    c->sock->input->size += c->head_len;
    free(c->head);
    c->head = NULL;
    h2o_accept(c->cs->accept, c->sock);
}

static void judge(struct conn *c, const struct http_head *h, int parsed)
{
    struct http_conns *cs = c->cs;
    char reply[1024];
    size_t reserve = 0, rlen = 0;
    enum http_gate_verdict v = cs->gate(cs->data, h, parsed, &reserve, reply, sizeof(reply), &rlen);
    if (v != HTTP_GATE_REFUSE && reserve) {
        if (reserve > cs->lim.body_budget - cs->reserved) {
            cs->stats.over_budget++;
            int n = busy_reply(reply, sizeof(reply));
            rlen = n > 0 && (size_t)n < sizeof(reply) ? (size_t)n : 0;
            v = HTTP_GATE_REFUSE;
        } else {
            c->reserved = reserve;
            cs->reserved += reserve;
        }
    }
    if (v == HTTP_GATE_REFUSE) {
        refuse(c, reply, rlen);
        return;
    }
    c->once = v == HTTP_GATE_PASS_ONCE;
    hand_to_h2o(c);
}

static void gate_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct conn *c = (struct conn *)s;
    if (nread < 0) {
        cut(c);
        return;
    }
    if (c->state != CONN_GATE || nread == 0)
        return;
    c->head_len += (size_t)nread;
    struct http_head h;
    int parsed = http_head_parse(c->head, c->head_len, &h);
    if (parsed == 0 && c->head_len < HTTP_HEAD_MAX)
        return;
    judge(c, &h, parsed == 0 ? -EMSGSIZE : parsed);
}

/* ---- accepting ---- */

static void admit(struct http_conns *cs, struct conn *c)
{
    struct sockaddr_storage peer;
    int plen = sizeof(peer);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) == 0 &&
        conn_table_key((struct sockaddr *)&peer, c->ent.addr) == 0) {
        struct conn_entry *victim;
        while ((victim = conn_table_victim(&cs->table, c->ent.addr)) != NULL) {
            cs->stats.evicted++;
            cut((struct conn *)((char *)victim - offsetof(struct conn, ent)));
        }
        conn_table_add(&cs->table, &c->ent);
    }
}

void http_conns_on_accept(uv_stream_t *listener, int status)
{
    struct http_conns *cs = listener->data;
    if (status)
        return;
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    uv_tcp_init(cs->loop, &c->tcp);
    uv_os_fd_t fd = -1;
    /* Cut connections hold their descriptor until h2o closes them, within
     * a loop turn when it was reading: the cap leaves room for as many
     * (http_server.c), and new connections are never refused for them. */
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) || cs->stopping ||
        uv_fileno((uv_handle_t *)&c->tcp, &fd)) {
        uv_close((uv_handle_t *)&c->tcp, free_handle);
        return;
    }
    c->cs = cs;
    c->fd = fd;
    c->since = uv_now(cs->loop);
    c->next = cs->list;
    if (cs->list)
        cs->list->prev = c;
    cs->list = c;
    cs->nopen++;
    if ((size_t)fd < cs->nfd)
        cs->by_fd[fd] = c;
    admit(cs, c);
    if (!uv_is_active((uv_handle_t *)&cs->sweep)) {
        uint64_t every = cs->lim.head_deadline_ms / 4;
        every = every > SWEEP_MAX_MS ? SWEEP_MAX_MS : every < SWEEP_MIN_MS ? SWEEP_MIN_MS : every;
        uv_timer_start(&cs->sweep, on_sweep, every, every);
    }
    c->state = CONN_GATE;
    c->head = malloc(HTTP_HEAD_MAX);
    if (!c->head || uv_read_start((uv_stream_t *)&c->tcp, gate_alloc, gate_read))
        cut(c);
}

/* ---- requests ---- */

struct busy_ref {
    struct conn *c;
};

static void on_request_disposed(void *p)
{
    struct conn *c = ((struct busy_ref *)p)->c;
    release(c);
    c->busy--;
    c->since = uv_now(c->cs->loop);
}

void http_conns_request_began(struct http_conns *cs, h2o_req_t *req)
{
    h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn)
                                                          : NULL;
    int fd = sock ? h2o_socket_get_fd(sock) : -1;
    if (fd < 0 || (size_t)fd >= cs->nfd || !cs->by_fd[fd])
        return;
    struct conn *c = cs->by_fd[fd];
    struct busy_ref *ref = h2o_mem_alloc_shared(&req->pool, sizeof(*ref), on_request_disposed);
    ref->c = c;
    c->busy++;
    if (c->once)
        req->http1_is_persistent = 0;
}

/* ---- the set ---- */

int http_conns_new(uv_loop_t *loop, h2o_accept_ctx_t *accept, const struct http_conns_limits *lim,
                   http_gate_fn gate, void (*on_empty)(void *), void *data,
                   struct http_conns **out)
{
    struct http_conns *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return -ENOMEM;
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);
    cs->nfd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FD_TABLE_MAX ? FD_TABLE_MAX
                                                                          : (size_t)rl.rlim_cur;
    cs->by_fd = calloc(cs->nfd, sizeof(*cs->by_fd));
    int rc = cs->by_fd ? conn_table_init(&cs->table, lim->max_conns, lim->max_per_addr) : -ENOMEM;
    if (rc) {
        free(cs->by_fd);
        free(cs);
        return rc;
    }
    cs->loop = loop;
    cs->accept = accept;
    cs->lim = *lim;
    cs->on_empty = on_empty;
    cs->gate = gate;
    cs->data = data;
    uv_timer_init(loop, &cs->sweep);
    cs->sweep.data = cs;
    /* The sweep alone must not keep the loop running at stop. */
    uv_unref((uv_handle_t *)&cs->sweep);
    *out = cs;
    return 0;
}

void http_conns_stop(struct http_conns *cs)
{
    cs->stopping = true;
    uv_close((uv_handle_t *)&cs->sweep, NULL);
    http_conns_shutdown_all(cs, SHUT_RD);
}

void http_conns_shutdown_all(struct http_conns *cs, int how)
{
    for (struct conn *c = cs->list; c; c = c->next)
        shutdown(c->fd, how);
}

size_t http_conns_open(const struct http_conns *cs)
{
    return cs->nopen;
}

void http_conns_get_stats(const struct http_conns *cs, struct http_conns_stats *st)
{
    *st = cs->stats;
}

/* After the loop has closed every connection and the sweep timer. */
void http_conns_free(struct http_conns **p)
{
    struct http_conns *cs = *p;
    if (!cs)
        return;
    *p = NULL;
    conn_table_dispose(&cs->table);
    free(cs->by_fd);
    free(cs);
}
