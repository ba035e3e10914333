/* The platform streams' sockets and connections: accept and identity,
 * the connection state machine and its deadlines, reading and writing,
 * FLV tags paced in real time. What an HLS/HTTP-FLV or RTMP camera says is
 * in http_cam.c and rtmp_cam.c. */
#include "sconn.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#define WRITE_QUEUE_MAX (1u << 20) /* drop tags beyond this backlog, as servers do */
#define CATCH_UP_MS     1000       /* a tag later than this is dropped, not burst */
#define TAGS_PER_TICK   4096       /* bound on the work of one timer tick */

static const char *const state_names[SC_STATE_COUNT] = {
    "reading", "delaying", "dribbling", "streaming", "silent", "finishing", "closing",
};

static void on_timer(uv_timer_t *t);
static void drain_input(struct sconn *c);
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

/* ---- writing ---- */

struct swreq {
    uv_write_t req;
    char data[];
};

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write surfaces as a read error and closes */
    free(req);
}

int sconn_write(struct sconn *c, const void *data, size_t len)
{
    if (c->state == SC_CLOSING || len == 0)
        return 0;
    struct cam *cam = sconn_cam(c);
    c->s->farm->bytes += len;
    if (cam)
        cam->bytes += len;
    size_t done = 0;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
        int n = uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){(char *)data, len}, 1);
        if (n > 0)
            done = (size_t)n;
        else if (n != UV_EAGAIN)
            return n;
    }
    if (done == len)
        return 0;
    struct swreq *w = malloc(sizeof(*w) + len - done);
    if (!w)
        return -ENOMEM;
    memcpy(w->data, (const char *)data + done, len - done);
    uv_buf_t b = {w->data, len - done};
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0)
        free(w);
    return rc;
}

/* ---- state machine ---- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct sconn *c = (struct sconn *)h;
    (void)hint;
    buf->base = c->s->rdbuf;
    buf->len = sizeof(c->s->rdbuf);
}

static void set_reading(struct sconn *c, bool on)
{
    if (on == c->reading)
        return;
    if (on && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        return;
    if (!on)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = on;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    sconn_close(req->data, false);
}

void sconn_set_state(struct sconn *c, enum sconn_state st)
{
    struct farm *f = c->s->farm;
    if (c->state == SC_CLOSING)
        return;
    if (f->opts.verbose)
        fprintf(stderr, "camfarm: %s conn %p cam %d: %s -> %s\n",
                c->proto == PROTO_RTMP ? "rtmp" : "http", (void *)c, c->cam, state_names[c->state],
                state_names[st]);
    c->state = (uint8_t)st;
    const struct cam *cam = sconn_cam(c);
    switch (st) {
    case SC_READING:
    case SC_SILENT:
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        set_reading(c, true);
        break;
    case SC_DELAYING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, cam ? cam->arg : 0, 0);
        break;
    case SC_DRIBBLING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case SC_STREAMING:
        set_reading(c, true);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case SC_FINISHING:
        /* The shutdown waits for queued bytes; a client that stops reading
         * meets the idle deadline instead. */
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        c->shut.data = c;
        if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
            sconn_close(c, false);
        break;
    case SC_CLOSING:
    case SC_STATE_COUNT:
        break;
    }
}

/* Called when a held reply has gone out completely. */
static void reply_done(struct sconn *c)
{
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    if (c->then_close)
        sconn_set_state(c, SC_FINISHING);
    else if (c->then_stream)
        sconn_start_stream(c, c->flv);
    else
        sconn_set_state(c, SC_READING);
}

void sconn_reply(struct sconn *c, char *data, size_t len, bool then_stream, bool then_close)
{
    struct cam *cam = sconn_cam(c);
    c->s->farm->requests++;
    if (cam)
        cam->requests++;
    c->then_stream = then_stream;
    c->then_close = then_close;
    free(c->out);
    c->out = data;
    c->out_len = len;
    c->out_off = 0;
    if (cam && (cam->mode == FAULT_SLOW || cam->mode == FAULT_SLOWLORIS)) {
        sconn_set_state(c, cam->mode == FAULT_SLOW ? SC_DELAYING : SC_DRIBBLING);
        return;
    }
    if (sconn_write(c, data, len) < 0) {
        sconn_close(c, false);
        return;
    }
    reply_done(c);
}

void sconn_start_stream(struct sconn *c, const struct media_flv *flv)
{
    /* Tags go out as soon as they are due. */
    uv_tcp_nodelay(&c->tcp, 1);
    c->flv = flv;
    c->tag = 0;
    c->loop = 0;
    c->waiting_key = false;
    c->start_ms = uv_now(c->s->loop);
    sconn_set_state(c, SC_STREAMING);
}

/* Sends every tag due now; returns the milliseconds to the next one. */
static uint64_t pace_tags(struct sconn *c)
{
    const struct media_flv *m = c->flv;
    const struct cam *cam = sconn_cam(c);
    uint64_t now = uv_now(c->s->loop);
    if (!m || !cam || cam->mode == FAULT_NO_RTP ||
        (cam->mode == FAULT_RTP_STOP && now - c->start_ms >= (uint64_t)cam->arg * 1000))
        return 1000; /* connected, headers sent, no media */
    for (int i = 0; i < TAGS_PER_TICK; i++) {
        const struct media_tag *t = &m->tags[c->tag];
        uint64_t at = (uint64_t)c->loop * m->loop_ms + (t->ts - m->tags[0].ts);
        uint64_t due = c->start_ms + at;
        if (due > now)
            return due - now;
        /* A busy loop or a slow reader: drop what is late, resume at a
         * picture that decodes alone. */
        if (now - due > CATCH_UP_MS ||
            uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > WRITE_QUEUE_MAX)
            c->waiting_key = true;
        if (c->waiting_key && t->keyframe)
            c->waiting_key = false;
        if (!c->waiting_key) {
            if (c->proto == PROTO_RTMP)
                rtmp_cam_send_tag(c, t, (uint32_t)at);
            else
                http_cam_send_tag(c, t, (uint32_t)at);
            if (c->state != SC_STREAMING)
                return 0;
        }
        if (++c->tag == m->n_tags) {
            c->tag = 0;
            c->loop++;
        }
    }
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    struct sconn *c = t->data;
    switch (c->state) {
    case SC_READING:
    case SC_SILENT:
    case SC_FINISHING:
        sconn_close(c, false); /* its deadline passed */
        return;
    case SC_DELAYING:
        if (sconn_write(c, c->out, c->out_len) < 0) {
            sconn_close(c, false);
            return;
        }
        reply_done(c);
        drain_input(c); /* requests that came meanwhile */
        return;
    case SC_DRIBBLING:
        if (sconn_write(c, c->out + c->out_off, 1) < 0) {
            sconn_close(c, false);
            return;
        }
        if (++c->out_off >= c->out_len) {
            reply_done(c);
            drain_input(c);
        } else
            uv_timer_start(&c->timer, on_timer, 1000, 0);
        return;
    case SC_STREAMING: {
        uint64_t wait = pace_tags(c);
        if (c->state == SC_STREAMING)
            uv_timer_start(&c->timer, on_timer, wait, 0);
        return;
    }
    default:
        return;
    }
}

/* ---- reading ---- */

/* Hands the buffered input to the connection's protocol while it reads. */
static void drain_input(struct sconn *c)
{
    size_t off = 0;
    if (!c->in)
        return;
    while (off < c->in_len && (c->state == SC_READING || c->state == SC_STREAMING)) {
        int rc = c->proto == PROTO_RTMP ? rtmp_cam_input(c, c->in + off, c->in_len - off)
                                        : http_cam_input(c, c->in + off, c->in_len - off);
        if (rc < 0) {
            sconn_close(c, false);
            return;
        }
        if (rc == 0)
            break;
        off += (size_t)rc;
    }
    if (c->state == SC_CLOSING)
        return;
    if (c->state == SC_SILENT)
        off = c->in_len;
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    if (c->in_len == 0) {
        free(c->in); /* nothing per idle connection beyond its handles */
        c->in = NULL;
    }
    if (c->state == SC_READING && off > 0)
        uv_timer_start(&c->timer, on_timer, c->s->farm->opts.idle_timeout_ms, 0);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct sconn *c = (struct sconn *)st;
    if (n < 0) {
        sconn_close(c, false);
        return;
    }
    if (n == 0 || c->state == SC_SILENT || c->state == SC_CLOSING || c->state == SC_FINISHING)
        return;
    if (c->in_len + (size_t)n > SCONN_IN_MAX) {
        sconn_close(c, false); /* beyond every limit the parsers accept */
        return;
    }
    if (!c->in && !(c->in = malloc(SCONN_IN_MAX))) {
        sconn_close(c, false);
        return;
    }
    memcpy(c->in + c->in_len, buf->base, (size_t)n);
    c->in_len += (size_t)n;
    drain_input(c);
}

/* ---- connections ---- */

static void on_closed(uv_handle_t *h)
{
    struct sconn *c = h->data;
    assert(c->handles_open > 0);
    if (--c->handles_open > 0)
        return;
    rtmp_cam_free(c);
    free(c->in);
    free(c->out);
    free(c);
}

void sconn_close(struct sconn *c, bool reset)
{
    struct farm *f = c->s->farm;
    if (c->state == SC_CLOSING)
        return;
    sconn_set_state(c, SC_CLOSING);
    if (c->cam >= 0 && sconn_cam(c)->open_conns > 0)
        sconn_cam(c)->open_conns--;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    assert(f->open_conns > 0); /* counted at accept, once per connection */
    f->open_conns--;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    if (reset) {
        f->resets++;
        if (uv_tcp_close_reset(&c->tcp, on_closed) == 0)
            return;
    }
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* Whether camera `cam` is served on the socket of `proto`. */
static bool serves(const struct cam *cam, int proto)
{
    if (proto == PROTO_RTMP)
        return cam->proto == PROTO_RTMP;
    return cam->proto == PROTO_HLS || cam->proto == PROTO_FLV;
}

/* Binds the connection to the camera its local address belongs to and
 * applies the faults that act before any byte is read. */
static void admit(struct sconn *c, uint32_t local_ip)
{
    struct farm *f = c->s->farm;
    c->cam = fleet_by_ip(f->fleet, local_ip);
    struct cam *cam = sconn_cam(c);
    if (!cam) {
        /* The platform's own address: HTTP requests name the camera in
         * their path (redirects lead there); RTMP has no such form. */
        if (c->proto == PROTO_RTMP)
            sconn_close(c, true);
        else
            sconn_set_state(c, SC_READING);
        return;
    }
    cam->conns++;
    cam->open_conns++;
    /* Nothing listens on this port at that host (an RTSP camera's address
     * on the HTTP port), or the camera is down. */
    if (!serves(cam, c->proto) || camera_refuses(f, cam)) {
        sconn_close(c, true);
        return;
    }
    if (cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SYN_DROP) {
        sconn_set_state(c, SC_SILENT);
        set_reading(c, false); /* not even reading */
        return;
    }
    sconn_set_state(c, SC_READING);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct streams *s = server->data;
    if (status < 0)
        return;
    struct sconn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->s = s;
    c->cam = -1;
    c->proto = server == (uv_stream_t *)&s->rtmp ? PROTO_RTMP : PROTO_HLS;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles_open = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->farm->open_conns++;
    s->farm->total_conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        sconn_close(c, false);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_INET) {
        sconn_close(c, false);
        return;
    }
    uint32_t ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
    if ((ip >> 24) != 127) {
        sconn_close(c, true); /* only loopback is ever served */
        return;
    }
    admit(c, ip);
}

void streams_init(struct streams *s, struct farm *farm, const struct media_set *media)
{
    memset(s, 0, offsetof(struct streams, rdbuf));
    s->loop = farm->loop;
    s->farm = farm;
    s->media = media;
}

int streams_listen(struct streams *s, int proto, const char *ip, int port)
{
    uv_tcp_t *l = proto == PROTO_RTMP ? &s->rtmp : &s->http;
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(ip, port, &addr);
    if (rc < 0)
        return rc;
    uv_tcp_init(s->loop, l);
    l->data = s;
    *(proto == PROTO_RTMP ? &s->rtmp_open : &s->http_open) = 1;
    if ((rc = uv_tcp_bind(l, (const struct sockaddr *)&addr, 0)) < 0 ||
        (rc = uv_listen((uv_stream_t *)l, 4096, on_connection)) < 0)
        return rc;
    struct sockaddr_in got;
    int len = sizeof(got);
    uv_tcp_getsockname(l, (struct sockaddr *)&got, &len);
    *(proto == PROTO_RTMP ? &s->rtmp_port : &s->http_port) = ntohs(got.sin_port);
    return 0;
}

void streams_drop_camera(void *arg, int cam)
{
    struct streams *s = arg;
    struct sconn *c = s->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->cam == cam)
            sconn_close(c, true);
    }
}

void streams_close(struct streams *s)
{
    while (s->conns)
        sconn_close(s->conns, false);
    if (s->http_open && !uv_is_closing((uv_handle_t *)&s->http))
        uv_close((uv_handle_t *)&s->http, NULL);
    if (s->rtmp_open && !uv_is_closing((uv_handle_t *)&s->rtmp))
        uv_close((uv_handle_t *)&s->rtmp, NULL);
    free(s->scratch);
    s->scratch = NULL;
    s->scratch_cap = 0;
}
